"""Sidecars from an episode manifest: WebVTT and SRT transcripts, JSON chapters, timestamps.

Pure functions of the manifest dict (see docs/manifest contract): every time comes
from the rendered segments, so captions and chapters line up with the MP3 exactly.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

JSON_CHAPTERS_VERSION = "1.2.0"
QUOTE_SPEAKER = "Quote"


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    speaker: str
    text: str
    role: str


@dataclass(frozen=True)
class Chapter:
    start: float
    end: float
    title: str


def clean_text(text: Any) -> str:
    """One line of text: whitespace runs collapsed, control characters removed."""
    s = "".join(ch if ch.isprintable() or ch.isspace() else " " for ch in str(text or ""))
    return " ".join(s.split())


def _time(value: Any, duration: float) -> float:
    try:
        t = float(value)
    except (TypeError, ValueError):
        return 0.0
    if not math.isfinite(t) or t < 0:
        return 0.0
    return min(t, duration) if duration > 0 else t


def _duration(manifest: Mapping[str, Any]) -> float:
    try:
        d = float(manifest.get("duration") or 0.0)
    except (TypeError, ValueError):
        return 0.0
    return d if math.isfinite(d) and d > 0 else 0.0


def cues(manifest: Mapping[str, Any], narrator: str = "Narrator") -> list[Cue]:
    """The manifest's cues, cleaned, clamped to the episode, sorted, empty ones dropped."""
    duration = _duration(manifest)
    narrator = clean_text(narrator) or "Narrator"
    out = []
    for raw in manifest.get("cues") or []:
        if not isinstance(raw, Mapping):
            continue
        text = clean_text(raw.get("text"))
        if not text:
            continue
        start = _time(raw.get("start"), duration)
        end = max(start, _time(raw.get("end"), duration))
        role = str(raw.get("role") or "narrator")
        if role == "quote":
            speaker = clean_text(raw.get("speaker")) or QUOTE_SPEAKER
        else:
            speaker = narrator
        out.append(Cue(start, end, speaker, text, role))
    out.sort(key=lambda c: (c.start, c.end))
    return out


def chapters(manifest: Mapping[str, Any]) -> list[Chapter]:
    """The manifest's chapters, sorted, clamped, with the first starting at 0 and titles never empty."""
    duration = _duration(manifest)
    raw_list = [c for c in (manifest.get("chapters") or []) if isinstance(c, Mapping)]
    items = sorted(
        ((_time(c.get("start"), duration), _time(c.get("end"), duration), clean_text(c.get("title"))) for c in raw_list),
        key=lambda t: t[0],
    )
    out: list[Chapter] = []
    for i, (start, end, title) in enumerate(items):
        if i == 0:
            start = 0.0
        nxt = items[i + 1][0] if i + 1 < len(items) else (duration or end)
        end = end if end > start else max(start, nxt)
        out.append(Chapter(start, end, title or f"Chapter {i + 1}"))
    return out


# --- time formats ---------------------------------------------------------------------


def _hmsm(seconds: float) -> tuple[int, int, int, int]:
    ms_total = int(round(max(0.0, seconds) * 1000))
    h, rem = divmod(ms_total, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return h, m, s, ms


def vtt_time(seconds: float) -> str:
    h, m, s, ms = _hmsm(seconds)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def srt_time(seconds: float) -> str:
    h, m, s, ms = _hmsm(seconds)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def npt_time(seconds: float) -> str:
    """Normal Play Time as Podlove Simple Chapters wants it (HH:MM:SS.mmm)."""
    return vtt_time(seconds)


def clock(seconds: float, hours: bool = False) -> str:
    """MM:SS (or HH:MM:SS), floored to the second, for humans and Spotify."""
    total = int(max(0.0, seconds))
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}" if hours or h else f"{m:02d}:{s:02d}"


# --- sidecars -------------------------------------------------------------------------


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(manifest: Mapping[str, Any], narrator: str = "Narrator") -> str:
    """WebVTT with one cue per rendered segment and a ``<v Speaker>`` voice span."""
    lines = ["WEBVTT", ""]
    for i, cue in enumerate(cues(manifest, narrator), 1):
        lines.append(str(i))
        lines.append(f"{vtt_time(cue.start)} --> {vtt_time(cue.end)}")
        lines.append(f"<v {_vtt_escape(cue.speaker)}>{_vtt_escape(cue.text)}</v>")
        lines.append("")
    return "\n".join(lines)


def to_srt(manifest: Mapping[str, Any], narrator: str = "Narrator") -> str:
    """SubRip captions; quotes are prefixed with their speaker since SRT has no voices."""
    blocks = []
    for i, cue in enumerate(cues(manifest, narrator), 1):
        text = f"{cue.speaker}: {cue.text}" if cue.role == "quote" else cue.text
        blocks.append(f"{i}\n{srt_time(cue.start)} --> {srt_time(cue.end)}\n{text}\n")
    return "\n".join(blocks)


def to_json_chapters(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """Podcasting 2.0 JSON chapters (version 1.2.0)."""
    return {
        "version": JSON_CHAPTERS_VERSION,
        "chapters": [
            {"startTime": round(c.start, 3), "endTime": round(c.end, 3), "title": c.title}
            for c in chapters(manifest)
        ],
    }


def timestamp_lines(manifest: Mapping[str, Any]) -> list[str]:
    """``MM:SS Title`` lines for a description, following Spotify's rules.

    The first is 00:00, they ascend strictly, and there are at least three, or none at all
    (fewer would not be recognised as chapters).
    """
    chaps = chapters(manifest)
    hours = _duration(manifest) >= 3600 or any(c.start >= 3600 for c in chaps)
    lines: list[str] = []
    last = -1
    for c in chaps:
        sec = int(c.start)
        if sec <= last:
            continue
        last = sec
        title = re.sub(r"^[\s\-–—:|.)]+", "", c.title) or "Chapter"
        lines.append(f"{clock(sec, hours)} {title}")
    return lines if len(lines) >= 3 else []


def psc_chapters(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(start, title) pairs for Podlove Simple Chapters."""
    return [(npt_time(c.start), c.title) for c in chapters(manifest)]

