"""A small static server for a show folder, with HEAD and HTTP Range (podcast apps seek with it).

Python's ``http.server`` ignores Range; this handler answers ``bytes=`` ranges with
206 / Content-Range, unsatisfiable ones with 416, and a request for several ranges
with the whole file (200), which RFC 9110 allows and every player handles. It answers
conditional requests (If-None-Match, If-Modified-Since) with 304 as static servers do,
so a podcast app's feed refresh costs a few headers. It binds 127.0.0.1 by default and
serves only the show's public files (``show.is_public``) inside its folder: the show's
own config and state, ``..`` (also percent-encoded), absolute paths, dotfiles and
symlinks leading out are 404.
"""

from __future__ import annotations

import os
import re
import sys
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from audiogen.errors import OutputError
from audiogen.publish.show import is_public

CHUNK = 64 * 1024

CONTENT_TYPES = {
    ".mp3": "audio/mpeg",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".xml": "application/rss+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".ico": "image/x-icon",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}

_RANGE_RE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


def parse_range(header: str, size: int) -> tuple[int, int] | str | None:
    """Resolve a Range header against a file of ``size`` bytes.

    Returns (first, last) inclusive for one satisfiable range, "unsatisfiable" for
    a 416, or None to ignore the header and send the whole file (malformed, or
    more than one range).
    """
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or not spec.strip():
        return None
    parts = spec.split(",")
    if len(parts) != 1:
        return None
    m = _RANGE_RE.match(parts[0])
    if not m or (not m.group(1) and not m.group(2)):
        return None
    first_s, last_s = m.groups()
    if not first_s:  # suffix range: the last N bytes
        n = int(last_s)
        if n == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - n), size - 1
    first = int(first_s)
    last = int(last_s) if last_s else size - 1
    if last_s and last < first:
        return None  # invalid range spec: ignore the header
    if first >= size:
        return "unsatisfiable"
    return first, min(last, size - 1)


def resolve_request_path(root: Path, raw_path: str) -> Path | None:
    """Map a request path to a regular file inside ``root``, or None (never outside it)."""
    path = urlsplit(raw_path).path
    if not path.startswith("/"):
        return None
    decoded = unquote(path, errors="strict") if "%" in path else path
    if "\x00" in decoded or "\\" in decoded:
        return None
    segments = [s for s in decoded.split("/") if s]
    if any(s in (".", "..") or s.startswith(".") for s in segments):
        return None
    root = root.resolve()
    target = root.joinpath(*segments) if segments else root
    try:
        real = target.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if real != root and not real.is_relative_to(root):
        return None  # a symlink leading out of the show
    if real.is_dir():
        index = real / "index.html"
        if not index.is_file():
            return None
        real = index.resolve()
        if not real.is_relative_to(root):
            return None
        target = target / "index.html"
    # Both the name asked for and the file it leads to must be public (a link named
    # x.xml that points at podcast.toml is still private).
    if not (is_public(target.relative_to(root).as_posix()) and is_public(real.relative_to(root).as_posix())):
        return None
    return real if real.is_file() else None


class ShowRequestHandler(BaseHTTPRequestHandler):
    """GET/HEAD for a static folder with byte ranges and strict path checks."""

    server_version = "audiogen"
    protocol_version = "HTTP/1.1"
    root: Path = Path(".")
    quiet: bool = False

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        if not self.quiet:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._serve(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(body=False)

    def _error(self, status: HTTPStatus, extra: dict[str, str] | None = None, body: bool = True) -> None:
        msg = f"{status.value} {status.phrase}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(msg)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if body:
            self.wfile.write(msg)

    def _serve(self, body: bool) -> None:
        try:
            path = resolve_request_path(self.root, self.path)
        except UnicodeDecodeError:
            path = None
        if path is None:
            self._error(HTTPStatus.NOT_FOUND, body=body)
            return
        try:
            fh = open(path, "rb")
        except OSError:
            self._error(HTTPStatus.NOT_FOUND, body=body)
            return
        with fh:
            st = os.fstat(fh.fileno())
            size = st.st_size
            etag = f'"{st.st_mtime_ns:x}-{size:x}"'
            headers = {
                "Content-Type": content_type(path),
                "Accept-Ranges": "bytes",
                "Last-Modified": formatdate(st.st_mtime, usegmt=True),
                "ETag": etag,
                "Cache-Control": "no-cache",
            }
            if self._not_modified(etag, st.st_mtime):
                self.send_response(HTTPStatus.NOT_MODIFIED)
                for k in ("ETag", "Last-Modified", "Cache-Control"):
                    self.send_header(k, headers[k])
                self.end_headers()
                return
            rng = self.headers.get("Range")
            if rng and not self._if_range_ok(etag, st.st_mtime):
                rng = None
            span = parse_range(rng, size) if rng else None
            if span == "unsatisfiable":
                self._error(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, {"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"}, body=body)
                return
            if isinstance(span, tuple):
                first, last = span
                status = HTTPStatus.PARTIAL_CONTENT
                headers["Content-Range"] = f"bytes {first}-{last}/{size}"
            else:
                first, last = 0, size - 1
                status = HTTPStatus.OK
            length = last - first + 1 if size else 0
            headers["Content-Length"] = str(length)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            if not body or length <= 0:
                return
            fh.seek(first)
            remaining = length
            try:
                while remaining > 0:
                    chunk = fh.read(min(CHUNK, remaining))
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    remaining -= len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    def _not_modified(self, etag: str, mtime: float) -> bool:
        """RFC 9110 13.2.2: If-None-Match (weak comparison) decides when present, else If-Modified-Since."""
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = [t.strip() for t in inm.split(",")]
            return any(t == "*" or t.removeprefix("W/") == etag for t in tags)
        ims = self.headers.get("If-Modified-Since")
        if not ims:
            return False
        try:
            return int(mtime) <= int(parsedate_to_datetime(ims).timestamp())
        except (TypeError, ValueError, IndexError, OverflowError):
            return False  # an unreadable date is ignored, as RFC 9110 says

    def _if_range_ok(self, etag: str, mtime: float) -> bool:
        """Honour If-Range: a stale validator means "send the whole file"."""
        cond = self.headers.get("If-Range")
        if not cond:
            return True
        cond = cond.strip()
        if cond.startswith(('"', "W/")):
            return cond == etag
        try:
            return int(parsedate_to_datetime(cond).timestamp()) >= int(mtime)
        except (TypeError, ValueError):
            return False


class _ShowServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver listens with a backlog of 5: a burst of clients (podcast apps, a page's parallel
    # requests) overflowed it, and each connection dropped waited 1 s for its SYN to be sent again.
    request_queue_size = 128


def make_server(root: Path | str, host: str = "127.0.0.1", port: int = 8000, quiet: bool = False) -> ThreadingHTTPServer:
    """A ready (not yet serving) server for ``root``; port 0 picks a free port."""
    handler = type("BoundShowHandler", (ShowRequestHandler,), {"root": Path(root).resolve(), "quiet": quiet})
    try:
        server = _ShowServer((host, port), handler)
    except OSError as exc:
        raise OutputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; try another --port") from None
    return server
