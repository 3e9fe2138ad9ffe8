"""The plan of an episode: a flat list of items (chapter marks, music, speech, silence) in
playing order, the synthesis jobs its speech needs (one clip per sentence), and its cut into
chunks that are encoded and cached one by one (``chunks.py``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Union

from audiogen.audio import chunks
from audiogen.audio.segment import MASTER_RATE, SPEECH_RATE
from audiogen.read.language import phrase
from audiogen.script import Script
from audiogen.script.build import split_long
from audiogen.script.speech import load_lexicon, normalize as _normalize
from audiogen.settings import RenderSettings
from audiogen.tts import Voice
from audiogen.tts.synth import Job
from audiogen.tts.voices import RenderVoices

MAX_CLIP_CHARS = 1000  # the longest text one engine call gets (see script_builder.split_long)
SENTENCE_GAP = 0.3  # s between the clips of one paragraph at 175 wpm (engines trim their own silence)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)\]]*\s+(?=[\"“‘(\[]*[A-Z0-9])")


@dataclass(frozen=True)
class Speech:
    jobs: tuple[int, ...]  # one clip per sentence (long sentences: per clause)
    role: str
    speaker: str | None
    text: str
    over_bed: bool = False
    gap: float = 0.0  # silence between the sentences


@dataclass(frozen=True)
class Silence:
    seconds: float
    paragraph: bool = False  # a pause between paragraphs: chunks may be cut here


@dataclass(frozen=True)
class Music:
    name: str  # intro | outro


@dataclass(frozen=True)
class Mark:
    title: str


Item = Union[Speech, Silence, Music, Mark]


def build(script: Script, settings: RenderSettings, voices: RenderVoices) -> tuple[list[Item], list[Job]]:
    """The episode's items in playing order, and the synthesis jobs its Speech items index."""
    lexicon = load_lexicon(settings.lexicon) if settings.lexicon is not None else None

    def normalize(text: str, _lexicon, language: str) -> str:
        # Title, headings and byline take the same path as the body: the lexicon, then the rules.
        return _normalize(text, lexicon, language)

    p = settings.pauses
    items: list = []
    jobs: list[Job] = []

    def speak(voice: Voice, speech: str, role: str, speaker: str | None, text: str, over_bed: bool = False) -> None:
        # Sentence-sized clips for every engine: memory and latency stay flat however long the
        # paragraph, and an edit re-synthesizes one sentence; a sentence longer than MAX_CLIP_CHARS
        # is cut further (pyttsx3's eSpeak driver is quadratic in a clip's length).
        parts = [piece for sentence in sentences(speech)
                 for piece in (split_long(sentence, MAX_CLIP_CHARS) if len(sentence) > MAX_CLIP_CHARS else [sentence])]
        first = len(jobs)
        jobs.extend(voices.job(voice, part) for part in parts)
        gap = p.sentence if p.sentence > 0 else SENTENCE_GAP * 175 / max(settings.rate, 1)
        items.append(Speech(tuple(range(first, len(jobs))), role, speaker, text, over_bed, gap))

    lang = script.language
    intro_text = phrase("intro_by" if script.author else "intro", lang, title=script.title, author=script.author)
    items.append(Mark("Intro"))
    if settings.stingers:
        items.append(Music("intro"))
    speak(voices.narrator, normalize(intro_text, None, lang), "title", None, intro_text, over_bed=True)
    items.append(Silence(p.title))

    for ci, chapter in enumerate(script.chapters):
        if ci > 0:
            items.append(Silence(p.section))
        items.append(Mark(chapter.title))
        if ci > 0 or chapter.title != script.title:
            speak(voices.narrator, normalize(chapter.title, None, lang), "title", None, chapter.title)
            items.append(Silence(p.paragraph))
        segs = chapter.segments
        para_chars = 0
        for si, seg in enumerate(segs):
            speak(voices.for_segment(seg), seg.speech, seg.role, seg.speaker, seg.text)
            nxt = segs[si + 1] if si + 1 < len(segs) else None
            gap = p.sentence + 0.15
            if seg.paragraph_end:
                gap = p.paragraph
            elif nxt is not None and nxt.role != seg.role:
                gap = p.quote
            if seg.pause is not None:
                gap += seg.pause
            para_chars = 0 if seg.paragraph_end else para_chars + len(seg.speech)
            if nxt is not None:
                # a long paragraph (a pasted transcript) may also be cut into chunks between its segments
                items.append(Silence(gap, paragraph=seg.paragraph_end or para_chars >= MAX_CLIP_CHARS))
    items.append(Silence(p.section))
    items.append(Mark("Outro"))
    outro_text = phrase("outro_by" if script.author else "outro", lang, title=script.title, author=script.author)
    speak(voices.narrator, normalize(outro_text, None, lang), "title", None, outro_text, over_bed=True)
    if settings.stingers:
        items.append(Music("outro"))
    else:
        items.append(Silence(1.0))
    return items, jobs


def sentences(text: str) -> list[str]:
    """Split spoken text at sentence ends (abbreviations are already expanded by speech.py)."""
    return [p for p in _SENTENCE_END.split(text) if p.strip()] or [text]


def split(items: list[Item]) -> list[list[Item]]:
    """The items cut into chunks (at chapter marks and paragraph pauses, see ``chunks.split``)."""
    return chunks.split(items, lambda it: isinstance(it, Mark), lambda it: isinstance(it, Silence) and it.paragraph,
                        lambda it: it.text if isinstance(it, Speech) else None,
                        lambda it: it.seconds if isinstance(it, Silence) else None)


def describe(item: Item, jobs: list[Job]) -> list[Any]:
    """What of a plan item shapes the audio and the timeline (for the chunk keys)."""
    if isinstance(item, Speech):
        return ["speech", [jobs[j].key for j in item.jobs], item.role, item.speaker, item.text, item.over_bed,
                item.gap]
    if isinstance(item, Silence):
        return ["silence", item.seconds]
    if isinstance(item, Music):
        return ["music", item.name]
    return ["mark", item.title]


def chunk_rate(piece: list[Item], settings: RenderSettings) -> int:
    """44.1 kHz for chunks with music, else the clips' own 22.05 kHz (ffmpeg upsamples when encoding)."""
    music = any(isinstance(it, Music) or (isinstance(it, Speech) and it.over_bed) for it in piece)
    return MASTER_RATE if music and settings.stingers else SPEECH_RATE
