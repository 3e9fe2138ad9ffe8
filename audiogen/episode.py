"""Render a narration script into a tagged, chaptered MP3 episode.

The plan is a flat list of items (music, speech, silence, chapter marks), cut into
chunks (``chunks.py``). Speech clips come from the synthesizer in order; each chunk
is written as 44.1 kHz PCM and encoded by its own LAME process while the next one is
being made, and unchanged chunks come from the cache as MP3 frames. The chunks are
joined in order (``mp3join.py``), counting samples for exact chapter and cue times.
The MP3 is written and tagged under a temporary name and renamed into place only
when whole; the manifest (what the feed and site read) is written last.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
from array import array
from collections import Counter, deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np

from audiogen import __version__, chunks, mix, transcripts
from audiogen import manifest as manifest_module
from audiogen.audio import MASTER_RATE, SPEECH_RATE, load_array, segment, segment_to_array, voice_over_bed
from audiogen.cleanup import owned_tempdir
from audiogen.errors import AudioError, EngineError
from audiogen.limits import (MAX_AUDIO_BYTES, MAX_BED_SECONDS, MAX_COVER_BYTES, MAX_COVER_PIXELS,
                             MAX_STINGER_SECONDS, read_limited)
from audiogen.fsutil import atomic_path, atomic_write_text, slugify
from audiogen.manifest import Chapter, Cue, Manifest
from audiogen.mp3join import Joiner, read_chunk
from audiogen.script import NARRATOR, QUOTE, Script, Segment, check_limits, to_json
from audiogen.script_builder import split_long
from audiogen.settings import RenderSettings
from audiogen.synth import ClipCache, Job, Synthesizer, cached_calibration, calibrate, default_cache_dir
from audiogen.tags import TagInfo, write_tags
from audiogen.language import phrase
from audiogen.tts import Voice, get_engine, resolve_voice
from audiogen.speech import load_lexicon, normalize as _normalize
from audiogen.ffmpeg import measure_loudness

STEREO_OFFSET_DB = 10 * np.log10(2)  # identical channels read 3.01 LU louder than mono
BED_UNDER_VOICE_DB = -20.0
BED_ALONE_DB = -10.0


@dataclass(frozen=True)
class Episode:
    """What a render produced: the MP3 and everything known about its timeline."""

    mp3: Path
    slug: str
    title: str
    author: str | None
    date: str | None
    language: str
    description: str
    duration: float
    channels: int
    bitrate: int
    bytes: int
    chapters: tuple[Chapter, ...]
    cues: tuple[Cue, ...]
    loudness: dict[str, float | None] | None
    source_sha256: str
    source: str | None = None  # the article or script file rendered ("-" for stdin)
    voices: dict[str, str] = field(default_factory=dict)  # role (narrator, quote, cast:Name) -> voice id
    rendered_at: str = ""
    engines: dict[str, str] = field(default_factory=dict)  # role -> engine that spoke it
    fallbacks: dict[str, str] = field(default_factory=dict)  # "author"/"date" -> where it came from when the article had none
    link: str | None = None  # the article's canonical URL ("Read the article" in the feed and site)

    def manifest(self) -> Manifest:
        return Manifest(
            slug=self.slug, title=self.title, mp3=self.mp3.name, duration=round(self.duration, 3),
            author=self.author, date=self.date, language=self.language, description=self.description,
            bytes=self.bytes, channels=self.channels, sample_rate=MASTER_RATE, bitrate=self.bitrate,
            chapters=self.chapters, cues=self.cues, loudness=self.loudness, voices=self.voices,
            engines=self.engines, fallbacks=self.fallbacks, source_sha256=self.source_sha256,
            source=self.source, link=self.link, rendered_at=self.rendered_at,
            generator=f"audiogen {__version__}",
        )

    def to_manifest(self) -> dict[str, Any]:
        return self.manifest().to_json()


# ------------------------------------------------------------------ planning


@dataclass(frozen=True)
class _Speech:
    jobs: tuple[int, ...]  # one clip per sentence (long sentences: per clause)
    role: str
    speaker: str | None
    text: str
    over_bed: bool = False
    gap: float = 0.0  # silence between the sentences


@dataclass(frozen=True)
class _Silence:
    seconds: float
    paragraph: bool = False  # a pause between paragraphs: chunks may be cut here


@dataclass(frozen=True)
class _Music:
    name: str  # intro | outro


@dataclass(frozen=True)
class _Mark:
    title: str


def asset_path(name: str) -> Path:
    """Path of a file bundled in audiogen's assets (stingers, bed, cover, sample)."""
    here = Path(__file__).resolve().parent
    for folder in (here / "assets", here.parent / "assets"):  # installed wheel, then source tree
        if (folder / name).is_file():
            return folder / name
    raise AudioError(f"audiogen's bundled {name} is missing; reinstall audiogen (pip install .)")


