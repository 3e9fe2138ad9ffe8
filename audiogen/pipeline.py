"""The pipeline, stage by stage: load a source -> Script; render -> Episode; publish into a show.

Every front end (``audiogen episode``/``render``/``batch``, ``follow``, a cluster task)
calls these functions; none of them knows about click. Arguments are plain picklable
values, so a worker process can run any stage.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Mapping

from audiogen import episode as _episode
from audiogen.article import article_from_bytes, decode_bytes, read_article_bytes
from audiogen.errors import AudioError, ConfigError, InputError
from audiogen.publish import BuildResult, publish_episode
from audiogen.script import Script, loads
from audiogen.script_builder import build_script, respeak
from audiogen.settings import RenderSettings
from audiogen.show import Show, load_render_settings, load_show
from audiogen.speech import Lexicon, load_lexicon
from audiogen.limits import MAX_SCRIPT_BYTES, describe_bytes, read_limited

Episode = _episode.Episode
ARTICLE, SCRIPT = "article", "script"


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


def is_url(source: str | Path) -> bool:
    """Whether ``source`` is an http(s) URL to fetch rather than a file to read."""
    from audiogen.fetch import is_url as _is_url

    return isinstance(source, str) and _is_url(source)


def source_key(source: str | Path) -> str:
    """A stable name for a source: the URL as given, "-", or the file's resolved path."""
    name = str(source)
    return name if name == "-" or is_url(name) else str(Path(name).resolve())


# ------------------------------------------------------------------ 0. settings


def resolve_settings(*, show: Path | str | None = None, config: Path | str | None = None,
                     overrides: Mapping[str, Any] | None = None) -> tuple[Show | None, RenderSettings]:
    """(show or None, settings): defaults < the show's or ``config``'s [render] table < ``overrides``."""
    loaded = load_show(show) if show is not None else None
    base = loaded.render if loaded is not None else RenderSettings()
    if config is not None:
        base = load_render_settings(config)
    settings = base.merged(overrides or {})
    check_inputs(settings)
    return loaded, settings


def check_inputs(settings: RenderSettings) -> None:
    """Refuse missing stinger or lexicon files before any work starts."""
    for name in ("intro", "outro", "bed"):
        path = getattr(settings, name)
        if path is not None and settings.stingers and not Path(path).is_file():
            if Path(path).exists():
                raise AudioError(f"{name} file {path} is not a regular file; give an audio file or use --no-stingers")
            raise AudioError(f"{name} file not found: {path}; give an audio file or use --no-stingers")
    if settings.lexicon is not None and not Path(settings.lexicon).exists():  # a device: its size limit says
        raise ConfigError(f"lexicon file not found: {settings.lexicon}")


# ------------------------------------------------------------------ 1. load a source


def _read_script_bytes(source: str) -> bytes:
    if source == "-":
        import sys  # stdin is read only for "-"

        data = sys.stdin.buffer.read(MAX_SCRIPT_BYTES + 1)
        if len(data) > MAX_SCRIPT_BYTES:
            raise InputError(f"the script on standard input is larger than the {describe_bytes(MAX_SCRIPT_BYTES)} "
                             "limit; split the article into several episodes")
        return data
    path = Path(source)
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a script file made by 'audiogen script'")
    return read_limited(path, MAX_SCRIPT_BYTES, "the script", InputError, "split the article into several episodes")


def _fetch_article(url: str, timeout: float | None) -> tuple[bytes, str, str]:
    """(UTF-8 bytes, format, link) of the article page at ``url``: the page's charset decoded,
    its canonical URL (``<link rel=canonical>``, og:url) as the link, else the URL reached."""
    from audiogen import fetch

    got = fetch.fetch_page(url, timeout=timeout)
    text = got.text()
    fmt = fetch.page_format(got)
    link = (fetch.canonical_url(text, got.final_url) if fmt == "html" else None) or got.final_url
    return text.encode("utf-8"), fmt, link


