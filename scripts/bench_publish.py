#!/usr/bin/env python3
"""Benchmark a show's rebuild (issue 17): how its cost grows with the number of episodes.

One article (made-up prose from scripts/bench.py) is rendered once with the test suite's fake
engine (instant tones; publishing does not care what the audio says); its manifest and MP3 are
then copied under N slugs (the MP3 hard-linked) into a fresh show. For each N it measures, in
this process, ``audiogen.publish.rebuild``:

- cold: the first rebuild (numbers every episode, writes every sidecar, page and publish.json);
- full: a rebuild with the build stamps deleted (every sidecar and page made again and compared);
- warm: a rebuild with nothing changed;
- +1: a rebuild after one more episode folder appears (what ``audiogen feed``/``follow`` do);

and, for the warm case, how much of it is reading the episode folders (``_scan``), the feed and
the index page. Figures are seconds, and milliseconds per episode; the process's peak RSS
(sizes run in increasing order, so it is that of the largest so far).

    python scripts/bench_publish.py                      # N = 100, 1000, 5000
    python scripts/bench_publish.py --sizes 100 --words 400
    python scripts/bench_publish.py --profile 1000       # cProfile of the warm rebuild at N=1000
    python scripts/bench_publish.py --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))  # the fake engine
sys.path.insert(0, str(HERE))


def _template(work: Path, words: int) -> Path:
    """A show with one rendered (not yet published) episode: its folder holds the manifest and MP3."""
    import fake_engine  # noqa: F401  registers --engine fake
    from bench import generate_article

    from audiogen import pipeline
    from audiogen.publish.show import init_show
    from audiogen.settings import RenderSettings

    root = work / "template"
    show = init_show(root, title="Bench Tales", author="Ada Pell", description="A show for the benchmark.",
                     base_url="https://pod.example.org/bench", owner_email="ada@example.org")
    src = pipeline.load_source("article.md", data=generate_article(words).encode("utf-8"))
    pipeline.render(src, RenderSettings(engine="fake", stingers=False, workers=1), show=show)
    return root


def _add_episode(template: Path, show: Path, i: int) -> None:
    """Episode ``i``: the template's manifest under a new slug, title and render time; the MP3 hard-linked."""
    (folder,) = [p for p in (template / "episodes").iterdir() if p.is_dir()]
    data = json.loads((folder / f"{folder.name}.episode.json").read_text(encoding="utf-8"))
    slug = f"episode-{i:06d}"
    dest = show / "episodes" / slug
    dest.mkdir(parents=True)
    src_mp3 = folder / data["mp3"]
    data.update(slug=slug, title=f"{data['title']} (part {i})", mp3=f"{slug}.mp3",
                rendered_at=f"2026-01-01T00:00:{i % 60:02d}Z")
    (dest / f"{slug}.episode.json").write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    try:
        os.link(src_mp3, dest / f"{slug}.mp3")
    except OSError:
        shutil.copyfile(src_mp3, dest / f"{slug}.mp3")


def _timed(fn, *args, **kwargs) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, out


def bench_size(template: Path, work: Path, n: int, log) -> dict:
    from audiogen import publish
    from audiogen.publish import site
    from audiogen.publish.feed import build_feed
    from audiogen.publish.show import load_show

    root = work / f"show-{n}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    for name in ("podcast.toml", "cover.jpg"):
        shutil.copy2(template / name, root / name)
    for i in range(1, n + 1):
        _add_episode(template, root, i)
    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    row: dict = {"episodes": n}
    row["cold"], result = _timed(publish.rebuild, root, now=now)
    assert len(result.episodes) == n, result.skipped[:3]
    stamps = root / publish.STAMPS_NAME
    stamps.unlink()
    row["full"], _ = _timed(publish.rebuild, root, now=now)
    row["warm"], result = _timed(publish.rebuild, root, now=now)
    assert not [p for p in result.written if p.parent != root], "a warm rebuild rewrote episode files"
    _add_episode(template, root, n + 1)
    row["plus_one"], result = _timed(publish.rebuild, root, now=now)
    assert len(result.episodes) == n + 1
    # Where the warm rebuild's time goes.
    show = load_show(root)
    row["scan"], (found, _) = _timed(lambda: publish._scan(show, publish._read_stamps(show, publish._made_by(show))))
    eps = [publish.PublishedEpisode(c.slug, c.folder, c.manifest, c.record, c.mp3, c.length) for c in found]
    row["feed_items"], feps = _timed(lambda: [publish._feed_episode(show, ep) for ep in eps])
    row["feed_xml"], _ = _timed(build_feed, show.config, show.cover_url, feps)
    row["index_html"], _ = _timed(site.render_index, show, feps)
    row["stamps_bytes"] = stamps.stat().st_size
    row["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # so far in this process
    per = {k: row[k] / n * 1000 for k in ("cold", "full", "warm", "plus_one")}
    log(f"N={n:>6}: cold {row['cold']:7.2f} s ({per['cold']:.2f} ms/ep)  full {row['full']:7.2f} s "
        f"({per['full']:.2f} ms/ep)  warm {row['warm']:6.2f} s ({per['warm']:.3f} ms/ep)  "
        f"+1 {row['plus_one']:6.2f} s ({per['plus_one']:.3f} ms/ep)")
    log(f"          warm split: scan {row['scan']:.2f} s, feed items {row['feed_items']:.2f} s, "
        f"feed.xml {row['feed_xml']:.2f} s, index.html {row['index_html']:.2f} s; "
        f"stamps file {row['stamps_bytes']:,} bytes; peak RSS so far {row['max_rss_mb']:.0f} MB")
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark a show's rebuild against its number of episodes (issue 17).")
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000], help="Episode counts (default: 100 1000 5000).")
    ap.add_argument("--words", type=int, default=1000, help="Words in the article every episode copies (default 1000).")
    ap.add_argument("--profile", type=int, default=None, metavar="N",
                    help="Print a cProfile of the full and warm rebuilds of a show of N episodes instead.")
    ap.add_argument("--keep", type=Path, default=None, help="Work in this folder and keep it.")
    ap.add_argument("--json", type=Path, default=None, help="Also write the results as JSON to this file.")
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, flush=True)

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-publish-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("AUDIOGEN_CACHE_DIR", str(work / "clip-cache"))  # never the user's
    try:
        template = _template(work, args.words)
        log(f"load {os.getloadavg()[0]:.2f} (1 min); one episode of {args.words} words copied N times")
        if args.profile:
            import cProfile
            import pstats

            from audiogen import publish

            bench_size(template, work, args.profile, log)
            root = work / f"show-{args.profile}"
            for case in ("full", "warm"):
                if case == "full":
                    (root / publish.STAMPS_NAME).unlink()
                prof = cProfile.Profile()
                prof.runcall(publish.rebuild, root)
                log(f"--- {case} rebuild, N={args.profile}")
                pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
            return 0
        rows = [bench_size(template, work, n, log) for n in args.sizes]
        if args.json:
            args.json.write_text(json.dumps({"words": args.words, "load": os.getloadavg(), "rows": rows}, indent=2) + "\n")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