class _Voices:
    """Resolves and levels the voices of one render (narrator, quote, cast)."""

    def __init__(self, settings: RenderSettings, script: Script, cache: ClipCache):
        self.settings = settings
        lang = script.language
        self.narrator = resolve_voice(settings.engine, settings.voice, role="narrator", rate=settings.rate,
                                      pitch=settings.pitch, language=lang)
        self.quote = resolve_voice(settings.engine, settings.quote_voice, role="quote", rate=settings.rate,
                                   pitch=settings.quote_pitch, language=lang)
        self.cast: dict[str, Voice] = {}
        if settings.cast:
            engine = get_engine(self.quote.engine)
            counts = Counter(s.speaker for s in script.segments if s.role == QUOTE and s.speaker)
            recurring = [name for name, n in counts.most_common() if n >= 2]
            for i, name in enumerate(recurring):
                vid = engine.cast_voice(i, language=lang) if hasattr(engine, "cast_voice") else None
                self.cast[name] = engine.resolve(vid, role="quote", rate=settings.rate, language=lang)
        self.ceiling = settings.true_peak - 1.5
        self.target = settings.target_lufs - (STEREO_OFFSET_DB if settings.channels == 2 else 0.0)
        self._gains: dict[Voice, float] = {}
        self.cache = cache
        self.script = script

    def for_segment(self, seg: Segment) -> Voice:
        if seg.role == QUOTE:
            return self.cast.get(seg.speaker or "", self.quote)
        return self.narrator

    def prepare(self, synth: Synthesizer) -> None:
        """Level every voice of this render up front, in parallel when some are not cached yet."""
        voices = list(dict.fromkeys([self.narrator, self.quote, *self.cast.values()]))
        todo = [v for v in voices if cached_calibration(self.cache, v, self.target, self.ceiling) is None]
        if todo and synth.parallel:
            # Level the voices in the engines' worker pools (the parent never loads a neural model);
            # the workers then stay ready for the synthesis that follows.
            load = Counter()
            for seg in self.script.segments:
                load[self.for_segment(seg).engine] += len(seg.speech)
            load[self.narrator.engine] += 1
            synth.plan([*load.items(), *((v.engine, 1) for v in todo)])
            synth.start(list(dict.fromkeys(v.engine for v in todo)))
        for voice, gain in zip(todo, synth.calibrate(todo, self.target, self.ceiling)):
            self._gains[voice] = gain

    def gain(self, voice: Voice) -> float:
        if voice not in self._gains:
            self._gains[voice] = calibrate(self.cache, voice, self.target, self.ceiling)
        return self._gains[voice]

    def job(self, voice: Voice, text: str) -> Job:
        return Job(voice.engine, get_engine(voice.engine).version(), voice, text, self.gain(voice), self.ceiling)


