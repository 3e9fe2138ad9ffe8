"""Clean endings through the real CLI: nothing of audiogen stays in the temp folder after a run,
interrupted or not; a run started with SIGINT ignored (``&``) still stops on it; a SIGKILLed
render leaves no process behind and the next run removes what it left; an interrupted batch
leaves no empty episode folder."""

from __future__ import annotations

import fcntl
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from audiogen import cleanup
from conftest import FAKE, SHORT_ARTICLE, invoke
from test_hardening_signals import _article, _descendants, _running

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and POSIX signals")


@pytest.fixture()
def env(tmp_path: Path):
    """A private temp folder and a cache without clips: synthesis really runs, leftovers are
    visible (the voices' levels come from the shared cache when measured there already).
    (The temp folder has a short path, as usual: the forkserver's socket lives in it.)"""
    tmp = tempfile.mkdtemp(prefix="agt-", dir="/tmp")
    cache = tmp_path / "cache"
    cache.mkdir()
    shared = Path(os.environ["AUDIOGEN_CACHE_DIR"]) / "calibration.json"
    if shared.is_file():
        shutil.copy(shared, cache / "calibration.json")
    yield {**os.environ, "TMPDIR": tmp, "AUDIOGEN_CACHE_DIR": str(cache)}
    shutil.rmtree(tmp, ignore_errors=True)


# Interrupted runs: the fake engine with 50 ms a clip (asleep), so that a run is still
# synthesizing when the signal comes, on an idle or a busy machine alike. The real voices'
# own temp files are checked by test_a_run_leaves_nothing_in_the_temp_folder.
SLOW = {"AUDIOGEN_FAKE_DELAY": "0.05"}


def _ours(env: dict[str, str]) -> list[str]:
    return sorted(n for n in os.listdir(env["TMPDIR"]) if n.startswith(("audiogen", "pymp-")))


def _start(args: list[str], env: dict[str, str], ignore_sigint: bool = False) -> subprocess.Popen:
    disposition = signal.SIG_IGN if ignore_sigint else signal.SIG_DFL
    return subprocess.Popen([sys.executable, "-m", "audiogen", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, preexec_fn=lambda: signal.signal(signal.SIGINT, disposition))


def _wait_for(proc: subprocess.Popen, ready, timeout: float = 120) -> set[int]:
    """Poll until ``ready()``; return the processes ``proc`` had started by then."""
    family: set[int] = set()
    t0 = time.monotonic()
    while not ready():
        assert proc.poll() is None, f"finished before it could be stopped: {proc.stderr.read().decode()}"
        assert time.monotonic() - t0 < timeout, "never got under way"
        family |= _descendants(proc.pid)
        time.sleep(0.05)
    return family | _descendants(proc.pid)


def _all_gone(family: set[int], within: float) -> set[int]:
    deadline = time.monotonic() + within
    while _running(family) and time.monotonic() < deadline:
        time.sleep(0.1)
    return _running(family)


def _clips(env: dict[str, str]) -> int:
    return sum(1 for _ in Path(env["AUDIOGEN_CACHE_DIR"]).glob("clips/*/*.pcm"))


def test_a_run_leaves_nothing_in_the_temp_folder(tmp_path, env, real_episode):
    # The real voices (their own temp files): the end-to-end render test_cli checks, run with a
    # temp folder of its own (conftest); the no-cache scratch folder with the fake engine.
    assert real_episode[2] == []
    art = tmp_path / "a.md"
    art.write_text(SHORT_ARTICLE, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "audiogen", "episode", str(art), "-o", str(tmp_path / "out"),
                           "--no-stingers", "-q", *FAKE, "--no-cache", "-j", "2"], capture_output=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()
    assert _ours(env) == []


@pytest.mark.parametrize("ignored", [False, True], ids=["terminal", "started-with-&"])
def test_sigint_mid_synthesis_without_cache_is_clean(tmp_path, env, ignored):
    art = tmp_path / "long.md"
    art.write_text(_article(random.SystemRandom().randrange(10**6)), encoding="utf-8")
    proc = _start(["episode", *FAKE, str(art), "-o", str(tmp_path / "out"), "--no-stingers", "--no-cache", "-j", "2",
                   "-q"], {**env, **SLOW}, ignore_sigint=ignored)
    try:
        nocache = lambda: [p for p in Path(env["TMPDIR"]).glob("audiogen-nocache-*/clips/*/*.pcm")]  # noqa: E731
        family = _wait_for(proc, lambda: len(nocache()) >= 3)  # workers are writing clips
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err.decode()
    assert "Interrupted" in err.decode() and "Traceback" not in err.decode() and "Error" not in err.decode()
    assert not _all_gone(family, 10)
    assert _ours(env) == []
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_sigkill_leaves_no_process_and_the_next_run_removes_its_leftovers(tmp_path, env):
    art = tmp_path / "long.md"
    art.write_text(_article(random.SystemRandom().randrange(10**6)), encoding="utf-8")
    out = tmp_path / "out"
    args = ["episode", *FAKE, str(art), "-o", str(out), "--no-stingers", "-j", "2", "-q"]
    proc = _start(args, {**env, **SLOW})
    try:
        family = _wait_for(proc, lambda: list(out.glob(".audiogen-tmp-*")) and _clips(env) >= 3)
        assert len(family) >= 3  # forkserver and workers (and maybe an encoder)
        proc.kill()
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    alive = _all_gone(family, 5)
    assert not alive, "still running: " + "; ".join(
        Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:100] for p in alive)
    cache = Path(env["AUDIOGEN_CACHE_DIR"])
    leftovers = [*out.glob(".audiogen-tmp-*"), *cache.glob("chunks/.work-*")]
    assert list(out.glob(".audiogen-tmp-*")) and list(cache.glob("chunks/.work-*")) and _ours(env)
    past = time.time() - 10 * cleanup.STALE_AFTER_S  # as old as a leftover must be to be swept
    for p in [*leftovers, *(Path(env["TMPDIR"]) / n for n in _ours(env))]:
        os.utime(p, (past, past))
    again = subprocess.run([sys.executable, "-m", "audiogen", *args], capture_output=True, env=env, timeout=300)
    assert again.returncode == 0, again.stderr.decode()
    assert not list(out.glob(".audiogen-tmp-*"))
    assert not list(cache.glob("chunks/.work-*"))
    assert _ours(env) == []


