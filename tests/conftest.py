"""Shared fixtures: an isolated clip cache and independent readers of the output
(ffmpeg decodes audio and reads chapters; nothing here uses audiogen's own code)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]

# Property tests run the same examples every time, so a run of the suite passes or fails for a
# reason in the code. AUDIOGEN_HYPOTHESIS=random explores new examples (do that when changing the
# parsers, and turn what it finds into a test).
settings.register_profile("fixed", derandomize=True, print_blob=True)
settings.register_profile("random", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("AUDIOGEN_HYPOTHESIS", "fixed"))


import fake_engine  # noqa: E402,F401  registers --engine fake in this process

FAKE = ("--engine", "fake")  # CLI flags of a logic test: instant test tones instead of a real voice


@pytest.fixture(autouse=True, scope="session")
def _cache_dir(tmp_path_factory):
    """One clip cache for the whole run, never the user's; the fake engine known to the CLI
    run in subprocesses (see fake_engine.py)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("AUDIOGEN_CACHE_DIR", str(tmp_path_factory.mktemp("clip-cache")))
    here = str(Path(__file__).resolve().parent)
    mp.setenv("PYTHONPATH", os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH")) if p))
    mp.setenv("AUDIOGEN_ENGINE_MODULES", "fake_engine")
    # The CLI's subprocesses compile audiogen once per run, not once per process (an editable
    # install has no .pyc files when PYTHONDONTWRITEBYTECODE is set); nothing lands in the tree.
    mp.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    mp.setenv("PYTHONPYCACHEPREFIX", str(tmp_path_factory.mktemp("pycache")))
    yield
    mp.undo()


def ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def decode(path: Path, channels: int = 1) -> np.ndarray:
    """Decode an MP3 fully with ffmpeg into float32 samples (frames, channels) at 44.1 kHz."""
    out = subprocess.run([ffmpeg(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", str(channels),
                          "-ar", "44100", "-"], capture_output=True, check=True)
    assert out.stderr == b"", out.stderr.decode()
    return (np.frombuffer(out.stdout, dtype="<i2").astype(np.float32) / 32768).reshape(-1, channels)


def ffmpeg_chapters(path: Path) -> list[dict]:
    """Chapters as ffmpeg's ID3 demuxer reads them (title, start, end in seconds).

    Parsed from ``ffmpeg -i``'s listing: its ffmetadata *output* shifts chapter
    times by the stream's start offset (the MP3 encoder delay).
    """
    err = subprocess.run([ffmpeg(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr
    chapters = []
    for m in re.finditer(r"Chapter #\d+:\d+: start (-?[\d.]+), end (-?[\d.]+)\n"
                         r"(?:\s+Metadata:\n\s+title\s+: (.*)\n)?", err):
        chapters.append({"title": (m.group(3) or "").strip(), "start": float(m.group(1)),
                         "end": float(m.group(2))})
    return chapters


def ffmpeg_stream_info(path: Path) -> str:
    return subprocess.run([ffmpeg(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr


def ebur128(path: Path) -> dict[str, float]:
    """Integrated loudness, LRA and true peak of a file, by ffmpeg's ebur128 filter."""
    err = subprocess.run([ffmpeg(), "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a",
                          "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    return _ebur128_summary(err)


def ebur128_pcm(pcm: bytes, rate: int, channels: int = 1) -> dict[str, float]:
    """The same of raw s16le PCM."""
    err = subprocess.run([ffmpeg(), "-hide_banner", "-nostats", "-f", "s16le", "-ar", str(rate), "-ac", str(channels),
                          "-i", "pipe:0", "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-"],
                         input=pcm, capture_output=True, check=True).stderr.decode("utf-8", "replace")
    return _ebur128_summary(err)


def _ebur128_summary(err: str) -> dict[str, float]:
    summary = err[err.rfind("Summary:"):]
    return {
        "integrated": float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1)),
        "range": float(re.search(r"LRA:\s+(-?[\d.]+) LU", summary).group(1)),
        "true_peak": float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1)),
    }


def run_cli(*args: str, input: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the real CLI in a subprocess, as a user would: for what only a process shows (signals,
    its exit status, its environment, its standard streams)."""
    return subprocess.run([sys.executable, "-m", "audiogen", *args], capture_output=True, input=input,
                          cwd=cwd, timeout=300)


def invoke(*args: str, input: bytes | None = None, cwd: Path | None = None,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the CLI's entry point (``audiogen.cli.main``: parsing, ``Error:`` lines, exit codes) in
    this process, with stdin/stdout/stderr captured as bytes; same result as ``run_cli`` without
    a Python start-up. For tests of what the CLI does, not of the process it runs in. ``env``
    overrides environment variables for the call."""
    from click.testing import CliRunner

    from audiogen.cli import main

    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    here = os.getcwd()
    with CliRunner().isolation(input=input, env=env) as (out, err, _):
        try:
            if cwd is not None:
                os.chdir(cwd)
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            os.chdir(here)
            for s, h in handlers.items():  # main() installs its own: give pytest back Ctrl-C
                signal.signal(s, h)
            sys.stdout.flush()
            sys.stderr.flush()
        return subprocess.CompletedProcess(["audiogen", *args], code, out.getvalue(), err.getvalue())


SHORT_ARTICLE = """# The Ferry at Dawn

By Ada Pell

The first ferry leaves at 6:15 every morning, and the captain has not missed a crossing in 12 years.

## The Crossing

Passengers drink coffee on the upper deck while gulls follow the wake.

“We never cancel unless the wind tops forty knots,” said Captain Rosa Delgado. “People count on us.”

## The Return

By seven the boat is back, and the next crowd is already waiting on the pier.
"""


@pytest.fixture(scope="session")
def real_episode(tmp_path_factory) -> tuple[Path, dict, list[str]]:
    """SHORT_ARTICLE rendered once per run as a user renders it: the real CLI in a process of its
    own, the default voices and settings (stingers included), with a temp folder of its own (a
    short path, as usual: the forkserver's socket lives in it). Returns the output folder, the
    ``--json`` report and what audiogen left in that temp folder (test_cli checks the episode,
    test_cleanup the temp folder)."""
    tmp = tmp_path_factory.mktemp("e2e")
    art = tmp / "ferry.md"
    art.write_text(SHORT_ARTICLE, encoding="utf-8")
    out = tmp / "out"
    scratch = tempfile.mkdtemp(prefix="agt-", dir="/tmp")
    try:
        proc = subprocess.run([sys.executable, "-m", "audiogen", "episode", str(art), "-o", str(out), "--json"],
                              capture_output=True, env={**os.environ, "TMPDIR": scratch}, timeout=300)
        left = sorted(n for n in os.listdir(scratch) if n.startswith(("audiogen", "pymp-")))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    assert proc.returncode == 0, proc.stderr.decode()
    return out, json.loads(proc.stdout.decode().strip().splitlines()[-1]), left


@pytest.fixture
def short_article(tmp_path) -> Path:
    p = tmp_path / "ferry.md"
    p.write_text(SHORT_ARTICLE, encoding="utf-8")
    return p


def median_f0(x: np.ndarray, rate: int, fmin: float = 60.0) -> float:
    """Median fundamental frequency (Hz) of float samples by autocorrelation over voiced 40 ms frames."""
    frame = int(0.04 * rate)
    pitches = []
    for i in range(0, len(x) - frame, frame):
        f = x[i:i + frame] - x[i:i + frame].mean()
        if np.sqrt((f ** 2).mean()) < 0.02:
            continue
        ac = np.correlate(f, f, "full")[frame - 1:]
        lo, hi = int(rate / 400), int(rate / fmin)
        lag = lo + int(np.argmax(ac[lo:hi]))
        if ac[lag] > 0.3 * ac[0]:
            pitches.append(rate / lag)
    return float(np.median(pitches))