def _plan(script: Script, settings: RenderSettings, voices: _Voices) -> tuple[list, list[Job]]:
    lexicon = load_lexicon(settings.lexicon) if settings.lexicon is not None else None

    def normalize(text: str, _lexicon, language: str) -> str:
        # Title, headings and byline take the same path as the body: the lexicon, then the rules.
        return _normalize(text, lexicon, language)

    p = settings.pauses
    items: list = []
    jobs: list[Job] = []

    def speak(voice: Voice, speech: str, role: str, speaker: str | None, text: str, over_bed: bool = False) -> None:
        # Sentence-sized clips for every engine: memory and latency stay flat however long the
        # paragraph, and an edit re-synthesizes one sentence; a sentence longer than MAX_CLIP_CHARS
        # is cut further (pyttsx3's eSpeak driver is quadratic in a clip's length).
        parts = [piece for sentence in _sentences(speech)
                 for piece in (split_long(sentence, MAX_CLIP_CHARS) if len(sentence) > MAX_CLIP_CHARS else [sentence])]
        first = len(jobs)
        jobs.extend(voices.job(voice, part) for part in parts)
        gap = p.sentence if p.sentence > 0 else SENTENCE_GAP * 175 / max(settings.rate, 1)
        items.append(_Speech(tuple(range(first, len(jobs))), role, speaker, text, over_bed, gap))

    lang = script.language
    intro_text = phrase("intro_by" if script.author else "intro", lang, title=script.title, author=script.author)
    items.append(_Mark("Intro"))
    if settings.stingers:
        items.append(_Music("intro"))
    speak(voices.narrator, normalize(intro_text, None, lang), "title", None, intro_text, over_bed=True)
    items.append(_Silence(p.title))

    for ci, chapter in enumerate(script.chapters):
        if ci > 0:
            items.append(_Silence(p.section))
        items.append(_Mark(chapter.title))
        if ci > 0 or chapter.title != script.title:
            speak(voices.narrator, normalize(chapter.title, None, lang), "title", None, chapter.title)
            items.append(_Silence(p.paragraph))
        segs = chapter.segments
        para_chars = 0
        for si, seg in enumerate(segs):
            speak(voices.for_segment(seg), seg.speech, seg.role, seg.speaker, seg.text)
            nxt = segs[si + 1] if si + 1 < len(segs) else None
            gap = p.sentence + 0.15
            if seg.paragraph_end:
                gap = p.paragraph
            elif nxt is not None and nxt.role != seg.role:
                gap = p.quote
            if seg.pause is not None:
                gap += seg.pause
            para_chars = 0 if seg.paragraph_end else para_chars + len(seg.speech)
            if nxt is not None:
                # a long paragraph (a pasted transcript) may also be cut into chunks between its segments
                items.append(_Silence(gap, paragraph=seg.paragraph_end or para_chars >= MAX_CLIP_CHARS))
    items.append(_Silence(p.section))
    items.append(_Mark("Outro"))
    outro_text = phrase("outro_by" if script.author else "outro", lang, title=script.title, author=script.author)
    speak(voices.narrator, normalize(outro_text, None, lang), "title", None, outro_text, over_bed=True)
    if settings.stingers:
        items.append(_Music("outro"))
    else:
        items.append(_Silence(1.0))
    return items, jobs


