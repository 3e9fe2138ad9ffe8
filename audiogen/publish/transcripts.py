"""Sidecars from an episode manifest: captions (WebVTT, SRT), the JSON transcript, JSON chapters.

Pure functions of the manifest (audiogen.manifest; a plain mapping is read through it): every time comes from the rendered segments (counted
in samples), so captions and chapters line up with the MP3 exactly.

Two transcripts, for two uses:
- captions (``captions``, VTT and SRT): subtitle-sized, at most two lines of about 42
  characters and about 7 seconds each, cut at sentence and then clause boundaries, each
  sentence timed from its own clip when the segment was spoken sentence by sentence;
- the paragraph-level transcript (``to_json_transcript``, Podcasting 2.0 JSON, and the
  site): one segment per script line, with its speaker, start and end.

Speakers: the narrator is the show's host; a quotation carries the speaker the script
names, or no name at all (never a made-up "Quote"); visible labels appear only where the
speaker changes.
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from dataclasses import dataclass, replace
from typing import Any, Iterator, Mapping

from audiogen.manifest import Chapter, Cue, Manifest, as_manifest
from audiogen.text import one_line

JSON_CHAPTERS_VERSION = "1.2.0"
JSON_TRANSCRIPT_VERSION = "1.0.0"
NARRATOR = "Narrator"  # the narrator's name when there is no show (and so no host)

CAPTION_LINE_CHARS = 42
CAPTION_LINES = 2
CAPTION_MAX_SECONDS = 7.0


@dataclass(frozen=True)
class Caption:
    """One subtitle: one or two short lines; ``label`` is set where the speaker changes."""

    start: float
    end: float
    speaker: str
    lines: tuple[str, ...]
    label: str | None = None

    @property
    def text(self) -> str:
        return " ".join(self.lines)


clean_text = one_line  # the one scrubber (audiogen.text), on one line
ManifestLike = Manifest | Mapping[str, Any]


def cues(manifest: ManifestLike, narrator: str = NARRATOR) -> list[Cue]:
    """The manifest's cues (cleaned, clamped to the episode, sorted: see audiogen.manifest), each
    ``speaker`` the name captions show: ``narrator`` for the narrator and the titles it reads, the
    speaker the script names for a quotation, or "" when it names none."""
    narrator = one_line(narrator) or NARRATOR
    return [replace(c, speaker=(c.speaker or "") if c.role == "quote" else narrator)
            for c in as_manifest(manifest).cues]


def labelled(items: list[Cue]) -> Iterator[tuple[Cue, str | None]]:
    """Each cue with the speaker label to show before it: only where the speaker changes,
    and never for an unnamed quotation."""
    previous: str | None = None
    for cue in items:
        label = cue.speaker if cue.speaker and cue.speaker != previous else None
        previous = cue.speaker
        yield cue, label


def chapters(manifest: ManifestLike) -> list[Chapter]:
    """The manifest's chapters, sorted, clamped, with the first starting at 0 and titles never empty."""
    return list(as_manifest(manifest).chapters)


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


_SENTENCE_END = re.compile(r"(?<=[.!?…。！？])[\"”’»)\]]*\s+(?=\S)")
_CLAUSE_END = re.compile(r"[,;:)\]”’»]$|^[—–-]$")  # a word after which a caption may end


def sentences(text: str) -> list[str]:
    """Split written text at sentence ends (punctuation, then space)."""
    return [p.strip() for p in _SENTENCE_END.split(text) if p.strip()] or [text]


def caption_lines(text: str, width: int = CAPTION_LINE_CHARS) -> list[str]:
    """``text`` as one line, or as few balanced lines of at most ``width`` characters."""
    if len(text) <= width:
        return [text]
    best = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False)
    lo = max(1, math.ceil(len(text) / len(best)))
    if len(best) == 2 and " ".join(text.split()) == text:
        # Words joined by single spaces, in two lines: the narrowest width that still takes two
        # is that of the most even cut at a space (what the search below finds, in one step).
        if max(map(len, text.split(" "))) > width:
            return best  # a word longer than a line: only the greedy wrap breaks it
        w = max(lo, min(max(i, len(text) - i - 1) for i, c in enumerate(text) if c == " "))
        return best if w >= width else textwrap.wrap(text, w, break_long_words=False, break_on_hyphens=False)
    for w in range(lo, width):  # narrowest with as few lines
        lines = textwrap.wrap(text, w, break_long_words=False, break_on_hyphens=False)
        if len(lines) <= len(best) and all(len(x) <= width for x in lines):
            return lines
    return best


