"""Read an article (plain text, Markdown or HTML) into title, metadata and sections.

The result is plain frozen data: paragraphs grouped under their headings, with
blockquotes marked, and with boilerplate (share prompts, captions, comment
forms, related links...) removed because none of it should ever be read aloud.
"""

from __future__ import annotations

import copy
import difflib
import html as html_lib
import os
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import lxml.html
from lxml import etree

from audiogen.errors import InputError, NoArticleError
from audiogen.limits import MAX_ARTICLE_BYTES  # ~1 million words of text
from audiogen.read.language import SAMPLE_CHARS, choose_language
from audiogen.text import clean

FORMATS = ("txt", "md", "html")
_EXTENSIONS = {
    ".txt": "txt", ".text": "txt",
    ".md": "md", ".markdown": "md", ".mdown": "md", ".mkd": "md",
    ".html": "html", ".htm": "html", ".xhtml": "html", ".shtml": "html",
}


@dataclass(frozen=True)
class Block:
    """One paragraph of running text (whitespace collapsed) or one blockquote paragraph."""

    text: str
    kind: str = "paragraph"  # "paragraph" | "blockquote"


@dataclass(frozen=True)
class Section:
    """A heading (None before the first one) and the blocks under it."""

    heading: str | None
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Article:
    """A parsed article: what is read aloud, plus metadata for the episode."""

    title: str
    sections: tuple[Section, ...]
    author: str | None = None
    date: str | None = None
    language: str = "en"
    source: str | None = None

    @property
    def blocks(self) -> tuple[Block, ...]:
        return tuple(b for s in self.sections for b in s.blocks)


# An intermediate item: ("h", text) heading, ("p", text) paragraph, ("q", text) blockquote.
Item = tuple[str, str]


# ------------------------------------------------------------------ loading / decoding

_MAGIC = (
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or .docx/.epub/.odt)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"ID3", "an MP3 file"),
    (b"OggS", "an Ogg file"),
    (b"fLaC", "a FLAC file"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    (b"{\\rtf", "an RTF document"),
    (b"SQLite format 3\x00", "an SQLite database"),
)


