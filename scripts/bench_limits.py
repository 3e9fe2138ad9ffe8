"""Peak memory of audiogen on the hostile inputs of issue 18 (docs/robustness.md, "Limits").

Each case runs the real CLI in a fresh cache and reports: exit code, wall time, the peak RSS of
the largest process of the run (getrusage of the waited children: the CLI, its workers, ffmpeg)
and the peak of the whole process tree's RSS summed (sampled from /proc every 20 ms).

    python scripts/bench_limits.py                 # every case
    python scripts/bench_limits.py --words 20000   # a longer article for the plain render
    python scripts/bench_limits.py --only pauses chapters
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

WORDS = ("harbour ferry captain morning council water boat weather tide pier crew market bread winter town "
         "plan vote passengers deck gulls lantern rope anchor island storm signal keeper bridge river mill").split()


def _tree_rss(root: int) -> int:
    """Sum of the RSS (bytes) of ``root`` and its descendants."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(stat[1])
        rss[int(entry)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo, seen = 0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += rss.get(pid, 0)
        todo.extend(c for c, p in parents.items() if p == pid)
    return total


def run(name: str, args: list[str], env: dict[str, str], cwd: Path) -> dict:
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "audiogen", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak_tree = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not stop.is_set():
            peak_tree = max(peak_tree, _tree_rss(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    err_box: list[bytes] = []
    reader = threading.Thread(target=lambda: err_box.append(proc.stderr.read()), daemon=True)
    reader.start()
    proc.stdout.read()
    reader.join()
    # wait4's ru_maxrss: the largest RSS of the CLI or of any process it waited for (KiB).
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    stop.set()
    sampler.join()
    wall = time.monotonic() - t0
    err = err_box[0] if err_box else b""
    result = {"case": name, "rc": proc.returncode, "seconds": round(wall, 1),
              "peak_process_mb": round(usage.ru_maxrss / 1024, 1),
              "peak_tree_mb": round(peak_tree / 2**20, 1),
              "said": (err.decode().strip().splitlines() or [""])[-1][:160]}
    print(json.dumps(result), flush=True)
    return result


def article(words: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    paras, n = [], 0
    while n < words:
        sents = [" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + f" {len(paras)} {s}." for s in range(4)]
        paras.append(" ".join(sents))
        n += 4 * 14
    return "# A Long Crossing\n\n" + "\n\n".join(paras) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=5000, help="length of the plain article render")
    ap.add_argument("--only", nargs="*", default=None, help="case names to run")
    opts = ap.parse_args(argv)
    ffmpeg = __import__("imageio_ffmpeg").get_ffmpeg_exe()
    with tempfile.TemporaryDirectory(prefix="bench-limits-") as tmp:
        d = Path(tmp)
        env = {**os.environ, "AUDIOGEN_CACHE_DIR": str(d / "cache")}
        (d / "short.md").write_text(article(150))
        (d / "long.md").write_text(article(opts.words, seed=opts.words))
        subprocess.run([ffmpeg, "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo", "-t", "3600",
                        "-y", str(d / "hour.flac")], check=True)
        (d / "spoken.txt").write_text("NASA = " + "nasa " * (2 * 2**20) + "\n")
        (d / "entries.txt").write_text("".join(f"w{i} = word {i}\n" for i in range(300_000)))
        head = "title: Pauses\n\n## One\n\n"
        (d / "pauses2000.txt").write_text(head + "".join(f"Line {i}.\n(pause 60s)\n" for i in range(2000)))
        (d / "pauses60.txt").write_text(head + "".join(f"Line {i}.\n(pause 60s)\n" for i in range(60)))
        (d / "chapters300.txt").write_text("title: Chapters\n" + "".join(
            f"\n## Chapter {i}\n\nThe text of chapter {i}.\n" for i in range(300)))
        o = ["-o", str(d / "out"), "-q"]
        cases = {
            "cover-dev-zero": ["episode", "short.md", "--cover", "/dev/zero", *o],
            "script-dev-zero": ["script", "/dev/zero"],
            "intro-hour-of-silence": ["episode", "short.md", "--intro", "hour.flac", *o],
            "lexicon-10mb-spoken-form": ["episode", "short.md", "--lexicon", "spoken.txt", *o],
            "lexicon-300k-entries": ["episode", "short.md", "--lexicon", "entries.txt", *o],
            "pauses-2000x60s": ["render", "pauses2000.txt", "--no-stingers", *o],
            "pauses-60x60s": ["render", "pauses60.txt", "--no-stingers", *o],
            "chapters-300": ["render", "chapters300.txt", *o],
            f"article-{opts.words}-words": ["episode", "long.md", *o],
        }
        print(f"# hour.flac: {(d / 'hour.flac').stat().st_size / 2**20:.1f} MB", flush=True)
        results = [run(name, args, env, d) for name, args in cases.items() if not opts.only or name in opts.only]
    worst = max((r["peak_process_mb"] or 0) for r in results)
    print(f"# largest process peak: {worst} MB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