def _fits(text: str, max_chars: int) -> bool:
    """Whether ``text`` makes a caption of at most ``max_chars`` characters and two lines.

    Words joined by single spaces take as many lines in ``caption_lines`` as in one greedy wrap
    (tests/test_transcripts.py checks it), so only text led by a label's reserved spaces, where
    the balanced search can do better, pays for the search.
    """
    if len(text) > max_chars:
        return False
    if len(text) <= CAPTION_LINE_CHARS:
        return True
    if text.startswith(" "):
        return len(caption_lines(text)) <= CAPTION_LINES
    return _greedy_line_count(text, CAPTION_LINE_CHARS) <= CAPTION_LINES


_SPACE = -1  # a space chunk in _greedy_line_count


def _greedy_line_count(text: str, width: int) -> int:
    """``len(textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False))`` for words
    joined by single spaces, counted the way textwrap wraps (its _wrap_chunks) without making lines:
    a line takes words while they fit, a word longer than a line fills what is left of it, and
    a space at the start of a line is dropped."""
    chunks: list[int] = []  # word lengths and spaces, last first
    for word in reversed(text.split(" ")):
        chunks += (len(word), _SPACE)
    chunks.pop()
    lines = 0
    while chunks:
        if chunks[-1] == _SPACE and lines:
            chunks.pop()
        used = 0
        while chunks and used + (size := max(chunks[-1], 1)) <= width:
            chunks.pop()
            used += size
        if chunks and chunks[-1] > width:
            chunks[-1] -= width - used
        lines += 1
    return lines


