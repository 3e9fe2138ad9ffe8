"""The episode's audio, chunk by chunk: each chunk's PCM assembled from its clips, music and
silence, encoded by its own LAME process while the next one is made (cached chunks come back
as MP3 frames), and all of them joined in order, counting samples for exact chapter and cue
times and collecting the loudness blocks of the whole."""

from __future__ import annotations

import os
import time
from array import array
from collections import deque
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from audiogen.audio import chunks, mix
from audiogen.audio.mp3join import Joiner, read_chunk
from audiogen.audio.music import MusicLibrary, over_bed
from audiogen.audio.plan import Item, Mark, Music, Silence, Speech, chunk_rate
from audiogen.audio.segment import MASTER_RATE, SPEECH_RATE
from audiogen.manifest import Cue
from audiogen.settings import RenderSettings

PRUNE_EVERY_BYTES = 64 * 2**20  # the cache is held to its cap during a render, checked this often


def chunk_pcm(piece: list[Item], raw: Path, rate: int, clips: Iterator[bytes], music: MusicLibrary, ceiling: float,
              settings: RenderSettings) -> dict[str, Any]:
    """Write one chunk's PCM to ``raw`` at ``rate`` (see ``plan.chunk_rate``); return its timeline in
    44.1 kHz samples from its start (a 22.05 kHz sample ``i`` becomes exactly ``2 i`` once upsampled)."""
    ch = settings.channels
    scale = MASTER_RATE // rate
    frames = 0
    marks: list = []
    cues: list = []
    with open(raw, "wb") as out:

        def write(pcm: bytes) -> None:
            nonlocal frames
            out.write(pcm)
            frames += mix.frames_in(pcm, ch)

        for item in piece:
            if isinstance(item, Mark):
                marks.append([item.title, frames * scale])
            elif isinstance(item, Silence):  # a second at a time: a long pause costs no memory
                left = int(round(item.seconds * rate))
                while left > 0:
                    n = min(left, rate)
                    write(bytes(2 * ch * n))
                    left -= n
            elif isinstance(item, Music):
                write(mix.to_pcm(music.get(item.name), ch))
            elif isinstance(item, Speech):
                parts = [next(clips)]
                spans = [(0, mix.frames_in(parts[0], 1))]  # each sentence clip, in clip samples
                for _ in item.jobs[1:]:
                    parts += [mix.silence(item.gap, 1, SPEECH_RATE), next(clips)]
                    at = spans[-1][1] + mix.frames_in(parts[-2], 1)
                    spans.append((at, at + mix.frames_in(parts[-1], 1)))
                clip = np.frombuffer(b"".join(parts), dtype="<i2")
                start = frames
                if rate == MASTER_RATE:
                    voice = mix.to_master(clip, SPEECH_RATE)
                    if item.over_bed:
                        mixed, offset = over_bed(voice, music.get("bed"), ch)
                        start += offset
                        write(mix.to_pcm(mix.limit(mixed, ceiling), ch))
                    else:
                        write(mix.to_pcm(voice, ch))
                    length = len(voice)
                else:
                    write(clip.tobytes() if ch == 1 else mix.to_pcm(clip.astype(np.float32) / 32768.0, ch))
                    length = len(clip)
                up = length / len(clip) if len(clip) else 1.0  # clip samples -> chunk samples
                sub = [[(start + round(a * up)) * scale, (start + round(b * up)) * scale] for a, b in spans]
                cues.append([start * scale, (start + length) * scale, item.role, item.speaker, item.text,
                             sub if len(sub) > 1 else []])
    if frames == 0:  # LAME needs at least one sample
        pad = mix.silence(0.05, ch, rate)
        with open(raw, "ab") as out:
            out.write(pad)
        frames = mix.frames_in(pad, ch)
    return {"samples": frames * scale, "marks": marks, "cues": cues}


class Timeline:
    """Chapter marks, cues and loudness blocks of the joined episode, chunk by chunk."""

    def __init__(self) -> None:
        self.marks: list[tuple[str, int]] = []
        self.cues: list[Cue] = []
        self.momentary = array("d")
        self.short = array("d")
        self.peaks: list[float | None] = []

    def add(self, offset: int, meta: chunks.ChunkMeta) -> None:
        self.marks.extend((title, offset + at) for title, at in meta.marks)
        t = lambda n: round((offset + n) / MASTER_RATE, 3)  # noqa: E731
        for a, b, role, speaker, text, *sub in meta.cues:  # chunks cached before sentence spans have none
            parts = tuple((t(x), t(y)) for x, y in (sub[0] if sub else ()))
            self.cues.append(Cue(t(a), t(b), role, speaker, text, parts))
        self.momentary.extend(meta.momentary)
        self.short.extend(meta.short)
        self.peaks.append(meta.true_peak)


