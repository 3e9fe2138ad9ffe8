"""audiogen.read.fetch against a loopback HTTP server: every failure is one FetchError naming the URL."""

from __future__ import annotations

import gzip
import socket

import pytest

from audiogen import __version__
from audiogen.errors import InputError
from audiogen.read.fetch import FetchError, canonical_url, decode, fetch, fetch_page, is_url, page_format
from loopback import Loopback

PAGE = """<!doctype html><html lang="en"><head><title>Harbor Notes | The Gazette</title>
<link rel="canonical" href="/2024/harbor-notes">
</head><body><article><h1>Harbor Notes</h1><p>The ferry left at dawn. It came back at noon.</p></article></body></html>"""


@pytest.fixture
def server():
    s = Loopback()
    yield s
    s.close()


def test_fetches_a_page_with_user_agent_and_charset(server):
    url = server.add("/a", PAGE)
    got = fetch_page(url)
    assert got.status == 200 and got.content_type == "text/html" and got.charset == "utf-8"
    assert "Harbor Notes" in got.text()
    ua = server.requests[-1][1]["User-Agent"]
    assert ua.startswith(f"audiogen/{__version__}")
    assert canonical_url(got.text(), got.final_url) == server.url("/2024/harbor-notes")


def test_charset_from_header_beats_utf8_guess_and_page_meta_is_used_without_header(server):
    body = "<html><head><meta charset='iso-8859-15'></head><body><p>Prix: 5 \u20ac caf\u00e9</p></body></html>"
    url = server.add("/latin", body.encode("iso-8859-15"), content_type="text/html")
    assert "5 \u20ac caf\u00e9" in fetch_page(url).text()
    url = server.add("/cp", "<p>na\u00efve \u2019quoted\u2019</p>".encode("cp1252"), content_type="text/html; charset=windows-1252")
    assert "na\u00efve \u2019quoted\u2019" in fetch_page(url).text()
    # A header naming latin-1 means Windows-1252, as in browsers.
    assert decode("\u2019".encode("cp1252"), "ISO-8859-1") == "\u2019"


def test_redirect_is_followed_and_final_url_kept(server):
    target = server.add("/final", PAGE)
    url = server.redirect("/old", "/final", 301)
    got = fetch_page(url)
    assert got.final_url == target and got.url == url
    assert canonical_url(got.text(), got.final_url) == server.url("/2024/harbor-notes")


def test_redirect_loop_and_other_scheme_are_refused(server):
    server.redirect("/loop", "/loop")
    with pytest.raises(FetchError, match=r"loop: more than 5 redirects"):
        fetch(server.url("/loop"))
    server.redirect("/ftp", "ftp://example.org/file")
    with pytest.raises(FetchError, match="redirects to another scheme"):
        fetch(server.url("/ftp"))
    server.redirect("/file", "file:///etc/passwd")
    with pytest.raises(FetchError, match="redirects to another scheme"):
        fetch(server.url("/file"))


def test_404_names_url_and_status(server):
    url = server.url("/missing")
    with pytest.raises(FetchError) as info:
        fetch_page(url)
    assert str(info.value) == f"cannot fetch {url}: HTTP 404 Not Found"
    assert isinstance(info.value, InputError) and info.value.exit_code == 3


def test_slow_server_times_out(server):
    server.add("/slow", PAGE, delay=3)
    with pytest.raises(FetchError, match=r"/slow: timed out after 0.5 s"):
        fetch_page(server.url("/slow"), timeout=0.5)


def test_trickling_body_hits_the_total_deadline(server):
    server.add("/trickle", b"<p>" + b"x" * 8192, trickle=0.2)
    with pytest.raises(FetchError, match=r"timed out after 0.5 s reading the body"):
        fetch(server.url("/trickle"), total_timeout=0.5)


def test_not_html_is_refused(server):
    url = server.add("/doc.pdf", b"%PDF-1.7 binary", content_type="application/pdf")
    with pytest.raises(FetchError, match=r"doc.pdf: not an HTML page \(it is application/pdf\)"):
        fetch_page(url)
    url = server.add("/img", b"\x89PNG\r\n\x1a\n....", content_type=None)
    with pytest.raises(FetchError, match="not an HTML page"):
        fetch_page(url)


def test_plain_text_and_markdown_pages_are_articles(server):
    got = fetch_page(server.add("/post.md", "# Title\n\nText.", content_type="text/plain; charset=utf-8"))
    assert page_format(got) == "md"
    got = fetch_page(server.add("/post.txt", "Title\n\nText.", content_type="text/plain"))
    assert page_format(got) == "txt"


def test_oversized_body_refused_by_length_and_by_stream(server):
    server.add("/big", b"<p>" + b"a" * 5000)
    with pytest.raises(FetchError, match=r"/big: too large \(0.0 MB; the limit is"):
        fetch_page(server.url("/big"), max_bytes=4096)
    # A server that lies about (or omits) the length is cut off once the stream passes the limit.
    server.add("/liar", b"<p>" + b"a" * 200_000, length=None, headers={})
    server.routes["/liar"].length = 200_003
    with pytest.raises(FetchError, match="too large"):
        fetch(server.url("/liar"), max_bytes=100_000)


def test_gzip_bomb_counts_decoded_bytes(server):
    body = gzip.compress(b"<p>" + b"a" * 1_000_000)
    server.add("/gz", body, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="more than the"):
        fetch(server.url("/gz"), max_bytes=100_000)


def test_connection_refused_and_dns_failure():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(FetchError, match=rf"cannot fetch http://127.0.0.1:{port}/x: connection refused"):
        fetch(f"http://127.0.0.1:{port}/x")
    with pytest.raises(FetchError, match="DNS lookup failed"):
        fetch("http://no-such-host.invalid/article")