MAX_CLIP_CHARS = 1000  # the longest text one engine call gets (see script_builder.split_long)


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)\]]*\s+(?=[\"“‘(\[]*[A-Z0-9])")


SENTENCE_GAP = 0.3  # s between the clips of one paragraph at 175 wpm (engines trim their own silence)


def _sentences(text: str) -> list[str]:
    """Split spoken text at sentence ends (abbreviations are already expanded by speech.py)."""
    return [p for p in _SENTENCE_END.split(text) if p.strip()] or [text]


# ------------------------------------------------------------------ music


class _Music_Library:
    """Stingers and bed in the master format, level-matched to the speech target."""

    def __init__(self, settings: RenderSettings, target: float, ceiling: float):
        self.settings = settings
        self.target = target
        self.ceiling = ceiling
        self._cache: dict[str, np.ndarray] = {}

    def _path(self, name: str) -> Path:
        chosen = {"intro": self.settings.intro, "outro": self.settings.outro, "bed": self.settings.bed}[name]
        return Path(chosen) if chosen else asset_path(f"{name}.flac")

    def digests(self) -> dict[str, str]:
        """Content hashes of the music files, for the chunk cache keys."""
        return {name: hashlib.sha256(read_limited(self._path(name), MAX_AUDIO_BYTES, f"the {name} file", AudioError)
                                     ).hexdigest() for name in ("intro", "outro", "bed")}

    def get(self, name: str, offset_db: float = 0.0) -> np.ndarray:
        if name not in self._cache:

            path = self._path(name)
            ch = self.settings.channels
            x = load_array(path, ch, max_seconds=MAX_BED_SECONDS if name == "bed" else MAX_STINGER_SECONDS,
                           what=f"the {name} file")
            loud = measure_loudness(mix.to_pcm(x, ch), MASTER_RATE, ch, true_peak=False)["integrated"]
            if loud is None:
                raise AudioError(f"the {name} audio {path} is silent; choose another file")
            stereo = STEREO_OFFSET_DB if ch == 2 else 0.0
            gain = 10 ** ((self.target + stereo - loud) / 20)
            self._cache[name] = mix.limit(x * np.float32(gain), self.ceiling)
        x = self._cache[name]
        return x if offset_db == 0 else x * np.float32(10 ** (offset_db / 20))


def _over_bed(voice: np.ndarray, bed: np.ndarray, channels: int) -> tuple[np.ndarray, int]:
    """Voice over the music bed, mixed by pydub (``audio.voice_over_bed``): seconds of audio, so
    no cost; the long narration never goes through pydub. Returns the mix and the frame where
    the voice starts."""
    mixed, start = voice_over_bed(segment(voice, channels), segment(bed, channels),
                                  alone_db=BED_ALONE_DB, under_voice_db=BED_UNDER_VOICE_DB)
    return segment_to_array(mixed), start


# ------------------------------------------------------------------ render


def _describe(item, jobs: list[Job]) -> list:
    """What of a plan item shapes the audio and the timeline (for the chunk keys)."""
    if isinstance(item, _Speech):
        return ["speech", [jobs[j].key for j in item.jobs], item.role, item.speaker, item.text, item.over_bed,
                item.gap]
    if isinstance(item, _Silence):
        return ["silence", item.seconds]
    if isinstance(item, _Music):
        return ["music", item.name]
    return ["mark", item.title]


def chunk_rate(piece: list, settings: RenderSettings) -> int:
    """44.1 kHz for chunks with music, else the clips' own 22.05 kHz (ffmpeg upsamples when encoding)."""
    music = any(isinstance(it, _Music) or (isinstance(it, _Speech) and it.over_bed) for it in piece)
    return MASTER_RATE if music and settings.stingers else SPEECH_RATE


def _produce(piece: list, raw: Path, rate: int, clips, music: "_Music_Library", ceiling: float,
             settings: RenderSettings) -> dict:
    """Write one chunk's PCM to ``raw`` at ``rate`` (see ``chunk_rate``); return its timeline in
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
            if isinstance(item, _Mark):
                marks.append([item.title, frames * scale])
            elif isinstance(item, _Silence):  # a second at a time: a long pause costs no memory
                left = int(round(item.seconds * rate))
                while left > 0:
                    n = min(left, rate)
                    write(bytes(2 * ch * n))
                    left -= n
            elif isinstance(item, _Music):
                write(mix.to_pcm(music.get(item.name), ch))
            elif isinstance(item, _Speech):
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
                        mixed, offset = _over_bed(voice, music.get("bed"), ch)
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


class _Timeline:
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


PRUNE_EVERY_BYTES = 64 * 2**20  # the cache is held to its cap during a render, checked this often


def _encode_chunks(tmp: Path, pieces: list, keys: list[str], metas: list, store: chunks.ChunkStore, clips,
                   music: "_Music_Library", ceiling: float, settings: RenderSettings,
                   prune: Callable[[set], object] | None = None):
    """Encode the chunks not in the cache (one LAME process per chunk, up to one per core at
    once, while the next chunk is assembled), join all of them in order into ``tmp``.

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
    limit = max(1, settings.workers or os.cpu_count() or 1)
    timeline = _Timeline()
    running: deque = deque()  # (chunk index, ChunkEncode or None when cached, its local timeline)
    with owned_tempdir(".work-", dir=store.root) as work, open(tmp, "wb") as fh:
        joiner = Joiner(fh)

        def settle(i: int, meta: chunks.ChunkMeta) -> None:
            offset = joiner.offset_samples()
            joiner.add(read_chunk(store.mp3(keys[i])))
            timeline.add(offset, meta)

        def drain(wait: bool) -> None:
            while running and (wait or running[0][1] is None or running[0][1].done()):
                i, enc, local = running[0]  # popped only when settled: an interrupt still finds it
                if enc is None:
                    settle(i, metas[i])
                else:
                    measured = enc.result()
                    raw = Path(work, f"{i}.raw")
                    clip_bytes = raw.stat().st_size if raw.exists() else 0  # about what its clips hold
                    raw.unlink(missing_ok=True)
                    meta = store.put(keys[i], enc.out, {**local, **measured})
                    settle(i, meta)
                    grew(clip_bytes + meta.mp3_bytes, i)
                running.popleft()

        try:
            for i, piece in enumerate(pieces):
                if metas[i] is None:
                    raw, rate = Path(work, f"{i}.raw"), chunk_rate(piece, settings)
                    try:
                        local = _produce(piece, raw, rate, clips, music, ceiling, settings)
                    except OSError as exc:  # the chunk's PCM goes to the cache's folder, not the output's
                        raise chunks.cache_error(exc, raw) from None
                    encoded = Path(work, f"{i}.mp3")  # moved into the cache when whole
                    running.append((i, mix.ChunkEncode(raw, encoded, ch, settings.kbps, rate), local))
                    local["true_peak"] = mix.true_peak(np.memmap(raw, dtype="<i2", mode="r").reshape(-1, ch), rate)
                    while sum(1 for r in running if r[1] is not None and not r[1].done()) > limit:
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


def read_cover(path: Path) -> tuple[bytes, str]:
    """The cover's bytes and MIME type, after Pillow has decoded it fully (a damaged
    or non-image file is refused before any synthesis)."""
    import io

    from PIL import Image, UnidentifiedImageError

    data = read_limited(path, MAX_COVER_BYTES, "the cover image", AudioError, "use a smaller image (--cover)")
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            if img.width * img.height > MAX_COVER_PIXELS:  # checked before decoding the pixels
                raise AudioError(f"the cover {path} is {img.width}x{img.height} pixels, more than the limit of "
                                 f"{MAX_COVER_PIXELS:,} pixels (4096x4096); use a smaller image (--cover)")
            img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise AudioError(f"the cover {path} is not a readable PNG or JPEG image") from None
    if fmt not in ("PNG", "JPEG"):
        raise AudioError(f"the cover {path} is {fmt or 'not an image'}; podcast apps need PNG or JPEG")
    return data, "image/png" if fmt == "PNG" else "image/jpeg"



@dataclass(frozen=True)
class RenderInputs:
    """Everything a render reads besides the engines and caches: the script, where the MP3
    goes, the settings, and what the tags and manifest say about its source."""

    script: Script
    out_dir: Path
    settings: RenderSettings
    slug: str
    source_sha256: str
    source: str | None  # the article or script file rendered ("-" for stdin)
    cover: bytes
    cover_mime: str
    album: str | None
    fallbacks: dict[str, str] = field(default_factory=dict)
    sidecars: bool = True  # captions, transcript and chapters written here (not in a show: publishing does)


def render(
    script: Script,
    out_dir: Path | str,
    settings: RenderSettings | None = None,
    *,
    slug: str | None = None,
    source_sha256: str | None = None,
    source: str | None = None,
    cover: Path | None = None,
    album: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    fallbacks: dict[str, str] | None = None,
    cache_dir: Path | None = None,
    sidecars: bool = True,
) -> Episode:
    """Render ``script`` to ``out_dir/<slug>.mp3`` and its manifest; return the Episode."""
    check_limits(script, source or "the script")  # chapters, pauses: refused before any work
    settings = settings or RenderSettings()
    out_dir = Path(out_dir)
    slug = slug or slugify(script.title)
    source_sha256 = source_sha256 or hashlib.sha256(json.dumps(to_json(script)).encode()).hexdigest()
    cover_path = Path(cover) if cover else asset_path("cover.png")
    cover_bytes, cover_mime = read_cover(cover_path)

    inputs = RenderInputs(script, out_dir, settings, slug, source_sha256, source, cover_bytes, cover_mime, album,
                          dict(fallbacks or {}), sidecars)
    with contextlib.ExitStack() as stack:
        if settings.cache:
            cache = ClipCache(cache_dir or default_cache_dir())
            stack.callback(cache.prune)
        else:  # removed on the way out, interrupted or not (after the workers have stopped)
            cache = ClipCache(stack.enter_context(owned_tempdir("audiogen-nocache-")))
        synth = Synthesizer(cache, settings.workers)
        try:
            return _render_with(synth, inputs, progress, cache)
        except BaseException:
            synth.close(kill=True)  # no worker may go on writing into the cache once we unwind
            raise
        finally:
            synth.close()  # the workers end cleanly (their scratch folders removed) before we do


def _render_with(synth: Synthesizer, inputs: RenderInputs, progress: Callable[[int, int], None] | None,
                 cache: ClipCache) -> Episode:
    from concurrent.futures import ThreadPoolExecutor

    script, settings, out_dir, slug = inputs.script, inputs.settings, inputs.out_dir, inputs.slug
    voices = _Voices(settings, script, cache)
    music = _Music_Library(settings, voices.target, voices.ceiling)
    with ThreadPoolExecutor(1) as loader:
        # Stingers load (ffmpeg decodes and measures them) while the voices are levelled;
        # an unreadable stinger fails the render before any synthesis.
        loaded = loader.submit(lambda: [music.get(n) for n in ("intro", "outro", "bed")] if settings.stingers else None)
        voices.prepare(synth)
        loaded.result()
    # A fallback author (the show's) is tagged but never read as the article's byline.
    spoken = replace(script, author=None) if "author" in inputs.fallbacks else script
    items, jobs = _plan(spoken, settings, voices)
    ch = settings.channels
    pieces = chunks.split(items, lambda it: isinstance(it, _Mark), lambda it: isinstance(it, _Silence) and it.paragraph,
                          lambda it: it.text if isinstance(it, _Speech) else None,
                          lambda it: it.seconds if isinstance(it, _Silence) else None)
    common = [ch, settings.kbps, round(voices.target, 2), round(voices.ceiling, 2), settings.stingers,
              music.digests() if settings.stingers else None]
    keys = [chunks.key([common, [_describe(it, jobs) for it in piece]]) for piece in pieces]
    store = chunks.ChunkStore(cache.root)
    metas: list[chunks.ChunkMeta | None] = [store.get(k) for k in keys]
    todo = [jobs[j] for piece, meta in zip(pieces, metas) if meta is None
            for it in piece if isinstance(it, _Speech) for j in it.jobs]
    total = len(todo)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    clips = synth.stream(todo, on_done=tick)
    mp3_path = out_dir / f"{slug}.mp3"
    with atomic_path(mp3_path) as tmp:
        frames, marks, cues, loudness = _encode_chunks(tmp, pieces, keys, metas, store, clips, music, voices.ceiling,
                                                       settings, prune=cache.prune if settings.cache else None)
        duration = frames / MASTER_RATE
        chapters = tuple(
            Chapter(title, round(start / MASTER_RATE, 3),
                    round((marks[i + 1][1] if i + 1 < len(marks) else frames) / MASTER_RATE, 3))
            for i, (title, start) in enumerate(marks)
        )
        write_tags(tmp, TagInfo(
            title=script.title,
            artist=script.author,
            album=inputs.album or script.author or "audiogen",
            date=script.date,
            comment=script.lede(),
            duration_ms=int(round(duration * 1000)),
            chapters=chapters,
            cover=inputs.cover,
            cover_mime=inputs.cover_mime,
            language=_iso639_2(script.language),
        ))
        size = tmp.stat().st_size
    loudness = {k: (round(v, 1) if v is not None else None) for k, v in loudness.items()}
    episode = Episode(
        mp3=mp3_path, slug=slug, title=script.title, author=script.author, date=script.date,
        language=script.language, description=script.lede(), duration=round(duration, 3), channels=ch,
        bitrate=settings.kbps, bytes=size, chapters=chapters, cues=tuple(cues), loudness=loudness,
        source_sha256=inputs.source_sha256,
        source=inputs.source,
        voices={"narrator": voices.narrator.id, "quote": voices.quote.id,
                **{f"cast:{k}": v.id for k, v in voices.cast.items()}},
        engines={"narrator": voices.narrator.engine, "quote": voices.quote.engine,
                 **{f"cast:{k}": v.engine for k, v in voices.cast.items()}},
        rendered_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        fallbacks=inputs.fallbacks,
        link=script.link,
    )
    write_manifest(episode, inputs.sidecars)
    return episode


def manifest_path(episode: Episode) -> Path:
    return manifest_module.path_for(episode.mp3.parent, episode.slug)


def write_manifest(episode: Episode, sidecars: bool = True) -> Path:
    """Write the sidecars next to the MP3 (outside a show: in a show, publishing writes them,
    with the show's narrator), then the manifest, last: a manifest on disk means a whole episode."""
    manifest = episode.manifest()
    if sidecars:
        # Outside a show there is no host: the narrator is "Narrator" (the article's author did not read it).
        for suffix, text in transcripts.sidecars(manifest).items():
            atomic_write_text(episode.mp3.with_name(episode.slug + suffix), text)
    path = manifest_path(episode)
    atomic_write_text(path, manifest_module.write_text(manifest))
    return path


_ISO639 = {
    "en": "eng", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "nl": "nld", "pt": "por", "sv": "swe",
    "da": "dan", "no": "nor", "nb": "nob", "nn": "nno", "fi": "fin", "pl": "pol", "ru": "rus", "ja": "jpn",
    "zh": "zho", "ca": "cat", "gl": "glg", "eu": "eus", "cs": "ces", "sk": "slk", "hu": "hun", "ro": "ron",
    "el": "ell", "tr": "tur", "uk": "ukr", "bg": "bul", "hr": "hrv", "sr": "srp", "sl": "slv", "lt": "lit",
    "lv": "lav", "et": "est", "is": "isl", "ga": "gle", "cy": "cym", "af": "afr", "ar": "ara", "he": "heb",
    "hi": "hin", "ko": "kor", "vi": "vie", "id": "ind", "ms": "msa", "th": "tha", "fa": "fas", "lb": "ltz",
}  # fmt: skip


def _iso639_2(lang: str) -> str:
    code = (lang or "en").split("-")[0].lower()
    return _ISO639.get(code, code if len(code) == 3 else "und")  # "und": undetermined (ISO 639-2)
