"""The narration script: what is read, in which voice, under which chapter.

A :class:`Script` is plain frozen data. It has two serialisations that round-trip
exactly: a human-editable text format (``format_text`` / ``parse_text``) and a JSON
object whose shape other tools rely on (``to_json`` / ``from_json``).

Text format (documented in the README)::

    # comment lines start with "#"
    title: Lighthouses of the North
    author: Jane Doe
    date: 2026-11-24
    language: en

    ## First chapter title

    Narrator text, one segment per line.
    > [Maria Lopez] A quotation read in the second voice.
    = the spoken form, when it differs from the written text  #3fa2c1
    (pause 1.5s)

    A blank line ends a paragraph.

A line whose text would start with one of ``# > = ( \\`` is escaped with ``\\``.
The ``#code`` ending a written spoken form ties it to its line: when the line is edited
and its spoken form is not, the form is stale and is made again from the new line
(a spoken form typed without a code is taken as given).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

from audiogen.errors import InputError
from audiogen.limits import (MAX_CHAPTERS, MAX_PAUSE_SECONDS as MAX_PAUSE, MAX_SCRIPT_BYTES, MAX_TOTAL_PAUSE_SECONDS,
                             describe_bytes, read_limited)
from audiogen.text import one_line as clean_line  # values fit on one line

NARRATOR = "narrator"
QUOTE = "quote"
ROLES = (NARRATOR, QUOTE)
FORMAT_VERSION = 1
HEADER_KEYS = ("title", "author", "date", "language", "link")


@dataclass(frozen=True)
class Segment:
    """One stretch of speech in one voice.

    ``text`` is the written text, ``speech`` what the engine is given.
    ``paragraph_end`` marks the last segment of a paragraph (a longer pause
    follows); ``pause`` is an explicit extra silence in seconds after it.
    """

    role: str
    text: str
    speech: str
    speaker: str | None = None
    paragraph_end: bool = True
    pause: float | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")
        object.__setattr__(self, "text", clean_line(self.text))
        object.__setattr__(self, "speech", clean_line(self.speech) or clean_line(self.text))
        if self.speaker is not None:
            speaker = clean_line(self.speaker).replace("]", ")") if self.role == QUOTE else ""
            object.__setattr__(self, "speaker", speaker or None)
        if self.pause is not None:
            pause = float(self.pause)
            if not 0 <= pause <= MAX_PAUSE:  # also refuses NaN
                raise ValueError(f"a pause must be 0 to {MAX_PAUSE:g} seconds, got {self.pause!r}")
            object.__setattr__(self, "pause", round(pause, 3))


@dataclass(frozen=True)
class Chapter:
    """A section of the article: one chapter in the episode."""

    title: str
    segments: tuple[Segment, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", clean_line(self.title))
        object.__setattr__(self, "segments", tuple(self.segments))


@dataclass(frozen=True)
class Script:
    """The whole narration: metadata plus chapters in reading order."""

    title: str
    chapters: tuple[Chapter, ...]
    author: str | None = None
    date: str | None = None
    language: str = "en"
    extra: tuple[tuple[str, str], ...] = field(default=())
    notes: tuple[str, ...] = field(default=(), compare=False)  # what loading changed, for the user (not saved)
    link: str | None = None  # the article's own (canonical) URL: "Read the article" in the feed and site

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", clean_line(self.title))
        object.__setattr__(self, "chapters", tuple(self.chapters))
        for key in ("author", "date", "link"):
            value = getattr(self, key)
            object.__setattr__(self, key, clean_line(value) or None if value is not None else None)
        object.__setattr__(self, "language", clean_line(self.language) or "en")

    @property
    def segments(self) -> Iterable[Segment]:
        for chapter in self.chapters:
            yield from chapter.segments

    def lede(self, limit: int = 400) -> str:
        """The opening narration, cut at a word boundary: the episode's summary."""
        words: list[str] = []
        for seg in self.segments:
            words.extend(seg.text.split())
            if seg.paragraph_end and len(" ".join(words)) > 80:
                break
        text = " ".join(words)
        if len(text) > limit:
            text = text[:limit].rsplit(" ", 1)[0] + "…"
        return text

    def word_count(self) -> int:
        return sum(len(seg.text.split()) for seg in self.segments)


