"""The pipeline, stage by stage: load a source -> Script; render -> Episode; publish into a show.

Every front end (``audiogen episode``/``render``/``script``, ``batch``, ``follow``, a cluster
task) calls these functions; none of them knows about click. Arguments are plain picklable
values, so a worker process can run any stage. Settings come first, from ``show.resolve_settings``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Callable

from audiogen.audio import episode as _episode
from audiogen.audio.episode import Episode, manifest_path
from audiogen.cleanup import sweep_episode_folders
from audiogen.fsutil import fresh_folder
from audiogen.publish import BuildResult, publish_episode
from audiogen.publish.show import Show, fill_missing
from audiogen.read.article import article_from_bytes, decode_bytes, read_article_bytes
from audiogen.read.fetch import fetch_article, is_url, source_key
from audiogen.script import Script, loads, read_script_bytes
from audiogen.script.build import build_script, respeak
from audiogen.script.speech import Lexicon, load_lexicon
from audiogen.settings import RenderSettings

ARTICLE, SCRIPT = "article", "script"
__all__ = ["ARTICLE", "SCRIPT", "Episode", "Source", "is_url", "load_source", "prepare", "publish", "render",
           "source_key"]


@dataclass(frozen=True)
class Source:
    """A loaded source: its narration script, the sha256 of its bytes, and where it came from."""

    script: Script
    sha256: str
    origin: str  # the resolved file path, "-" for stdin, the URL fetched, or the name given with ``data``
    kind: str = ARTICLE

    @property
    def link(self) -> str | None:
        """The article's own URL (canonical when the page names one), or None for a file."""
        return self.script.link


def load_source(source: str | Path, *, kind: str = ARTICLE, settings: RenderSettings | None = None,
                lexicon: Lexicon | None = None, data: bytes | None = None, language: str | None = None,
                fmt: str | None = None, timeout: float | None = None) -> Source:
    """1. Read ``source`` once ("-" = stdin, an http(s) URL is fetched; or its ``data`` when
    already at hand) and build its Script.

    ``kind`` is "article" (.txt/.md/.html, parsed and normalized for speech with the
    lexicon, loaded from ``settings.lexicon`` unless given; ``fmt`` forces "html", "md"
    or "txt") or "script" (an edited script). A fetched article's Script has its link.
    ``language`` forces an article's language; by default it is declared or detected.
    """
    name = str(source)
    origin = name if name == "-" or data is not None else source_key(name)
    if lexicon is None and settings is not None and settings.lexicon is not None:
        lexicon = load_lexicon(settings.lexicon)
    link = None
    if data is None and is_url(name):
        data, fetched_fmt, link = fetch_article(name, timeout)
        fmt = fmt or (fetched_fmt if kind == ARTICLE else None)
    if kind == SCRIPT:
        data = read_script_bytes(name) if data is None else data
        label = "stdin" if name == "-" else name
        script = respeak(loads(decode_bytes(data, label), label), lexicon)
    elif kind == ARTICLE:
        data = read_article_bytes(name) if data is None else data
        script = build_script(article_from_bytes(data, name, language, fmt=fmt), lexicon)
        if link:
            script = replace(script, link=link)
    else:
        raise ValueError(f"unknown source kind {kind!r}")
    return Source(script, hashlib.sha256(data).hexdigest(), origin, kind)


def prepare(source: Source, settings: RenderSettings) -> None:
    """(2.) What rendering ``source`` loads before it speaks (engines, levelled voices, stingers),
    loaded and kept in this process without rendering: a cluster worker's warm-up."""
    _episode.prepare(source.script, settings)


def render(source: Source | Script, settings: RenderSettings, out_dir: Path | str | None = None, *,
           show: Show | None = None, slug: str | None = None, cover: Path | None = None, album: str | None = None,
           progress: Callable[[int, int], None] | None = None) -> Episode:
    """2. Render to ``out_dir/<slug>.mp3`` (+ manifest and sidecars), or into ``show``'s episode folder.

    With a show, the slug comes from the title (``-2``... when another article holds it),
    the sidecars are left to publishing (they name the show's narrator), and a first
    render that fails leaves no empty episode folder behind.
    """
    src = source if isinstance(source, Source) else Source(source, "", "", SCRIPT)
    script, fallbacks = fill_missing(src.script, settings, show)
    if show is not None:
        sweep_episode_folders(show.episodes_dir)  # what renders that were killed left in the show
        slug = slug or show.slug_for(src.script.title, src.origin or None)
        out_dir = show.episode_dir(slug)
        album = album or show.config.title
    with fresh_folder(Path(out_dir) if out_dir is not None else Path("output")) as out:
        return _episode.render(script, out, settings, slug=slug, source_sha256=src.sha256 or None,
                               source=src.origin or None, cover=cover, album=album, progress=progress,
                               fallbacks=fallbacks, sidecars=show is None)


def publish(episode: Episode, show: Show | Path | str, *, pub_date: datetime | None = None) -> BuildResult:
    """3. Add (or refresh) ``episode`` in its show: feed, sidecars and site rebuilt. ``pub_date``
    dates a first publication (a feed item's date); later publishes keep the first date."""
    root = show.root if isinstance(show, Show) else Path(show)
    return publish_episode(root, manifest_path(episode), pub_date=pub_date)
