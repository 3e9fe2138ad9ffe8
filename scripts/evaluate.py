#!/usr/bin/env python3
"""Score audiogen against the labelled article corpus (quotes, titles, chapters).

For each article the tool runs on ``source.html`` (never on the ground-truth
text): ``load_article`` -> ``build_script``; the labels in ``labels.json`` and
the title/headings in ``meta.json`` are the answers. Usage::

    python scripts/evaluate.py                 # table for every article
    python scripts/evaluate.py --json          # the numbers as JSON
    python scripts/evaluate.py --article 015   # one article, misses in detail
    python scripts/evaluate.py --check         # exit 1 when a target is missed

The corpus is read from ``../shared/corpus`` beside the repository unless
``--corpus PATH`` is given; without a corpus the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
sys.path.insert(0, str(REPO))

TARGETS = {"f1": 0.97, "not_quotes_in_quote_voice": 1, "lost": 0, "title": 0.95, "headings": 0.90,
           "captions_read": 0}
SHORT_WORDS = 2  # partial quotes of at most this many words are also scored apart

_QUOTE_CHARS = "\"'\u201c\u201d\u201e\u201f\u2018\u2019\u201a\u201b\u00ab\u00bb\u2039\u203a\u2032\u2033`\u00b4"
_QUOTE_TABLE = dict.fromkeys(map(ord, _QUOTE_CHARS), None)
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)


def norm(text: str) -> str:
    """Compare text regardless of quote marks, dashes, case and whitespace."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTE_TABLE).translate(_INVISIBLE)
    text = text.replace("\u2026", "...").replace("\u2014", "-").replace("\u2013", "-").replace("\u00a0", " ")
    return " ".join(text.casefold().split())


def norm_edges(text: str) -> str:
    """``norm`` and trim punctuation at both ends (a span keeps its inner commas, a segment may not)."""
    return re.sub(r"^[\W_]+|[\W_]+$", "", norm(text))


def norm_heading(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", norm(text)).split())


@dataclass
class Result:
    """Scores and details for one article."""

    name: str
    spoken: int = 0
    found: int = 0
    spoken_long: int = 0
    found_long: int = 0
    quote_segments: int = 0
    true_segments: int = 0
    false_segments: int = 0
    ambiguous_segments: int = 0
    not_quotes_voiced: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)
    title_ok: bool = False
    title_got: str = ""
    title_want: str = ""
    headings: int = 0
    headings_found: int = 0
    headings_missed: list[str] = field(default_factory=list)
    extra_chapters: list[str] = field(default_factory=list)
    captions: int = 0
    captions_read: list[str] = field(default_factory=list)
    scripted: bool = False
    error: str | None = None

    def prf(self) -> tuple[float | None, float | None, float | None]:
        return prf(self.true_segments, self.false_segments, self.found, self.spoken)


def prf(tp_seg: int, fp_seg: int, found: int, total: int) -> tuple[float | None, float | None, float | None]:
    p = tp_seg / (tp_seg + fp_seg) if tp_seg + fp_seg else (1.0 if total == 0 or found == 0 else None)
    r = found / total if total else 1.0
    if p is None:
        return None, r, None
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _runs(chapters: list[list[tuple[str, str]]]) -> list[str]:
    """Texts of consecutive quote segments joined, so a quote split in pieces still matches."""
    runs: list[str] = []
    for segs in chapters:
        current: list[str] = []
        for role, text in segs:
            if role == "quote":
                current.append(text)
            elif current:
                runs.append(" ".join(current))
                current = []
        if current:
            runs.append(" ".join(current))
    return runs


def _covered(label: str, runs_n: list[str], segs_n: list[str]) -> bool:
    """A label is found when one quote run contains it, or quote pieces inside it cover 90% of it."""
    if any(label in run for run in runs_n):
        return True
    mask = [False] * len(label)
    for seg in segs_n:
        if len(seg) < 3:
            continue
        start = label.find(seg)
        while start != -1:
            for k in range(start, start + len(seg)):
                mask[k] = True
            start = label.find(seg, start + 1)
    return bool(label) and sum(mask) >= 0.9 * len(label)


def _matches(seg: str, labels: list[str]) -> bool:
    """A quote segment is right when it lies inside a label, or when the labels inside it
    make up most of it (a segment swallowing a whole paragraph around a quote is not)."""
    if any(seg in lab for lab in labels if lab):
        return True
    inside = [lab for lab in labels if lab and lab in seg]
    if not inside:
        return False
    mask = [False] * len(seg)
    for lab in inside:
        start = seg.find(lab)
        while start != -1:
            for k in range(start, start + len(lab)):
                mask[k] = True
            start = seg.find(lab, start + 1)
    return sum(mask) >= 0.6 * len(seg)


