"""The show server: HEAD, byte ranges (206/416), content types, and no way out of the folder."""

from __future__ import annotations

import http.client
import os
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_feed import add_episode, make_show  # noqa: E402

from audiogen.publish.serve import make_server, parse_range  # noqa: E402


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("serve")
    show = make_show(tmp)
    add_episode(show, "tide")
    (tmp / "secret.txt").write_text("top secret")
    os.symlink(tmp / "secret.txt", show / "link-out.txt")
    os.symlink(show / "feed.xml", show / "link-in.xml")
    os.symlink(show / "podcast.toml", show / "config-link.xml")  # a public name leading to a private file
    (show / "episodes/tide/tide.batch.json").write_text('{"article": "/home/me/article.md"}')
    server = make_server(show, port=0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield show, server.server_address[1], server.server_address[0]
    server.shutdown()
    server.server_close()


def request(port: int, path: str, method: str = "GET", headers: dict | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        body = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body
    finally:
        conn.close()


MP3 = "/episodes/tide/tide.mp3"


def test_binds_loopback_by_default(served) -> None:
    assert served[2] == "127.0.0.1"


def test_head_and_full_get(served) -> None:
    show, port, _ = served
    data = (show / "episodes/tide/tide.mp3").read_bytes()
    status, h, body = request(port, MP3, "HEAD")
    assert (status, body) == (200, b"")
    assert h["content-length"] == str(len(data))
    assert h["accept-ranges"] == "bytes" and h["content-type"] == "audio/mpeg"
    status, h, body = request(port, MP3)
    assert status == 200 and body == data


@pytest.mark.parametrize(
    "spec, sl",
    [("bytes=0-99", slice(0, 100)), ("bytes=100-", slice(100, None)), ("bytes=-100", slice(-100, None)),
     ("bytes=10-10", slice(10, 11)), ("bytes=5-99999999", slice(5, None))],
)
def test_single_ranges(served, spec: str, sl: slice) -> None:
    show, port, _ = served
    data = (show / "episodes/tide/tide.mp3").read_bytes()
    status, h, body = request(port, MP3, headers={"Range": spec})
    assert status == 206
    assert body == data[sl]
    first = range(len(data))[sl][0]
    assert h["content-range"] == f"bytes {first}-{first + len(body) - 1}/{len(data)}"
    assert h["content-length"] == str(len(body))
    # HEAD with a Range gives the same headers and no body.
    hs, hh, hb = request(port, MP3, "HEAD", headers={"Range": spec})
    assert (hs, hb, hh["content-range"]) == (206, b"", h["content-range"])


def test_unsatisfiable_multiple_and_malformed_ranges(served) -> None:
    show, port, _ = served
    size = (show / "episodes/tide/tide.mp3").stat().st_size
    for spec in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}", "bytes=-0"):
        status, h, _ = request(port, MP3, headers={"Range": spec})
        assert status == 416 and h["content-range"] == f"bytes */{size}", spec
    for spec in ("bytes=0-1,5-6", "bytes=9-2", "items=0-5", "bytes=abc"):
        status, h, body = request(port, MP3, headers={"Range": spec})
        assert status == 200 and len(body) == size, spec
    # If-Range with a stale validator: the whole file.
    _, h, _ = request(port, MP3, "HEAD")
    assert request(port, MP3, headers={"Range": "bytes=0-9", "If-Range": h["etag"]})[0] == 206
    assert request(port, MP3, headers={"Range": "bytes=0-9", "If-Range": '"stale"'})[0] == 200


def test_content_types(served) -> None:
    _, port, _ = served
    expect = {
        "/feed.xml": "application/rss+xml",
        "/episodes/tide/tide.vtt": "text/vtt",
        "/episodes/tide/tide.srt": "application/x-subrip",
        "/episodes/tide/tide.chapters.json": "application/json",
        "/episodes/tide/": "text/html",
        "/": "text/html",
        "/cover.jpg": "image/jpeg",
    }
    for path, ctype in expect.items():
        status, h, _ = request(port, path)
        assert status == 200, path
        assert h["content-type"].split(";")[0] == ctype, path


@pytest.mark.parametrize(
    "path",
    ["/../secret.txt", "/%2e%2e/secret.txt", "/episodes/%2E%2E/%2e%2e/secret.txt", "/episodes/..%2f..%2fsecret.txt",
     "//etc/passwd", "/%2Fetc%2Fpasswd", "/link-out.txt", "/.audiogen.lock", "/episodes/tide/..", "/%00",
     "/nope.mp3", "/episodes/%ff", "http://evil.example/../secret.txt", "/episodes"],
)
def test_refuses_paths_outside_or_hidden(served, path: str) -> None:
    _, port, _ = served
    status, _, body = request(port, path)
    assert status == 404, path
    assert b"top secret" not in body


@pytest.mark.parametrize(
    "path",
    ["/podcast.toml", "/episodes/tide/publish.json", "/episodes/tide/tide.episode.json",
     "/episodes/tide/tide.batch.json", "/.audiogen-state.json", "/.audiogen-built.json", "/config-link.xml", "/episodes/tide/%70ublish.json"],
)
def test_private_files_are_never_served(served, path: str) -> None:
    show, port, _ = served
    assert (show / "podcast.toml").is_file() and (show / "episodes/tide/publish.json").is_file()
    for method in ("GET", "HEAD"):
        status, _, body = request(port, path, method)
        assert status == 404, (method, path)
        assert b"base_url" not in body and b"guid" not in body


def test_public_files_list_what_listeners_fetch(served) -> None:
    from audiogen.publish.show import public_files

    show, _, _ = served
    names = {p.as_posix() for p in public_files(show)}
    assert {"feed.xml", "index.html", "cover.jpg", "episodes/tide/tide.mp3", "episodes/tide/tide.vtt",
            "episodes/tide/tide.chapters.json", "episodes/tide/index.html"} <= names
    assert not {n for n in names if n.endswith((".toml", "publish.json", ".episode.json", ".batch.json"))
                or n.startswith(".")}
    assert "config-link.xml" not in names


@pytest.mark.parametrize("path", ["/feed.xml", MP3])
def test_conditional_get_answers_304(served, path: str) -> None:
    show, port, _ = served
    status, h, body = request(port, path)
    assert status == 200 and body
    etag, modified = h["etag"], h["last-modified"]
    for method in ("GET", "HEAD"):
        for cond in ({"If-None-Match": etag}, {"If-None-Match": f'"nope", W/{etag}'}, {"If-None-Match": "*"},
                     {"If-Modified-Since": modified}, {"If-Modified-Since": "Sat, 01 Jan 2101 00:00:00 GMT"}):
            s2, h2, b2 = request(port, path, method, headers=cond)
            assert (s2, b2) == (304, b""), (method, cond)
            assert h2["etag"] == etag and h2["last-modified"] == modified
    # A stale validator, or an older date: the file again. If-None-Match wins over If-Modified-Since.
    for cond in ({"If-None-Match": '"stale"'}, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"},
                 {"If-None-Match": '"stale"', "If-Modified-Since": modified}, {"If-Modified-Since": "garbage"}):
        s3, _, b3 = request(port, path, headers=cond)
        assert s3 == 200 and b3 == body, cond
    # A range request for an unchanged file is still answered 304 when its validator matches.
    assert request(port, path, headers={"If-None-Match": etag, "Range": "bytes=0-9"})[0] == 304


def test_symlink_inside_the_show_is_served(served) -> None:
    show, port, _ = served
    status, _, body = request(port, "/link-in.xml")
    assert status == 200 and body == (show / "feed.xml").read_bytes()


def test_parse_range_edge_cases() -> None:
    assert parse_range("bytes=0-0", 0) == "unsatisfiable"
    assert parse_range("bytes=-5", 3) == (0, 2)
    assert parse_range("bytes=-", 10) is None
    assert parse_range(" bytes = 2 - 4 ", 10) == (2, 4)