def _split_sentence(text: str, max_chars: int, reserve: int = 0) -> list[str]:
    """Cut one sentence into caption-sized pieces, at a clause boundary where one is near.

    ``reserve`` characters are kept free in the first piece (for a speaker label).
    """
    words = text.split()
    pieces: list[str] = []
    cur: list[str] = []
    for w in words:
        pad = " " * reserve if not pieces else ""  # room for the label before the first piece
        if not cur or _fits(pad + " ".join(cur + [w]), max_chars):
            cur.append(w)
            continue
        # Break after the last clause boundary in the back two thirds of the piece, else here.
        cut = len(cur)
        for j in range(len(cur) - 1, max(0, len(cur) // 3) - 1, -1):
            if _CLAUSE_END.search(cur[j]) or (j + 1 < len(cur) and cur[j + 1] in ("—", "–")):
                cut = j + 1
                break
        pieces.append(" ".join(cur[:cut]))
        cur = cur[cut:] + [w]
    if cur:
        pieces.append(" ".join(cur))
    # A short orphan at the end joins the piece before it when both fit.
    if len(pieces) >= 2 and len(pieces[-1]) < 12 and _fits(pieces[-2] + " " + pieces[-1], max_chars):
        pieces[-2:] = [pieces[-2] + " " + pieces[-1]]
    return pieces


def _spread(spans: tuple[tuple[float, float], ...], a: float, b: float) -> tuple[float, float]:
    """Times of the fractions ``a`` and ``b`` of the voiced length of ``spans`` (gaps skipped)."""
    total = sum(e - s for s, e in spans) or 1e-9

    def at(f: float) -> float:
        left = f * total
        for s, e in spans:
            if left <= (e - s) + 1e-12:
                return s + left
            left -= e - s
        return spans[-1][1]

    return at(a), at(b)


def _cue_captions(cue: Cue, label: str | None) -> list[Caption]:
    """The captions of one cue: its sentences (timed from their clips when the count matches),
    each cut into pieces timed by their share of the sentence's characters."""
    spans = cue.parts or ((cue.start, cue.end),)
    sents = sentences(cue.text)
    if len(sents) == len(spans):
        timed = list(zip(sents, spans))
    else:  # times by character share over the voiced spans
        total = sum(len(x) for x in sents)
        timed, pos = [], 0
        for x in sents:
            timed.append((x, _spread(spans, pos / total, (pos + len(x)) / total)))
            pos += len(x)
    out: list[Caption] = []
    for sent, (t0, t1) in timed:
        seconds = max(t1 - t0, 1e-3)
        by_time = int(CAPTION_MAX_SECONDS * len(sent) / seconds)  # characters spoken in 7 s
        max_chars = max(12, min(CAPTION_LINE_CHARS * CAPTION_LINES, by_time))
        reserve = len(label) + 2 if label and not out else 0
        pieces = _split_sentence(sent, max_chars, reserve)
        total = sum(len(p) for p in pieces)
        pos = 0
        for piece in pieces:
            a = t0 + seconds * pos / total
            pos += len(piece)
            b = t0 + seconds * pos / total
            first = label if not out else None
            shown = f"{first}: {piece}" if first else piece
            out.append(Caption(round(a, 3), round(b, 3), cue.speaker, tuple(caption_lines(shown)), first))
    return out


def captions(manifest: ManifestLike, narrator: str = NARRATOR) -> list[Caption]:
    """Subtitle-sized captions of the whole episode; the first caption after a change of
    speaker starts with the speaker's name (``label``)."""
    out: list[Caption] = []
    for cue, label in labelled(cues(manifest, narrator)):
        out.extend(_cue_captions(cue, label))
    return out


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(manifest: ManifestLike, narrator: str = NARRATOR) -> str:
    """WebVTT captions; each cue's voice span ``<v Speaker>`` names who speaks (none for an
    unnamed quotation), so the text itself carries no label."""
    return _vtt(captions(manifest, narrator))


def _vtt(caps: list[Caption]) -> str:
    lines = ["WEBVTT", ""]
    for i, cap in enumerate(caps, 1):
        body = cap.lines if not cap.label else tuple(caption_lines(cap.text[len(cap.label) + 2:]))
        text = "\n".join(_vtt_escape(x) for x in body)
        lines.append(str(i))
        lines.append(f"{vtt_time(cap.start)} --> {vtt_time(cap.end)}")
        lines.append(f"<v {_vtt_escape(cap.speaker)}>{text}</v>" if cap.speaker else text)
        lines.append("")
    return "\n".join(lines)


def to_srt(manifest: ManifestLike, narrator: str = NARRATOR) -> str:
    """SubRip captions; SRT has no voices, so a caption starts with ``Speaker:`` where the speaker changes."""
    return _srt(captions(manifest, narrator))


def _srt(caps: list[Caption]) -> str:
    blocks = []
    for i, cap in enumerate(caps, 1):
        blocks.append(f"{i}\n{srt_time(cap.start)} --> {srt_time(cap.end)}\n" + "\n".join(cap.lines) + "\n")
    return "\n".join(blocks)


def to_json_transcript(manifest: ManifestLike, narrator: str = NARRATOR) -> dict[str, Any]:
    """The paragraph-level transcript as Podcasting 2.0 JSON: one segment per script line with
    ``speaker`` (left out for an unnamed quotation), ``startTime``, ``endTime`` and ``body``."""
    segments = []
    for cue in cues(manifest, narrator):
        seg: dict[str, Any] = {"speaker": cue.speaker} if cue.speaker else {}
        seg.update(startTime=round(cue.start, 3), endTime=round(cue.end, 3), body=cue.text)
        segments.append(seg)
    return {"version": JSON_TRANSCRIPT_VERSION, "segments": segments}


def to_json_chapters(manifest: ManifestLike) -> dict[str, Any]:
    """Podcasting 2.0 JSON chapters (version 1.2.0)."""
    return {
        "version": JSON_CHAPTERS_VERSION,
        "chapters": [
            {"startTime": round(c.start, 3), "endTime": round(c.end, 3), "title": c.title}
            for c in chapters(manifest)
        ],
    }


def timestamp_lines(manifest: ManifestLike) -> list[str]:
    """``MM:SS Title`` lines for a description, following Spotify's rules.

    The first is 00:00, they ascend strictly, and there are at least three, or none at all
    (fewer would not be recognised as chapters).
    """
    m = as_manifest(manifest)
    chaps = list(m.chapters)
    hours = m.duration >= 3600 or any(c.start >= 3600 for c in chaps)
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


def psc_chapters(manifest: ManifestLike) -> list[tuple[str, str]]:
    """(start, title) pairs for Podlove Simple Chapters."""
    return [(npt_time(c.start), c.title) for c in chapters(manifest)]


SIDECAR_SUFFIXES = (".vtt", ".srt", ".transcript.json", ".chapters.json")


def sidecars(manifest: ManifestLike, narrator: str = NARRATOR) -> dict[str, str]:
    """The files published next to the MP3, by suffix: captions (VTT, SRT), the JSON
    transcript and the JSON chapters."""
    m = as_manifest(manifest)
    caps = captions(m, narrator)  # once for both caption formats
    return {
        ".vtt": _vtt(caps),
        ".srt": _srt(caps),
        ".transcript.json": json.dumps(to_json_transcript(m, narrator), ensure_ascii=False, indent=1) + "\n",
        ".chapters.json": json.dumps(to_json_chapters(m), ensure_ascii=False, indent=2) + "\n",
    }