def load_source(source: str | Path, *, kind: str = ARTICLE, settings: RenderSettings | None = None,
                lexicon: Lexicon | None = None, data: bytes | None = None, language: str | None = None,
                fmt: str | None = None, timeout: float | None = None) -> Source:
    """Read ``source`` once ("-" = stdin, an http(s) URL is fetched; or its ``data`` when already
    at hand) and build its Script.

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
        data, fetched_fmt, link = _fetch_article(name, timeout)
        fmt = fmt or (fetched_fmt if kind == ARTICLE else None)
    if kind == SCRIPT:
        data = _read_script_bytes(name) if data is None else data
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


# ------------------------------------------------------------------ 2. render


def render(source: Source | Script, settings: RenderSettings, out_dir: Path | str | None = None, *,
           show: Show | None = None, slug: str | None = None, cover: Path | None = None, album: str | None = None,
           progress: Callable[[int, int], None] | None = None) -> Episode:
    """Render to ``out_dir/<slug>.mp3`` (+ manifest and sidecars), or into ``show``'s episode folder.

    With a show, the slug comes from the title (``-2``... when another article holds it),
    the sidecars are left to publishing (they name the show's narrator), and a first
    render that fails leaves no empty episode folder behind.
    """
    src = source if isinstance(source, Source) else Source(source, "", "", SCRIPT)
    script, fallbacks = fill_missing(src.script, settings, show)
    if show is not None:
        from audiogen.cleanup import sweep_episode_folders

        sweep_episode_folders(show.episodes_dir)  # what renders that were killed left in the show
        slug = slug or show.slug_for(src.script.title, src.origin or None)
        out_dir = show.episode_dir(slug)
        album = album or show.config.title
    out = Path(out_dir) if out_dir is not None else Path("output")
    fresh = not out.exists()  # a first render that fails (or is interrupted) leaves no empty folder
    try:
        return _episode.render(script, out, settings, slug=slug, source_sha256=src.sha256 or None,
                               source=src.origin or None, cover=cover, album=album, progress=progress,
                               fallbacks=fallbacks, sidecars=show is None)
    except BaseException:
        if fresh:
            try:
                out.rmdir()
            except OSError:
                pass
        raise


def fill_missing(script: Script, settings: RenderSettings, show: Show | None = None,
                 today: str | None = None) -> tuple[Script, dict[str, str]]:
    """An article without a byline or a date still gets an ID3 artist and date: the show's
    author (else the config's ``author``) and the day the episode is made. Returns the
    script and where each filled value came from ("show", "config", "rendered")."""
    from dataclasses import replace
    from datetime import datetime, timezone

    filled: dict[str, str] = {}
    changes: dict[str, str] = {}
    if not script.author:
        if show is not None and show.config.author:
            changes["author"], filled["author"] = show.config.author, "show"
        elif settings.author:
            changes["author"], filled["author"] = settings.author, "config"
    if not script.date:
        changes["date"] = today or datetime.now(timezone.utc).strftime("%Y-%m-%d")
        filled["date"] = "rendered"
    return (replace(script, **changes) if changes else script), filled


# ------------------------------------------------------------------ 3. publish


def publish(episode: Episode, show: Show | Path | str, *, pub_date: datetime | None = None) -> BuildResult:
    """Add (or refresh) ``episode`` in its show: feed, sidecars and site rebuilt. ``pub_date``
    dates a first publication (a feed item's date); later publishes keep the first date."""
    root = show.root if isinstance(show, Show) else Path(show)
    return publish_episode(root, _episode.manifest_path(episode), pub_date=pub_date)


def summary(episode: Episode, feed: Path | None = None) -> dict[str, Any]:
    """The episode as one JSON-able object (manifest + local paths), for ``--json`` output."""
    data = episode.to_manifest()
    data["mp3"] = str(episode.mp3)
    data["manifest"] = str(_episode.manifest_path(episode))
    if feed is not None:
        data["feed"] = str(feed)
    return data
