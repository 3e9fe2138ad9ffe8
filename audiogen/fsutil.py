"""File-system edges: atomic writes, safe slugs, a lock for shared files.

Everything audiogen publishes is written to a temporary name in the target
folder and renamed into place, so a crash or a full disk never leaves a
half-written MP3, feed or sidecar where a reader would find it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Callable, Iterator

from audiogen.errors import AudioError, OutputError
from audiogen.cleanup import hold_lock, sweep_files

TMP_PREFIX = ".audiogen-tmp-"

_WINDOWS_RESERVED = {
    "con", "prn", "aux", "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}


_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "ł": "l",
                       "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i"})


def slugify(text: str, max_len: int = 60, fallback: str = "episode") -> str:
    """A file-name-safe slug on Linux, macOS and Windows: ``a-z0-9-`` only, never empty.

    When ASCII folding drops letters or symbols (Chinese, Arabic, Cyrillic, emoji...), a short
    hash of the title is appended, so two such titles never share an episode folder.
    """
    text = unicodedata.normalize("NFC", str(text))
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD))
    lost = any(not ch.isascii() and (ch.isalnum() or unicodedata.category(ch)[0] == "S") for ch in folded)
    slug = re.sub(r"[^a-z0-9]+", "-", folded.encode("ascii", "ignore").decode("ascii").lower()).strip("-")
    digest = hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:8] if lost else ""
    room = max_len - (len(digest) + 1 if digest else 0)
    if len(slug) > room:
        cut = slug[:max(room, 0)]
        slug = (cut.rsplit("-", 1)[0] or cut).strip("-") if cut else ""
    if digest:
        if not slug and len(fallback) + 1 + len(digest) <= max_len:
            slug = fallback
        return f"{slug}-{digest}" if slug else digest[:max_len]
    if not slug or slug in _WINDOWS_RESERVED:
        slug = f"{fallback}-{slug}"[:max_len].strip("-") if slug else fallback
    return slug


def asset_path(name: str) -> Path:
    """Path of a file bundled in audiogen's assets (stingers, bed, cover, sample)."""
    here = Path(__file__).resolve().parent
    for folder in (here / "assets", here.parent / "assets"):  # installed wheel, then source tree
        if (folder / name).is_file():
            return folder / name
    raise AudioError(f"audiogen's bundled {name} is missing; reinstall audiogen (pip install .)")


@contextlib.contextmanager
def fresh_folder(folder: Path) -> Iterator[Path]:
    """``folder``, removed again if the block fails (or is interrupted) while it is still empty
    and did not exist before: a first render that fails leaves no empty folder behind."""
    fresh = not folder.exists()
    try:
        yield folder
    except BaseException:
        if fresh:
            try:
                folder.rmdir()
            except OSError:
                pass
        raise


def describe_os_error(exc: OSError, path: Path | str) -> str:
    """A one-line, user-facing description of why writing ``path`` failed."""
    if exc.errno == errno.ENOSPC:
        return f"no space left on the device to write {path}; free some space and run again"
    if exc.errno == errno.EROFS:
        return f"cannot write {path}: the file system is read-only; choose another output folder (-o)"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"cannot write {path}: permission denied; choose another output folder (-o)"
    return f"cannot write {path}: {exc.strerror or exc}"


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temp path beside ``target``; rename it onto ``target`` only on success."""

    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        folder = str(target.parent.resolve())
        if folder not in _swept:  # temp files of runs that were killed, once per folder and process
            _swept.add(folder)
            sweep_files(folder, TMP_PREFIX)
        fd, tmp_name = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=target.suffix, dir=target.parent)
        if hold_lock(fd) is False:  # no locks here (Windows): an open file could not be renamed
            os.close(fd)
            fd = -1
    except OSError as exc:
        raise OutputError(describe_os_error(exc, target)) from None
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(describe_os_error(exc, target)) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if fd >= 0:
            os.close(fd)


_swept: set[str] = set()


def atomic_write_bytes(target: Path | str, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically (fsync'd temp file, then rename).

    A target that exists and is not a regular file (``/dev/stdout``, a FIFO, ``/dev/full``) is
    written into, never replaced; its write errors are errors too.
    """
    target = Path(target)
    if target.exists() and not target.is_file() and not target.is_dir():
        try:
            with open(target, "wb") as fh:
                fh.write(data)
                fh.flush()
        except OSError as exc:
            raise OutputError(describe_os_error(exc, target)) from None
        return
    with atomic_path(target) as tmp:
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise OutputError(describe_os_error(exc, target)) from None


def atomic_write_text(target: Path | str, text: str) -> None:
    atomic_write_bytes(target, text.encode("utf-8"))


def atomic_write_with(target: Path | str, writer: Callable[[Path], None]) -> None:
    """Let ``writer`` fill a temp path, then move it onto ``target``."""
    with atomic_path(target) as tmp:
        writer(tmp)


@contextlib.contextmanager
def file_lock(path: Path | str, wait: bool = True) -> Iterator[bool]:
    """An exclusive advisory lock (``fcntl.flock``) held for the ``with`` block; with
    ``wait=False`` the block runs at once, told whether it holds the lock (False: another has it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        try:
            import fcntl  # POSIX only (see the except)
        except ImportError:  # Windows: no advisory locks; single-writer assumed
            yield True
            return
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
