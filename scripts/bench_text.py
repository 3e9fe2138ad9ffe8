"""Throughput of the text stages (article parsing, quote detection, speech normalization).

Timing lives here, not in the tests: run `python scripts/bench_text.py` on an idle machine.
"""

from __future__ import annotations

import time

from audiogen.read.article import parse_article
from audiogen.script.quotes import split_paragraphs
from audiogen.script.speech import normalize

PARAGRAPH = (
    "The beekeepers of the valley rarely agree on anything, but they agree that the spring of 1998 was "
    "strange. Dr. Reyes kept her notes in a green ledger, and the third hive held 40 kg of honey by June. "
    "“Nobody could explain it,” said Ana Reyes, who sold 2,400 jars at $4.25 each. “Some blamed the warm "
    "winter.” Her favourite song that year was “Slow River,” a tune from the ’90s."
)


def timed(label: str, words: int, fn) -> None:
    start = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - start
    print(f"{label:34} {words:>8,} words  {elapsed:7.3f} s  {words / elapsed / 1000:8.0f}k words/s")


def main() -> None:
    paragraphs = [PARAGRAPH] * 1000
    words = sum(len(p.split()) for p in paragraphs)
    text = "# A Long Read\n\n" + "\n\n".join(paragraphs)
    timed("parse_article (markdown)", words, lambda: parse_article(text, "md"))
    timed("split_paragraphs (quotes)", words, lambda: split_paragraphs([(p, "paragraph") for p in paragraphs]))
    timed("normalize (speech)", words, lambda: [normalize(p) for p in paragraphs])
    many = " ".join(f"“Quote number {i} has several words in it,” Maria Lopez said." for i in range(10_000))
    timed("10,000 quotes in one paragraph", len(many.split()), lambda: split_paragraphs([(many, "paragraph")]))


if __name__ == "__main__":
    main()