# ---------------------------------------------------------------- text format

_SPECIAL = ("#", ">", "=", "(", "\\")
_PAUSE_RE = re.compile(r"^\(pause\s+([0-9]+(?:\.[0-9]+)?)\s*s?\)$")


_SPOKEN_TAG_RE = re.compile(r"\s+#([0-9a-f]{6})$")


def spoken_tag(text: str) -> str:
    """Six hex digits of the written line a spoken form was made from (stale forms are detected)."""
    return hashlib.sha1(clean_line(text).encode("utf-8")).hexdigest()[:6]


def _escape(text: str) -> str:
    return "\\" + text if text.startswith(_SPECIAL) else text


def _format_pause(seconds: float) -> str:
    return f"(pause {seconds:g}s)"


def format_text(script: Script) -> str:
    """Render a script as the editable text format (``parse_text`` reads it back)."""
    out = [
        f"# audiogen narration script v{FORMAT_VERSION}. Edit it, then: audiogen render FILE",
        "# '## ' starts a chapter; a blank line ends a paragraph; '> ' is a quote (second voice),",
        "# '> [Name] ' names its speaker; '= ' after a line says how to speak it; (pause 1.5s) adds silence.",
    ]
    out.append(f"title: {script.title}")
    if script.author:
        out.append(f"author: {script.author}")
    if script.date:
        out.append(f"date: {script.date}")
    out.append(f"language: {script.language}")
    if script.link:
        out.append(f"link: {script.link}")
    for key, value in script.extra:
        out.append(f"{key}: {clean_line(value)}")
    for chapter in script.chapters:
        out.append("")
        out.append(f"## {chapter.title}")
        out.append("")
        for seg in chapter.segments:
            if seg.role == QUOTE:
                if seg.speaker:
                    line = f"> [{seg.speaker}] {seg.text}"
                else:
                    body = seg.text
                    line = "> " + ("\\" + body if body.startswith(("[", "\\")) else body)
            else:
                line = _escape(seg.text)
            out.append(line)
            if seg.speech != seg.text:
                out.append(f"= {seg.speech}  #{spoken_tag(seg.text)}")
            if seg.pause is not None:
                out.append(_format_pause(seg.pause))
            if seg.paragraph_end:
                out.append("")
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def parse_text(text: str, source: str = "script") -> Script:
    """Parse the text format; errors name the line."""
    header: dict[str, str] = {}
    extra: list[tuple[str, str]] = []
    chapters: list[Chapter] = []
    title: str | None = None
    segs: list[Segment] = []
    in_header = True
    para_open = False
    stale: list[int] = []
    total_pause = 0.0

    def err(lineno: int, msg: str) -> InputError:
        return InputError(f"{source}, line {lineno}: {msg}")

    def close_paragraph() -> None:
        if segs and not segs[-1].paragraph_end:
            segs[-1] = replace(segs[-1], paragraph_end=True)

    def close_chapter() -> None:
        nonlocal segs
        if title is not None:
            close_paragraph()
            chapters.append(Chapter(title, tuple(segs)))
        segs = []

    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line.strip():
            close_paragraph()
            para_open = False
            continue
        if line.startswith("#") and not line.startswith("## "):
            continue
        if line.startswith("## "):
            close_chapter()
            if len(chapters) >= MAX_CHAPTERS:
                raise err(lineno, f"more than the limit of {MAX_CHAPTERS} chapters; merge some sections")
            para_open = False
            in_header = False
            title = line[3:].strip()
            if not title:
                raise err(lineno, "a chapter needs a title after '## '")
            continue
        if in_header:
            key, sep, value = line.partition(":")
            key = key.strip().lower()
            if not sep or not re.fullmatch(r"[a-z][a-z0-9_-]*", key):
                raise err(lineno, "expected 'key: value' before the first '## ' chapter")
            if key not in HEADER_KEYS:
                raise err(lineno, f"unknown key {key!r} (known: {', '.join(HEADER_KEYS)})")
            if key in header:
                raise err(lineno, f"'{key}:' is given twice")
            if key == "date" and value.strip() and not valid_date(value.strip()):
                raise err(lineno, f"date must be YYYY-MM-DD, YYYY-MM or YYYY, got {value.strip()!r}")
            header[key] = value.strip()
            if key == "link" and value.strip() and not is_http_url(value.strip()):
                raise err(lineno, "link must be an http:// or https:// URL")
            continue
        if title is None:
            raise err(lineno, "text before the first '## ' chapter")
        if line.startswith("= "):
            if not segs:
                raise err(lineno, "'= ' (spoken form) must follow a line of text")
            spoken = line[2:]
            tag = _SPOKEN_TAG_RE.search(spoken)
            if tag:
                spoken = spoken[:tag.start()]
                if tag.group(1) != spoken_tag(segs[-1].text):
                    # The line was edited, its spoken form was not: make it again from the line.
                    stale.append(lineno)
                    spoken = segs[-1].text
            segs[-1] = replace(segs[-1], speech=spoken)
            continue
        if line.startswith("("):
            m = _PAUSE_RE.match(line.strip())
            if not m:
                raise err(lineno, "expected a pause like '(pause 1.5s)'")
            if not segs:
                raise err(lineno, "'(pause …)' must follow a line of text")
            # Consecutive pause lines add up; one gap holds at most MAX_PAUSE of silence.
            pause = (segs[-1].pause or 0.0) + float(m.group(1))
            if pause > MAX_PAUSE:
                raise err(lineno, f"a pause can be at most {MAX_PAUSE:g}s (consecutive pauses add up)")
            total_pause += float(m.group(1))
            if total_pause > MAX_TOTAL_PAUSE_SECONDS:
                raise err(lineno, f"the pauses of one script add up to more than the limit of "
                                  f"{MAX_TOTAL_PAUSE_SECONDS:g}s")
            segs[-1] = replace(segs[-1], pause=pause)
            continue
        role, speaker = NARRATOR, None
        if line.startswith("> ") or line == ">":
            role = QUOTE
            body = line[2:]
            m = re.match(r"\[([^\]]*)\] ?", body)
            if body.startswith("\\"):
                body = body[1:]
            elif m:
                speaker, body = m.group(1).strip() or None, body[m.end():]
        elif line.startswith("\\"):
            body = line[1:]
        elif line.startswith(_SPECIAL):
            raise err(lineno, f"unexpected {line[0]!r} at the start of a line (escape it as '\\{line[0]}')")
        else:
            body = line
        if not body.strip():
            raise err(lineno, "empty text")
        if para_open:
            segs[-1] = replace(segs[-1], paragraph_end=False)
        segs.append(Segment(role, body, body, speaker=speaker, paragraph_end=True))
        para_open = True
    close_chapter()
    if "title" not in header or not header["title"]:
        raise InputError(f"{source}: the script has no 'title:' line")
    if not chapters or not any(c.segments for c in chapters):
        raise InputError(f"{source}: the script has no text to read")
    return Script(
        title=header["title"],
        chapters=tuple(chapters),
        author=header.get("author") or None,
        date=header.get("date") or None,
        language=header.get("language") or "en",
        extra=tuple(extra),
        notes=(f"{source}: {len(stale)} spoken form(s) no longer matched their edited line "
               f"(line {', '.join(map(str, stale[:5]))}{', ...' if len(stale) > 5 else ''}) and were made again",)
        if stale else (),
        link=header.get("link") or None,
    )


