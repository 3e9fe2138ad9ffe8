"""audiogen batch --cluster: a real Dask cluster on loopback (one scheduler and two
single-threaded worker processes, started with Dask's own commands). The logic test
renders with the fake engine (the workers inherit conftest's AUDIOGEN_ENGINE_MODULES);
the fault tests with real eSpeak, whose renders last long enough to be cut.

Checked with independent readers: ffmpeg decodes every MP3, feedparser reads the feed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest

from audiogen.publish.show import init_show

from conftest import FAKE, decode, invoke

# Short, distinct articles: each task renders in about a second.
TOPICS = [
    ("Tide Tables", "The harbour master prints the tide tables every Monday. Boats leave at high water."),
    ("The Night Bakery", "Ovens start at three in the morning. \u201cWe never sleep,\u201d said Jo Marsh."),
    ("Lighthouse Keepers", "Two keepers share the tower in winter. The lamp turns every ten seconds."),
    ("The Ferry Timetable", "The first ferry leaves at six. The last one returns before midnight."),
    ("Market Day", "Stalls open at dawn on Saturday. Fishmongers sell out before noon."),
    ("The Old Pier", "Storms took half the pier in March. Volunteers are rebuilding it plank by plank."),
    ("Harbour Gulls", "The gulls know when the boats come in. They wait on the sea wall."),
    ("Net Menders", "Three families still mend nets by hand. Each repair takes an afternoon."),
]


def _dask(*args: str, log: Path, tmp: Path) -> subprocess.Popen:
    tmp.mkdir(exist_ok=True)
    with open(log, "wb") as fh:
        return subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True, env={**os.environ, "TMPDIR": str(tmp)})


_LOGS: list[Path] = []  # the workers' log, shown when a test fails


def _workers_log() -> str:
    try:
        return "\n--- workers.log (tail) ---\n" + _LOGS[-1].read_text(errors="replace")[-6000:]
    except (IndexError, OSError):
        return ""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Scheduler + two single-threaded worker processes (``dask worker --nworkers 2``) on loopback."""
    from distributed import Client

    root = tmp_path_factory.mktemp("dask")
    _LOGS.append(root / "workers.log")
    sched_file = root / "scheduler.json"
    preload = "audiogen.run.cluster_worker"  # as docs/cluster.md starts them
    procs = [_dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file",
                   str(sched_file), "--preload", preload, log=root / "scheduler.log", tmp=root / "tmp")]
    deadline = time.monotonic() + 60
    address = None
    while address is None:  # the file appears before it is written
        try:
            address = json.loads(sched_file.read_text())["address"]
        except (OSError, ValueError, KeyError):
            assert time.monotonic() < deadline, (root / "scheduler.log").read_text()
            time.sleep(0.1)
    procs.append(_dask("worker", "--scheduler-file", str(sched_file), "--nthreads", "1", "--nworkers", "2",
                       "--preload", preload, "--preload-nanny", preload,
                       "--no-dashboard", "--host", "127.0.0.1", "--local-directory", str(root / "work"),
                       log=root / "workers.log", tmp=root / "tmp"))
    client = Client(address, timeout=30, set_as_default=False)
    try:
        client.wait_for_workers(2, timeout=90)
        yield address, client
    finally:
        client.close()
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def _running(server, name: str) -> bool:
    pc = server.periodic_callbacks.get(name)
    return pc is not None and pc.is_running()


def _upkeep_ms(dask_worker) -> dict[str, float]:
    return {name: pc.callback_time for name, pc in dask_worker.periodic_callbacks.items() if pc.is_running()}


def _articles(folder: Path, topics: list[tuple[str, str]]) -> list[str]:
    names = []
    for i, (title, body) in enumerate(topics):
        name = f"a{i:02d}.md"
        (folder / name).write_text(f"# {title}\n\n{body}\n", encoding="utf-8")
        names.append(name)
    return names


def _show(tmp_path: Path) -> Path:
    show = tmp_path / "show"
    init_show(show, title="Harbour Notes", author="Test Author", base_url="https://example.com/pod")
    return show


