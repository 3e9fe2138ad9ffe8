"""`audiogen serve` as a user runs it: loopback by default, and raw requests that try to
leave the show (encoded, double-encoded, overlong UTF-8, backslashes, symlinked folders,
absolute targets) or stress Range. Complements test_serve.py, which drives the handler
in-process with http.client."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_feed import add_episode, make_show  # noqa: E402

SECRET = b"TOP-SECRET-OUTSIDE-THE-SHOW"
MP3 = "/episodes/tide/tide.mp3"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hserve")
    show = make_show(tmp)
    add_episode(show, "tide")
    (tmp / "secret.txt").write_bytes(SECRET)
    (tmp / "outside").mkdir()
    (tmp / "outside" / "secret.txt").write_bytes(SECRET)
    os.symlink(tmp / "outside", show / "episodes" / "linked-dir")
    (show / "empty.txt").write_bytes(b"")
    proc = subprocess.Popen([sys.executable, "-m", "audiogen", "serve", str(show), "--port", "0", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    m = re.search(r"at http://([\d.]+):(\d+)/", line)
    assert m, line + proc.stderr.read() if proc.poll() is not None else line
    yield show, m.group(1), int(m.group(2)), proc
    proc.terminate()
    proc.wait(timeout=10)


def raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes exactly as given (no client-side normalisation) and read one response."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                length = re.search(rb"(?i)content-length:\s*(\d+)", head)
                if request.startswith(b"HEAD") or (length and len(body) >= int(length.group(1))):
                    break
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    return status, headers, body


def get(port: int, target: str, method: str = "GET", extra: str = "") -> tuple[int, dict[str, str], bytes]:
    return raw(port, f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{extra}\r\n".encode())


def test_cli_binds_loopback_by_default(served) -> None:
    _, host, port, proc = served
    assert host == "127.0.0.1"
    assert proc.poll() is None
    try:  # this machine's non-loopback address (no packet is sent for a UDP "connect")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))
            other = s.getsockname()[0]
    except OSError:
        other = ""
    if not other or other.startswith("127."):
        pytest.skip("no non-loopback address to try")
    with pytest.raises(OSError):  # not reachable from the network side
        socket.create_connection((other, port), timeout=2).close()


@pytest.mark.parametrize("target", [
    "/../secret.txt", "/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2e/%2e%2E/secret.txt",
    "/episodes/..%2f..%2f..%2fsecret.txt", "/%252e%252e/secret.txt", "/%c0%ae%c0%ae/secret.txt",
    "/..%5c..%5csecret.txt", "/..\\..\\secret.txt", "/episodes/linked-dir/secret.txt",
    "/episodes/linked-dir/", "http://127.0.0.1/../secret.txt", "//../secret.txt", "/./../secret.txt",
    "/episodes/tide/../../../secret.txt", "/%2fetc%2fpasswd", "/etc/passwd", "*", "secret.txt",
    "/episodes/tide/tide.mp3%00.txt", "/.audiogen.lock", "/podcast.toml/..", "/episodes/tide/publish.json/..%2f",
])
def test_no_way_out_of_the_show(served, target: str) -> None:
    _, _, port, _ = served
    status, _, body = get(port, target)
    assert status in (400, 404), (target, status)
    assert SECRET not in body and b"root:" not in body


def test_other_methods_change_nothing(served) -> None:
    show, _, port, _ = served
    before = (show / "feed.xml").read_bytes()
    for method in ("PUT", "POST", "DELETE", "PATCH"):
        status, _, _ = raw(port, f"{method} /feed.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                                 f"Connection: close\r\n\r\nEVIL".encode())
        assert status in (405, 501), method
    assert (show / "feed.xml").read_bytes() == before


def test_huge_request_line_is_refused(served) -> None:
    _, _, port, proc = served
    status, _, _ = get(port, "/" + "a" * 70_000)
    assert status in (400, 414)
    assert get(port, "/feed.xml")[0] == 200 and proc.poll() is None  # still serving


@pytest.mark.parametrize("spec, expect", [
    ("bytes=-999999", "all"),  # suffix longer than the file: the whole file, as 206
    ("bytes=0-", "all"),
    ("bytes=-1", "last"),
    ("bytes=0-0,-1", "200"),  # several ranges: the whole file, 200
    ("bytes=0-1, 3-4, 7-9", "200"),
    ("bytes=999999999-", "416"),
    ("bytes=999999999999999999999999-", "416"),
    ("bytes=5-2", "200"),  # invalid: ignored
    ("bytes=--5", "200"),
    ("bytes=0x10-0x20", "200"),
])
def test_range_edge_cases(served, spec: str, expect: str) -> None:
    show, _, port, _ = served
    data = (show / "episodes/tide/tide.mp3").read_bytes()
    status, h, body = get(port, MP3, extra=f"Range: {spec}\r\n")
    if expect == "all":
        assert status == 206 and body == data and h["content-range"] == f"bytes 0-{len(data) - 1}/{len(data)}"
    elif expect == "last":
        assert status == 206 and body == data[-1:]
    elif expect == "200":
        assert status == 200 and body == data
    else:
        assert status == 416 and h["content-range"] == f"bytes */{len(data)}"
    hs, hh, hb = get(port, MP3, "HEAD", extra=f"Range: {spec}\r\n")
    assert hs == status and hb == b"" and hh.get("content-length") == h.get("content-length")


def test_empty_file_and_ranges(served) -> None:
    _, _, port, _ = served
    status, h, body = get(port, "/empty.txt")
    assert (status, body, h["content-length"]) == (200, b"", "0")
    status, h, _ = get(port, "/empty.txt", extra="Range: bytes=0-\r\n")
    assert status == 416 and h["content-range"] == "bytes */0"


def test_many_connections_at_once_do_not_stop_it(served) -> None:
    _, _, port, proc = served
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(20)]  # slow clients
    try:
        t0 = time.monotonic()
        assert get(port, "/feed.xml")[0] == 200
        assert time.monotonic() - t0 < 5
    finally:
        for s in idle:
            s.close()
    assert proc.poll() is None
