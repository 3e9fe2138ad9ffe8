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
import ctypes
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from multiprocessing import process, util
from pathlib import Path
from typing import Iterator

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; leftovers are not swept there
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".audiogen-owner.lock"
CREATING_PREFIX = ".audiogen-new-"  # a scratch folder before it is locked and named
STALE_AFTER_S = 2.0  # a leftover without a live owner is removed once it is this old (mtime)
# Scratch folders audiogen makes in the system temp folder.
TEMP_PREFIXES = ("audiogen-tts-", "audiogen-nocache-", "audiogen-batch-", "audiogen-mp-")


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


def _locked_dir(prefix: str, dir: Path | str | None = None) -> tuple[Path, int]:
    """A new folder named ``prefix*`` whose lock file this process holds from the moment the
    folder has its name: it is made under a name no sweep looks at, locked, then renamed."""
    parent = Path(dir) if dir is not None else Path(tempfile.gettempdir())
    hidden = Path(tempfile.mkdtemp(prefix=CREATING_PREFIX, dir=parent))
    fd = os.open(hidden / LOCK_NAME, os.O_CREAT | os.O_RDWR | getattr(os, "O_CLOEXEC", 0), 0o600)
    hold_lock(fd)
    for _ in range(100):
        path = parent / f"{prefix}{os.urandom(4).hex()}"
        if os.path.lexists(path):  # rename() would replace an empty folder of that name
            continue
        try:
            os.rename(hidden, path)
        except OSError:
            continue
        return path, fd
    os.close(fd)
    remove_tree(hidden)
    raise FileExistsError(f"no free name for a scratch folder in {parent}")


@contextlib.contextmanager
def owned_tempdir(prefix: str, dir: Path | str | None = None) -> Iterator[Path]:
    """A fresh scratch folder, locked by this process while in use and removed on the way out,
    interrupted or not. A folder left by a killed run is removed by ``sweep_dirs``."""
    path, fd = _locked_dir(prefix, dir)
    try:
        yield path
    finally:
        remove_tree(path)
        os.close(fd)


def own_multiprocessing_tempdir() -> None:
    """Give multiprocessing (its forkserver socket) a locked audiogen scratch folder instead of an
    anonymous ``pymp-*`` one that a killed run would leave in the temp folder forever."""

    config = getattr(process.current_process(), "_config", None)
    # Its socket path must fit in AF_UNIX's 108 bytes: in a deep temp folder, leave it to Python.
    if isinstance(config, dict) and config.get("tempdir") is None and len(tempfile.gettempdir()) <= 60:
        config["tempdir"] = str(scratch_dir("audiogen-mp-", exitpriority=-100))


def scratch_dir(prefix: str, exitpriority: int = 0) -> Path:
    """A locked scratch folder in the temp folder that lives as long as this process: removed when
    the process exits (a pool worker's ending included); after a kill, by the next run's sweep."""

    path, fd = _locked_dir(prefix)

    def remove(path: Path = path, fd: int = fd) -> None:
        remove_tree(path)
        with contextlib.suppress(OSError):
            os.close(fd)

    util.Finalize(None, remove, exitpriority=exitpriority)  # run at exit, by pool workers too
    return path


def _ours(path: str) -> bool:
    """Made by this user (another user's leftovers are not ours to remove)."""
    try:
        return not hasattr(os, "getuid") or os.lstat(path).st_uid == os.getuid()
    except OSError:
        return False


def _stale(path: str, now: float, after: float = STALE_AFTER_S) -> bool:
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return _ours(path) and now - st.st_mtime >= after


def sweep_dirs(parent: Path | str, prefixes: tuple[str, ...] | str) -> int:
    """Remove the folders named ``prefix*`` in ``parent`` whose owner is gone; return how many.

    A folder whose lock file is locked belongs to a live run and is left alone (it was locked
    before it got its name); one without a lock file (made by an older audiogen) is removed once
    it is a few seconds old.
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
        creating = entry.name.startswith(CREATING_PREFIX)  # killed between its creation and its name
        if not (creating or entry.name.startswith(prefixes)):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False) or not _ours(entry.path):
                continue
        except OSError:
            continue
        if creating and not _stale(entry.path, now, 60.0):
            continue
        try:
            fd = os.open(os.path.join(entry.path, LOCK_NAME), os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            fd = None
            if not _stale(entry.path, now):
                continue
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


def sweep_episode_folders(episodes: Path | str, prefix: str = ".audiogen-tmp-") -> int:
    """In a show's ``episodes/`` folder: remove the temp files of killed renders from every episode
    folder, and the folders that this leaves empty (a killed first render); return files removed."""
    removed = 0
    now = time.time()
    try:
        folders = [e.path for e in os.scandir(episodes) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return 0
    for folder in folders:
        idle = _stale(folder, now)  # (removing a file from it makes it new again)
        removed += sweep_files(folder, prefix)
        with contextlib.suppress(OSError):
            if idle and not os.listdir(folder):
                os.rmdir(folder)
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


# ------------------------------------------------------------------ interrupts

_interrupted = False
_forking: int | None = None  # the thread running the fork hooks, if any


def _fork_starts() -> None:
    global _forking
    _forking = threading.get_ident()


def _fork_ends() -> None:
    global _forking
    _forking = None


if hasattr(os, "register_at_fork"):
    # Registered after logging's hooks: ours run first before a fork and last after it.
    os.register_at_fork(before=_fork_starts, after_in_parent=_fork_ends, after_in_child=_fork_ends)


def on_interrupt(signum, frame):
    """SIGINT/SIGTERM handler: a clean unwind (KeyboardInterrupt) that cannot be lost.

    A signal that lands while the interpreter runs its fork hooks (``preexec_fn`` spawns run
    them) would raise there, and Python prints and ignores that exception: then it is only noted,
    and the code after the spawn raises it (``raise_if_interrupted``)."""
    global _interrupted
    _interrupted = True
    if _forking != threading.get_ident():  # (the handler runs in the main thread)
        raise KeyboardInterrupt


def reset_interrupt() -> None:
    global _interrupted
    _interrupted = False


def raise_if_interrupted() -> None:
    if _interrupted:
        raise KeyboardInterrupt