def _batch(args: list[str], cwd: Path, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "audiogen", "batch", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def _run(args: list[str], cwd: Path) -> tuple[int, dict, str]:
    proc = _batch(args, cwd)
    out, err = proc.communicate(timeout=300)
    return proc.returncode, json.loads(out), err


def _check_show(show: Path, expected_titles: list[str]) -> None:
    """Every episode in the feed is whole: the MP3 decodes to its manifest's duration, the
    enclosure length is the file's size; no folder holds a manifest without its MP3."""
    feed = feedparser.parse((show / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert sorted(e.title for e in feed.entries) == sorted(expected_titles)
    for entry in feed.entries:
        rel = "episodes/" + entry.enclosures[0].href.split("/episodes/", 1)[1]
        mp3 = show / rel
        assert int(entry.enclosures[0].length) == mp3.stat().st_size
        manifest = json.loads(mp3.with_name(mp3.stem + ".episode.json").read_text())
        assert abs(len(decode(mp3)) / 44100 - manifest["duration"]) < 0.1
    for folder in (show / "episodes").iterdir():
        for m in folder.glob("*.episode.json"):
            assert (folder / json.loads(m.read_text())["mp3"]).is_file()


def _scheduler_calls(dask_scheduler) -> float:
    """How many times clients have asked the scheduler for its workers' threads so far (its op
    counter moves counts between time windows, keeping their sum)."""
    return sum(c.get("ncores", 0) for c in dask_scheduler.counters["op"].components)


def test_cluster_batch_publishes_reports_bad_and_skips_done(cluster, tmp_path: Path) -> None:
    address, client = cluster
    names = _articles(tmp_path, TOPICS[:3])
    (tmp_path / "empty.md").write_text("", encoding="utf-8")  # refused by the client
    (tmp_path / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))  # refused by the worker's parse
    (tmp_path / "same-title.md").write_text("# Tide Tables\n\nA second story under that headline.\n", "utf-8")
    show = _show(tmp_path)
    args = [*names, "empty.md", "image.md", "same-title.md", "--show", str(show), "--cluster", address, "--json",
            *FAKE]
    before = client.run_on_scheduler(_scheduler_calls)
    rc, data, err = _run(args, tmp_path)
    assert rc == 1, err
    # The client waits on its futures, not by polling the scheduler (it once asked it ~300 times a second).
    assert client.run_on_scheduler(_scheduler_calls) - before < 100
    # audiogen's workers run without Dask's 100-per-second stack sampler (a fifth of a render's CPU).
    assert not any(client.run(lambda dask_worker: _running(dask_worker, "profile")).values())
    # ... and with Dask's 50-per-second event-loop check and 10-per-second memory check slowed, in the
    # worker and (--preload-nanny) in its nanny: each wakeup took the GIL from the render.
    for nanny in (False, True):
        for times in client.run(_upkeep_ms, nanny=nanny).values():
            assert times["tick"] >= 1000 and times["memory_monitor"] >= 1000, (nanny, times)
    assert client.run_on_scheduler(_upkeep_ms)["tick"] >= 1000
    # ... and with glibc's heap kept for the renders' arrays (the nanny's MALLOC_TRIM_THRESHOLD_ cost 60% more CPU).
    tuned = client.run(lambda dask_worker: [getattr(p, "heap_tuned", False) for n, p in dask_worker.plugins.items()
                                            if n.startswith("audiogen-")])
    assert all(flags and all(flags) for flags in tuned.values()), tuned
    status = {Path(a["article"]).name: a["status"] for a in data["articles"]}
    assert status == {**{n: "rendered" for n in names}, "empty.md": "failed", "image.md": "failed",
                      "same-title.md": "rendered"}, err
    # Reported once, naming the file as the client knows it (no worker paths), and the others publish.
    assert err.count("Error: empty.md: ") == 1 and "is empty" in err
    assert err.count("Error: image.md: ") == 1
    assert str(tmp_path / "image.md") in err.split("Error: image.md: ", 1)[1].splitlines()[0]
    assert "dask-scratch" not in err and "audiogen-task" not in err
    slugs = {Path(a["article"]).name: a.get("slug") for a in data["articles"]}
    # Two articles titled alike: the first to finish takes the title's slug, the other "-2"
    # (renders finish in any order on a cluster); the client renames the second one's files.
    assert {slugs["a00.md"], slugs["same-title.md"]} == {"tide-tables", "tide-tables-2"}
    assert data["feed"] == str(show.resolve() / "feed.xml")
    _check_show(show, [t for t, _ in TOPICS[:3]] + ["Tide Tables"])
    renamed = json.loads((show / "episodes/tide-tables-2/tide-tables-2.episode.json").read_text())
    assert renamed["slug"] == "tide-tables-2" and renamed["mp3"] == "tide-tables-2.mp3"
    stamp = (show / "episodes/tide-tables/tide-tables.mp3").stat().st_mtime_ns

    # A re-run renders nothing that is done (and does not need the cluster for that).
    rc, again, err = _run([*names, "same-title.md", "--show", str(show), "--cluster", "tcp://127.0.0.1:9",
                           "--json", *FAKE], tmp_path)
    assert rc == 0, err
    assert {a["status"] for a in again["articles"]} == {"skipped"}
    assert (show / "episodes/tide-tables/tide-tables.mp3").stat().st_mtime_ns == stamp


def test_worker_killed_mid_task_loses_nothing(cluster, tmp_path: Path) -> None:
    address, client = cluster
    names = _articles(tmp_path, TOPICS[:6])
    show = _show(tmp_path)
    proc = _batch([*names, "--show", str(show), "--cluster", address, "--json"], tmp_path)
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline and proc.poll() is None:
        busy = {w: keys for w, keys in client.processing().items()
                if any(str(k).startswith("audiogen-render-") for k in keys)}
        if busy:
            worker = sorted(busy)[0]
            # The task must be running there, not just queued.
            running = client.run(lambda dask_worker: [str(ts.key) for ts in dask_worker.state.executing],
                                 workers=[worker]).get(worker, [])
            if any(k.startswith("audiogen-render-") for k in running):
                pid = client.run(os.getpid, workers=[worker])[worker]
                os.kill(pid, signal.SIGKILL)
                killed = (worker, running)
                break
        time.sleep(0.05)
    out, err = proc.communicate(timeout=300)
    assert killed is not None, "no render was seen running: " + err
    assert proc.returncode == 0, err + _workers_log()
    data = json.loads(out)
    assert data["rendered"] == 6 and data["failed"] == 0
    _check_show(show, [t for t, _ in TOPICS[:6]])
    client.wait_for_workers(2, timeout=90)  # the nanny restarted the killed worker


def test_interrupted_client_publishes_whole_episodes_and_next_run_finishes(cluster, tmp_path: Path) -> None:
    address, client = cluster
    names = _articles(tmp_path, TOPICS[4:])
    show = _show(tmp_path)
    store = tmp_path / "store"
    store.mkdir()
    args = [*names, "--show", str(show), "--cluster", address, "--store", store.as_uri(), "--json"]
    proc = _batch(args, tmp_path)
    deadline = time.monotonic() + 120
    while not list((show / "episodes").glob("*/*.batch.json")) and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "Traceback" not in err
    first = len(list((show / "episodes").glob("*/*.batch.json")))
    assert 1 <= first < len(names)
    for folder in (show / "episodes").iterdir():  # whatever is there is whole
        for m in folder.glob("*.episode.json"):
            mp3 = folder / json.loads(m.read_text())["mp3"]
            assert abs(len(decode(mp3)) / 44100 - json.loads(m.read_text())["duration"]) < 0.1

    deadline = time.monotonic() + 60
    while any(client.processing().values()) and time.monotonic() < deadline:  # cancelled tasks wind down
        time.sleep(0.1)
    leftovers = set(store.iterdir())
    rc, data, err = _run(args, tmp_path)
    assert rc == 0, err
    assert data["skipped"] >= first and data["rendered"] == len(names) - data["skipped"]
    _check_show(show, [t for t, _ in TOPICS[4:]])
    assert set(store.iterdir()) <= leftovers, "the store keeps files the client has published"


def test_follow_on_the_cluster_publishes_updates_and_reports(cluster, tmp_path: Path) -> None:
    """follow --cluster: workers fetch and render, the client publishes; a changed item keeps its episode."""
    from loopback import Loopback
    from test_follow import SHOW_FIELDS, body_text, page, rss, rss_item

    address, _ = cluster
    server = Loopback()
    try:
        show = init_show(tmp_path / "show", **SHOW_FIELDS).root
        server.add("/posts/tides", page("Reading the Tides", "tide"))
        items = [rss_item("p1", "The Night Ferry", server.url("/posts/ferry"), 1, content=body_text("ferry")),
                 rss_item("p2", "Reading the Tides", server.url("/posts/tides"), 2),
                 rss_item("p3", "Lost Page", server.url("/posts/lost"), 3)]
        url = server.add("/rss.xml", rss(items), content_type="application/rss+xml")

        def follow(*extra: str) -> tuple[int, dict, str]:
            proc = subprocess.run([sys.executable, "-m", "audiogen", "follow", url, "--show", str(show),
                                   "--no-stingers", *FAKE, "--cluster", address, "--json", *extra],
                                  capture_output=True, text=True, timeout=300)
            return proc.returncode, json.loads(proc.stdout), proc.stderr

        rc, data, err = follow()
        assert rc == 1, err
        assert {i["title"]: i["status"] for i in data["items"]} == {
            "The Night Ferry": "published", "Reading the Tides": "published", "Lost Page": "failed"}, err
        assert err.count("Error: Lost Page: cannot fetch") == 1
        _check_show(show, ["The Night Ferry", "Reading the Tides"])
        guid = {e.title: e.id for e in feedparser.parse((show / "feed.xml").read_bytes()).entries}

        server.add("/posts/lost", page("Lost Page", "lantern"))
        items[0] = rss_item("p1", "The Night Ferry", server.url("/posts/ferry"), 1,
                            content=body_text("ferry") + "<p>The ferry now stops at the island.</p>")
        server.add("/rss.xml", rss(items), content_type="application/rss+xml")
        rc, data, err = follow()
        assert rc == 0, err
        assert {i["title"]: i["status"] for i in data["items"]} == {"The Night Ferry": "updated",
                                                                     "Lost Page": "published"}
        _check_show(show, ["The Night Ferry", "Reading the Tides", "Lost Page"])
        after = {e.title: e.id for e in feedparser.parse((show / "feed.xml").read_bytes()).entries}
        assert after["The Night Ferry"] == guid["The Night Ferry"]  # updated in place: same guid
    finally:
        server.close()


def test_cluster_batch_skips_a_page_that_has_not_changed(cluster, tmp_path: Path) -> None:
    """A URL's page is fetched by the worker; when its bytes are those of an episode already
    made with these settings, nothing is rendered or installed again (it was re-rendered on
    every run); a changed page renders."""
    from loopback import Loopback
    from test_follow import page

    address, _ = cluster
    server = Loopback()
    try:
        url = server.add("/posts/tides", page("Reading the Tides", "tide"))
        show = _show(tmp_path)
        args = [url, "--show", str(show), "--cluster", address, "--json", "--no-stingers", *FAKE]

        def run() -> tuple[int, dict, str]:  # the client in this process: its logic, not its process, is tested
            r = invoke("batch", *args)
            return r.returncode, json.loads(r.stdout), r.stderr.decode()

        rc, data, err = run()
        assert rc == 0 and [a["status"] for a in data["articles"]] == ["rendered"], err
        mp3 = show / "episodes/reading-the-tides/reading-the-tides.mp3"
        stamp = mp3.stat().st_mtime_ns

        rc, data, err = run()
        assert rc == 0 and [a["status"] for a in data["articles"]] == ["skipped"], err
        assert data["articles"][0]["slug"] == "reading-the-tides"
        assert mp3.stat().st_mtime_ns == stamp

        server.add("/posts/tides", page("Reading the Tides", "ferry"))
        rc, data, err = run()
        assert rc == 0 and [a["status"] for a in data["articles"]] == ["rendered"], err
        assert mp3.stat().st_mtime_ns != stamp
        _check_show(show, ["Reading the Tides"])
    finally:
        server.close()
