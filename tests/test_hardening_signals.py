"""Interruptions and concurrency through the real CLI: Ctrl-C / SIGTERM in the middle of
synthesis and of encoding never cost the previous episode or the feed, leave no temp
files or worker processes behind, and a rerun finishes; two renders into one show at
once both land in the feed."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree

from conftest import FAKE, SHORT_ARTICLE, invoke

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and POSIX signals")

TMP_PREFIX = ".audiogen-tmp-"
WORDS = ("harbour ferry captain morning council water boat weather tide pier crew market bread winter town "
         "plan vote passengers deck gulls lantern rope anchor island storm signal keeper bridge river mill").split()


def _article(seed: int, paragraphs: int = 20) -> str:
    """Forty unique sentences (a fresh seed means clips nobody has cached yet)."""
    rng = random.Random(seed)
    paras = []
    for p in range(paragraphs):
        sents = [" ".join(rng.choice(WORDS) for _ in range(11)).capitalize() + f" {seed % 97} {p} {s}."
                 for s in range(2)]
        paras.append(" ".join(sents))
    return f"# The Long Crossing {seed}\n\n" + "\n\n".join(paras) + "\n"


def _cache_clips() -> int:
    return sum(1 for _ in (Path(os.environ["AUDIOGEN_CACHE_DIR"]) / "clips").glob("*/*.pcm"))


def _snapshot(show: Path) -> dict[str, str]:
    """Hash of every published file: feed, site, every episode file."""
    return {str(p.relative_to(show)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(show.rglob("*")) if p.is_file() and p.name != ".audiogen.lock"}


def _descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, todo = set(), [pid]
    while todo:
        cur = todo.pop()
        for child, parent in parents.items():
            if parent == cur and child not in found:
                found.add(child)
                todo.append(child)
    return found


def _running(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (zombies have exited and do not count)."""
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state not in ("Z", "X"):
            alive.add(pid)
    return alive


def _interrupt(args: list[str], sig: int, ready, timeout: float = 90,
               env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess, set[int]]:
    """Start the CLI, wait until ``ready()``, send ``sig``; return the result and every process it had started."""
    # A runner started in the background (nohup, &) passes SIGINT on as ignored, and Python then
    # keeps ignoring it: give the CLI the default disposition a user's terminal gives it.
    proc = subprocess.Popen([sys.executable, "-m", "audiogen", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    family: set[int] = set()
    t0 = time.monotonic()
    try:
        while not ready():
            assert proc.poll() is None, f"finished before it could be interrupted: {proc.stderr.read().decode()}"
            assert time.monotonic() - t0 < timeout, "never got under way"
            family |= _descendants(proc.pid)
            time.sleep(0.05)
        family |= _descendants(proc.pid)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), family


def _assert_clean_interrupt(result: subprocess.CompletedProcess, family: set[int], show: Path,
                            before: dict[str, str]) -> None:
    err = result.stderr.decode()
    assert result.returncode == 130, err
    assert "Traceback" not in err and "Interrupted" in err, err
    assert not [p for p in show.rglob(f"{TMP_PREFIX}*")], "temp files left in the show"
    after = _snapshot(show)
    assert after == before, "published files changed: " + ", ".join(
        sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)))
    deadline = time.monotonic() + 15
    while _running(family) and time.monotonic() < deadline:
        time.sleep(0.1)
    leftover = _running(family)
    assert not leftover, "still running: " + "; ".join(
        Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120] for p in leftover)


@pytest.fixture(scope="module")
def show(tmp_path_factory) -> Path:
    """A show with one published episode: what an interrupted run must never touch."""
    root = tmp_path_factory.mktemp("sig") / "show"
    proc = invoke("init", str(root), "--title", "Night Desk", "--author", "Ada Pell",
                  "--base-url", "https://pod.example.org/night")
    assert proc.returncode == 0, proc.stderr.decode()
    art = root.parent / "ferry.md"
    art.write_text(SHORT_ARTICLE, encoding="utf-8")
    proc = invoke("episode", *FAKE, str(art), "--show", str(root), "--no-stingers", "-q")
    assert proc.returncode == 0, proc.stderr.decode()
    return root


@pytest.fixture(scope="module")
def long_article(show: Path) -> Path:
    path = show.parent / "long.md"
    path.write_text(_article(random.SystemRandom().randrange(10**6)), encoding="utf-8")
    return path