_CAPTION_MARK_RE = re.compile(r"(^|[\s_-])(caption|credit|credits|figcaption)($|[\s_-])", re.I)


def page_captions(html: str) -> list[str]:
    """Caption and credit lines of the page's pictures, read from the HTML independently of
    audiogen: ``<figcaption>``, elements whose class/id says caption or credit, and an image's
    ``alt`` when the page also prints it as text. These extend the corpus labels: none of them
    may be read aloud."""
    import lxml.html

    doc = lxml.html.document_fromstring(html)
    for bad in doc.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    found: list[str] = []
    for el in doc.iter("figcaption"):
        found.append(el.text_content())
    for el in doc.iter():
        if isinstance(el.tag, str) and el.tag not in ("html", "body") and _CAPTION_MARK_RE.search(
                f"{el.get('class') or ''} {el.get('id') or ''}"):
            text = el.text_content()
            if len(text) <= 600:
                found.append(text)
                # and its parts: a visually hidden "Image caption" label, the caption, the credit
                found.extend(d.text_content() for d in el.iterdescendants() if isinstance(d.tag, str))
                found.extend(t for t in el.itertext())
    texts = {norm(t.text_content()) for t in doc.iter("p", "span", "div", "li", "figcaption")
             if len(t.text_content()) <= 600}
    for img in doc.iter("img"):
        alt = norm(img.get("alt") or "")
        if alt in texts:
            found.append(alt)
    out: list[str] = []
    for t in found:
        t = " ".join(t.split())
        if len(t.split()) >= 4 and norm(t) not in (norm(o) for o in out):
            out.append(t)
    return out


def score_article(art_dir: Path, build_script: Any | None) -> Result:
    """Run audiogen on one article's HTML and compare with its labels."""
    from audiogen.read.article import load_article
    from audiogen.errors import AudiogenError

    res = Result(art_dir.name)
    meta = json.loads((art_dir / "meta.json").read_text(encoding="utf-8"))
    labels = json.loads((art_dir / "labels.json").read_text(encoding="utf-8"))
    res.title_want = meta.get("title", "")
    try:
        article = load_article(art_dir / "source.html")
    except AudiogenError as exc:
        res.error = f"load_article: {exc}"
        return res

    chapters: list[list[tuple[str, str]]] = []
    chapter_titles: list[str] = []
    title = article.title
    if build_script is not None:
        try:
            script = build_script(article)
            res.scripted = True
            title = script.title
            for ch in script.chapters:
                chapter_titles.append(ch.title)
                chapters.append([(seg.role, seg.text) for seg in ch.segments])
        except Exception as exc:  # report and go on with the next article
            res.error = f"build_script: {type(exc).__name__}: {exc}"
            return res
    if not res.scripted:
        chapter_titles = [s.heading or "" for s in article.sections]
        chapters = [[("narrator", b.text) for b in s.blocks] for s in article.sections]

    # Title and headings.
    res.title_got = title
    res.title_ok = norm_heading(title) == norm_heading(res.title_want)
    got_titles = [norm_heading(t) for t in chapter_titles if t]
    wanted = meta.get("headings", [])
    res.headings = len(wanted)
    for h in wanted:
        if norm_heading(h) in got_titles:
            res.headings_found += 1
        else:
            res.headings_missed.append(h)
    wanted_n = {norm_heading(h) for h in wanted}
    res.extra_chapters = [t for t in chapter_titles if t and norm_heading(t) not in wanted_n
                          and norm_heading(t) != norm_heading(title)]

    # Quotes.
    spoken = [norm_edges(s) for s in labels.get("spoken_quotes", [])]
    raw_spoken = labels.get("spoken_quotes", [])
    not_quotes = labels.get("not_quotes", [])
    ambiguous = [norm_edges(s) for s in labels.get("ambiguous", [])]
    nested = [norm_edges(o["text"]) for o in labels.get("occurrences", []) if o.get("label") == "nested_speech"]
    quote_segs = [norm_edges(text) for segs in chapters for role, text in segs if role == "quote"]
    quote_segs = [s for s in quote_segs if s]
    runs_n = [norm_edges(r) for r in _runs(chapters)]
    all_text = norm(" ".join(text for segs in chapters for _, text in segs))
    res.spoken = len(spoken)
    for raw, label in zip(raw_spoken, spoken):
        long = len(raw.split()) > SHORT_WORDS
        res.spoken_long += long
        if _covered(label, runs_n, quote_segs):
            res.found += 1
            res.found_long += long
        else:
            res.missed.append(raw)
        if label not in all_text:
            res.lost.append(raw)
    raw_segs = [text for segs in chapters for role, text in segs if role == "quote" and norm_edges(text)]
    for raw, seg in zip(raw_segs, quote_segs):
        res.quote_segments += 1
        if _matches(seg, spoken + nested):
            res.true_segments += 1
        elif _matches(seg, ambiguous):
            res.ambiguous_segments += 1
        else:
            res.false_segments += 1
            res.false_positives.append(raw)
    for nq in not_quotes:
        nq_n = norm_edges(nq)
        if any(len(seg) >= 3 and seg in nq_n for seg in quote_segs):
            res.not_quotes_voiced.append(nq)
    # Captions and credits: a caption is read when its text (or most of a long one) is narrated,
    # unless the labels say the same words are spoken in the article.
    html = (art_dir / "source.html").read_text(encoding="utf-8", errors="replace")
    label_text = [norm_edges(s) for s in raw_spoken]
    segs_all = [norm_edges(text) for segs in chapters for _, text in segs]
    for cap in page_captions(html):
        cap_n = norm_edges(cap)
        res.captions += 1
        if any(cap_n in lab or lab in cap_n for lab in label_text if len(lab) > 20):
            continue
        if cap_n in all_text or any(len(seg) > 20 and seg in cap_n and len(seg) >= 0.5 * len(cap_n) for seg in segs_all):
            res.captions_read.append(cap)
    return res


