#!/usr/bin/env python3
"""Benchmark ``audiogen batch --cluster`` against the local pool (issue 17).

Twelve made-up articles (scripts/bench.py's seeded prose) are rendered four ways, each
with an empty clip cache so every run synthesizes everything:

- local -j 1: one article at a time, one synthesis process (``--workers 1``);
- local -j 2: two articles at a time, one synthesis process each;
- cluster 1: a Dask scheduler and ``dask worker --nworkers 1 --nthreads 1`` on loopback;
- cluster 2: the same with ``--nworkers 2``.

Wall time is the ``audiogen batch`` command's, from start to the feed rebuilt (the
cluster itself is started beforehand, as it would be in use). CPU is measured for the
cluster runs: every worker process's (psutil) and the client command's (getrusage). From
those: the speed-up of 2 workers over 1, the overhead per task of the cluster against
the local pool with the same parallelism, CPU-seconds per hour of audio, and the
sizing figures of docs/cluster.md.

    python scripts/bench_cluster.py                   # 12 articles of 500 words, eSpeak
    python scripts/bench_cluster.py --engine fake     # needs tests/ on PYTHONPATH (the fake engine)
    python scripts/bench_cluster.py --json out.json

The machine is shared: the script prints the load average before and after; a run is
only worth quoting when both are low.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import generate_article  # noqa: E402


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _tree_cpu(pid: int) -> float:
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        except psutil.NoSuchProcess:
            pass
    return total


def _init_show(root: Path) -> Path:
    from audiogen.show import init_show

    show = root / "show"
    init_show(show, title="Bench", author="Bench", base_url="https://example.com/pod")
    return show


def _batch(articles: list[Path], show: Path, extra: list[str], env: dict[str, str]) -> dict:
    cmd = [sys.executable, "-m", "audiogen", "batch", *map(str, articles), "--show", str(show), "--json", "-q", *extra]
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"batch failed ({proc.returncode}): {proc.stderr[-2000:]}")
    data = json.loads(proc.stdout)
    audio = sum(a.get("duration") or 0 for a in data["articles"])
    return {"wall_s": round(wall, 2), "client_cpu_s": round(_children_cpu() - cpu0, 2), "audio_s": round(audio, 1),
            "rendered": data["rendered"], "task_s": [a.get("seconds") for a in data["articles"]]}


class Cluster:
    """A scheduler and N single-threaded workers on loopback, started with Dask's commands."""

    def __init__(self, nworkers: int, root: Path, env: dict[str, str]):
        self.root = root
        sched_file = root / "scheduler.json"
        self.sched = subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
                                       "--no-dashboard", "--scheduler-file", str(sched_file)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                      start_new_session=True)
        self.address = None
        while self.address is None:  # the file appears before it is written
            try:
                self.address = json.loads(sched_file.read_text())["address"]
            except (OSError, ValueError, KeyError):
                time.sleep(0.1)
        self.workers = subprocess.Popen([sys.executable, "-m", "dask", "worker", self.address, "--nthreads", "1",
                                         "--nworkers", str(nworkers), "--no-dashboard", "--host", "127.0.0.1",
                                         "--local-directory", str(root / "work")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                        start_new_session=True)
        from distributed import Client

        with Client(self.address, timeout=60, set_as_default=False) as c:
            c.wait_for_workers(nworkers, timeout=120)

    def cpu(self) -> float:
        return _tree_cpu(self.workers.pid)

    def close(self) -> None:
        for p in (self.workers, self.sched):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in (self.workers, self.sched):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def run(args: argparse.Namespace) -> dict:
    work = Path(tempfile.mkdtemp(prefix="audiogen-bench-cluster-"))
    try:
        folder = work / "articles"
        folder.mkdir()
        articles = []
        for i in range(args.articles):
            p = folder / f"article-{i:02d}.md"
            p.write_text(generate_article(args.words, seed=100 + i), encoding="utf-8")
            articles.append(p)
        common = ["--engine", args.engine, "--no-stingers"] if args.no_stingers else ["--engine", args.engine]
        results: dict[str, dict] = {}
        for name, jobs in (("local -j 1", 1), ("local -j 2", 2)):
            root = work / name.replace(" ", "_")
            root.mkdir()
            env = {**os.environ, "AUDIOGEN_CACHE_DIR": str(root / "cache")}
            r = _batch(articles, _init_show(root), [*common, "-j", str(jobs), "--workers", "1"], env)
            r.pop("client_cpu_s")  # not all of it: the pool's processes are not all reaped by getrusage
            results[name] = r
            print(f"{name}: {r['wall_s']} s wall", flush=True)
        for n in (1, 2):
            name = f"cluster {n}"
            root = work / name.replace(" ", "_")
            root.mkdir()
            env = {**os.environ, "AUDIOGEN_CACHE_DIR": str(root / "cache")}
            cluster = Cluster(n, root, env)
            try:
                cpu0 = cluster.cpu()
                r = _batch(articles, _init_show(root), [*common, "--cluster", cluster.address], env)
                r["worker_cpu_s"] = round(cluster.cpu() - cpu0, 2)
            finally:
                cluster.close()
            r["cpu_s"] = round(r["client_cpu_s"] + r["worker_cpu_s"], 2)
            results[name] = r
            print(f"{name}: {r['wall_s']} s wall, {r['cpu_s']} s CPU "
                  f"(client {r['client_cpu_s']}, workers {r['worker_cpu_s']})", flush=True)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    n = args.articles
    c1, c2, l1, l2 = (results[k] for k in ("cluster 1", "cluster 2", "local -j 1", "local -j 2"))
    audio_h = c1["audio_s"] / 3600
    cpu_per_article = c1["worker_cpu_s"] / n  # one worker: its CPU is the renders' (plus its idle ticks)
    summary = {
        "speedup_2_over_1": round(c1["wall_s"] / c2["wall_s"], 2),
        "overhead_per_task_s_1": round((c1["wall_s"] - l1["wall_s"]) / n, 3),
        "overhead_per_task_s_2": round((c2["wall_s"] - l2["wall_s"]) * 2 / n, 3),
        "cpu_s_per_audio_hour": round(c1["worker_cpu_s"] / audio_h, 1),
        "client_cpu_s_per_article": round(c2["client_cpu_s"] / n, 2),
        "audio_min_per_article": round(c2["audio_s"] / n / 60, 2),
        "cpu_s_per_article": round(cpu_per_article, 2),
        "articles_per_day_per_core": int(86400 / cpu_per_article),
        "cores_for_50000_a_day": round(50000 * cpu_per_article / 86400, 1),
    }
    return {"engine": args.engine, "articles": n, "words": args.words, "runs": results, "summary": summary}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark batch --cluster against the local pool (issue 17).")
    ap.add_argument("--articles", type=int, default=12)
    ap.add_argument("--words", type=int, default=500, help="Words per article (default 500, about 3 minutes).")
    ap.add_argument("--engine", default="pyttsx3")
    ap.add_argument("--no-stingers", action="store_true")
    ap.add_argument("--keep", action="store_true", help="Keep the work folder.")
    ap.add_argument("--json", type=Path, default=None, help="Write the results here too.")
    args = ap.parse_args(argv)
    load0 = os.getloadavg()
    report = run(args)
    report["load_before"] = [round(x, 2) for x in load0]
    report["load_after"] = [round(x, 2) for x in os.getloadavg()]
    report["cpus"] = os.cpu_count()
    print(json.dumps(report["summary"], indent=2))
    print(f"load average before {report['load_before']}, after {report['load_after']} on {report['cpus']} CPUs")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