def _feed_titles(show: Path) -> list[str]:
    return sorted(i.findtext("title") for i in etree.parse(str(show / "feed.xml")).getroot().iter("item"))


# SIGINT stops the real default voices' workers; SIGTERM the fake engine's, 50 ms a clip (asleep),
# so the run is surely still synthesizing, and the rerun below reuses what it cached.
@pytest.mark.parametrize("sig, engine", [(signal.SIGINT, ()), (signal.SIGTERM, FAKE)],
                         ids=["SIGINT-real-voices", "SIGTERM-fake"])
def test_interrupt_mid_synthesis_changes_nothing(show: Path, long_article: Path, sig: int, engine) -> None:
    before = _snapshot(show)
    start = _cache_clips()
    result, family = _interrupt(
        ["episode", *engine, str(long_article), "--show", str(show), "--no-stingers", "-j", "2", "-q"], sig,
        ready=lambda: _cache_clips() >= start + 4,  # workers are writing clips: synthesis is under way
        env={"AUDIOGEN_FAKE_DELAY": "0.05"})
    assert len(family) >= 3  # the encoder and the worker pool had started
    _assert_clean_interrupt(result, family, show, before)


def test_rerun_after_interrupts_completes(show: Path, long_article: Path) -> None:
    proc = invoke("episode", *FAKE, str(long_article), "--show", str(show), "--no-stingers", "-j", "2", "-q")
    assert proc.returncode == 0, proc.stderr.decode()
    title = long_article.read_text().splitlines()[0][2:]
    assert _feed_titles(show) == sorted(["The Ferry at Dawn", title])
    assert not list(show.rglob(f"{TMP_PREFIX}*"))


def _padded_script(show: Path, article: Path) -> Path:
    """The article's script with long pauses: every clip is cached, the run is all encoding
    (pauses of a fresh length, so no encoded chunk of an earlier run can be reused)."""
    pause = f"(pause {55 + random.random():.2f}s)"
    proc = invoke("script", str(article))
    assert proc.returncode == 0, proc.stderr.decode()
    lines = []
    for line in proc.stdout.decode().splitlines():
        lines.append(line)
        if line and line[0].isalpha() and ":" not in line[:12]:
            lines.append(pause)
    path = show.parent / "padded.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_mid_encode_keeps_the_published_mp3(show: Path, long_article: Path, sig: int) -> None:
    """Re-rendering a published episode and stopping it while LAME writes: the old MP3 stays."""
    if len(_feed_titles(show)) < 2:  # run alone (-k): publish the episode first
        test_rerun_after_interrupts_completes(show, long_article)
    script = _padded_script(show, long_article)
    before = _snapshot(show)

    cache = os.environ["AUDIOGEN_CACHE_DIR"]

    def encoding() -> bool:  # a LAME process of this run is at work on a chunk
        for entry in os.listdir("/proc"):
            try:
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if b"libmp3lame" in cmd and cache.encode() in cmd:
                return True
        return False

    result, family = _interrupt(["render", *FAKE, str(script), "--show", str(show), "--no-stingers", "-j", "2", "-q"],
                                sig, ready=encoding)
    _assert_clean_interrupt(result, family, show, before)
    leftovers = [p for p in Path(cache).rglob("*") if p.name.startswith((".tmp-", ".work-"))]
    assert not leftovers, leftovers  # no half-encoded chunk or work folder left in the cache


def test_two_renders_into_one_show_at_once_both_publish(show: Path) -> None:
    arts = []
    for i in range(2):
        path = show.parent / f"parallel-{i}.md"
        path.write_text(_article(random.SystemRandom().randrange(10**6), paragraphs=3), encoding="utf-8")
        arts.append(path)
    procs = [subprocess.Popen([sys.executable, "-m", "audiogen", "episode", *FAKE, str(a), "--show", str(show),
                               "--no-stingers", "-j", "1", "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for a in arts]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    root = etree.parse(str(show / "feed.xml")).getroot()  # strict: a torn write would not parse
    titles = [i.findtext("title") for i in root.iter("item")]
    for a in arts:
        assert a.read_text().splitlines()[0][2:] in titles
    numbers = [i.findtext("{http://www.itunes.com/dtds/podcast-1.0.dtd}episode") for i in root.iter("item")]
    assert len(set(numbers)) == len(numbers) == len(titles)
    assert not list(show.rglob(f"{TMP_PREFIX}*"))