def assemble(tmp: Path, work: Path, pieces: list[list[Item]], keys: list[str], metas: list[chunks.ChunkMeta | None],
             store: chunks.ChunkStore, clips: Any, music: MusicLibrary, ceiling: float, settings: RenderSettings,
             prune: Callable[[set], object] | None = None) -> tuple[int, list[tuple[str, int]], list[Cue], dict]:
    """Encode the chunks not in the cache (one LAME process per chunk, up to one per core at
    once while the next chunk is assembled; with one core, each before the next), join all of
    them in order into ``tmp``. ``work`` is the render's folder in the cache, where its cached
    chunks are pinned (``ChunkStore.pin``) and new ones are encoded.

    Every ``PRUNE_EVERY_BYTES`` of clips and chunks added, ``prune(keep)`` holds the cache to its
    cap, keeping the cached chunks this render has yet to join.

    Returns the decoded length in samples, the chapter marks, the cues and the loudness.
    """
    added = 0

    def grew(nbytes: int, done: int) -> None:
        nonlocal added
        added += nbytes
        if prune is not None and added >= PRUNE_EVERY_BYTES:
            added = 0
            keep = {p for j in range(done + 1, len(pieces)) if metas[j] is not None
                    for p in (store.mp3(keys[j]), store.mp3(keys[j]).with_suffix(".json"))}
            prune(keep)

    ch = settings.channels
    cores = max(1, settings.workers or os.cpu_count() or 1)
    # Encoders left running while the next chunk is synthesized: with one core (a cluster worker,
    # ``-j 1``) none, so a render never takes more than the cores it was given.
    ahead = cores if cores > 1 else 0
    timeline = Timeline()
    running: deque = deque()  # (chunk index, ChunkEncode or None when cached, its local timeline)
    with open(tmp, "wb") as fh:
        joiner = Joiner(fh)

        def settle(meta: chunks.ChunkMeta, mp3: Path) -> None:
            offset = joiner.offset_samples()
            joiner.add(read_chunk(mp3))
            timeline.add(offset, meta)

        def drain(wait: bool) -> None:
            while running and (wait or running[0][1] is None or running[0][1].done()):
                i, enc, local = running[0]  # popped only when settled: an interrupt still finds it
                if enc is None:
                    settle(metas[i], chunks.pinned(work, keys[i]))
                else:
                    measured = enc.result()
                    raw = Path(work, f"{i}.raw")
                    clip_bytes = raw.stat().st_size if raw.exists() else 0  # about what its clips hold
                    raw.unlink(missing_ok=True)
                    meta = store.measure(enc.out, {**local, **measured})
                    settle(meta, enc.out)  # joined before it goes into the cache, where others may prune it
                    store.put(keys[i], enc.out, meta)
                    grew(clip_bytes + meta.mp3_bytes, i)
                running.popleft()

        try:
            for i, piece in enumerate(pieces):
                if metas[i] is None:
                    raw, rate = Path(work, f"{i}.raw"), chunk_rate(piece, settings)
                    try:
                        local = chunk_pcm(piece, raw, rate, clips, music, ceiling, settings)
                    except OSError as exc:  # the chunk's PCM goes to the cache's folder, not the output's
                        raise chunks.cache_error(exc, raw) from None
                    encoded = Path(work, f"{i}.mp3")  # moved into the cache when whole
                    running.append((i, mix.ChunkEncode(raw, encoded, ch, settings.kbps, rate), local))
                    local["true_peak"] = mix.true_peak(np.memmap(raw, dtype="<i2", mode="r").reshape(-1, ch), rate)
                    while sum(1 for r in running if r[1] is not None and not r[1].done()) > ahead:
                        time.sleep(0.005)  # until any encoder ends (they finish out of order)
                else:
                    running.append((i, None, None))
                drain(False)
            drain(True)
            frames = joiner.finish()
        except BaseException:
            for _, enc, _ in running:
                if enc is not None:
                    enc.abort()
            clips.close()
            raise
    loudness = mix.loudness_from_blocks(timeline.momentary, timeline.short, timeline.peaks)
    return frames, timeline.marks, timeline.cues, loudness
