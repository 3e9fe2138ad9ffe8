"""Where ffmpeg comes from and how it is run.

The copy bundled by ``imageio-ffmpeg`` is used unless ``AUDIOGEN_FFMPEG`` names
another binary, so a fresh ``pip install`` works with no system packages.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import lru_cache
from typing import Sequence

from audiogen.cleanup import child_kwargs, raise_if_interrupted
from audiogen.errors import AudioError


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary to use."""
    override = os.environ.get("AUDIOGEN_FFMPEG")
    if override:
        return override
    try:
        import imageio_ffmpeg  # a broken install falls back to an ffmpeg on PATH

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:
        found = shutil.which("ffmpeg")
        if found:
            return found
    raise AudioError("ffmpeg not found: reinstall audiogen (pip install .) to get imageio-ffmpeg")


def run(args: Sequence[str], *, input: bytes | None = None, what: str = "ffmpeg") -> subprocess.CompletedProcess:
    """Run ffmpeg with ``args``; raise AudioError with its last error line on failure."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *args]
    try:
        proc = subprocess.run(cmd, input=input, capture_output=True, check=False, **child_kwargs())
        raise_if_interrupted()
    except OSError as exc:
        raise AudioError(f"could not run ffmpeg: {exc}") from None
    if proc.returncode != 0:
        raise AudioError(f"{what} failed: {last_error_line(proc.stderr)}")
    return proc


def last_error_line(stderr: bytes) -> str:
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1] if lines else "no details"


_EBUR_RE = {
    "integrated": re.compile(r"I:\s+(-?[\d.]+|-inf) LUFS"),
    "range": re.compile(r"LRA:\s+(-?[\d.]+) LU"),
    "true_peak": re.compile(r"Peak:\s+(-?[\d.]+|-inf) dBFS"),
}


def parse_ebur128(stderr: str) -> dict[str, float | None]:
    """Read the summary block printed by ffmpeg's ebur128 filter."""
    summary = stderr[stderr.rfind("Summary:"):] if "Summary:" in stderr else stderr
    out: dict[str, float | None] = {}
    for key, rx in _EBUR_RE.items():
        m = rx.search(summary)
        out[key] = None if not m or m.group(1) == "-inf" else float(m.group(1))
    return out


def measure_loudness(pcm: bytes, rate: int, channels: int, *, true_peak: bool = True) -> dict[str, float | None]:
    """Integrated loudness, loudness range and (true) peak of s16le PCM, via ebur128."""
    peak = "true" if true_peak else "sample"
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-f", "s16le", "-ar", str(rate),
         "-ac", str(channels), "-i", "pipe:0", "-af", f"ebur128=framelog=quiet:peak={peak}", "-f", "null", "-"],
        input=pcm, capture_output=True, check=False, **child_kwargs(),
    )
    raise_if_interrupted()
    if proc.returncode != 0:
        raise AudioError(f"loudness measurement failed: {last_error_line(proc.stderr)}")
    return parse_ebur128(proc.stderr.decode("utf-8", "replace"))