def test_the_sweep_spares_the_folders_and_files_of_live_runs(tmp_path):
    with cleanup.owned_tempdir("audiogen-nocache-", dir=tmp_path) as live:
        dead = Path(tmp_path / "audiogen-nocache-dead")
        (dead / "clips" / "ab").mkdir(parents=True)
        (dead / cleanup.LOCK_NAME).touch()
        old_tmp = tmp_path / ".audiogen-tmp-old.mp3"
        old_tmp.write_bytes(b"x")
        held = tmp_path / ".audiogen-tmp-held.mp3"
        held.write_bytes(b"x")
        past = time.time() - 60
        for p in (dead, live, old_tmp, held):
            os.utime(p, (past, past))
        fd = os.open(held, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a live run's atomic write holds its temp file
        try:
            assert cleanup.sweep_dirs(tmp_path, "audiogen-nocache-") == 1
            assert cleanup.sweep_files(tmp_path, ".audiogen-tmp-") == 1
        finally:
            os.close(fd)
        assert live.is_dir() and not dead.exists() and held.exists() and not old_tmp.exists()
    assert not live.exists()


def test_interrupted_batch_leaves_no_empty_episode_folder(tmp_path, env):
    show = tmp_path / "show"
    proc = invoke("init", str(show), "--title", "Batch Desk", "--author", "Ada Pell",
                  "--base-url", "https://pod.example.org/b")
    assert proc.returncode == 0, proc.stderr.decode()
    seed = random.SystemRandom().randrange(10**6)
    arts = []
    for i in range(2):
        arts.append(tmp_path / f"a{i}.md")
        arts[-1].write_text(_article(seed + i, paragraphs=12), encoding="utf-8")
    proc = _start(["batch", *FAKE, *map(str, arts), "--show", str(show), "-j", "2", "--no-stingers", "-q"],
                  {**env, **SLOW})
    try:
        family = _wait_for(proc, lambda: _clips(env) >= 4)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err.decode()
    assert not _all_gone(family, 15)
    folders = [p for p in (show / "episodes").iterdir() if p.is_dir()]
    assert [p for p in folders if not any(p.iterdir())] == []
    assert _ours(env) == []


def test_a_render_into_a_show_removes_what_killed_renders_left_there(tmp_path):
    show = tmp_path / "show"
    assert invoke("init", str(show), "--title", "Desk", "--author", "Ada Pell",
                   "--base-url", "https://pod.example.org/d").returncode == 0
    kept = show / "episodes" / "older-episode"
    killed = show / "episodes" / "killed-first-render"
    for folder in (kept, killed):
        folder.mkdir(parents=True)
        (folder / ".audiogen-tmp-k2j3.mp3").write_bytes(b"\xff\xfb" * 100)
    (kept / "older-episode.mp3").write_bytes(b"x")
    past = time.time() - 60
    for p in (kept / ".audiogen-tmp-k2j3.mp3", killed / ".audiogen-tmp-k2j3.mp3", killed):
        os.utime(p, (past, past))
    art = tmp_path / "a.md"
    art.write_text(SHORT_ARTICLE, encoding="utf-8")
    proc = invoke("episode", str(art), "--show", str(show), "--no-stingers", "-q", *FAKE)
    assert proc.returncode == 0, proc.stderr.decode()
    assert not list(show.rglob(".audiogen-tmp-*"))
    assert not killed.exists() and (kept / "older-episode.mp3").exists()
