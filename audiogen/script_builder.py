"""Article -> narration script: sections become chapters, quotes get the second voice,
and every segment carries its spoken form."""

from __future__ import annotations

from audiogen.article import Article
from audiogen.errors import InputError
from audiogen.language import phrase
from audiogen.quotes import split_paragraphs
from audiogen.script import NARRATOR, QUOTE, Chapter, Script, Segment


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
            Segment(QUOTE if p.quote else NARRATOR, p.text, p.text,
                    speaker=names.canonical(p.speaker) if p.quote else None, paragraph_end=False)
            for p in pieces
            if p.text.strip()
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


def respeak(script: Script, lexicon=None) -> Script:
    """The one path from written to spoken text for a script's segments: a segment with no
    spoken form of its own (or a stale one, which loading reset) is normalized from its text
    with the lexicon; a spoken form written by hand is kept, with the lexicon applied to it.
    Titles, chapter headings and the byline go through the same ``speech.normalize`` at render."""
    from dataclasses import replace

    from audiogen.speech import apply_lexicon, normalize

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