# ---------------------------------------------------------------- JSON format


def to_json(script: Script) -> dict[str, Any]:
    """The stable JSON shape: title, author, date, language, [link,] chapters[].segments[]."""
    return {
        "title": script.title,
        "author": script.author,
        "date": script.date,
        "language": script.language,
        **({"link": script.link} if script.link else {}),
        "chapters": [
            {
                "title": ch.title,
                "segments": [
                    {
                        "role": s.role,
                        "text": s.text,
                        "speech": s.speech,
                        "speaker": s.speaker,
                        "paragraph_end": s.paragraph_end,
                        "pause": s.pause,
                    }
                    for s in ch.segments
                ],
            }
            for ch in script.chapters
        ],
    }


def _json_text(value: Any, what: str) -> str:
    """A required, non-blank JSON string (a null title must not become the text "None")."""
    if not isinstance(value, str) or not clean_line(value):
        raise ValueError(f"{what} must be a non-empty string")
    return value


def _json_optional(value: Any, what: str) -> str | None:
    """An optional JSON string: a number or an object is refused, not turned into its repr."""
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{what} must be a string or null, got {json.dumps(value)[:40]}")
    return value


def valid_date(value: str) -> bool:
    """YYYY-MM-DD, YYYY-MM or YYYY (what ID3 and the feed can use), a real calendar date."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", value)
    if not m:
        return False
    try:
        datetime.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return False
    return True


def check_limits(script: Script, source: str = "script") -> None:
    """Refuse a script past the limits of docs/robustness.md, before anything is rendered."""
    if len(script.chapters) > MAX_CHAPTERS:
        raise InputError(f"{source}: {len(script.chapters):,} chapters, more than the limit of {MAX_CHAPTERS}; "
                         "merge some sections")
    total = sum(seg.pause or 0.0 for seg in script.segments)
    if total > MAX_TOTAL_PAUSE_SECONDS:
        raise InputError(f"{source}: the pauses add up to {total:g}s, more than the limit of "
                         f"{MAX_TOTAL_PAUSE_SECONDS:g}s")


def from_json(data: Any, source: str = "script") -> Script:
    """Build a script from the JSON shape (unknown keys are ignored)."""
    try:
        chapters = tuple(
            Chapter(
                _json_text(ch["title"], "a chapter title"),
                tuple(
                    Segment(
                        s["role"],
                        _json_text(s["text"], "a segment's text"),
                        s.get("speech") or s["text"],
                        speaker=_json_optional(s.get("speaker"), "a speaker"),
                        paragraph_end=bool(s.get("paragraph_end", True)),
                        pause=s.get("pause"),
                    )
                    for s in ch["segments"]
                ),
            )
            for ch in data["chapters"]
        )
        if not any(ch.segments for ch in chapters):
            raise ValueError("no text to read")
        link = _json_optional(data.get("link"), "link")
        if link is not None and not is_http_url(link):
            raise ValueError("link must be an http:// or https:// URL")
        date = _json_optional(data.get("date"), "date")
        if date and date.strip() and not valid_date(date.strip()):
            raise ValueError(f"date must be YYYY-MM-DD, YYYY-MM or YYYY, got {date!r}")
        script = Script(
            title=_json_text(data["title"], "title"),
            chapters=chapters,
            author=_json_optional(data.get("author"), "author"),
            date=date,
            language=_json_optional(data.get("language"), "language") or "en",
            link=link,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{source}: not an audiogen JSON script ({exc})") from None
    check_limits(script, source)
    return script


def is_http_url(value: str) -> bool:
    """An absolute http(s) URL without spaces: what a script's ``link`` may be."""
    return re.fullmatch(r"(?i)https?://[^\s/]+\S*", value.strip()) is not None


def dumps_json(script: Script) -> str:
    return json.dumps(to_json(script), ensure_ascii=False, indent=2) + "\n"


def loads(text: str, source: str = "script") -> Script:
    """Read a script in either format (JSON if it starts with '{')."""
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{source}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
        return from_json(data, source)
    return parse_text(text, source)


def read_script_bytes(source: str) -> bytes:
    """The bytes of the script file ``source`` ("-" = standard input), refused past the size limit."""
    if source == "-":
        data = sys.stdin.buffer.read(MAX_SCRIPT_BYTES + 1)
        if len(data) > MAX_SCRIPT_BYTES:
            raise InputError(f"the script on standard input is larger than the {describe_bytes(MAX_SCRIPT_BYTES)} "
                             "limit; split the article into several episodes")
        return data
    path = Path(source)
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a script file made by 'audiogen script'")
    return read_limited(path, MAX_SCRIPT_BYTES, "the script", InputError, "split the article into several episodes")