def _fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:5.2f}"


def summarize(results: list[Result]) -> dict[str, Any]:
    ok = [r for r in results if r.error is None]
    tp = sum(r.true_segments for r in ok)
    fp = sum(r.false_segments for r in ok)
    found = sum(r.found for r in ok)
    total = sum(r.spoken for r in ok)
    p, r_, f = prf(tp, fp, found, total)
    long_total = sum(r.spoken_long for r in ok)
    return {
        "articles": len(results),
        "errors": len(results) - len(ok),
        "scripted": all(r.scripted for r in ok) and bool(ok),
        "spoken_quotes": total,
        "found": found,
        "quote_segments": sum(r.quote_segments for r in ok),
        "false_positives": fp,
        "ambiguous_segments": sum(r.ambiguous_segments for r in ok),
        "precision": p,
        "recall": r_,
        "f1": f,
        "recall_over_2_words": (sum(r.found_long for r in ok) / long_total) if long_total else 1.0,
        "not_quotes_in_quote_voice": sum(len(r.not_quotes_voiced) for r in ok),
        "lost": sum(len(r.lost) for r in ok),
        "title": sum(r.title_ok for r in results) / len(results) if results else 0.0,
        "titles_right": sum(r.title_ok for r in results),
        "headings": (sum(r.headings_found for r in ok) / sum(r.headings for r in ok)) if sum(r.headings for r in ok) else 1.0,
        "headings_found": sum(r.headings_found for r in ok),
        "headings_total": sum(r.headings for r in ok),
        "extra_chapters": sum(len(r.extra_chapters) for r in ok),
        "captions": sum(r.captions for r in ok),
        "captions_read": sum(len(r.captions_read) for r in ok),
    }


def check_targets(summary: dict[str, Any]) -> dict[str, bool]:
    """Which targets are met (quote targets only count when a script was built)."""
    out = {
        "title": summary["title"] >= TARGETS["title"],
        "headings": summary["headings"] >= TARGETS["headings"],
        "lost": summary["lost"] <= TARGETS["lost"],
        "captions_read": summary["captions_read"] <= TARGETS["captions_read"],
    }
    if summary["scripted"]:
        out["f1"] = (summary["f1"] or 0.0) >= TARGETS["f1"]
        out["not_quotes_in_quote_voice"] = summary["not_quotes_in_quote_voice"] <= TARGETS["not_quotes_in_quote_voice"]
    return out


