"""Where ffmpeg comes from and how it is run.

The copy bundled by ``imageio-ffmpeg`` is used unless ``AUDIOGEN_FFMPEG`` names
another binary, so a fresh ``pip install`` works with no system packages.
"""

from __future__ import annotations

import os
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


