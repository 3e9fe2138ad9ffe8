"""Clean endings: temporary folders and files that outlive no run, and child processes that die
with their parent.

Every scratch folder audiogen makes holds a lock file, locked (``flock``) for as long as its
owner runs; every temporary file beside a target is locked the same way while it is written.
The kernel drops those locks when the owner dies, however it dies (SIGKILL included), so the
next run can tell leftovers of a dead run from the work of a live one and remove only those.
Child processes (ffmpeg, the synthesis forkserver and its workers) ask the kernel to kill
them when their parent dies (``PR_SET_PDEATHSIG``), so no process outlives a killed render.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; leftovers are not swept there
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".audiogen-owner.lock"
STALE_AFTER_S = 2.0  # a leftover without a live owner is removed once it is this old (mtime)
# Scratch folders audiogen makes in the system temp folder.
TEMP_PREFIXES = ("audiogen-tts-", "audiogen-nocache-", "audiogen-batch-")


# ------------------------------------------------------------------ locks


def _try_lock(fd: int) -> bool:
    """Take an exclusive lock without waiting; False when a live process holds it."""
    if fcntl is None:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def hold_lock(fd: int) -> bool:
    """Mark ``fd``'s file as in use by this process for as long as ``fd`` stays open
    (False where there are no locks)."""
    if fcntl is None:
        return False
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return True


def remove_tree(path: Path | str) -> bool:
    """Remove a folder, trying again while processes that are stopping still write into it;
    never raises (whatever stays is removed by the next run's sweep). True when it is gone."""
    for attempt in range(20):
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.lexists(path):
            return True
        time.sleep(0.01 * (attempt + 1))
    return False


@contextlib.contextmanager
def owned_tempdir(prefix: str, dir: Path | str | None = None) -> Iterator[Path]:
    """A fresh scratch folder, locked by this process while in use and removed on the way out,
    interrupted or not. A folder left by a killed run is removed by ``sweep_dirs``."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=dir))
    fd = os.open(path / LOCK_NAME, os.O_CREAT | os.O_RDWR | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        hold_lock(fd)
        yield path
    finally:
        remove_tree(path)
        os.close(fd)


def scratch_dir(prefix: str) -> Path:
    """A locked scratch folder in the temp folder that lives as long as this process: removed when
    the process exits (a pool worker's ending included); after a kill, by the next run's sweep."""
    from multiprocessing import util

    path = Path(tempfile.mkdtemp(prefix=prefix))
    fd = os.open(path / LOCK_NAME, os.O_CREAT | os.O_RDWR | getattr(os, "O_CLOEXEC", 0), 0o600)
    hold_lock(fd)

    def remove(path: Path = path, fd: int = fd) -> None:
        remove_tree(path)
        with contextlib.suppress(OSError):
            os.close(fd)

    util.Finalize(None, remove, exitpriority=0)  # run by atexit, and by multiprocessing workers on exit
    return path


def _stale(path: str, now: float) -> bool:
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False  # another user's: not ours to remove
    return now - st.st_mtime >= STALE_AFTER_S


def sweep_dirs(parent: Path | str, prefixes: tuple[str, ...] | str) -> int:
    """Remove the folders named ``prefix*`` in ``parent`` whose owner is gone; return how many.

    A folder whose lock file is locked belongs to a live run and is left alone; one without a
    lock file (made by an older audiogen, or caught between its creation and its lock) is
    removed only once it is older than a few seconds.
    """
    if fcntl is None:
        return 0
    prefixes = (prefixes,) if isinstance(prefixes, str) else prefixes
    removed = 0
    now = time.time()
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.startswith(prefixes):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False):
                continue
        except OSError:
            continue
        if not _stale(entry.path, now):
            continue
        try:
            fd = os.open(os.path.join(entry.path, LOCK_NAME), os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            fd = None
        except OSError:
            continue
        try:
            if fd is None or _try_lock(fd):
                if remove_tree(entry.path):
                    removed += 1
        finally:
            if fd is not None:
                os.close(fd)
    return removed


def sweep_files(parent: Path | str, prefix: str) -> int:
    """Remove the files named ``prefix*`` in ``parent`` that no live process holds locked."""
    if fcntl is None:
        return 0
    removed = 0
    now = time.time()
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        try:
            if not entry.is_file(follow_symlinks=False) or not _stale(entry.path, now):
                continue
            fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            continue
        try:
            if _try_lock(fd):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed += 1
        finally:
            os.close(fd)
    return removed


def sweep_temp() -> int:
    """Remove audiogen's scratch folders left in the system temp folder by runs that were killed."""
    return sweep_dirs(tempfile.gettempdir(), TEMP_PREFIXES)


# ------------------------------------------------------------------ child processes

_PR_SET_PDEATHSIG = 1
_prctl = None


def _load_prctl():
    """libc's prctl, loaded in the parent (loading a library between fork and exec is unsafe)."""
    global _prctl
    if _prctl is None and sys.platform.startswith("linux"):
        try:
            import ctypes

            _prctl = ctypes.CDLL(None, use_errno=True).prctl
        except Exception:
            _prctl = False
    return _prctl or None


def die_with_parent(expected_parent: int | None = None) -> None:
    """Ask Linux to SIGKILL this process when its parent dies; if the parent is already gone
    (it died before this call), exit now. Elsewhere a no-op."""
    prctl = _load_prctl()
    if prctl is None:
        return
    prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if expected_parent is not None and os.getppid() != expected_parent:
        os._exit(1)


def child_kwargs() -> dict:
    """``subprocess`` arguments that make a child (ffmpeg) die with this process."""
    if _load_prctl() is None:
        return {}
    parent = os.getpid()
    return {"preexec_fn": lambda: die_with_parent(parent)}