def print_table(results: list[Result], summary: dict[str, Any]) -> None:
    print(f"{'article':32} {'found':>7} {'P':>5} {'R':>5} {'F1':>5} {'FP':>3} {'NQ':>3} {'lost':>4} {'title':>5} {'head':>5} {'+ch':>3} {'cap':>5}")
    for r in results:
        if r.error:
            print(f"{r.name[:32]:32} ERROR {r.error}")
            continue
        p, rec, f = r.prf() if r.scripted else (None, None, None)
        print(f"{r.name[:32]:32} {r.found:>3}/{r.spoken:<3} {_fmt(p)} {_fmt(rec)} {_fmt(f)} {r.false_segments:>3} "
              f"{len(r.not_quotes_voiced):>3} {len(r.lost):>4} {'ok' if r.title_ok else 'WRONG':>5} "
              f"{r.headings_found:>2}/{r.headings:<2} {len(r.extra_chapters):>3} {len(r.captions_read):>2}/{r.captions:<2}")
    s = summary
    print("-" * 86)
    print(f"{'ALL':32} {s['found']:>3}/{s['spoken_quotes']:<3} {_fmt(s['precision'])} {_fmt(s['recall'])} {_fmt(s['f1'])} "
          f"{s['false_positives']:>3} {s['not_quotes_in_quote_voice']:>3} {s['lost']:>4} "
          f"{s['titles_right']:>2}/{s['articles']:<2} {s['headings_found']:>2}/{s['headings_total']:<2} {s['extra_chapters']:>3}"
          f" {s['captions_read']:>2}/{s['captions']:<2}")
    print("cap = captions or credit lines of the page read aloud / found in its HTML")
    print(f"recall on quotes of more than {SHORT_WORDS} words: {s['recall_over_2_words']:.2f}")
    if not s["scripted"]:
        print("note: no script was built (audiogen.script.build missing or failing); quote scores are empty "
              "and 'lost' is measured on the extracted article text")
    for name, ok in check_targets(s).items():
        print(f"target {name}: {'met' if ok else 'MISSED'}")


def print_detail(r: Result) -> None:
    print(f"== {r.name}")
    if r.error:
        print("error:", r.error)
        return
    p, rec, f = r.prf()
    print(f"title: {'ok' if r.title_ok else 'WRONG'}: got {r.title_got!r}" + ("" if r.title_ok else f", want {r.title_want!r}"))
    print(f"headings: {r.headings_found}/{r.headings}")
    for h in r.headings_missed:
        print(f"  missing heading: {h!r}")
    for h in r.extra_chapters:
        print(f"  extra chapter:   {h!r}")
    print(f"quotes: found {r.found}/{r.spoken}, P {_fmt(p)} R {_fmt(rec)} F1 {_fmt(f)}, "
          f"{r.quote_segments} quote segments ({r.ambiguous_segments} on ambiguous labels)")
    for q in r.missed:
        print(f"  missed{' (LOST: not in the script at all)' if q in r.lost else ''}: {q!r}")
    for q in r.false_positives:
        print(f"  false positive: {q!r}")
    for q in r.not_quotes_voiced:
        print(f"  not-quote in quote voice: {q!r}")
    print(f"captions: {len(r.captions_read)} of {r.captions} read")
    for q in r.captions_read:
        print(f"  caption read: {q!r}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus folder (default: ../shared/corpus)")
    ap.add_argument("--json", action="store_true", help="print the numbers as JSON")
    ap.add_argument("--article", help="run one article (number or name prefix) and show its misses")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args(argv)

    articles_dir = args.corpus / "articles"
    if not articles_dir.is_dir():
        print(f"no corpus at {args.corpus}; nothing to evaluate")
        return 0
    dirs = sorted(d for d in articles_dir.iterdir() if (d / "source.html").is_file() and (d / "labels.json").is_file())
    if args.article:
        dirs = [d for d in dirs if d.name.startswith(args.article) or d.name.split("-", 1)[0] == args.article.zfill(3)]
        if not dirs:
            print(f"no article matches {args.article!r}", file=sys.stderr)
            return 2
    try:
        from audiogen.script.build import build_script
    except ImportError:
        build_script = None

    results = [score_article(d, build_script) for d in dirs]
    summary = summarize(results)
    if args.json:
        print(json.dumps({"summary": summary, "targets": check_targets(summary), "articles": [
            {"name": r.name, "error": r.error, "spoken": r.spoken, "found": r.found,
             "precision": r.prf()[0], "recall": r.prf()[1], "f1": r.prf()[2],
             "false_positives": r.false_segments, "not_quotes_in_quote_voice": len(r.not_quotes_voiced),
             "lost": len(r.lost), "title_ok": r.title_ok, "headings_found": r.headings_found,
             "headings": r.headings, "extra_chapters": len(r.extra_chapters),
             "captions": r.captions, "captions_read": r.captions_read} for r in results]},
            indent=1, ensure_ascii=False))
    elif args.article:
        for r in results:
            print_detail(r)
    else:
        print_table(results, summary)
    if args.check and not all(check_targets(summary).values()):
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into head & co.
        sys.exit(0)
