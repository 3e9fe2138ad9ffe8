#!/usr/bin/env python3
"""Benchmark ``audiogen batch --cluster`` against the local pool (issue 17).

Twelve made-up articles (scripts/bench.py's seeded prose) are rendered four ways, each
with an empty clip cache so every run synthesizes everything:

- local -j 1: one article at a time, one synthesis process (``--workers 1``);
- local -j 2: two articles at a time, one synthesis process each;
- cluster 1: a Dask scheduler and ``dask worker --nworkers 1 --nthreads 1`` on loopback;
- cluster 2: the same with ``--nworkers 2``.

Wall time is the ``audiogen batch`` command's, from start to the feed rebuilt (the
cluster itself is started beforehand, as it would be in use, with ``--preload
audiogen.run.cluster_worker``, but its workers are new: their warm-up for the batch's
settings, with an empty cache, is in the figure). CPU is counted for every process: the batch command and
whatever it waited for (getrusage: the local pool, ffmpeg), the scheduler and the worker
processes with their ffmpeg children (psutil). From those: the speed-up of 2 workers over
1 (and of the local pool's -j 2 over -j 1), the cores a single worker keeps busy (the
render overlaps synthesis with its ffmpeg encoder, which bounds the speed-up 2 cores can
give), the overhead per task of the cluster against the local pool with the same
parallelism, CPU-seconds per hour of audio, and the sizing figures of docs/cluster.md.

    python scripts/bench_cluster.py                   # 12 articles of 500 words, eSpeak
    python scripts/bench_cluster.py --standing        # workers already warm from an earlier batch
    python scripts/bench_cluster.py --words 150 --repeat 3 --json out.json
    python scripts/bench_cluster.py --engine fake     # needs tests/ on PYTHONPATH (the fake engine)

The machine may be shared: every run prints the load average (1 minute) before and
after it, and ``--repeat`` runs rounds of the four configurations and reports medians. A
figure is only worth quoting with its load, and as the code's own when the load stays
below the core count.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import signal
import statistics
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
    from audiogen.publish.show import init_show

    show = root / "show"
    init_show(show, title="Bench", author="Bench", base_url="https://example.com/pod")
    return show


def _become_subreaper() -> None:
    """Orphaned descendants (the local pool's processes, whose parent is the forkserver) are
    re-parented to this process, so reaping them puts their CPU into RUSAGE_CHILDREN."""
    import ctypes

    PR_SET_CHILD_SUBREAPER = 36
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _reap_orphans(keep: set[int], timeout: float = 10.0) -> None:
    """Wait for the children of ours that are not ``keep`` (orphans left by a batch) to end."""
    import psutil

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [p.pid for p in psutil.Process().children() if p.pid not in keep]
        if not left:
            return
        for pid in left:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)


def _batch(articles: list[Path], show: Path, extra: list[str], env: dict[str, str], keep: set[int]) -> dict:
    cmd = [sys.executable, "-m", "audiogen", "batch", *map(str, articles), "--show", str(show), "--json", "-q", *extra]
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    wall = time.perf_counter() - t0
    _reap_orphans(keep)
    if proc.returncode != 0:
        raise SystemExit(f"batch failed ({proc.returncode}): {proc.stderr[-2000:]}")
    data = json.loads(proc.stdout)
    audio = sum(a.get("duration") or 0 for a in data["articles"])
    return {"wall_s": round(wall, 2), "client_cpu_s": round(_children_cpu() - cpu0, 2), "audio_s": round(audio, 1),
            "rendered": data["rendered"], "task_s": [a.get("seconds") for a in data["articles"]]}


class Cluster:
    """A scheduler and N single-threaded workers on loopback, started with Dask's commands.

    ``pin``: each worker is its own ``dask worker`` command held to one core (worker i on
    core i, with its nanny and ffmpeg runs), so one worker cannot spill onto a second core.
    """

    def __init__(self, nworkers: int, root: Path, env: dict[str, str], pin: bool = False):
        self.root = root
        sched_file = root / "scheduler.json"
        preload = "audiogen.run.cluster_worker"  # as docs/cluster.md starts them
        self.sched = subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
                                       "--no-dashboard", "--scheduler-file", str(sched_file), "--preload", preload],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                      start_new_session=True)
        self.address = None
        while self.address is None:  # the file appears before it is written
            try:
                self.address = json.loads(sched_file.read_text())["address"]
            except (OSError, ValueError, KeyError):
                time.sleep(0.1)
        cmd = [sys.executable, "-m", "dask", "worker", self.address, "--nthreads", "1", "--no-dashboard",
               "--preload", preload, "--preload-nanny", preload,
               "--host", "127.0.0.1", "--local-directory", str(root / "work")]
        cores = sorted(os.sched_getaffinity(0))
        groups = [(["--nworkers", "1"], {cores[i % len(cores)]}) for i in range(nworkers)] if pin else \
            [(["--nworkers", str(nworkers)], None)]
        self.workers = [subprocess.Popen([*cmd, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                         start_new_session=True,
                                         preexec_fn=(lambda c=core: os.sched_setaffinity(0, c)) if core else None)
                        for args, core in groups]
        from distributed import Client

        with Client(self.address, timeout=60, set_as_default=False) as c:
            c.wait_for_workers(nworkers, timeout=120)
            # Started, as a standing cluster's workers are: their --preload done (a task runs after it).
            for addr in c.scheduler_info()["workers"]:
                c.submit(int, 0, pure=False, workers=[addr]).result()

    @property
    def pids(self) -> set[int]:
        return {self.sched.pid, *(w.pid for w in self.workers)}

    def cpu(self) -> tuple[float, float]:
        """CPU-seconds so far of the scheduler and of the workers (nannies, workers, their ffmpeg)."""
        return _tree_cpu(self.sched.pid), sum(_tree_cpu(w.pid) for w in self.workers)

    def close(self) -> None:
        procs = [*self.workers, self.sched]
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


CONFIGS = (("local -j 1", "local", 1, False), ("local -j 2", "local", 2, False), ("cluster 1", "cluster", 1, False),
           ("cluster 2", "cluster", 2, False))
PINNED = (("cluster 1 pinned", "cluster", 1, True), ("cluster 2 pinned", "cluster", 2, True))


def _load1() -> float:
    return round(os.getloadavg()[0], 2)


def _standing(root: Path, extra: list[str], env: dict[str, str], keep: set[int]) -> None:
    """Make this configuration a standing one: a one-article batch with the same settings (which
    levels the voices into the host's cache and, on a cluster, warms every worker), then every
    clip and encoded chunk removed, so the batch measured still synthesizes and encodes everything."""
    warm = root / "warm"
    warm.mkdir()
    article = warm / "warm.md"
    article.write_text(generate_article(60, seed=7), encoding="utf-8")
    _batch([article], _init_show(warm), extra, env, keep)
    for sub in ("clips", "chunks"):
        shutil.rmtree(root / "cache" / sub, ignore_errors=True)


def _one(name: str, kind: str, n: int, pin: bool, articles: list[Path], common: list[str], root: Path,
         standing: bool = False) -> dict:
    """One batch of the articles in configuration ``name``, with an empty clip cache."""
    root.mkdir(parents=True)
    env = {**os.environ, "AUDIOGEN_CACHE_DIR": str(root / "cache")}
    if kind == "local":
        extra = [*common, "-j", str(n), "--workers", "1"]
        if standing:
            _standing(root, extra, env, set())
        load0 = _load1()
        r = _batch(articles, _init_show(root), extra, env, set())
        r["cpu_s"] = r["client_cpu_s"]  # the batch process, its pool and their ffmpeg runs
    else:
        cluster = Cluster(n, root, env, pin)
        try:
            extra = [*common, "--cluster", cluster.address]
            if standing:
                _standing(root, extra, env, cluster.pids)
            load0 = _load1()
            s0, w0 = cluster.cpu()
            r = _batch(articles, _init_show(root), extra, env, cluster.pids)
            s1, w1 = cluster.cpu()
        finally:
            cluster.close()
        r["scheduler_cpu_s"], r["worker_cpu_s"] = round(s1 - s0, 2), round(w1 - w0, 2)
        r["cpu_s"] = round(r["client_cpu_s"] + r["scheduler_cpu_s"] + r["worker_cpu_s"], 2)
    r["load_before"], r["load_after"] = load0, _load1()
    r["cores_busy"] = round(r["cpu_s"] / r["wall_s"], 2)
    return r


_SPIN = "s = 0\nfor i in range(12_000_000):\n    s += i * i\n"  # ~1.5 s of one core, nothing shared


def _machine_scaling() -> dict:
    """What this machine gives two independent CPU-bound processes over one: the same Python
    loop alone, then two at once. On a VM whose two vCPUs share a core, or under a noisy
    neighbour, this is below 2, and it bounds what any two workers can reach."""
    cmd = [sys.executable, "-c", _SPIN]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    one = time.perf_counter() - t0
    t0 = time.perf_counter()
    procs = [subprocess.Popen(cmd) for _ in range(2)]
    for p in procs:
        p.wait()
    two = time.perf_counter() - t0
    return {"one_s": round(one, 2), "two_s": round(two, 2), "speedup": round(2 * one / two, 2)}


def _busy(r: dict, workers: int) -> float:
    """Seconds each worker spent in tasks (their sum shared evenly: the tasks are alike)."""
    return sum(t for t in r["task_s"] if t) / workers


def _median(xs: list[float]) -> float:
    return round(statistics.median(xs), 2)


def run(args: argparse.Namespace) -> dict:
    work = Path(tempfile.mkdtemp(prefix="audiogen-bench-cluster-"))
    configs = CONFIGS + PINNED if args.pin else CONFIGS
    runs: dict[str, list[dict]] = {name: [] for name, _, _, _ in configs}
    machine: list[dict] = []
    try:
        folder = work / "articles"
        folder.mkdir()
        articles = []
        for i in range(args.articles):
            p = folder / f"article-{i:02d}.md"
            p.write_text(generate_article(args.words, seed=100 + i), encoding="utf-8")
            articles.append(p)
        common = ["--engine", args.engine, "--no-stingers"] if args.no_stingers else ["--engine", args.engine]
        # Rounds of every configuration in turn: a burst of load from elsewhere on a shared
        # machine then hits one round of each, not every repeat of one configuration.
        for k in range(args.repeat):
            machine.append(_machine_scaling())
            print(f"[{k + 1}/{args.repeat}] this machine, two spinning processes over one: {machine[-1]['speedup']}x",
                  flush=True)
            for name, kind, n, pin in configs:
                r = _one(name, kind, n, pin, articles, common, work / f"{k}-{name.replace(' ', '_')}", args.standing)
                runs[name].append(r)
                cpu = (f"client {r['client_cpu_s']}, scheduler {r['scheduler_cpu_s']}, workers {r['worker_cpu_s']}"
                       if kind == "cluster" else "batch and its pool")
                print(f"[{k + 1}/{args.repeat}] {name}: {r['wall_s']} s wall, {r['cpu_s']} CPU-s ({cpu}), "
                      f"{r['cores_busy']} cores busy; load {r['load_before']} -> {r['load_after']}", flush=True)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    n = args.articles
    wall = {name: _median([r["wall_s"] for r in rs]) for name, rs in runs.items()}
    best = {name: min(r["wall_s"] for r in rs) for name, rs in runs.items()}
    cpu = {name: _median([r["cpu_s"] for r in rs]) for name, rs in runs.items()}
    c1 = runs["cluster 1"]
    audio_s = c1[0]["audio_s"]
    # One worker's CPU is its renders' plus the warm-up and Dask's own upkeep (a few % of a core).
    cpu_per_article = _median([r["worker_cpu_s"] for r in c1]) / n
    summary = {
        "wall_s_median": wall,
        "wall_s_best": best,
        "cpu_s_median": cpu,
        "speedup_2_over_1": round(wall["cluster 1"] / wall["cluster 2"], 2),
        "speedup_2_over_1_best": round(best["cluster 1"] / best["cluster 2"], 2),
        "speedup_2_over_1_rounds": [round(a["wall_s"] / b["wall_s"], 2)
                                    for a, b in zip(runs["cluster 1"], runs["cluster 2"], strict=True)],
        "local_speedup_j2_over_j1_rounds": [round(a["wall_s"] / b["wall_s"], 2)
                                            for a, b in zip(runs["local -j 1"], runs["local -j 2"], strict=True)],
        # Without the run's fixed costs (client start, each worker's warm-up, the feed): the
        # workers' busy time, 1 worker against 2 (what a long batch on a standing cluster gets).
        "task_speedup_2_over_1": round(_median([_busy(r, 1) for r in runs["cluster 1"]])
                                       / _median([_busy(r, 2) for r in runs["cluster 2"]]), 2),
        "fixed_s_per_run": {name: _median([r["wall_s"] - _busy(r, 2 if name == "cluster 2" else 1) for r in runs[name]])
                            for name in ("cluster 1", "cluster 2")},
        "local_speedup_j2_over_j1": round(wall["local -j 1"] / wall["local -j 2"], 2),
        "machine_speedup_2_over_1": _median([m["speedup"] for m in machine]),
        "cores_busy_cluster_1": _median([r["cores_busy"] for r in c1]),
        "overhead_per_task_s_1": round((wall["cluster 1"] - wall["local -j 1"]) / n, 3),
        "overhead_per_task_s_2": round((wall["cluster 2"] - wall["local -j 2"]) * 2 / n, 3),
        "cpu_overhead_per_task_s": round((cpu["cluster 2"] - cpu["local -j 2"]) / n, 3),
        "client_cpu_s_per_article": round(_median([r["client_cpu_s"] for r in runs["cluster 2"]]) / n, 2),
        "audio_min_per_article": round(audio_s / n / 60, 2),
        "cpu_s_per_article": round(cpu_per_article, 2),
        "cpu_s_per_audio_hour": round(cpu_per_article * n / (audio_s / 3600), 1),
        "articles_per_day_per_core": int(86400 / cpu_per_article),
        "cores_for_50000_a_day": round(50000 * cpu_per_article / 86400, 1),
        **({"speedup_2_over_1_pinned": round(wall["cluster 1 pinned"] / wall["cluster 2 pinned"], 2),
            "speedup_2_over_1_pinned_best": round(best["cluster 1 pinned"] / best["cluster 2 pinned"], 2)}
           if args.pin else {}),
        "load_range": [min(r["load_before"] for rs in runs.values() for r in rs),
                       max(r["load_after"] for rs in runs.values() for r in rs)],
    }
    return {"engine": args.engine, "articles": n, "words": args.words, "repeat": args.repeat,
            "standing": args.standing, "machine": machine, "runs": runs,
            "summary": summary}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark batch --cluster against the local pool (issue 17).")
    ap.add_argument("--articles", type=int, default=12)
    ap.add_argument("--words", type=int, default=500, help="Words per article (default 500, about 3 minutes).")
    ap.add_argument("--engine", default="pyttsx3")
    ap.add_argument("--repeat", type=int, default=1, help="Rounds of the four runs (medians are reported).")
    ap.add_argument("--pin", action="store_true",
                    help="Also run 1 and 2 workers held to one core each (scaling per core, without the second "
                         "core a lone worker's encoder borrows).")
    ap.add_argument("--standing", action="store_true",
                    help="Measure a standing cluster (and local pool): each configuration first runs a one-article "
                         "batch with the same settings (voices levelled, workers warm), then its clips and chunks "
                         "are removed; without it every configuration starts cold.")
    ap.add_argument("--no-stingers", action="store_true")
    ap.add_argument("--keep", action="store_true", help="Keep the work folder.")
    ap.add_argument("--json", type=Path, default=None, help="Write the results here too.")
    args = ap.parse_args(argv)
    _become_subreaper()
    report = run(args)
    report["cpus"] = os.cpu_count()
    print(json.dumps(report["summary"], indent=2))
    lo, hi = report["summary"]["load_range"]
    print(f"load average (1 min) {lo} to {hi} during the runs, on {report['cpus']} CPUs")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
