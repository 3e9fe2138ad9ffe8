"""The episode manifest, ``<slug>.episode.json``: what a render knew about its episode.

One type per concept: :class:`Chapter` and :class:`Cue` are the timeline everywhere
(render, ID3 tags, sidecars, feed, site), and :func:`parse` is the one reader of a
manifest (publish, batch, show, site and the sidecars read it through here): it
checks what publishing needs and cleans the timeline (times clamped to the episode,
sorted, text on one line), so no reader deals with a loose mapping.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

from audiogen.errors import InputError
from audiogen.text import one_line

SUFFIX = ".episode.json"  # episodes/<slug>/<slug>.episode.json
VERSION = 1
SAMPLE_RATE = 44100


@dataclass(frozen=True)
class Chapter:
    """A chapter of the episode, in seconds from its start."""

    title: str
    start: float
    end: float


@dataclass(frozen=True)
class Cue:
    """One spoken segment, in seconds: who speaks (role narrator | quote | title; the quoted
    speaker's name, if known) and what they say."""

    start: float
    end: float
    role: str
    speaker: str | None
    text: str
    # (start, end) of each sentence clip when the segment was spoken sentence by sentence:
    # captions are cut and timed from them.
    parts: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class Manifest:
    slug: str
    title: str
    mp3: str  # file name, next to the manifest
    duration: float
    author: str | None = None
    date: str | None = None
    language: str = "en"
    description: str = ""
    bytes: int = 0
    channels: int = 1
    sample_rate: int = SAMPLE_RATE
    bitrate: int = 64
    chapters: tuple[Chapter, ...] = ()
    cues: tuple[Cue, ...] = ()
    loudness: dict[str, float | None] | None = None
    voices: dict[str, str] = field(default_factory=dict)  # role (narrator, quote, cast:Name) -> voice id
    engines: dict[str, str] = field(default_factory=dict)  # role -> engine that spoke it
    fallbacks: dict[str, str] = field(default_factory=dict)  # "author"/"date" -> where it came from
    source_sha256: str | None = None
    source: str | None = None  # the article or script file rendered ("-" for stdin)
    link: str | None = None  # the article's own http(s) URL: the feed item's <link>, "Read the article"
    rendered_at: str = ""
    generator: str = ""

    def to_json(self) -> dict[str, Any]:
        """The JSON object (plain lists, as ``json.loads`` gives them back)."""
        data = json.loads(json.dumps({"manifest_version": VERSION, **asdict(self)}))
        data["duration"] = round(self.duration, 3)
        return data


def path_for(folder: Path, slug: str) -> Path:
    return Path(folder) / f"{slug}{SUFFIX}"


def write_text(manifest: Manifest) -> str:
    return json.dumps(manifest.to_json(), ensure_ascii=False, indent=2) + "\n"


# ------------------------------------------------------------------ the one reader


def _time(value: Any, duration: float) -> float:
    try:
        t = float(value)
    except (TypeError, ValueError):
        return 0.0
    if not math.isfinite(t) or t < 0:
        return 0.0
    return min(t, duration) if duration > 0 else t


def _opt(value: Any) -> str | None:
    text = one_line(value) if value is not None else ""
    return text or None


def _chapters(raw: Any, duration: float) -> tuple[Chapter, ...]:
    """Sorted and clamped, the first starting at 0, titles never empty."""
    items = sorted(((_time(c.get("start"), duration), _time(c.get("end"), duration), one_line(c.get("title")))
                    for c in (raw if isinstance(raw, (list, tuple)) else []) if isinstance(c, Mapping)), key=lambda t: t[0])
    out = []
    for i, (start, end, title) in enumerate(items):
        if i == 0:
            start = 0.0
        nxt = items[i + 1][0] if i + 1 < len(items) else (duration or end)
        end = end if end > start else max(start, nxt)
        out.append(Chapter(title or f"Chapter {i + 1}", start, end))
    return tuple(out)


def _cues(raw: Any, duration: float) -> tuple[Cue, ...]:
    """Clamped to the episode, sorted, empty ones dropped."""
    out = []
    for c in raw if isinstance(raw, (list, tuple)) else []:
        if not isinstance(c, Mapping):
            continue
        text = one_line(c.get("text"))
        if not text:
            continue
        start = _time(c.get("start"), duration)
        end = max(start, _time(c.get("end"), duration))
        out.append(Cue(start, end, str(c.get("role") or "narrator"), _opt(c.get("speaker")), text,
                       _parts(c.get("parts"), start, end)))
    out.sort(key=lambda c: (c.start, c.end))
    return tuple(out)


def _parts(raw: Any, start: float, end: float) -> tuple[tuple[float, float], ...]:
    """Sentence spans of a cue, kept only when they are sane (inside the cue, in order)."""
    if not isinstance(raw, (list, tuple)) or len(raw) < 2:
        return ()
    out = []
    last = start
    for item in raw:
        try:
            a, b = (float(x) for x in item)
        except (TypeError, ValueError):
            return ()
        if not (math.isfinite(a) and math.isfinite(b)) or a < last - 0.002 or b < a or b > end + 0.002:
            return ()
        out.append((max(a, start), min(b, end)))
        last = b
    return tuple(out)


def _link(value: Any) -> str | None:
    """An http(s) URL, else None: a link never names a local file or a script."""

    text = _opt(value)
    return text if text and re.fullmatch(r"(?i)https?://[^\s/]+\S*", text) else None


def _str_dict(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, Mapping) else {}


def parse(data: Any, name: str = "the manifest", *, strict: bool = True) -> Manifest:
    """A Manifest from its JSON mapping. ``strict`` (publishing) refuses one without a safe
    MP3 file name, a title or a duration; otherwise those default (sidecars of a fragment)."""
    if not isinstance(data, Mapping):
        raise InputError(f"episode manifest {name} is not a JSON object; render the episode again")
    mp3 = data.get("mp3")
    if not isinstance(mp3, str) or not mp3 or mp3 != Path(mp3).name or mp3 in (".", "..") or "\\" in mp3:
        if strict:
            raise InputError(f"episode manifest {name} has no valid 'mp3' file name; render the episode again")
        mp3 = ""
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        if strict:
            raise InputError(f"episode manifest {name} has no title; render the episode again")
        title = ""
    try:
        duration = float(data.get("duration"))
    except (TypeError, ValueError):
        if strict:
            raise InputError(f"episode manifest {name} has no duration; render the episode again") from None
        duration = 0.0
    if not math.isfinite(duration) or duration < 0:
        duration = 0.0

    def num(key: str, default: int) -> int:
        value = data.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else default

    loudness = data.get("loudness")
    return Manifest(
        slug=one_line(data.get("slug")), title=one_line(title), mp3=mp3, duration=duration,
        author=_opt(data.get("author")), date=_opt(data.get("date")), language=_opt(data.get("language")) or "en",
        description=str(data.get("description") or ""), bytes=num("bytes", 0), channels=num("channels", 1),
        sample_rate=num("sample_rate", SAMPLE_RATE), bitrate=num("bitrate", 64),
        chapters=_chapters(data.get("chapters"), duration), cues=_cues(data.get("cues"), duration),
        loudness=dict(loudness) if isinstance(loudness, Mapping) else None,
        voices=_str_dict(data.get("voices")), engines=_str_dict(data.get("engines")),
        fallbacks=_str_dict(data.get("fallbacks")),
        source_sha256=_opt(data.get("source_sha256")), source=_opt(data.get("source")), link=_link(data.get("link")),
        rendered_at=str(data.get("rendered_at") or ""), generator=str(data.get("generator") or ""),
    )


def as_manifest(value: Manifest | Mapping[str, Any]) -> Manifest:
    """``value`` itself, or a manifest mapping read leniently (for tools given a fragment)."""
    return value if isinstance(value, Manifest) else parse(value, strict=False)


def read(path: Path | str) -> Manifest:
    """Load an episode manifest; InputError when it is unreadable or lacks what publishing needs."""
    return parse(load_json(path)[0], str(path))


def load_json(path: Path | str) -> tuple[Any, bytes]:
    """A manifest file's JSON, not checked yet (``parse`` does), and its bytes (what publishing
    fingerprints an episode by); InputError when it is missing or not JSON."""
    try:
        raw = Path(path).read_bytes()
        return json.loads(raw.decode("utf-8")), raw
    except FileNotFoundError:
        raise InputError(f"episode manifest {path} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"episode manifest {path} is not readable JSON ({exc}); render the episode again") from None


def without_cues(data: Any) -> Any:
    """A manifest mapping with its cues left out, for readers that need none (the feed): they are
    most of what parsing a manifest costs, and of what it keeps in memory."""
    return {**data, "cues": ()} if isinstance(data, Mapping) else data
