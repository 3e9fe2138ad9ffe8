"""Cut an episode's plan into chunks that are encoded apart, in parallel, and cached.

A chunk ends at every chapter and, inside a chapter, after a paragraph pause chosen
by the paragraph's own text (content-defined, as in rsync): editing one paragraph
changes one chunk, and the cut points after it stay where they were. A chunk's key
hashes everything that shapes its audio, so an unchanged chunk is neither
synthesized nor encoded again: its MP3 frames and measurements come from the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

from audiogen.errors import OutputError
from audiogen.limits import MAX_CHUNK_SECONDS
from audiogen.fsutil import atomic_write_text, describe_os_error
from audiogen.cleanup import sweep_dirs

CHUNK_VERSION = "3"  # bump whenever ChunkMeta or its cues change shape: old entries are then never read
MIN_CHARS = 800  # about 50 s of speech
MAX_CHARS = 3000
CUT_ONE_IN = 2  # among paragraph ends past MIN_CHARS
CHARS_PER_SECOND = 12  # a fast reading pace: overestimates a chunk's speech


def split(items: Sequence[Any], is_mark, paragraph_end, speech_text, silence_seconds=None) -> list[list[Any]]:
    """Chunks of ``items``: a new one at each chapter mark, and after some paragraph pauses.

    ``silence_seconds(item)`` (None for items that are not silence) also cuts a chunk after any
    pause once it holds about ``MAX_CHUNK_SECONDS`` of audio, so long pauses never make a chunk
    (and the memory that reads it back) large.
    """
    chunks: list[list[Any]] = [[]]
    chars = 0
    quiet = 0.0
    last_text = ""
    for item in items:
        if is_mark(item) and chunks[-1]:
            chunks.append([])
            chars, quiet = 0, 0.0
        chunks[-1].append(item)
        text = speech_text(item)
        pause = silence_seconds(item) if silence_seconds else None
        if text is not None:
            chars += len(text)
            last_text = text
            continue
        if pause is not None:
            quiet += pause
            if chars / CHARS_PER_SECOND + quiet >= MAX_CHUNK_SECONDS:
                chunks.append([])
                chars, quiet = 0, 0.0
                continue
        if paragraph_end(item) and chars >= MIN_CHARS:
            if chars >= MAX_CHARS or zlib.crc32(last_text.encode("utf-8")) % CUT_ONE_IN == 0:
                chunks.append([])
                chars, quiet = 0, 0.0
    return [c for c in chunks if c]


def key(description: Any) -> str:
    blob = json.dumps([CHUNK_VERSION, description], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChunkMeta:
    """A chunk's timeline (in samples from its start) and measurements, stored beside its MP3."""

    samples: int
    marks: list  # [title, sample]
    cues: list  # [start, end, role, speaker, text, [[start, end] of each sentence clip] or []]
    momentary: list
    short: list
    true_peak: float | None
    mp3_bytes: int
    mp3_crc: int


def pinned(folder: Path, k: str) -> Path:
    """Where a render keeps its own link to cached chunk ``k`` (see ChunkStore.pin)."""
    return folder / f"pin-{k}.mp3"


def cache_error(exc: OSError, path: Path) -> OutputError:
    """A failed read or write in the audio cache, said so (the cache is not where the episode goes)."""
    return OutputError(describe_os_error(exc, path) + " (the audio cache; AUDIOGEN_CACHE_DIR or --no-cache "
                       "choose another place)")


class ChunkStore:
    """Encoded chunks in the cache folder: ``chunks/ab/<key>.mp3`` and ``.json``, checked on read."""

    def __init__(self, root: Path):
        self.root = Path(root) / "chunks"
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise cache_error(exc, self.root) from None

        sweep_dirs(self.root, ".work-")  # work folders of renders that were killed

    def mp3(self, k: str) -> Path:
        return self.root / k[:2] / f"{k}.mp3"

    def get(self, k: str) -> ChunkMeta | None:
        """The chunk's metadata when its MP3 is whole, else None (bad entries are removed)."""
        mp3, meta_path = self.mp3(k), self.mp3(k).with_suffix(".json")
        try:
            meta = ChunkMeta(**json.loads(meta_path.read_text("utf-8")))
            data = mp3.read_bytes()
        except (OSError, ValueError, TypeError):
            meta = None
            data = b""
        if meta is not None and len(data) == meta.mp3_bytes and zlib.crc32(data) == meta.mp3_crc:
            try:
                os.utime(mp3)
                os.utime(meta_path)
            except OSError:
                pass
            return meta
        for p in (mp3, meta_path):
            p.unlink(missing_ok=True)
        return None

    def temp_path(self, k: str) -> Path:
        folder = self.root / k[:2]
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise cache_error(exc, folder) from None
        fd, name = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".mp3")
        os.close(fd)
        return Path(name)

    def pin(self, keys: Sequence[str], folder: Path) -> list[ChunkMeta | None]:
        """The cached chunks of ``keys`` (None where not cached), each hard-linked into this
        render's ``folder`` as ``pinned(folder, key)``: another render pruning the shared cache
        meanwhile then removes only the cache's name, never audio this render will join."""
        metas: list[ChunkMeta | None] = []
        for k in keys:
            meta = self.get(k)
            if meta is not None:
                try:
                    os.link(self.mp3(k), pinned(folder, k))
                except FileExistsError:  # the same chunk twice in one episode
                    pass
                except FileNotFoundError:  # pruned since get(): render it
                    meta = None
                except OSError:  # a file system without hard links
                    try:
                        shutil.copyfile(self.mp3(k), pinned(folder, k))
                    except OSError:
                        meta = None
            metas.append(meta)
        return metas

    @staticmethod
    def measure(encoded: Path, meta: dict[str, Any]) -> ChunkMeta:
        """A freshly encoded chunk's full metadata (its size and checksum added)."""
        data = encoded.read_bytes()
        return ChunkMeta(**meta, mp3_bytes=len(data), mp3_crc=zlib.crc32(data))

    def put(self, k: str, encoded: Path, full: ChunkMeta) -> ChunkMeta:
        """Move a finished chunk into place (MP3 first, metadata last: the metadata vouches for it)."""
        target = self.mp3(k)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(encoded, target)
        except OSError as exc:
            raise cache_error(exc, target) from None
        atomic_write_text(target.with_suffix(".json"), json.dumps(asdict(full), separators=(",", ":")))
        return full
