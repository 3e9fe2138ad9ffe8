"""How an English reader says an unfamiliar name whose spelling is not English.

hibari reads words missing from its lexicon with a small network trained on eSpeak NG's
English letter-to-sound rules. For names from languages spelled in open syllables
(Okafor, Nandakumar, Takahashi, Adebayo) those rules give English vowels and stress
("AH-ka-fer", "NAN-da-kyoo-mer"), which listeners, and Whisper, do not recognise. A
newsreader meeting such a name reads each letter with its "continental" value and
stresses the last syllable but one: o-KAH-for, nahn-dah-KOO-mar.

``continental()`` applies that reading only where the spelling's structure says the name is
not English: a capitalised word of three or more syllables, single vowels (or ai, au, ei,
oi), no doubled letters, no English spellings (th, gh, ck, wh, silent final e) or
endings (-son, -ton, -er, -ly...), and mostly open syllables. Anything else is left to the engine's own rules (None).
Phonemes are misaki's US alphabet, the one hibari's model speaks.
"""

from __future__ import annotations

import re

_VOWELS = {"a": "ɑ", "e": "ɛ", "i": "i", "o": "O", "u": "u"}
_DIPHTHONGS = {"ai": "I", "ay": "I", "au": "W", "ei": "A", "ey": "A", "oi": "Y", "oy": "Y"}
_DIGRAPHS = {"sh": "ʃ", "ch": "ʧ", "ny": "nj", "kh": "k", "ph": "f", "zh": "ʒ", "ts": "ʦ"}
_CONSONANTS = {"b": "b", "c": "k", "d": "d", "f": "f", "g": "ɡ", "h": "h", "j": "ʤ", "k": "k", "l": "l", "m": "m",
               "n": "n", "p": "p", "q": "k", "r": "ɹ", "s": "s", "t": "t", "v": "v", "w": "w", "x": "ks", "y": "j",
               "z": "z"}
_ENGLISH = re.compile(r"th|gh|ck|wh|tch|dge|wr|kn|([a-z])\1|e$|[^aeiou]y[^aeiouy]|qu[aeiou]?$")
# English name endings (Madigan is not, but Amaker, Remington, Beverly are read as English).
_ENGLISH_ENDING = re.compile(r"(?:er|son|ton|ly|ley|man|ham|ford|ville|land|ick|ing|ness|ard|ell|ett|ic)$")
_UNIT = re.compile(r"[aeiou]+|sh|ch|ny|kh|ph|zh|ts|[a-z]")
_POSSESSIVE = re.compile(r"['’]s$")
_SHAPE = re.compile(r"[A-Z][a-z]+")


def continental(word: str) -> str | None:
    """Phonemes (misaki US) for ``word`` read as a non-English name, or None when it may be English."""
    possessive = _POSSESSIVE.search(word)
    base = word[:possessive.start()] if possessive else word
    if not _SHAPE.fullmatch(base):
        return None  # lower-case words, acronyms, accents and marks: the engine's rules
    w = base.lower()
    if _ENGLISH.search(w) or _ENGLISH_ENDING.search(w):
        return None
    # Syllables: each vowel group is a nucleus; y between vowels or first is a consonant, last a vowel.
    if w.endswith("y") and len(w) > 1 and w[-2] not in "aeiou":
        w = w[:-1] + "i"
    units = _UNIT.findall(w)
    nuclei = [i for i, u in enumerate(units) if u[0] in "aeiou"]
    if len(nuclei) < 3:
        return None  # two-syllable names are as often English (Wenham, Brandt) as not
    if any(len(units[i]) > 1 and units[i] not in _DIPHTHONGS for i in nuclei):
        return None  # ee, oo, ea, ou... are English spellings
    # Mostly open syllables: at most one in three gaps between vowels holds a cluster.
    gaps = [nuclei[k + 1] - nuclei[k] - 1 for k in range(len(nuclei) - 1)]
    clusters = sum(1 for g in gaps if g > 1)
    if any(g > 2 for g in gaps) or clusters * 3 > len(gaps) + 1:
        return None
    if len(units) - 1 - nuclei[-1] > 1:
        return None  # a final cluster (-nd, -rst) is English
    stressed = nuclei[-2]
    out = []
    for i, u in enumerate(units):
        if i in nuclei:
            sound = _DIPHTHONGS.get(u) or _VOWELS[u]
            if u == "o" and units[i + 1:i + 2] == ["r"] and (i + 2 == len(units) or units[i + 2][0] not in "aeiou"):
                sound = "ɔ"  # -or closes the syllable: "for", not "foh-r"
            if i == stressed:
                sound = "ˈ" + sound
            elif u == "a" and i == len(units) - 1:
                sound = "ə"  # a final unstressed a is reduced (Tanaka, Ivanova)
            out.append(sound)
        elif u == "c" and i + 1 < len(units) and units[i + 1][0] in "ei":
            out.append("s")
        elif u == "g" and i + 1 < len(units) and units[i + 1] == "n" and i + 2 < len(units) and \
                units[i + 2][0] in "aeiou":
            out.append("ɡ")
        else:
            out.append(_DIGRAPHS.get(u) or _CONSONANTS.get(u, ""))
    ps = "".join(out)
    if possessive:
        ps += "s" if out[-1][-1:] in "ptkf" else "z"
    return ps


class NameReader:
    """An out-of-vocabulary reader for hibari's G2P: ``continental()`` for names that are not
    English, the engine's own network (``fallback``) for everything else."""

    def __init__(self, fallback):
        self.fallback = fallback

    def __call__(self, word: str) -> str | None:
        return continental(word) or self.fallback(word)
