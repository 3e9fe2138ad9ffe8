"""Article -> narration script: sections become chapters, quotes get the second voice,
and every segment carries its spoken form."""

from __future__ import annotations

import re
from dataclasses import replace

from audiogen.errors import InputError
from audiogen.read.article import Article
from audiogen.read.language import phrase
from audiogen.script import NARRATOR, QUOTE, Chapter, Script, Segment
from audiogen.script.quotes import split_paragraphs
from audiogen.script.speech import apply_lexicon, normalize


def build_script(article: Article, lexicon=None) -> Script:
    """Build the narration script for ``article``; ``lexicon`` overrides pronunciations."""
    language = article.language or "en"

    paragraphs: list[tuple[str, str]] = []
    owners: list[int] = []
    for index, section in enumerate(article.sections):
        for block in section.blocks:
            if block.text.strip():
                paragraphs.append((block.text, block.kind))
                owners.append(index)
    pieces_per_paragraph = split_paragraphs(paragraphs, language) if paragraphs else []
    names = _SpeakerNames()

    by_section: dict[int, list[Segment]] = {}
    for owner, pieces in zip(owners, pieces_per_paragraph):
        segs = [
            Segment(QUOTE if p.quote else NARRATOR, part, part,
                    speaker=names.canonical(p.speaker) if p.quote else None, paragraph_end=False)
            for p in pieces
            if p.text.strip()
            for part in split_long(p.text)
        ]
        if not segs:
            continue
        last = segs[-1]
        segs[-1] = Segment(last.role, last.text, last.speech, speaker=last.speaker, paragraph_end=True)
        by_section.setdefault(owner, []).extend(segs)

    chapters = []
    for index, section in enumerate(article.sections):
        segs = by_section.get(index)
        if not segs:
            continue
        title = section.heading or (article.title if not chapters else phrase("part", language, n=len(chapters) + 1))
        chapters.append(Chapter(title, tuple(segs)))
    if not chapters:
        name = article.source or "the article"
        raise InputError(f"{name} has no text to read after cleaning; check that it is an article")
    return respeak(Script(
        title=article.title,
        chapters=tuple(chapters),
        author=article.author,
        date=article.date,
        language=language,
    ), lexicon)


MAX_SEGMENT_CHARS = 1000  # about a minute of speech: a clip, a line of the script, a caption group
_SENTENCE_END_RE = re.compile(r"(?<=[.!?\u2026])[\"\u201d\u2019)\]]*\s+(?=[\"\u201c\u2018(\[]*[A-Z0-9])")
_ABBREV_END_RE = re.compile(r"(?:\b(?:[A-Za-z]\.){1,4}|\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Gen|Sen|Rep|Gov|Lt|Col|Prof|Inc|Co|"
                            r"vs|No|Mt|Ft|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.)$")


def split_long(text: str, limit: int = MAX_SEGMENT_CHARS) -> list[str]:
    """A long stretch of text (a pasted transcript is one paragraph) as pieces of whole
    sentences of at most ``limit`` characters, so synthesis, memory and editing stay
    proportional to the text; a sentence longer than that is cut at a clause or a space."""
    if len(text) <= limit:
        return [text]
    sentences: list[str] = []
    start = 0
    for m in _SENTENCE_END_RE.finditer(text):
        head = text[start:m.start()]
        if _ABBREV_END_RE.search(text, max(start, m.start() - 8), m.start()):
            continue
        sentences.append(head + text[m.start():m.end()].rstrip())
        start = m.end()
    sentences.append(text[start:])
    out: list[str] = []
    current = ""
    for sentence in (piece for s in sentences for piece in _cut(s.strip(), limit) if piece):
        if current and len(current) + 1 + len(sentence) > limit:
            out.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
    if current:
        out.append(current)
    return out


def _cut(sentence: str, limit: int) -> list[str]:
    """One over-long sentence cut after a clause mark, else at a space, into pieces <= ``limit``."""
    out: list[str] = []
    while len(sentence) > limit:
        window = sentence[:limit]
        at = max(window.rfind(c) for c in ",;:\u2014")
        if at < limit // 3:
            at = window.rfind(" ")
        if at <= 0:
            at = limit - 1
        out.append(sentence[:at + 1].strip())
        sentence = sentence[at + 1:].strip()
    out.append(sentence)
    return out


def respeak(script: Script, lexicon=None) -> Script:
    """The one path from written to spoken text for a script's segments: a segment with no
    spoken form of its own (or a stale one, which loading reset) is normalized from its text
    with the lexicon; a spoken form written by hand is kept, with the lexicon applied to it.
    Titles, chapter headings and the byline go through the same ``speech.normalize`` at render."""


    language = script.language or "en"

    def spoken(seg: Segment) -> str:
        if seg.speech == seg.text:
            return normalize(seg.text, lexicon, language) or seg.text
        return apply_lexicon(seg.speech, lexicon) if lexicon is not None else seg.speech

    chapters = []
    changed = False
    for ch in script.chapters:
        segs = []
        for seg in ch.segments:
            speech = spoken(seg)
            changed = changed or speech != seg.speech
            segs.append(replace(seg, speech=speech) if speech != seg.speech else seg)
        chapters.append(Chapter(ch.title, tuple(segs)))
    return replace(script, chapters=tuple(chapters)) if changed else script


class _SpeakerNames:
    """Maps later short references ("Quint", "Ms. Quint") to the full name seen first ("Mara Quint"),
    so one person keeps one voice with --cast."""

    _TITLES = {"mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "dame", "captain", "capt",
               "sen", "senator", "rep", "gov", "governor", "president", "mayor", "judge", "chief"}

    def __init__(self) -> None:
        self._full: list[str] = []

    def _core(self, name: str) -> list[str]:
        words = [w.strip(".,") for w in name.split()]
        return [w for w in words if w and w.lower().rstrip(".") not in self._TITLES]

    def canonical(self, name: str | None) -> str | None:
        if not name:
            return name
        core = self._core(name)
        if len(core) == 1:
            for full in reversed(self._full):
                if core[0] in self._core(full):
                    return full
            return name
        if name not in self._full:
            self._full.append(name)
        return name