def test_only_http_urls():
    for url in ("file:///etc/passwd", "ftp://example.org/a", "javascript:alert(1)"):
        with pytest.raises(FetchError, match="only http:// and https://"):
            fetch(url)
    assert is_url("https://example.org/a") and is_url("HTTP://x.org")
    assert not is_url("article.html") and not is_url("http:/x") and not is_url("-")


def test_conditional_get(server):
    url = server.add("/feed.xml", "<rss/>", content_type="application/rss+xml", etag='"v1"',
                     last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    first = fetch(url)
    assert first.status == 200 and first.etag == '"v1"'
    again = fetch(url, etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.body == b""
    assert server.requests[-1][1]["If-None-Match"] == '"v1"'
    assert server.requests[-1][1]["If-Modified-Since"] == "Mon, 01 Jan 2024 00:00:00 GMT"


def test_canonical_falls_back_to_og_url_and_ignores_other_schemes():
    html = '<html><head><link rel="canonical" href="javascript:x()"><meta property="og:url" content="https://ex.org/a"></head></html>'
    assert canonical_url(html, "https://ex.org/a?utm=1") == "https://ex.org/a"
    assert canonical_url("<html><head></head><body></body></html>", "https://ex.org/") is None


# ------------------------------------------------------------------ URLs from the CLI (episode, script, batch)


ARTICLE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>The Lantern Keeper | Harbor Gazette</title>
<link rel="canonical" href="https://gazette.example.org/2024/lantern-keeper"></head>
<body><nav><a href="/">Home</a></nav><article><h1>The Lantern Keeper</h1>
<p>Every evening the keeper climbs the stairs and lights the lamp above the harbor.</p>
<p>Sailors say they can see it from the far side of the bay.</p></article><footer>Share this</footer></body></html>"""


def test_script_from_url_names_the_canonical_link(server):
    from conftest import invoke

    url = server.add("/story", ARTICLE_PAGE)
    proc = invoke("script", url)
    assert proc.returncode == 0, proc.stderr.decode()
    text = proc.stdout.decode()
    assert "title: The Lantern Keeper\n" in text
    assert "link: https://gazette.example.org/2024/lantern-keeper\n" in text
    assert "Share this" not in text and "Home" not in text


def test_episode_from_url_into_a_show_links_the_article(server, tmp_path):
    import json

    import feedparser

    from conftest import invoke

    root = tmp_path / "show"
    assert invoke("init", str(root), "--title", "T", "--author", "A", "--base-url", "https://pod.example.org/t").returncode == 0
    url = server.redirect("/short", "/story-2")
    server.add("/story-2", ARTICLE_PAGE)
    proc = invoke("episode", url, "--show", str(root), "--no-stingers", "--engine", "fake", "--json")
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    assert data["link"] == "https://gazette.example.org/2024/lantern-keeper" and data["source"] == url
    (entry,) = feedparser.parse((root / "feed.xml").read_bytes()).entries
    assert entry.link == "https://gazette.example.org/2024/lantern-keeper"
    assert "Read the article" in entry.content[0].value


@pytest.mark.parametrize("path,kw,cause", [
    ("/gone", None, "HTTP 404 Not Found"),
    ("/doc.pdf", {"body": b"%PDF-1.4", "content_type": "application/pdf"}, "not an HTML page (it is application/pdf)"),
])
def test_episode_from_a_failing_url_writes_nothing(server, tmp_path, path, kw, cause):
    from conftest import invoke

    url = server.add(path, **kw) if kw else server.url(path)
    out = tmp_path / "out"
    proc = invoke("episode", url, "-o", str(out))
    err = proc.stderr.decode()
    assert proc.returncode == 3 and proc.stdout == b""
    assert err == f"Error: cannot {'fetch' if kw is None else 'use'} {url}: {cause}\n"
    assert not out.exists()


def test_batch_mixes_urls_and_reports_the_failing_one(server, tmp_path):
    import json

    from conftest import invoke

    good = server.add("/batch-story", ARTICLE_PAGE)
    bad = server.url("/batch-missing")
    proc = invoke("batch", good, bad, "-o", str(tmp_path / "out"), "--no-stingers", "--engine", "fake", "--json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert [a["status"] for a in data["articles"]] == ["rendered", "failed"]
    assert data["articles"][1]["error"] == f"cannot fetch {bad}: HTTP 404 Not Found"
    assert (tmp_path / "out" / "the-lantern-keeper.mp3").is_file()


def test_batch_skips_a_page_that_has_not_changed_and_renders_one_that_has(server, tmp_path):
    import json

    from conftest import decode, invoke

    url = server.add("/batch-again", ARTICLE_PAGE)
    out = tmp_path / "out"
    args = ("batch", url, "-o", str(out), "--no-stingers", "--engine", "fake", "--json")
    first = invoke(*args)
    assert first.returncode == 0, first.stderr.decode()
    mp3 = out / "the-lantern-keeper.mp3"
    stamp = mp3.stat().st_mtime_ns

    again = invoke(*args)
    assert again.returncode == 0, again.stderr.decode()
    assert [a["status"] for a in json.loads(again.stdout)["articles"]] == ["skipped"]
    assert mp3.stat().st_mtime_ns == stamp and decode(mp3).size > 0

    server.add("/batch-again", ARTICLE_PAGE.replace("</article>", "<p>A late paragraph was added.</p></article>"))
    changed = invoke(*args)
    assert [a["status"] for a in json.loads(changed.stdout)["articles"]] == ["rendered"]
    assert mp3.stat().st_mtime_ns != stamp