def _binary_kind(data: bytes) -> str | None:
    """Name the kind of binary file ``data`` is, or None when it looks like text."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            if magic in (b"MZ", b"BZh", b"ID3") and b"\x00" not in data[:4096]:
                continue  # plain text may start with these letters
            return name
    if data[:4] == b"RIFF" and data[8:12] in (b"WAVE", b"WEBP", b"AVI "):
        return "a media file"
    if data[4:8] == b"ftyp":
        return "a media file (MP4/M4A/MOV)"
    if b"\x00" in data[:8192]:
        return "a binary file"
    return None


def _looks_utf16(data: bytes) -> str | None:
    """Detect BOM-less UTF-16 by its alternating NUL bytes (ASCII-heavy text)."""
    sample = data[:4096]
    if len(sample) < 8 or len(sample) % 2:
        sample = sample[: len(sample) - len(sample) % 2]
    if len(sample) < 8:
        return None
    even = sample[0::2]
    odd = sample[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


_HTML_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.I)


def decode_bytes(data: bytes, name: str = "the article") -> str:
    """Bytes to text: BOMs, UTF-8, a declared HTML charset, Windows-1252, else UTF-8 with replacement."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return data.decode("utf-32", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    bomless = _looks_utf16(data)
    if bomless:
        return data.decode(bomless, errors="replace")
    kind = _binary_kind(data)
    if kind:
        raise InputError(
            f"{name} looks like {kind}, not text; give a .txt, .md or .html article"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = _HTML_CHARSET_RE.search(data[:4096])
    if match:
        try:
            return data.decode(match.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace")


clean_text = clean  # the one scrubber (audiogen.text)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _too_big(name: str) -> InputError:
    return InputError(f"{name} is larger than the {MAX_ARTICLE_BYTES // 2**20} MB limit for one article; "
                      "split it into several articles (one episode each)")


def read_article_bytes(path: str | Path) -> bytes:
    """An article file's bytes ("-" = standard input), refused with a clear error when missing,
    a folder, unreadable, empty or over the size limit."""
    source = str(path)
    if source == "-":
        data = sys.stdin.buffer.read(MAX_ARTICLE_BYTES + 1)
        name = "standard input"
        if len(data) > MAX_ARTICLE_BYTES:
            raise _too_big(name)
    else:
        p = Path(path)
        name = str(p)
        if not p.exists():
            raise InputError(f"article file not found: {p}; check the path")
        if p.is_dir():
            raise InputError(f"{p} is a folder, not an article file; give the path of a .txt, .md or .html file")
        try:
            with open(p, "rb") as fh:  # a device or FIFO has no size: read one byte past the limit at most
                if os.fstat(fh.fileno()).st_size > MAX_ARTICLE_BYTES:
                    raise _too_big(name)
                data = fh.read(MAX_ARTICLE_BYTES + 1)
            if len(data) > MAX_ARTICLE_BYTES:
                raise _too_big(name)
        except OSError as exc:
            raise InputError(f"cannot read {p}: {exc.strerror or exc}; check its permissions") from None
    if not data:
        raise InputError(f"{name} is empty; give an article with some text")
    return data


def article_from_bytes(data: bytes, source: str = "-", language: str | None = None, fmt: str | None = None) -> Article:
    """Parse an article's bytes; ``source`` (its path, URL or "-") names it and, unless ``fmt``
    ("html", "md", "txt") is given, its extension picks the format.

    ``language`` forces the article's language (``--language``); otherwise it is the
    declared one checked against the text, or the detected one (audiogen.read.language).
    """
    name = "standard input" if source == "-" else source
    if not data:
        raise InputError(f"{name} is empty; give an article with some text")
    if len(data) > MAX_ARTICLE_BYTES:
        raise _too_big(name)
    if fmt is None and source != "-":
        fmt = _EXTENSIONS.get(Path(source).suffix.lower())
    return parse_article(decode_bytes(data, name), fmt=fmt, source=source, language=language)


def load_article(path: str | Path, language: str | None = None) -> Article:
    """Read an article file ("-" = standard input) and parse it by extension or content."""
    return article_from_bytes(read_article_bytes(path), str(path), language)


def sniff_format(text: str) -> str:
    """Guess "html", "md" or "txt" from the content itself."""
    head = text.lstrip()[:4096].lower()
    if head.startswith("<") or re.search(r"<html[\s>]|<body[\s>]|<p[\s>]|<article[\s>]|<div[\s>]", head):
        return "html"
    if text.lstrip().startswith("---\n") and re.search(r"^---\s*$", text.lstrip()[4:], re.M):
        return "md"
    if re.search(r"^#{1,6} \S", text, re.M):
        return "md"
    return "txt"


def parse_article(text: str, fmt: str | None = None, source: str | None = None,
                  language: str | None = None) -> Article:
    """Parse article text; ``fmt`` is "txt", "md", "html" or None to use the source's extension or sniff."""
    name = source if source and source != "-" else ("standard input" if source == "-" else "the article")
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown article format {fmt!r}; use one of: txt, md, html")
    if "\x00" in text[:8192]:
        raise InputError(f"{name} looks like a binary file, not text; give a .txt, .md or .html article")
    text = clean_text(text)
    if not text.strip():
        raise InputError(f"{name} has only blank space; give an article with some text")
    if fmt is None and source and source != "-":
        fmt = _EXTENSIONS.get(Path(source).suffix.lower())
    if fmt is None:
        fmt = sniff_format(text)
    if fmt == "html":
        meta, items = _parse_html(text, name)
    elif fmt == "md":
        meta, items = _parse_markdown(text)
    else:
        meta, items = _parse_txt(text)
    return _assemble(meta, items, name, source, language)


def _assemble(meta: dict, items: list[Item], name: str, source: str | None, language: str | None = None) -> Article:
    """Drop boilerplate, group items under headings and validate the result."""
    items = [(k, _collapse(t)) for k, t in items]
    items = [(k, t) for k, t in items if t]
    title = _collapse(meta.get("title") or "")
    # A leading paragraph or any heading that repeats the title is not read twice.
    while items and title and _norm(items[0][1]) == _norm(title):
        items.pop(0)
    # Kickers and tags printed before the headline heading are page chrome.
    for idx, (kind, text) in enumerate(items[:8]):
        if kind == "h" and title and _norm(text) == _norm(title):
            if all(_words(t) <= 12 for _, t in items[:idx]):
                items = items[idx + 1:]
            break
    items = [(k, t) for k, t in items if not (k == "h" and title and _norm(t) == _norm(title))]
    captions = meta.get("_captions") or []
    if captions:
        items = [(k, t) for k, t in items if k == "h" or not _is_caption_of_page(t, captions)]
    items = [(k, _strip_urls(t)) for k, t in items]
    items = [(k, t) for k, t in items if t]
    had_text = any(k != "h" for k, _ in items)
    code_chars = sum(len(t) for k, t in items if k != "h" and is_code(t))
    items = remove_boilerplate(items)
    items = _clean_head(items, meta)
    items = _drop_pull_quotes(items)
    left = sum(_words(t) for k, t in items if k != "h")
    if code_chars and (left == 0 or (left < 60 and code_chars > 5 * sum(len(t) for k, t in items if k != "h"))):
        raise NoArticleError(f"{name} holds no article: its text is program code or page templates "
                             "(a page drawn by JavaScript); save the article's text once it shows in a browser")
    if not any(k != "h" for k, _ in items):
        if had_text:
            raise InputError(f"{name} has no readable text after removing boilerplate; check it is an article")
        raise InputError(f"{name} has no readable text; check it is an article")
    if not title:
        title = _fallback_title(items)
    sections: list[Section] = []
    heading: str | None = None
    blocks: list[Block] = []
    for kind, text in items:
        if kind == "h":
            if blocks or heading is not None:
                if blocks:
                    sections.append(Section(heading, tuple(blocks)))
            heading, blocks = text, []
        else:
            blocks.append(Block(text, "blockquote" if kind == "q" else "paragraph"))
    if blocks:
        sections.append(Section(heading, tuple(blocks)))
    return Article(
        title=title,
        sections=tuple(sections),
        author=format_byline(_collapse(meta.get("author") or "")) or None,
        date=meta.get("date") or None,
        language=choose_language(_body_sample(items), meta.get("language"), language).language,
        source=source,
    )


_URL_RE = re.compile(r"(?:\bhttps?://|\bwww\.|\bpic\.twitter\.com/)[^\s<>\"\u201d]{0,2000}[^\s<>\"\u201d.,;:!?)\]]", re.I)


_LINK_ONLY_URL_RE = re.compile(r"(?:\bhttps?://)?(?:pic\.twitter\.com|t\.co|bit\.ly|ow\.ly|buff\.ly|trib\.al)/\S+", re.I)


def _strip_urls(text: str) -> str:
    """Addresses in a sentence stay (speech says "example dot com"); embed and short links
    (pic.twitter.com, t.co...) are not prose, and a paragraph that is only a link is dropped."""
    text = _LINK_ONLY_URL_RE.sub(" ", text)
    if not _URL_RE.sub(" ", text).strip(" .,;:-\u2014\u2013|()[]"):
        return ""
    return _collapse(text)


def _bare(text: str) -> str:
    return " ".join(_norm(text).replace('"', " ").replace("'", " ").split())


_QUOTED_RE = re.compile("^[\"\u201c\u2018'\u00ab].*[\"\u201d\u2019'\u00bb][.!?]?$")


def _drop_pull_quotes(items: list[Item]) -> list[Item]:
    """Pull quotes repeat a sentence of the article in big type: drop the copy (a heading or
    blockquote found inside a longer paragraph); a long quoted "heading" is read as text."""
    bodies = [_bare(t) for k, t in items if k == "p"]
    out: list[Item] = []
    for kind, text in items:
        if kind in ("h", "q") and _words(text) >= 6:
            bare = _bare(text)
            if any(len(b) > len(bare) and bare in b for b in bodies):
                continue
        if kind == "h" and _QUOTED_RE.match(text) and _words(text) > 8:
            kind = "p"
        out.append((kind, text))
    return out


def _sentence_like(text: str) -> bool:
    return text.rstrip(" \u201d\"'\u2019").endswith((".", "!", "?")) or _words(text) > 14


def _clean_head(items: list[Item], meta: dict) -> list[Item]:
    """Before the first real paragraph: take date and byline lines into the metadata, drop
    kickers and short chrome lines, and read a sentence-like heading (a deck) as a paragraph."""
    out: list[Item] = []
    started = False
    for idx, (kind, text) in enumerate(items):
        if started:
            out.append((kind, text))
            continue
        if kind == "q":
            started = True
            out.append((kind, text))
            continue
        if idx < 8:
            if is_date_line(text):
                meta.setdefault("date", find_date(text))
                if not meta.get("date"):
                    meta["date"] = find_date(text)
                continue
            byline = parse_byline(text)
            if byline:
                if not meta.get("author"):
                    meta["author"] = byline[0]
                if byline[1] and not meta.get("date"):
                    meta["date"] = byline[1]
                continue
            if _is_kicker(text):
                continue
            if meta.get("_html") and kind == "p" and _words(text) <= 8 and not text.endswith(_END_PUNCT):
                continue
        if kind == "h":
            if _sentence_like(text):
                out.append(("p", text))
            else:
                out.append((kind, text))
            continue
        if _words(text) >= 12 or text.endswith(_END_PUNCT):
            started = True
        out.append((kind, text))
    return out


def _body_sample(items: list[Item]) -> str:
    """The first few thousand characters of body text: what language detection reads."""
    out: list[str] = []
    size = 0
    for kind, text in items:
        if kind != "h":
            out.append(text)
            size += len(text)
            if size >= SAMPLE_CHARS:
                break
    return " ".join(out)


def _too_long_for_title(line: str) -> bool:
    """A first line that is a paragraph, not a headline (scraped text without a title)."""
    n = _words(line)
    return n > 25 or (n > 18 and line.rstrip("\"'\u201d\u2019)").endswith((".", "!", "?", "\u2026")))


_ABBREV_END_RE = re.compile(r"(?:\b(?:[A-Za-z]\.){1,4}|\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Gen|Sen|Rep|Gov|Lt|Col|Prof|Inc|Co|vs|No|Mt|Ft)\.)$")


def _fallback_title(items: list[Item]) -> str:
    """No title line: the first sentence of the text, cut to a dozen words."""
    first = next(t for k, t in items if k != "h")
    sentence = first
    for match in re.finditer(r"(?<=[.!?])\s+(?=[A-Z\"\u201c])", first):
        head = first[: match.start()]
        if _ABBREV_END_RE.search(head):
            continue
        if head.count("\u201c") == head.count("\u201d") and head.count('"') % 2 == 0:
            sentence = head
            break
    words = sentence.split()
    if len(words) > 12:
        return " ".join(words[:10]).rstrip(",;:") + "\u2026"
    return sentence


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[\u2018\u2019\u201a\u201b\u2032`´]", "'", text)
    text = re.sub(r"[\u201c\u201d\u201e\u201f\u2033«»]", '"', text)
    return " ".join(re.sub(r"[^\w\s'\"]", " ", text).split())


# ------------------------------------------------------------------ dates and bylines

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")]
    )
    for m in names
}
_MON = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DATE_PATTERNS = (
    (re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)"), "ymd"),
    (re.compile(r"(?<!\d)(\d{4})/(\d{1,2})/(\d{1,2})(?!\d)"), "ymd"),
    (re.compile(_MON + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.I), "mdy"),
    (re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MON + r",?\s+(\d{4})\b", re.I), "dmy"),
)


def find_date(text: str) -> str | None:
    """The first calendar date written in ``text``, as "YYYY-MM-DD", or None."""
    for pattern, order in _DATE_PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        a, b, c = match.groups()
        try:
            if order == "ymd":
                y, m, d = int(a), int(b), int(c)
            elif order == "mdy":
                m, d, y = _MONTHS[a.lower().rstrip(".")], int(b), int(c)
            else:
                d, m, y = int(a), _MONTHS[b.lower().rstrip(".")], int(c)
        except (KeyError, ValueError):
            continue
        if 1 <= m <= 12 and 1 <= d <= 31 and 1000 <= y <= 2999:
            return f"{y:04d}-{m:02d}-{d:02d}"
    return None


_DATE_NOISE_RE = re.compile(
    r"\b(published|posted|updated|last updated|modified|on|at|date|dated|am|pm|a\.m\.|p\.m\.|"
    r"gmt|utc|bst|est|edt|pst|pdt|cet|cest|ist|et|pt|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\b",
    re.I,
)


def is_date_line(line: str) -> bool:
    """True when the line is essentially a date (with words like "Published" or a time)."""
    if len(line) > 70 or not find_date(line):
        return False
    rest = _DATE_NOISE_RE.sub(" ", line)
    for pattern, _ in _DATE_PATTERNS:
        rest = pattern.sub(" ", rest)
    rest = re.sub(r"\d{1,2}[:.]\d{2}|[\d\W_]+", " ", rest)
    return not rest.strip()


_BYLINE_RE = re.compile(r"^(?:written\s+by|words\s+by|story\s+by|posted\s+by|by)[:\s]+(.+)$", re.I)
_NAME_WORD = r"[A-Z\u00c0-\u024f][\w.'\u2019-]*"
_NAME_RE = re.compile(
    rf"^{_NAME_WORD}(?:\s+(?:(?:de|da|van|von|der|del|la|le|bin|al|and|&)\s+)?{_NAME_WORD}){{0,4}}$"
)
_ROLE_RE = re.compile(
    r"\b(staff|writer|reporter|correspondent|editor|contributor|columnist|journalist|author|"
    r"critic|producer|freelance|contributing|senior|news|desk|bureau|chief)\b",
    re.I,
)


_NOT_AUTHORS = {"username", "admin", "administrator", "user", "staff", "editor", "author", "guest",
                "anonymous", "unknown", "none", "null", "webmaster"}


def clean_author(name: str | None) -> str | None:
    """A readable author name, or None for handles, URLs and placeholders."""
    if not name:
        return None
    name = _collapse(re.sub(r"^(written\s+)?by[:\s]+", "", _collapse(name), flags=re.I))
    name = re.sub(r"\s+" + _MON + r"$", "", name, flags=re.I).strip(" ,;|")
    if not name or name.startswith("@") or "http" in name.lower() or "/" in name or len(name) > 80:
        return None
    if name.casefold() in _NOT_AUTHORS or not any(c.isalpha() for c in name):
        return None
    return name


_CALENDAR_WORDS = set(_MONTHS) | {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                                   "today", "tomorrow", "yesterday", "noon", "midnight", "then", "now", "far",
                                   "contrast", "comparison", "law", "design", "default", "chance", "accident"}


def _is_names(text: str) -> bool:
    """One or more personal or agency names: "Jane Doe", "Jane Doe and Ann Lee", "Reuters"."""
    names = [n for n in re.split(r"\s*(?:,|&|\band\b)\s*", text) if n]
    if not names or len(names) > 4:
        return False
    for name in names:
        if not _NAME_RE.match(name) or name.split()[0].casefold().rstrip(".") in _CALENDAR_WORDS:
            return False
    return True


_PARTICLES = {"de", "da", "van", "von", "der", "den", "del", "della", "la", "le", "du", "di", "bin", "al", "el", "ter"}
_ORG_WORDS_RE = re.compile(
    r"\b(press|news|times|post|journal|agency|service|wire|media|network|radio|television|magazine|herald|"
    r"tribune|gazette|reuters|bloomberg|afp|group|associated|daily|weekly|online|digital)\b", re.I)
_ROMAN_RE = re.compile(r"^(I{1,3}|IV|VI{0,3}|IX|X)$")


def _case_word(word: str, first: bool) -> str:
    """One word of an ALL-CAPS name in name case: MASCARO -> Mascaro, O'NEIL -> O'Neil, MCDONALD -> McDonald."""
    if _ROMAN_RE.match(word) or len(word) <= 1:
        return word
    if word.lower() in _PARTICLES and not first:
        return word.lower()
    out = re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), word.lower())
    if re.match(r"^Mc[a-z]{2,}", out):
        out = "Mc" + out[2].upper() + out[3:]
    return out


def _name_case(name: str) -> str:
    """Name case for a name printed in capitals; names already in mixed case are kept."""
    letters = [c for c in name if c.isalpha()]
    if not letters or not all(c.isupper() for c in letters) or (" " not in name and len(letters) <= 4):
        return name  # mixed case as printed, or an acronym (AP, BBC)
    return " ".join(_case_word(w, i == 0) for i, w in enumerate(name.split()))


def _join_names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def format_byline(raw: str | None) -> str | None:
    """A byline as it is spoken and shown: names cased, listed with commas and "and", the
    organisation apart: "LISA MASCARO; MARY CLARE JALONICK; ERIC TUCKER Associated Press" ->
    "Lisa Mascaro, Mary Clare Jalonick and Eric Tucker, Associated Press"."""
    if not raw:
        return raw
    text = _collapse(re.sub(r"^(?:written\s+|words\s+|story\s+|posted\s+)?by[:\s]+", "", _collapse(raw), flags=re.I))
    text = text.strip(" ,;|")
    if not text:
        return None
    org = ""
    # "Jane Doe | Reuters", "Jane Doe - The Daily Post"
    split = re.split(r"\s*[|\u2022\u00b7\u2014\u2013]\s*|\s+-\s+", text, maxsplit=1)
    if len(split) == 2 and split[0] and split[1]:
        text, org = split
    # Names in capitals followed by an organisation in ordinary case.
    words = text.split()
    caps = [bool(re.search(r"[^\W\d_]", w)) and w.upper() == w and len(re.sub(r"\W", "", w)) > 1 for w in words]
    if not org and sum(caps) >= 2 and not all(caps):
        last_caps = max(i for i, c in enumerate(caps) if c)
        rest = words[last_caps + 1:]
        if rest and all(c is False for c in caps[last_caps + 1:]) and rest[0][:1].isupper():
            text, org = " ".join(words[:last_caps + 1]), " ".join(rest)
    parts = [p.strip(" .,;") for p in re.split(r"\s*;\s*|\s*,\s*|\s+and\s+|\s*&\s*", text) if p.strip(" .,;")]
    if not org and len(parts) > 1:
        last = parts[-1]
        if (len(last.split()) == 1 or _ORG_WORDS_RE.search(last)) and not _ROLE_RE.search(last):
            org = parts.pop()
    if org and _ROLE_RE.search(org) and not _ORG_WORDS_RE.search(org):
        org = ""  # "Staff Writer", "Senior Correspondent": a role, not an organisation
    parts = [p for p in parts if not (_ROLE_RE.search(p) and not _ORG_WORDS_RE.search(p))] or parts[:1]
    if not parts:
        return None
    names = [_name_case(p) for p in parts]
    org = org.strip(" .,;")
    if org and org.isupper() and len(org.replace(" ", "")) > 4:
        org = _name_case(org)
    return _join_names(names) + (f", {org}" if org else "")


def parse_byline(line: str) -> tuple[str, str | None] | None:
    """(author, date) when ``line`` is a byline such as "By Jane Doe" or "Jane Doe | Staff writer"."""
    line = _collapse(line.strip("*_ "))
    if not line or _words(line) > 20 or len(line) > 200:
        return None
    match = _BYLINE_RE.match(line)
    if match and ";" in match.group(1) and not re.search(r"\d", match.group(1)):
        # "By JANE ROE; MARK DOE Associated Press": a list of names, maybe an organisation
        formatted = format_byline(match.group(1))
        if formatted and _is_names(formatted.rsplit(", ", 1)[0] if ", " in formatted else formatted):
            return formatted, None
    if match:
        rest = match.group(1).strip()
        date = find_date(rest)
        parts = re.split(r"\s*(?:\||\u2014|\u2013|\s-\s|\bon\b|\bupdated\b|\bpublished\b|\bposted\b|\u2022|\u00b7)\s*",
                         rest, maxsplit=1, flags=re.I)
        name, remainder = parts[0].strip(" .,:;"), (parts[1] if len(parts) > 1 else "")
        if "," in name and (_ROLE_RE.search(name) or not re.search(r"\band\b|&", name)):
            name, _, tail = name.partition(",")  # "Jane Doe, Staff Writer" / "Jane Doe, Reuters"
            name, remainder = name.strip(), ""
        if not _is_names(name):
            # "By Jane Doe, Staff Writer": the last comma part may be a role
            head, _, tail = name.rpartition(",")
            if head and _is_names(head.strip()) and (_ROLE_RE.search(tail) or find_date(tail)):
                name, remainder = head.strip(), tail + " " + remainder
            else:
                return None
        if remainder.strip() and not (date or _ROLE_RE.search(remainder) or re.search(r"\d", remainder)):
            return None
        return name, date
    parts = re.split(r"\s*[|\u2022\u00b7]\s*|\s+[\u2013\u2014-]\s+|,\s+", line)
    if len(parts) >= 2 and _NAME_RE.match(parts[0]) and len(parts[0].split()) >= 2 and _is_names(parts[0]):
        rest = " ".join(parts[1:])
        if _ROLE_RE.search(rest) or find_date(rest):
            return parts[0], find_date(rest)
    return None


# ------------------------------------------------------------------ boilerplate

_TRUNCATE_RE = re.compile(
    r"^(leave a (reply|comment|response)|post a comment|add a comment|\d+\s+(comments?|responses?|replies)|"
    r"comments?|(join|view|show|read)( the)? (discussion|conversation|comments?)|"
    r"you must be logged in to post a comment.*|about the authors?|more about the author|author bio(graphy)?)"
    r"[\s.:!]*(cancel reply)?$",
    re.I,
)
_COMMENT_FORM_RE = re.compile(r"^(leave a (reply|comment|response)|post a comment|add a comment|join the (discussion|conversation))", re.I)
_SHARE_RE = re.compile(
    r"^(share( this( article| story| post| page)?| on| via| with| the story| your thoughts)?\b|"
    r"click to (share|email|print|tweet)|tweet( this)?\b|pin it\b|email( this)?( article| story)?$|print( this)?( article| story| page)?$|"
    r"(sign up|subscribe|register)\b.*\b(newsletter|inbox|updates|email|alerts|podcast|channel|free)|"
    r"(subscribe|sign up|sign in|log in|register)( now| today| here)?[.!]?$|"
    r"get (our|the) .*newsletter|"
    r"follow (us|me|@|[A-Z][\w ]{0,40} on (twitter|facebook|instagram|x|tiktok|linkedin|youtube))|"
    r"like us on facebook|"
    r"(facebook|twitter|linkedin|reddit|whatsapp|pinterest|email|x|threads)( [|\u2022\u00b7,/] ?(facebook|twitter|linkedin|reddit|whatsapp|pinterest|email|x|threads|print|copy link))+$)",
    re.I,
)
_NEWSLETTER_RE = re.compile(
    r"\bnewsletters?\b.*\b(sign up|subscribe|keep up|inbox|delivered|daily|weekly|free|here)\b|"
    r"\b(sign up|subscribe|keep up|get|delivered)\b.*\bnewsletters?\b",
    re.I,
)
_RELATED_RE = re.compile(
    r"^(related( articles?| stories| posts| content| coverage| reading| links)?|read (more|also|next)|"
    r"see also|also read|more from\b|more on\b|more stories|recommended( for you| reading| stories)?|"
    r"you (may|might) also like|trending( now)?|most (read|popular|viewed)|further reading|"
    r"what to read next|editor'?s picks|top stories)\b",
    re.I,
)
_CAPTION_RE = re.compile(
    r"^(\(?(photo|photograph|image|picture|illustration|video|graphic|credit|source|photo credit|image credit|"
    r"photos|images|pictured|caption|watch)( by| credit| courtesy of| source)?\s*[:|\u2014\u2013-]|"
    r"\((photo|photograph|image|picture|illustration|video|credit)( by| courtesy)?\b.*\)$|"
    r"(photos?|photographs?|images?|illustrations?|pictures?) (by|courtesy|credits?)\b|courtesy of\b|"
    r"(image|media|video|photo|picture) (caption|copyright|source)\b|"
    r"(clockwise |counterclockwise |anticlockwise )?from (left|right|top|bottom)\b[^:.]{0,40}:|"
    r"(left|right|top|bottom|above|below|inset|main image|top image)( (left|right|row))?\s*:)",
    re.I,
)
_AGENCY_RE = re.compile(
    r"(getty images|shutterstock|associated press|\bap photo\b|reuters|afp\b|alamy|istock|epa\b|"
    r"wireimage|filmmagic|rex features|pa (media|wire|images)|bloomberg via|via getty|/ ?getty|"
    r"\bimages?\b.*\bcredit\b|\bcredit\b)",
    re.I,
)
_COOKIE_RE = re.compile(r"\bcookies?\b.*\b(use|accept|consent|policy|agree|experience|settings)\b|"
                        r"\b(use|accept|consent|agree)\b.*\bcookies?\b", re.I)
_AD_RE = re.compile(
    r"^(advertisement|advertising|sponsored( content| message)?|ad|ads|promoted( content)?|paid (post|content)|"
    r"story continues below( this)? advertisement|continue reading( below)?|article continues below|"
    r"(advertisement|ad)\s*[-\u2013\u2014:]\s*(continue|scroll).*|skip (advertisement|ad)|"
    r"scroll to continue.*|continue reading the main story|supported by|skip to (main )?content|"
    r"image|photo|video|audio|play video|watch video|loading|enlarge this image|toggle caption|hide caption|"
    r"show caption|expand|close|menu|search|print|email|comments?|back to top|top of page|"
    r"(click|tap) to (enlarge|expand|play|zoom)( image| video)?)[\s.!:\u2026]*$",
    re.I,
)
_LABELS_RE = re.compile(r"^(\d{1,3} of \d{1,3}|(tags|topics|filed under|categories|posted in|keywords)\s*:.*)$", re.I)
_COPYRIGHT_RE = re.compile(
    r"^(©|\(c\)\s|copyright\b)|all rights reserved|\b(19|20)\d\d\b.*\ball rights?\b|"
    r"^(19|20)\d\d(\s*[-\u2013]\s*\d{2,4})?\s+[A-Z][\w&. ]*\b(inc|ltd|llc|corp|gmbh|plc)\b",
    re.I,
)
_LABEL_RE = re.compile(
    r"^(\u2117|\u00a9)|\b(records|recordings|music( group| entertainment)?|entertainment|publishing|label)\s*$", re.I
)
_FROM_RE = re.compile(r"^from\s+(?:the\s+)?(album|ep|lp|single|film|movie|show|series|soundtrack|season\b)?\s*\S", re.I)
_QUOTED_ALONE_RE = re.compile(r"""^["\u201c\u2018'\u00ab]([^"\u201c\u201d\u00ab\u00bb]{1,80}?)["\u201d\u2019'\u00bb]$""")
_END_PUNCT = tuple(".!?,;:\u2026")


def _words(text: str) -> int:
    return len(text.split())


def _is_titleish(text: str) -> bool:
    """Short, no sentence punctuation, most words capitalised: a name or title line."""
    words = text.split()
    if not 1 <= len(words) <= 7 or text.endswith(_END_PUNCT):
        return False
    caps = [w for w in words if w[0].isupper() or w[0].isdigit()]
    return len(caps) >= max(1, (len(words) + 1) // 2) and words[0][0].isupper()


_CREDIT_END_RE = re.compile(
    r"(\bcredits?\s*:?\s*[A-Z\u00c0-\u024f][^.!?]{0,60}|"
    r"\b[A-Z][\w.'\u2019-]+(?: [A-Z][\w.'\u2019-]+){0,3}\s?/\s?[A-Z][\w.&'\u2019 -]{1,40}\)?)$"
)


def _is_strict_title(text: str) -> bool:
    """Every word capitalised except short function words: "Glasgow (No Place Like Home)"."""
    words = [w.strip("()[]\"'\u2018\u2019\u201c\u201d") for w in text.split()]
    words = [w for w in words if w]
    return bool(words) and words[0][:1].isupper() and all(
        w[0].isupper() or w[0].isdigit() or w.lower() in _SMALL_WORDS for w in words)


def _is_caption_anchor(text: str) -> bool:
    """Lines that can only be captions/credits of embedded media."""
    if _words(text) > 40 or len(text) > 400:
        return False
    if _CAPTION_RE.match(text):
        return True
    if _CREDIT_END_RE.search(text) and not text.endswith(_END_PUNCT):
        return True
    if _words(text) <= 14 and _AGENCY_RE.search(text) and not text.endswith((".", "!", "?", "\u201d", '"')):
        return True
    m = _QUOTED_ALONE_RE.match(text)
    if m and _words(m.group(1)) <= 8 and not m.group(1).rstrip().endswith(_END_PUNCT) and _is_strict_title(m.group(1)):
        return True  # a song/film title alone on a line, as under an embedded player
    if _words(text) <= 8 and not text.endswith(_END_PUNCT) and (_FROM_RE.match(text) and _is_titleish(text[5:].strip()) or _LABEL_RE.search(text)):
        return True
    return False


_PROMO_RE = re.compile(
    r"^((originally|first) (published|appeared|posted) (at|in|on|by)\b|"
    r"(visit|go to|return to|back to)\b.{0,60}\b(home ?page|front page|for more (stories|news|coverage))|"
    r"(get started|learn more|find out more|read more|click here|download)\b.{0,80}\bhere[.!]?$|"
    r"(featured )?(slide ?shows?|galler(y|ies)|photos)\b.*\b(previous|prev)\s*(\W\s*)?next$|"
    r"(previous|prev|next)(\s*[|/\u2022\u00b7]?\s*(previous|prev|next))?$)",
    re.I,
)
_CREDIT_NAMES = r"[A-Z][\w.'\u2019-]+(?: (?:[A-Z][\w.'\u2019-]+|in|and|de|van|von))*"
_CREDIT_LINE_RE = re.compile(  # "Reporting by Ann Lee in Rome; Editing by Tom Hart": names only
    rf"^(?:[Aa]dditional )?(?:[Rr]eporting|[Ww]riting|[Ee]diting|[Rr]esearch) by {_CREDIT_NAMES}"
    rf"(?:\s*(?:[;,]|and)\s*(?:(?:[Aa]dditional )?(?:[Rr]eporting|[Ww]riting|[Ee]diting|[Rr]esearch|[Gg]raphics) by )?"
    rf"{_CREDIT_NAMES})*\.?$"
)
_CONTRIBUTED_RE = re.compile(r"\bcontributed( reporting| research)?( to)? (this|the) (report|story|article)\b", re.I)
_CALL_RE = re.compile(r"\b(sign up|subscribe|newsletter|read (more|the)|listen|watch|click|tap|follow|download|"
                      r"here|podcast|app)\b", re.I)
_CODE_TOKEN_RE = re.compile(
    r"===|!==|==|!=|&&|\|\||=>|\{\{|\}\}|\$\{|\(\)|[;{}]$|^[{}]|"
    r"^[a-z_$][\w$]*(\.[A-Za-z_$][\w$]*){2,}|"  # a.b.c member chains
    r"^[a-z_$][a-z0-9_$]*[A-Z][\w$]*[.(\[]|"  # camelCase call or member
    r"^[\w$.]+\(|^[\w$]+\[[\w$'\"]+\]"
)


def is_decoration(text: str) -> bool:
    """A line with no letter or digit (___, ***, * * *, ~~~): a separator, never text."""
    return not any(c.isalnum() for c in text)


def is_code(text: str) -> bool:
    """Program code or template syntax (a page drawn by a JavaScript framework): never read.

    Judged by shape: a share of tokens such as ``===``, ``&&``, ``{{``, ``a.b.c`` member
    chains and camelCase calls that prose does not have."""
    tokens = text.split()
    if not tokens:
        return False
    if re.search(r"\{\{.*\}\}|\{%.*%\}|<%.*%>", text):
        return True
    hits = sum(1 for t in tokens if _CODE_TOKEN_RE.search(t))
    return hits >= 2 and hits >= 0.2 * len(tokens)


def _is_junk(text: str) -> bool:
    """Share prompts, ads, cookie notices, copyright lines, promos, separators and code:
    never read, wherever they are."""
    n = _words(text)
    if is_decoration(text):
        return True
    if n <= 400 and is_code(text):
        return True
    if len(text) > 600:
        return False
    if n <= 25 and _PROMO_RE.match(text):
        return True
    if n <= 40 and _CREDIT_LINE_RE.match(text):
        return True
    if n <= 40 and _CONTRIBUTED_RE.search(text) and not re.search(r"[\"\u201c\u201d]", text):
        return True
    if n <= 40 and text.startswith("[") and text.rstrip(".").endswith("]") and _CALL_RE.search(text):
        return True  # "[Sign up for our newsletter here.]"
    if n <= 20 and _SHARE_RE.match(text):
        return True
    if n <= 16 and _NEWSLETTER_RE.search(text):
        return True
    if n <= 12 and _AD_RE.match(text):
        return True
    if n <= 60 and _COOKIE_RE.search(text) and re.search(r"\b(website|site|we use|this site|browsing|our)\b", text, re.I):
        return True
    if n <= 30 and _COPYRIGHT_RE.search(text):
        return True
    if n <= 30 and _LABELS_RE.match(text):
        return True
    return False


def remove_boilerplate(items: list[Item]) -> list[Item]:
    """Drop items that are never read aloud: comment forms and what follows, share and
    subscribe prompts, related-link lists, media captions, cookie notices, ads, copyright."""
    out: list[Item] = []
    n = len(items)
    body_words = 0
    i = 0
    while i < n:
        kind, text = items[i]
        if _TRUNCATE_RE.match(text) and _words(text) <= 12:
            if body_words >= 100 or (body_words and _COMMENT_FORM_RE.match(text)):
                break  # the comments area: nothing after it is the article
            i += 1
            continue  # a comment counter near the top
        if _is_junk(text):
            i += 1
            continue
        if _RELATED_RE.match(text) and _words(text) <= 12:
            # "Related:" headers, with the short link titles listed under them.
            i += 1
            if text.rstrip().endswith(":") or kind == "h" or _words(text) <= 4:
                while i < n and items[i][0] != "h" and _is_link_title(items[i][1]):
                    i += 1
            continue
        if kind != "h" and _is_caption_anchor(text):
            # Drop the caption with short name/title lines right next to it (artist, album).
            while out and out[-1][0] == "p" and _is_titleish(out[-1][1]):
                out.pop()
            i += 1
            while i < n and items[i][0] == "p" and (_is_caption_anchor(items[i][1]) or _is_titleish(items[i][1])) and i + 1 < n:
                i += 1
            continue
        out.append((kind, text))
        if kind != "h":
            body_words += _words(text)
        i += 1
    out = _drop_heading_runs(out)
    # At the end: headings with nothing under them, promotions, reprint notes, author bios.
    while out and (out[-1][0] == "h" or _is_tail_junk(out[-1][1])):
        out.pop()
    return out


def _drop_heading_runs(items: list[Item]) -> list[Item]:
    """Three or more headings in a row with no text between them are a list of teaser
    headlines (related stories, promos), not sections of the article."""
    out: list[Item] = []
    i, n = 0, len(items)
    while i < n:
        j = i
        while j < n and items[j][0] == "h":
            j += 1
        if j - i >= 3:
            i = j
            continue
        out.extend(items[i:max(j, i + 1)])
        i = max(j, i + 1)
    return out


_TAIL_RE = re.compile(
    r"^((listen|watch|tune in|download|find us|follow|catch up|get the|sign up|subscribe|join|"
    r"click|tap|visit|read the full|for more)\b.*\b(here|app|live|now|podcast|newsletter|twitter|"
    r"facebook|instagram|youtube|tiktok|website|on demand|iplayer|sounds|spotify|apple)\b|"
    r"(this|the|a version of this) (article|story|piece|post|column|essay)( was| is| has been| first| originally)*"
    r"\s*(originally |first |also )?(appeared|published|reprinted|posted|adapted|excerpted)\b|"
    r"[A-Z][\w.'\u2019-]+( [A-Z][\w.'\u2019-]+){1,3} (is|was) (an? |the )[^.]{0,80}\b(reporter|writer|editor|"
    r"journalist|correspondent|author|columnist|contributor|producer|critic)\b)",
    re.I,
)


def _is_tail_junk(text: str) -> bool:
    return _words(text) <= 60 and bool(_TAIL_RE.match(text))


def _is_link_title(text: str) -> bool:
    return _words(text) <= 16 and not text.endswith((".", "!", ",", ";", ":"))


# ------------------------------------------------------------------ plain text

_KICKERS = {
    "breaking", "breaking news", "opinion", "exclusive", "analysis", "sponsored", "sponsored content",
    "news", "live", "update", "updated", "editorial", "commentary", "review", "interview", "feature",
    "features", "explainer", "fact check", "op-ed", "op ed", "letters", "perspective", "investigation",
    "special report", "paid post", "advertorial", "partner content", "podcast", "obituary", "essay",
    "long read", "the long read", "world", "politics", "business", "technology", "tech", "science",
    "health", "sport", "sports", "culture", "entertainment", "music", "film", "books", "travel",
    "lifestyle", "local", "national", "us news", "uk news", "world news", "breaking story", "just in",
    "developing story", "developing", "watch", "video", "photos", "column", "guest column", "letter",
}


def _is_kicker(line: str) -> bool:
    key = _collapse(line.strip(" *_#:|-\u2013\u2014")).casefold()
    return key in _KICKERS


_HEADING_END_BAD = tuple(".,;:!\u2026")


_SMALL_WORDS = {"a", "an", "the", "and", "or", "but", "of", "in", "on", "at", "to", "for", "by", "with",
                "from", "as", "is", "are", "vs", "via", "into", "nor", "per", "up", "off", "out", "over", "its",
                "that", "than", "so", "if", "be", "it", "your", "you", "my", "our", "their", "his", "her"}


def _heading_kind(text: str) -> str | None:
    """How a short line could be a heading: "title" (Title Case), "short" (up to 8 words),
    "sentence" (9-14 words in sentence case, needs clear context), or None."""
    text = text.strip()
    words = text.split()
    if not 1 <= len(words) <= 16 or len(text) > 110:
        return None
    if text.endswith(_HEADING_END_BAD) or text[0] in "([-*\u2022>" or text.endswith(('"', "\u201d", "\u2019", ")")):
        return None
    first = text.lstrip("\"'\u201c\u2018")
    if not first or not (first[0].isupper() or first[0].isdigit()):
        return None
    if text[0] in "\"'\u201c\u2018" and _QUOTED_ALONE_RE.match(text):
        return None
    if text.endswith("?") and len(words) > 12:
        return None
    letters = [w.lstrip("\"'\u201c\u2018") for w in words]
    letters = [w for w in letters if w and w[0].isalpha()]
    caps = [w for w in letters if w[0].isupper() or w.lower() in _SMALL_WORDS]
    if letters and len(caps) >= 0.85 * len(letters) and sum(w[0].isupper() for w in letters) >= 0.5 * len(letters):
        return "title"
    if len(words) <= 8:
        return "short"
    if len(words) <= 14:
        return "sentence"
    return None


def _heading_like(text: str, max_words: int = 12) -> bool:
    """A short line that can stand alone as a section heading, whatever its context."""
    kind = _heading_kind(text)
    return kind in ("title", "short") and _words(text) <= max_words


def _split_paragraphs(lines: list[str], blank_separated: bool) -> list[list[str]]:
    """Group the lines of one blank-line-separated chunk into paragraphs.

    Hard-wrapped prose (lines of similar width) is joined, a short line ending
    a paragraph; scraped text with one paragraph or item per line keeps each
    line apart, unless a line plainly continues on the next (lowercase start).
    """
    if len(lines) == 1:
        return [lines]
    width = max(len(l) for l in lines)
    wrapped = 40 <= width <= 100 and sum(len(l) >= 0.6 * width for l in lines[:-1]) >= 0.7 * (len(lines) - 1)
    paras: list[list[str]] = []
    current: list[str] = []
    for idx, line in enumerate(lines):
        if current:
            prev = current[-1]
            if wrapped:
                breaks = len(prev) < 0.6 * width or _is_junk(line) or _is_junk(prev)
            else:
                breaks = not (line[:1].islower() and not prev.endswith(tuple(".!?:\u201d\"")))
            if breaks:
                paras.append(current)
                current = []
        current.append(line)
    if current:
        paras.append(current)
    return paras


def _parse_txt(text: str) -> tuple[dict, list[Item]]:
    """Plain text: title line, optional kicker/byline/date, paragraphs, conservative headings."""
    lines = [l.strip() for l in text.split("\n")]
    meta: dict = {}
    pos = 0

    def next_line(start: int) -> int:
        while start < len(lines) and not lines[start]:
            start += 1
        return start

    # Header: kicker, title, byline and date lines come first, one per line.
    pos = next_line(0)
    while pos < len(lines) and (_is_caption_anchor(lines[pos]) or _is_junk(lines[pos]) or is_date_line(lines[pos])):
        if is_date_line(lines[pos]):
            meta.setdefault("date", find_date(lines[pos]))
        pos = next_line(pos + 1)
    if pos < len(lines):
        first = _strip_md_heading(lines[pos]).strip("*_ ")
        after = next_line(pos + 1)
        if _is_kicker(first) and after < len(lines) and _heading_like(_strip_md_heading(lines[after]), 25):
            pos = after
            first = _strip_md_heading(lines[pos]).strip("*_ ")
        if not _too_long_for_title(first):
            meta["title"] = first
            pos += 1
    for _ in range(3):
        cand = next_line(pos)
        if cand >= len(lines):
            break
        line = lines[cand]
        byline = parse_byline(line)
        if byline and "author" not in meta:
            meta["author"], date = byline
            if date and "date" not in meta:
                meta["date"] = date
        elif is_date_line(line) and "date" not in meta:
            meta["date"] = find_date(line)
        else:
            break
        pos = cand + 1
    chunks: list[list[str]] = []
    current: list[str] = []
    for line in lines[pos:]:
        if line:
            current.append(line)
        elif current:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    blank_separated = len(chunks) > 2
    items: list[Item] = []
    for c_idx, chunk in enumerate(chunks):
        if chunk[0].startswith(">") and all(l.startswith(">") for l in chunk):
            items.append(("q", " ".join(l.lstrip(">").strip() for l in chunk)))
            continue
        if len(chunk) == 1 and re.match(r"^#{1,6}\s+\S", chunk[0]):
            items.append(("h", _strip_md_heading(chunk[0])))
            continue
        for para in _split_paragraphs(chunk, blank_separated):
            items.append(("p", " ".join(para)))
    # Headings: short, alone between paragraphs, followed by real text.
    result: list[Item] = []
    for idx, (kind, text) in enumerate(items):
        if kind == "p" and _is_txt_heading(items, idx, blank_separated):
            result.append(("h", text))
        else:
            result.append((kind, text))
    return meta, result


def _is_txt_heading(items: list[Item], idx: int, blank_separated: bool) -> bool:
    """A line stands as a heading when it is short and unpunctuated, follows a finished
    paragraph (not a list intro or another short line) and is followed by real text."""
    text = items[idx][1]
    strength = _heading_kind(text)
    if strength is None or idx + 1 >= len(items) or _is_caption_anchor(text) or _is_junk(text):
        return False
    nxt_kind, nxt = items[idx + 1]
    if nxt_kind == "h" or _heading_kind(nxt) or len(nxt) < 1.5 * len(text) or not nxt.rstrip("\"'\u201d\u2019)").endswith(_END_PUNCT):
        return False
    if idx == 0:
        return strength == "title" and blank_separated
    prev_kind, prev = items[idx - 1]
    if prev_kind == "p":
        if prev.endswith(":") or _heading_kind(prev) or _words(prev) < 4:
            return False
        if not prev.rstrip("\"'\u201d\u2019)").endswith(tuple(".!?\u2026")):
            return False
    if strength == "sentence":
        return blank_separated and _words(nxt) >= 15
    return blank_separated or strength == "title"


def _strip_md_heading(line: str) -> str:
    return re.sub(r"^#{1,6}\s+|\s+#+\s*$", "", line).strip()


# ------------------------------------------------------------------ Markdown

_FRONT_RE = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def _strip_comments(text: str) -> str:
    """Remove <!-- ... --> in linear time (an unclosed one is left as it is)."""
    out: list[str] = []
    pos = 0
    while True:
        start = text.find("<!--", pos)
        if start == -1:
            out.append(text[pos:])
            return " ".join(out)
        out.append(text[pos:start])
        end = text.find("-->", start + 4)
        if end == -1:
            out.append(text[start:].replace("<!--", " "))
            return " ".join(out)
        pos = end + 3


def _md_inline(text: str) -> str:
    """Markdown inline markup to plain text (images dropped, links keep their text)."""
    # Spans are bounded so that unclosed markup costs linear time, not quadratic.
    text = _strip_comments(text)
    text = re.sub(r"!\[[^\]\n]{0,500}\]\([^)\n]{0,500}\)|!\[[^\]\n]{0,500}\]\[[^\]\n]{0,200}\]", " ", text)
    text = re.sub(r"\[([^\]\n]{0,500})\]\([^)\n]{0,500}\)", r"\1", text)
    text = re.sub(r"\[([^\]\n]{0,500})\]\[[^\]\n]{0,200}\]", r"\1", text)
    text = re.sub(r"<(?:https?://|mailto:)[^>\s]{1,500}>", " ", text)
    text = re.sub(r"(`+)([^`]{0,500}?)\1", r"\2", text)
    text = re.sub(r"</?[A-Za-z][^<>]{0,500}>", " ", text)
    text = re.sub(r"(\*\*|__)(?=\S)([^\n]{1,500}?)(?<=\S)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?=\S)([^*\n]{1,500}?)(?<=\S)\*(?!\w)", r"\1", text)
    text = re.sub(r"(?<![\w_])_(?=\S)([^_\n]{1,500}?)(?<=\S)_(?!\w)", r"\1", text)
    text = re.sub(r"~~([^~\n]{1,500}?)~~", r"\1", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!>\"'|~])", r"\1", text)
    text = re.sub(r"\[\^[^\]\s]{1,50}\]", "", text)  # footnote markers
    return html_lib.unescape(text)


def _front_matter(text: str) -> tuple[dict, str]:
    match = _FRONT_RE.match(text)
    if not match:
        return {}, text
    meta: dict = {}
    for line in match.group(1).split("\n"):
        m = re.match(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$", line)
        if not m:
            continue
        key, value = m.group(1).lower(), m.group(2).strip().strip("\"'")
        if key == "title" and value:
            meta["title"] = _md_inline(value)
        elif key in ("author", "authors", "byline") and value:
            meta["author"] = value.strip("[]").replace("\"", "").replace("'", "")
        elif key in ("date", "published", "pubdate", "publishdate") and value:
            meta["date"] = find_date(value)
        elif key in ("lang", "language") and re.match(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]+)?$", value):
            meta["language"] = value.replace("_", "-")
    return meta, text[match.end():]


_LIST_RE = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+")
_HR_RE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")


_MAX_QUOTE_DEPTH = 4


def _parse_markdown(text: str, header: bool = True, depth: int = 0) -> tuple[dict, list[Item]]:
    """Markdown: front matter, ATX/setext headings, blockquotes, lists, paragraphs.
    ``header`` False parses nested content (a blockquote): no title, byline or date."""
    meta, body = _front_matter(text) if header else ({}, text)
    body = _strip_comments(body)
    raw: list[tuple[str, str, int]] = []  # (kind, text, heading level)
    para: list[str] = []
    quote: list[str] = []
    lines = body.split("\n")

    def flush() -> None:
        if para:
            raw.append(("p", " ".join(para), 0))
            para.clear()
        if quote:
            for q in "\n".join(quote).split("\n\n"):
                if q.strip():
                    for kind, qt, lvl in _md_blocks(q, depth + 1):
                        raw.append(("q" if kind == "p" else kind, qt, lvl))
            quote.clear()

    in_fence: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        i += 1
        fence = re.match(r"^\s{0,3}(```|~~~)", line)
        if in_fence:
            if fence and fence.group(1) == in_fence:
                in_fence = None
            continue
        if fence:
            flush()
            in_fence = fence.group(1)
            continue
        if stripped.startswith(">"):
            if para:
                flush()
            quote.append(re.sub(r"^\s*>\s?", "", line))
            continue
        if quote and stripped:
            quote.append(line)  # lazy continuation
            continue
        if not stripped:
            if quote:
                quote.append("")
                # a blank line ends the quote unless the next line continues it
                if i < len(lines) and lines[i].strip().startswith(">"):
                    continue
            flush()
            continue
        m = re.match(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if m:
            flush()
            raw.append(("h", _md_inline(m.group(2)), len(m.group(1))))
            continue
        if para and re.match(r"^\s{0,3}(=+|-+)\s*$", line):
            level = 1 if stripped.startswith("=") else 2
            heading = " ".join(para)
            para.clear()
            raw.append(("h", _md_inline(heading), level))
            continue
        if _HR_RE.match(line):
            flush()
            continue
        if stripped.startswith("|") or re.match(r"^\s*\[[^\]]+\]:\s*\S+", line):
            flush()  # tables and link reference definitions are not read
            continue
        if _LIST_RE.match(line):
            flush()
            para.append(_md_inline(_LIST_RE.sub("", line)))
            continue
        if line.startswith("    ") and not para:
            continue  # indented code block
        para.append(_md_inline(stripped))
    flush()
    items: list[Item] = []
    for idx, (kind, value, level) in enumerate(raw):
        value = _collapse(value)
        if not value:
            continue
        if header and kind == "h" and "title" not in meta and not any(k != "h" for k, _ in items) and (level == 1 or not items):
            meta["title"] = value
            continue
        items.append((kind, value))
    if not header:
        return meta, items
    # Byline / date right after the title.
    while items and items[0][0] == "p" and _words(items[0][1]) <= 20:
        text0 = items[0][1]
        byline = parse_byline(text0)
        if byline and "author" not in meta:
            meta["author"], date = byline
            if date and not meta.get("date"):
                meta["date"] = date
            items.pop(0)
        elif is_date_line(text0) and not meta.get("date"):
            meta["date"] = find_date(text0)
            items.pop(0)
        elif "title" not in meta and _is_kicker(text0):
            items.pop(0)
        else:
            break
    if "title" not in meta and items:
        first_kind, first = items[0]
        if first_kind == "p" and not _too_long_for_title(first) and len(items) > 1:
            meta["title"] = first
            items.pop(0)
    return meta, items


def _md_blocks(text: str, depth: int) -> list[tuple[str, str, int]]:
    """The paragraphs of a blockquote's content (headings inside it are read as text)."""
    if depth > _MAX_QUOTE_DEPTH:  # deeper nesting is read as plain quoted text
        return [("p", _md_inline(re.sub(r"(?m)^[\s>]+", " ", text)), 0)]
    _, items = _parse_markdown(text, header=False, depth=depth)
    return [("p" if k == "h" else k, t, 0) for k, t in items]


# ------------------------------------------------------------------ HTML

_DROP_TAGS = ("script", "style", "noscript", "iframe", "svg", "math", "template", "object", "embed",
              "canvas", "video", "audio", "picture", "figure", "figcaption", "form", "button", "select",
              "textarea", "input", "nav", "aside", "footer", "header", "head", "link", "meta", "dialog")


def _parse_html(text: str, name: str) -> tuple[dict, list[Item]]:
    """HTML: trafilatura for the main content and metadata, lxml as the fallback."""

    try:
        doc = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        raise InputError(f"{name} is not readable HTML; save the page again or give its text") from None
    _drop_comments(doc)
    meta = _html_meta(doc)
    meta["_html"] = True
    meta["_captions"] = _caption_texts(doc)
    items: list[Item] = []
    try:
        items = _trafilatura_items(_without_raw_text(doc), meta)
    except InputError:
        raise
    except Exception:  # a failing extractor must not stop the fallback
        items = []
    items = [(k, _collapse(t)) for k, t in items if _collapse(t)]
    if any(k != "h" for k, _ in items):
        items = _recover_headings(doc, items)
    fallback = _lxml_items(doc)  # (changes doc: nothing reads it after this)
    # The extractor sometimes keeps only a fragment of a long article: take the fallback then.
    if _text_size(fallback) > 2 * _text_size(items) + 500:
        items = fallback
    if not any(k != "h" for k, _ in items):
        raise InputError(f"{name} has no article text that could be extracted from the HTML; save the article's text instead")
    return meta, items


_CAPTION_CLASS_RE = re.compile(r"(^|[\s_-])(caption|credit|credits|figcaption|photo-?credit|image-?credit|"
                               r"wp-caption-text|media-?caption)($|[\s_-])", re.I)


def _caption_texts(doc) -> list[str]:
    """Texts the page shows as captions of its pictures: ``<figcaption>``, caption/credit
    classes, an image's ``alt`` (photo essays repeat it as a paragraph), and the lone
    paragraph that shares a wrapper with a picture (``<li><figure/><p>caption</p></li>``)."""
    found: list[str] = []
    for el in doc.iter("figcaption"):
        found.append(_text_of(el))
    for el in doc.iter():
        if not isinstance(el.tag, str) or el.tag in ("html", "body", "article", "main"):
            continue
        marks = f"{el.get('class') or ''} {el.get('id') or ''}"
        if marks.strip() and _CAPTION_CLASS_RE.search(marks):
            text = _text_of(el)
            if text and len(text) <= 600:
                found.append(text)
    for img in doc.iter("img"):
        alt = _collapse(img.get("alt") or "")
        if _words(alt) >= 4:
            found.append(alt)
        holder = img
        while holder.getparent() is not None and holder.getparent().tag in ("a", "picture", "span", "div", "figure") \
                and len([c for c in holder.getparent() if isinstance(c.tag, str)]) == 1:
            holder = holder.getparent()
        parent = holder.getparent()
        if parent is None or parent.tag in ("body", "article", "main"):
            continue
        siblings = [c for c in parent if isinstance(c.tag, str) and c is not holder]
        if len(siblings) == 1 and siblings[0].tag in ("p", "span", "div", "small", "em") \
                and not (parent.text or "").strip() and _words(_text_of(siblings[0])) <= 60:
            found.append(_text_of(siblings[0]))
    return [t for t in (_collapse(f) for f in found) if _words(t) >= 2]


def _is_caption_of_page(text: str, captions: list[str]) -> bool:
    """True when ``text`` is one of the page's picture captions (or a caption plus its credit)."""
    bare = _bare(text)
    if not bare or not captions:
        return False
    for cap in captions:
        c = _bare(cap)
        if not c:
            continue
        if bare == c or (len(bare) >= 20 and bare in c) or (len(c) >= 20 and c in bare and len(c) >= 0.7 * len(bare)):
            return True
    return False


def _drop_comments(doc) -> None:
    """HTML comments are not text boundaries (React puts ``<!-- -->`` inside sentences):
    remove them and join the text on both sides."""

    for node in list(doc.iter(etree.Comment, etree.ProcessingInstruction)):
        parent = node.getparent()
        if parent is None:
            continue
        tail = node.tail or ""
        prev = node.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
        parent.remove(node)


def _text_size(items: list[Item]) -> int:
    return sum(len(t) for k, t in items if k != "h")


def _text_of(el) -> str:
    """Text of an element, with line breaks (<br>, trafilatura's <lb>) as spaces."""
    parts: list[str] = []

    def walk(node) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("lb", "br"):
            parts.append(" ")
        elif tag:
            parts.append(node.text or "")
            for child in node:
                walk(child)
                parts.append(child.tail or "")
    walk(el)
    return _collapse("".join(parts))


def _html_meta(doc) -> dict:
    """Title (the page's h1 when it agrees with og:title/<title>), author, date, language."""
    meta: dict = {}

    def first(xpath: str) -> str | None:
        for value in doc.xpath(xpath):
            value = _collapse(value if isinstance(value, str) else value.text_content())
            if value:
                return value
        return None

    site = first('//meta[@property="og:site_name"]/@content')
    heads = [t for t in (first('//meta[@property="og:title"]/@content'), first('//meta[@name="twitter:title"]/@content'),
                         first("//head/title") or first("//title")) if t]
    title = _choose_title(doc, heads, site)
    meta["title"] = title
    author = first('//meta[@name="author"]/@content') or first('//meta[@property="article:author"]/@content') \
        or first('//*[@rel="author"]')
    meta["author"] = clean_author(author)
    date_raw = first('//meta[@property="article:published_time"]/@content') or first('//time/@datetime') \
        or first('//meta[@name="date"]/@content') or first('//meta[@itemprop="datePublished"]/@content')
    if date_raw:
        meta["date"] = find_date(date_raw)
    lang = first("/html/@lang") or first('//meta[@http-equiv="content-language"]/@content')
    if lang and re.match(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]+)*$", lang):
        meta["language"] = lang.replace("_", "-")
    return meta


def _similarity(a: str, b: str) -> float:
    a, b = _bare(a), _bare(b)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    short, long_ = sorted((a, b), key=len)
    if short in long_:
        return len(short) / len(long_)
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _choose_title(doc, heads: list[str], site: str | None) -> str | None:
    """The headline as shown on the page: the h1 (or headline element) that agrees with the
    title the page declares in <title>/og:title, else that title without the site name."""
    stripped = [_strip_site_name(h, site) for h in heads]
    seen: set[str] = set()
    for xpath in ("//body//h1", '//*[@itemprop="headline"]',
                  '//body//*[contains(concat(" ", normalize-space(@class), " "), " headline ") or '
                  'contains(@class, "entry-title") or contains(@class, "article-title") or '
                  'contains(@class, "post-title") or contains(@class, "story-title")]',
                  "//body//h2"):
        best, best_score = None, 0.0
        for el in doc.xpath(xpath):
            if any(a.tag in ("nav", "footer", "aside") for a in el.iterancestors()):
                continue
            text = _text_of(el)
            if not text or text in seen or _words(text) > 40:
                continue
            seen.add(text)
            score = max((_similarity(text, h) for h in heads + stripped), default=0.0)
            if score > best_score:
                best, best_score = text, score
        if best is not None and best_score >= (0.8 if xpath == "//body//h2" else 0.6):
            return best
    names = {_bare(site or "")} | {_bare(t) for t in doc.xpath("//meta[@name='application-name']/@content")}
    stripped = [t for t in stripped if _bare(t) not in names and _words(t) >= 2]
    h1s = [c for c in (_text_of(h) for h in doc.xpath("//body//article//h1 | //body//main//h1")) if c]
    h1s += [c for c in (_text_of(h) for h in doc.xpath("//body//h1")) if c and c not in h1s]
    h1s = [h for h in h1s if _words(h) >= 3 and _bare(h) not in names]
    if h1s and (len(h1s) == 1 or not stripped):
        return h1s[0]
    if stripped:
        return stripped[0]
    return h1s[0] if h1s else None


def _strip_site_name(title: str, site: str | None) -> str:
    """"Headline | Site - Tagline" -> "Headline"."""
    if site and len(site) < len(title) and _bare(title).endswith(_bare(site)):
        cut = title[: len(title) - len(site)] if title.endswith(site) else None
        if cut is None:
            idx = title.casefold().rfind(site.casefold()[:12])
            cut = title[:idx] if idx > 0 else title
        cut = cut.rstrip(" |-\u2013\u2014:\u00b7\u00bb")
        if _words(cut) >= 2:
            return cut
    parts = re.split(r"\s+[|\u2013\u2014-]\s+|\s+[|\u00bb\u00b7:]{1,2}\s+(?=[^|]*$)", title)
    if len(parts) < 2:
        return title
    if site:
        for idx, part in enumerate(parts[1:], start=1):
            if _bare(part) == _bare(site) or _bare(site) in _bare(part):
                return " - ".join(parts[:idx])
    if _words(parts[-1]) <= 4 and _words(parts[0]) >= 3:
        return " - ".join(parts[:-1]) if len(parts) > 2 and _words(parts[-2]) > 4 else parts[0]
    return title


# Elements whose content is never read: raw text to the HTML parser (an unclosed <iframe> swallows
# the markup after it as text), code, or embedded objects. JSON-LD scripts stay: they carry metadata.
_RAW_TEXT_TAGS = ("script", "style", "noscript", "iframe", "template", "textarea", "svg", "math", "object",
                  "embed", "xmp", "plaintext", "noembed", "noframes")


def _without_raw_text(doc):
    """A copy of ``doc`` for the extractor, without the elements of ``_RAW_TEXT_TAGS``."""

    clean = copy.deepcopy(doc)
    for bad in clean.xpath("|".join(f"//{t}" for t in _RAW_TEXT_TAGS)):
        if bad.tag == "script" and (bad.get("type") or "").strip().lower() == "application/ld+json":
            continue
        if bad.getparent() is not None:
            bad.drop_tree()
    return clean


def _trafilatura_items(tree, meta: dict) -> list[Item]:
    import trafilatura  # slow to import (~1 s): loaded for HTML articles only

    doc = trafilatura.bare_extraction(
        tree,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_formatting=True,
        include_links=True,
        favor_precision=False,
    )
    if doc is None or getattr(doc, "body", None) is None:
        return []
    if not meta.get("title") and getattr(doc, "title", None):
        meta["title"] = doc.title
    author = clean_author(getattr(doc, "author", None))
    if author:
        meta["author"] = author
    if getattr(doc, "date", None):
        meta["date"] = find_date(doc.date) or meta.get("date")
    if not meta.get("language") and getattr(doc, "language", None):
        meta["language"] = doc.language
    return list(_walk_trafilatura(doc.body))


def _walk_trafilatura(body) -> Iterable[Item]:
    """Trafilatura's XML (head/p/quote/list/item) to items."""
    for el in body:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "head":
            if not _is_link_only(el, heading=True):  # a teaser headline linking to another story
                yield ("h", _text_of(el))
        elif tag == "quote":
            yield from _quote_items(_quote_paragraphs(el))
        elif tag == "list":
            for item in el.iter("item"):
                if not _is_link_only(item):
                    yield ("p", _text_of(item))
        elif tag in ("p", "div", "item", "code"):
            if tag == "code" or _is_link_only(el):
                continue
            text = _text_of(el)
            yield ("h" if _is_bold_heading(el, text) else "p", text)
        elif tag == "table":
            continue
        else:
            yield ("p", _text_of(el))


def _quote_paragraphs(el) -> list[str]:
    """Split a blockquote into its paragraphs: block children apart, inline runs joined."""
    paras: list[str] = []
    inline: list[str] = [el.text or ""]
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in ("p", "list", "quote", "item", "div", "head"):
            paras.append(_collapse("".join(inline)))
            inline = []
            if tag in ("list", "quote"):
                paras.extend(_text_of(i) for i in child.iter("item", "p"))
            else:
                paras.append(_text_of(child))
        elif tag in ("lb", "br"):
            inline.append(" ")
        elif tag:
            inline.append(_text_of(child))
        inline.append(child.tail or "")
    paras.append(_collapse("".join(inline)))
    return [p for p in paras if p]


_ATTRIBUTION_RE = re.compile(r"^[\u2014\u2015\u2013~-]+\s*(\S.*)$")


def _quote_items(paras: list[str]) -> Iterable[Item]:
    """Blockquote paragraphs; a closing "— Name (@handle) date" credit line is read by the narrator."""
    for idx, para in enumerate(paras):
        match = _ATTRIBUTION_RE.match(para)
        if match and idx == len(paras) - 1 and idx > 0 and _words(para) <= 20:
            credit = _collapse(re.sub(r"\(@\w+\)", " ", match.group(1)))
            yield ("p", credit)
        else:
            yield ("q", para)


def _all_bold(el) -> bool:
    """True when every piece of text inside ``el`` sits in bold markup."""
    if (el.text or "").strip() and not _is_bold_tag(el):
        return False
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if not (_is_bold_tag(child) or _all_bold(child)) or (child.tail or "").strip():
            return False
    return True


def _is_bold_tag(el) -> bool:
    return el.tag in ("b", "strong") or (el.tag == "hi" and "#b" in (el.get("rend") or ""))


def _is_bold_heading(el, text: str) -> bool:
    """A short paragraph that is all bold and reads like a heading (used as one on many sites)."""
    if (el.text or "").strip() or not len(el) or not _all_bold(el):
        return False
    return _heading_kind(text) is not None and _words(text) <= 14 and not _RELATED_RE.match(text)


def _is_link_only(el, heading: bool = False) -> bool:
    """A short paragraph (or a heading) that is one link and nothing else: a related-story
    link or teaser headline, not text."""
    children = [c for c in el if isinstance(c.tag, str)]
    if (el.text or "").strip() or len(children) != 1:
        return False
    child = children[0]
    if child.tag not in ("ref", "a") and heading:  # <h3><span><a>..</a></span></h3>
        return (not (child.tail or "").strip()) and _is_link_only(child, heading)
    if child.tag not in ("ref", "a") or (child.tail or "").strip():
        return False
    if heading and (child.get("href") or child.get("target") or "#").startswith("#"):
        return False  # an anchor (<a name>, href="#...") to its own section, not a link away
    text = _text_of(el)
    if heading:
        return _words(text) <= 30
    return _words(text) <= 15 and not text.endswith((".", "!", "?", ",", ";", ":", "\u201d", '"'))


_CHROME_TAGS = {"nav", "aside", "footer", "form", "header", "figure", "figcaption", "button", "noscript"}


def _recover_headings(doc, items: list[Item]) -> list[Item]:
    """Put back h2-h4 headings the extractor dropped: a page heading that sits between two
    paragraphs which follow each other in the extracted text is a section heading."""
    have = {_bare(t) for k, t in items if k == "h"}
    index: dict[str, int] = {}
    for idx, (kind, text) in enumerate(items):
        if kind != "h":
            index.setdefault(_bare(text)[:80], idx)
    stream: list[tuple[str, str]] = []  # ("h" | "p", text) in page order
    for el in doc.iter("p", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"):
        if any(a.tag in _CHROME_TAGS for a in el.iterancestors()):
            continue
        text = _text_of(el)
        if text and not (el.tag in ("h2", "h3", "h4") and _is_link_only(el, heading=True)):
            stream.append(("h" if el.tag in ("h2", "h3", "h4") else "p", text))
    inserts: list[tuple[int, str]] = []
    for pos, (kind, text) in enumerate(stream):
        if kind != "h" or _bare(text) in have or not 1 <= _words(text) <= 20:
            continue
        if _is_junk(text) or _RELATED_RE.match(text) or _TRUNCATE_RE.match(text) or _is_caption_anchor(text):
            continue
        before = next((index[_bare(t)[:80]] for k, t in reversed(stream[:pos]) if _bare(t)[:80] in index), None)
        after = next((index[_bare(t)[:80]] for k, t in stream[pos + 1:] if _bare(t)[:80] in index), None)
        if before is not None and after is not None and after == before + 1:
            inserts.append((after, text))
            have.add(_bare(text))
    for at, text in sorted(inserts, key=lambda x: -x[0]):
        items.insert(at, ("h", text))
    return items


_CHROME_RE = re.compile(
    r"(^|[\s_-])(comments?|related|share|sharing|social|newsletter|promo|sidebar|footer|nav|navigation|menu|"
    r"advert|ads?|sponsor|subscribe|subscription|popup|modal|cookie|consent|caption|credit|breadcrumbs?|"
    r"tags|author-bio|bio|recirc|recommended|more-stories|outbrain|taboola|signup|paywall)($|[\s_-])",
    re.I,
)
_KEEP_TAGS = {"html", "body", "article", "main"}


def _long_text(el) -> int:
    """Characters in the substantial paragraphs (80+ characters) inside ``el``."""
    return sum(n for n in (len(_text_of(p)) for p in el.iter("p")) if n >= 80)


def _lxml_items(doc) -> list[Item]:
    """Fallback extraction: the block elements of the densest text container, with scripts,
    page chrome (navigation, share bars, comments, captions...) removed first."""
    for bad in doc.xpath("|".join(f"//{t}" for t in _DROP_TAGS)):
        if bad.getparent() is not None:
            bad.drop_tree()
    scores: dict = {}
    for para in doc.iter("p"):
        length = len(_text_of(para))
        if length < 80:
            continue
        parent = para.getparent()
        if parent is not None:
            scores[parent] = scores.get(parent, 0) + length
            grand = parent.getparent()
            if grand is not None:
                scores[grand] = scores.get(grand, 0) + length / 2
    if scores:
        root = max(scores, key=scores.get)
        # Widen to the ancestor holding the article's other parts (split text containers).
        best = root
        for ancestor in root.iterancestors():
            if ancestor.tag in ("body", "html"):
                break
            if _long_text(ancestor) > 1.25 * _long_text(best) or ancestor.tag in ("article", "main"):
                best = ancestor
        root = best
    else:
        roots = doc.xpath("//article") or doc.xpath("//main") or doc.xpath("//body") or [doc]
        root = max(roots, key=lambda r: len(_text_of(r)))
    # Page chrome inside the container (share bars, related boxes, captions) is skipped,
    # unless a class name merely happens to mark most of the text.
    total = len(_text_of(root)) or 1
    chrome = set()
    for el in root.iter():
        if isinstance(el.tag, str) and el is not root and el.tag not in _KEEP_TAGS:
            marks = f"{el.get('class') or ''} {el.get('id') or ''} {el.get('role') or ''}"
            if marks.strip() and _CHROME_RE.search(marks) and len(_text_of(el)) < 0.4 * total:
                chrome.add(el)
    items: list[Item] = []
    blocks = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "li", "pre", "dd", "dt")
    for el in root.iter(*blocks):
        if el in chrome or any(a.tag in blocks or a in chrome for a in el.iterancestors()):
            continue
        text = _text_of(el)
        if not text or _is_link_only(el):
            continue
        if el.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            if not _is_link_only(el, heading=True):
                items.append(("h", text))
        elif el.tag == "blockquote":
            items.extend(_quote_items(_quote_paragraphs(el)))
        elif el.tag != "pre":
            items.append(("h" if _is_bold_heading(el, text) else "p", text))
    if not any(k != "h" for k, _ in items):
        text = _text_of(root)
        if text:
            items.append(("p", text))
    return items
