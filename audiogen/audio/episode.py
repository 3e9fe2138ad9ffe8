"""Render a narration script into a tagged, chaptered MP3 episode: the render stage.

A render runs these steps, each in its own module: the voices are resolved and levelled
(``voices.py``) while the stingers load (``music.py``); the script becomes a plan of items
cut into chunks (``plan.py``); the chunks' audio is produced, encoded and joined, unchanged
chunks coming from the cache (``assemble.py``); the MP3 is tagged (``tags.py``) under a
temporary name and renamed into place only when whole; the manifest (what the feed and site
read) is written last, after the sidecars (``transcripts.py``) when the episode is not in a show.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from audiogen import __version__
from audiogen import manifest as manifest_module
from audiogen.artwork import read_cover
from audiogen.audio import chunks, plan
from audiogen.audio.assemble import assemble
from audiogen.audio.music import MusicLibrary
from audiogen.audio.segment import MASTER_RATE
from audiogen.audio.tags import TagInfo, iso639_2, write_tags
from audiogen.cleanup import owned_tempdir
from audiogen.fsutil import asset_path, atomic_path, atomic_write_text, slugify
from audiogen.manifest import Chapter, Cue, Manifest
from audiogen.publish import transcripts
from audiogen.script import Script, check_limits, to_json
from audiogen.settings import RenderSettings
from audiogen.tts.synth import ClipCache, Synthesizer, default_cache_dir
from audiogen.tts.voices import RenderVoices


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

    def summary(self, feed: Path | None = None) -> dict[str, Any]:
        """The episode as one JSON-able object (manifest + local paths), for ``--json`` output."""
        data = self.to_manifest()
        data["mp3"] = str(self.mp3)
        data["manifest"] = str(manifest_path(self))
        if feed is not None:
            data["feed"] = str(feed)
        return data


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
    with _synthesizer(settings, cache_dir) as (synth, cache):
        return _render_with(synth, inputs, progress, cache)


def prepare(script: Script, settings: RenderSettings, cache_dir: Path | None = None) -> None:
    """Do what a render of ``script`` does before its synthesis (load the engines, level the
    voices, load the stingers) and no more: a worker's warm-up, ahead of its renders."""
    with _synthesizer(settings, cache_dir) as (synth, cache):
        _voices_and_music(synth, script, settings, cache)


@contextlib.contextmanager
def _synthesizer(settings: RenderSettings, cache_dir: Path | None) -> Iterator[tuple[Synthesizer, ClipCache]]:
    """A synthesizer on the clip cache (or, with caching off, on a folder removed afterwards)."""
    with contextlib.ExitStack() as stack:
        if settings.cache:
            cache = ClipCache(cache_dir or default_cache_dir())
            stack.callback(cache.prune)
        else:  # removed on the way out, interrupted or not (after the workers have stopped)
            cache = ClipCache(stack.enter_context(owned_tempdir("audiogen-nocache-")))
        synth = Synthesizer(cache, settings.workers)
        try:
            yield synth, cache
        except BaseException:
            synth.close(kill=True)  # no worker may go on writing into the cache once we unwind
            raise
        finally:
            synth.close()  # the workers end cleanly (their scratch folders removed) before we do


def _voices_and_music(synth: Synthesizer, script: Script, settings: RenderSettings,
                      cache: ClipCache) -> tuple[RenderVoices, MusicLibrary]:
    voices = RenderVoices(settings, script, cache)
    music = MusicLibrary(settings, voices.target, voices.ceiling)
    with ThreadPoolExecutor(1) as loader:
        # Stingers load (ffmpeg decodes and measures them) while the voices are levelled;
        # an unreadable stinger fails the render before any synthesis.
        loaded = loader.submit(lambda: [music.get(n) for n in ("intro", "outro", "bed")] if settings.stingers else None)
        voices.prepare(synth)
        loaded.result()
    return voices, music


def _render_with(synth: Synthesizer, inputs: RenderInputs, progress: Callable[[int, int], None] | None,
                 cache: ClipCache) -> Episode:
    script, settings, out_dir, slug = inputs.script, inputs.settings, inputs.out_dir, inputs.slug
    voices, music = _voices_and_music(synth, script, settings, cache)
    # A fallback author (the show's) is tagged but never read as the article's byline.
    spoken = replace(script, author=None) if "author" in inputs.fallbacks else script
    items, jobs = plan.build(spoken, settings, voices)
    pieces = plan.split(items)
    common = [settings.channels, settings.kbps, round(voices.target, 2), round(voices.ceiling, 2), settings.stingers,
              music.digests() if settings.stingers else None]
    keys = [chunks.key([common, [plan.describe(it, jobs) for it in piece]]) for piece in pieces]
    store = chunks.ChunkStore(cache.root)
    # The render's folder in the cache: its cached chunks pinned there, its new ones encoded there.
    with owned_tempdir(".work-", dir=store.root) as work:
        metas = store.pin(keys, work)
        todo = [jobs[j] for piece, meta in zip(pieces, metas) if meta is None
                for it in piece if isinstance(it, plan.Speech) for j in it.jobs]
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
            prune = cache.prune if settings.cache else None
            frames, marks, cues, loudness = assemble(tmp, work, pieces, keys, metas, store, clips, music,
                                                     voices.ceiling, settings, prune=prune)
            duration = frames / MASTER_RATE
            chapters = tuple(
                Chapter(title, round(start / MASTER_RATE, 3),
                        round((marks[i + 1][1] if i + 1 < len(marks) else frames) / MASTER_RATE, 3))
                for i, (title, start) in enumerate(marks)
            )
            _tag(tmp, inputs, duration, chapters)
            size = tmp.stat().st_size
    episode = Episode(
        mp3=mp3_path, slug=slug, title=script.title, author=script.author, date=script.date,
        language=script.language, description=script.lede(), duration=round(duration, 3), channels=settings.channels,
        bitrate=settings.kbps, bytes=size, chapters=chapters, cues=tuple(cues),
        loudness={k: (round(v, 1) if v is not None else None) for k, v in loudness.items()},
        source_sha256=inputs.source_sha256, source=inputs.source, voices=voices.ids(), engines=voices.engines(),
        rendered_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        fallbacks=inputs.fallbacks, link=script.link,
    )
    write_manifest(episode, inputs.sidecars)
    return episode


def _tag(mp3: Path, inputs: RenderInputs, duration: float, chapters: tuple[Chapter, ...]) -> None:
    """ID3v2.3 tags, cover and chapters on the MP3 being written."""
    script = inputs.script
    write_tags(mp3, TagInfo(
        title=script.title,
        artist=script.author,
        album=inputs.album or script.author or "audiogen",
        date=script.date,
        comment=script.lede(),
        duration_ms=int(round(duration * 1000)),
        chapters=chapters,
        cover=inputs.cover,
        cover_mime=inputs.cover_mime,
        language=iso639_2(script.language),
    ))


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
