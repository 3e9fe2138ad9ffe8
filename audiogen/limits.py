"""Every limit audiogen holds its inputs to, in one place, and a reader that keeps them.

A limit is checked before an input is read in full: a file is read at most one byte past
its limit, so an endless device (``/dev/zero``), a pipe or a huge file costs no more
memory than the limit itself. docs/robustness.md lists these limits for users.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Type

from audiogen.errors import AudiogenError

MB = 2**20

MAX_ARTICLE_BYTES = 8 * MB  # ~1 million words of text, or a very heavy HTML page
MAX_SCRIPT_BYTES = 16 * MB  # a script holds the written and the spoken text of an 8 MB article
MAX_CONFIG_BYTES = 1 * MB  # podcast.toml
MAX_COVER_BYTES = 10 * MB  # the episode's embedded cover
MAX_COVER_PIXELS = 4096 * 4096  # decoded, a cover is pixels x 4 bytes
MAX_AUDIO_BYTES = 64 * MB  # an intro, outro or bed file (a minute of 96 kHz float WAV fits)
MAX_STINGER_SECONDS = 60.0  # intro, outro
MAX_BED_SECONDS = 120.0  # the music bed, looped under the title read
MAX_LEXICON_BYTES = 2 * MB
MAX_LEXICON_ENTRIES = 20_000
MAX_LEXICON_FORM_CHARS = 300  # a written or spoken form
MAX_PAUSE_SECONDS = 60.0  # one pause after a line; consecutive pause lines add up to this
MAX_TOTAL_PAUSE_SECONDS = 3600.0  # all explicit pauses of one script (an hour)
MAX_CHAPTERS = 1000  # chapters of one script (ID3 chapter tables nest past 255)
MAX_CHUNK_SECONDS = 300.0  # audio of one encoded chunk: bounds the memory of its true-peak read


def describe_bytes(n: int) -> str:
    return f"{n // MB} MB" if n >= MB else f"{n // 1024} KB"


def read_limited(path: Path | str, limit: int, what: str, error: Type[AudiogenError], hint: str = "") -> bytes:
    """The bytes of ``path`` when it holds at most ``limit`` bytes; else ``error`` naming the limit.

    Works on anything that can be opened (regular files, devices, FIFOs): the size is checked
    with ``stat`` first, then at most ``limit + 1`` bytes are read, never more.
    """
    p = Path(path)
    too_big = error(f"{what} {p} is larger than the {describe_bytes(limit)} limit" + (f"; {hint}" if hint else ""))
    try:
        if p.is_dir():
            raise error(f"cannot read {what} {p}: it is a folder, not a file")
        with open(p, "rb") as fh:
            st = os.fstat(fh.fileno())
            if st.st_size > limit:
                raise too_big
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise error(f"{what} not found: {p}; check the path") from None
    except OSError as exc:
        raise error(f"cannot read {what} {p}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise too_big
    return data


def sha256_limited(path: Path | str, limit: int) -> str | None:
    """The sha256 of a file read in blocks, or None when it cannot be read or holds more than
    ``limit`` bytes (whoever reads it next reports why)."""

    h = hashlib.sha256()
    seen = 0
    try:
        with open(path, "rb") as fh:
            while True:
                block = fh.read(1 << 20)
                if not block:
                    return h.hexdigest()
                seen += len(block)
                if seen > limit:
                    return None
                h.update(block)
    except OSError:
        return None
