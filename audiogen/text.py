"""The one text scrubber: what may reach a script, a tag, a caption, a feed or a page.

Line endings normalized; zero-width, bidi-control, control and private-use characters,
terminal escape sequences and lone surrogates removed; NFC. The result is valid in
XML 1.0 (feeds, pages) and shows no boxes in players.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u2061\u2062\u2063\u2064"
                                      # bidi embeddings, overrides and isolates: they carry no speech
                                      # and can make titles display reversed in apps and feeds
                                      "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), None)
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff\ufffe\uffff]")
# Terminal escape sequences (colours, cursor moves, titles) pasted from a console: removed whole,
# or their parameters ("[31m") would be read out once the escape character is gone.
_ANSI_RE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])|\x9b[0-?]*[ -/]*[@-~]")


def clean(value: Any) -> str:
    """``value`` as clean text (None = ""); tabs and newlines stay."""
    text = str(value) if value is not None else ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = text.replace("\x0b", "\n").replace("\x0c", "\n").translate(_ZERO_WIDTH)
    return unicodedata.normalize("NFC", _CONTROL_RE.sub("", _ANSI_RE.sub("", text)))


def one_line(value: Any) -> str:
    """Clean text on one line: whitespace runs (newlines included) become one space."""
    return " ".join(clean(value).split())
