"""``audiogen follow``: feeds served by a loopback HTTP server, followed into a show.

The show it builds is read back with feedparser and podcastparser, as publishing's own
tests do; the follow state is checked to stay private.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

import feedparser
import podcastparser
import pytest

from audiogen.publish.show import init_show, public_files
from audiogen.run import follow
from audiogen.settings import RenderSettings
from conftest import FAKE, invoke
from loopback import Loopback

WORDS = ("harbor", "ferry", "morning", "captain", "island", "lantern", "rope", "gull", "tide", "pier")
SETTINGS = RenderSettings().merged({"stingers": False, "engine": "fake"})  # logic tests: the fake engine
SHOW_FIELDS = {"title": "Read Aloud", "author": "The Desk", "base_url": "https://pod.example.org/ra"}


def body_text(topic: str, n: int = 8) -> str:
    """About 12 words a sentence: n=8 is ~100 words, past follow.MIN_CONTENT_WORDS."""
    return "".join(f"<p>The {topic} story goes on as the {WORDS[i % 10]} waits by the {WORDS[(i + 3) % 10]} "
                   f"until the light comes back.</p>" for i in range(n))


def page(title: str, topic: str, canonical: str | None = None) -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (f"<!doctype html><html lang='en'><head><title>{title} | Blog</title>{link}</head>"
            f"<body><nav>Home About</nav><article><h1>{title}</h1>{body_text(topic)}</article>"
            f"<footer>Copyright</footer></body></html>")


def date(day: int) -> datetime:
    return datetime(2024, 3, day, 9, 30, tzinfo=timezone.utc)


def rss_item(guid: str, title: str, link: str, day: int, content: str | None = None, author: str | None = None,
             description: str = "A short teaser.") -> str:
    parts = [f"<title>{title}</title>", f"<link>{link}</link>", f'<guid isPermaLink="false">{guid}</guid>',
             f"<pubDate>{format_datetime(date(day))}</pubDate>", f"<description>{description}</description>"]
    if author:
        parts.append(f"<dc:creator>{author}</dc:creator>")
    if content is not None:
        parts.append(f"<content:encoded><![CDATA[{content}]]></content:encoded>")
    return "<item>" + "".join(parts) + "</item>"


def rss(items: list[str]) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            "<channel><title>The Blog</title><link>https://blog.example.org/</link><description>Posts</description>"
            "<language>en</language>" + "".join(items) + "</channel></rss>")


@pytest.fixture(scope="module")
def server():
    s = Loopback()
    yield s
    s.close()


def _follow(feed_url: str, root: Path, *extra: str):
    proc = invoke("follow", feed_url, "--show", str(root), "--no-stingers", *FAKE, *extra)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


# ------------------------------------------------------------------ RSS, followed four times


@pytest.fixture(scope="module")
def rss_runs(server, tmp_path_factory):
    """Run 1: an item with content:encoded, one with only a link (canonical page), a duplicate
    guid, and one whose page is a 404. Run 2: the page is back. Run 3: nothing new. Run 4: the
    first item's text changed."""
    root = init_show(tmp_path_factory.mktemp("rss") / "show", **SHOW_FIELDS).root
    server.add("/posts/tides", page("Reading the Tides", "tide", canonical="https://blog.example.org/tides"))
    items = [
        rss_item("post-1", "The Night Ferry", server.url("/posts/ferry"), 1, content=body_text("ferry"),
                 author="Ada Pell"),
        rss_item("post-2", "Reading the Tides", server.url("/posts/tides"), 2, author="Ben Ode"),
        rss_item("post-1", "The Night Ferry (copy)", server.url("/posts/ferry-copy"), 3, content=body_text("copy")),
        rss_item("post-3", "Lost Page", server.url("/posts/lost"), 4),
    ]
    url = server.add("/rss.xml", rss(items), content_type="application/rss+xml; charset=utf-8", etag='"v1"')
    runs = {"root": root, "url": url}
    runs[1] = _follow(url, root, "--json")
    runs["feed1"] = (root / "feed.xml").read_bytes()
    server.add("/posts/lost", page("Lost Page", "lantern"))
    runs[2] = _follow(url, root, "--json")
    runs["feed2"] = (root / "feed.xml").read_bytes()
    runs[3] = _follow(url, root)
    items[0] = rss_item("post-1", "The Night Ferry", server.url("/posts/ferry"), 1,
                        content=body_text("ferry") + "<p>An update: the ferry now also stops at the island.</p>",
                        author="Ada Pell")
    server.add("/rss.xml", rss(items), content_type="application/rss+xml; charset=utf-8", etag='"v2"')
    runs[4] = _follow(url, root, "--json")
    runs["feed4"] = (root / "feed.xml").read_bytes()
    return runs


def test_first_run_publishes_items_reports_failure_and_duplicate(rss_runs):
    code, out, err = rss_runs[1]
    assert code == 1, err
    data = json.loads(out)
    status = {i["title"]: i["status"] for i in data["items"]}
    assert status == {"The Night Ferry": "published", "Reading the Tides": "published", "Lost Page": "failed"}
    lost = next(i for i in data["items"] if i["title"] == "Lost Page")
    assert lost["error"] == f"cannot fetch {rss_runs['url'].replace('rss.xml', 'posts/lost')}: HTTP 404 Not Found"
    assert data["duplicates"] == ["post-1"] and data["published"] == 2 and data["failed"] == 1
    assert "Error: Lost Page: cannot fetch" in err


def test_feed_of_the_show_has_items_title_date_author_and_canonical_link(rss_runs):
    root = rss_runs["root"]
    feed = feedparser.parse(rss_runs["feed1"])
    assert not feed.bozo, feed.bozo_exception
    by_title = {e.title: e for e in feed.entries}
    assert set(by_title) == {"The Night Ferry", "Reading the Tides"}
    ferry, tides = by_title["The Night Ferry"], by_title["Reading the Tides"]
    assert datetime(*ferry.published_parsed[:6], tzinfo=timezone.utc) == date(1)
    assert datetime(*tides.published_parsed[:6], tzinfo=timezone.utc) == date(2)
    assert ferry.author == "Ada Pell" and tides.author == "Ben Ode"
    assert tides.link == "https://blog.example.org/tides"  # the page's canonical URL
    assert ferry.link == rss_runs["url"].replace("rss.xml", "posts/ferry")  # the item's link
    assert (ferry.itunes_episode, tides.itunes_episode) == ("1", "2")  # numbered in publication order
    for e in feedparser.parse((root / "feed.xml").read_bytes()).entries:  # the show as it is now
        mp3 = root / "episodes" / e.enclosures[0].href.split("/episodes/")[1]
        assert int(e.enclosures[0].length) == mp3.stat().st_size
    page = (root / "episodes" / "reading-the-tides" / "index.html").read_text("utf-8")
    assert '<a href="https://blog.example.org/tides" rel="noopener">Read the article</a>' in page
    import io

    parsed = podcastparser.parse("https://pod.example.org/ra/feed.xml", io.BytesIO(rss_runs["feed1"]))
    assert sorted(e["title"] for e in parsed["episodes"]) == ["Reading the Tides", "The Night Ferry"]
    assert all(e["chapters"] and e["total_time"] > 0 for e in parsed["episodes"])


def test_state_is_private(rss_runs):
    root = rss_runs["root"]
    assert (root / follow.STATE_DIR).is_dir()
    assert not any(p.parts[0] == follow.STATE_DIR for p in public_files(root))
    for p in public_files(root):
        assert str(root) not in (root / p).read_text("utf-8", errors="replace")


def test_failed_item_is_retried_from_the_cached_feed(rss_runs, server):
    code, out, err = rss_runs[2]
    assert code == 0, err
    data = json.loads(out)
    assert data["http_status"] == 304  # the feed had not changed: its cached copy was read
    assert [(i["title"], i["status"]) for i in data["items"]] == [("Lost Page", "published")]
    feed = feedparser.parse(rss_runs["feed2"])
    assert len(feed.entries) == 3 and not feed.bozo


def test_nothing_new_is_one_line_and_exit_0(rss_runs):
    code, out, err = rss_runs[3]
    assert code == 0 and out == ""
    assert err.splitlines() == [f"Nothing new in {rss_runs['url']} (not modified): 3 items already published."]


def test_changed_item_is_rerendered_and_keeps_its_guid_number_and_date(rss_runs):
    code, out, err = rss_runs[4]
    assert code == 0, err
    data = json.loads(out)
    assert [(i["title"], i["status"]) for i in data["items"]] == [("The Night Ferry", "updated")]
    assert data["updated"] == 1 and data["published"] == 0
    before = {e.title: e for e in feedparser.parse(rss_runs["feed2"]).entries}["The Night Ferry"]
    after = {e.title: e for e in feedparser.parse(rss_runs["feed4"]).entries}["The Night Ferry"]
    assert after.id == before.id and after.itunes_episode == before.itunes_episode
    assert after.published == before.published and after.enclosures[0].href == before.enclosures[0].href
    durations = [next(i["duration"] for i in json.loads(rss_runs[n][1])["items"] if i["title"] == "The Night Ferry")
                 for n in (1, 4)]
    assert durations[1] > durations[0] + 0.5  # the new sentence is read
    assert len(feedparser.parse(rss_runs["feed4"]).entries) == 3


# ------------------------------------------------------------------ Atom, limit, since


def atom(entries: list[str]) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>Atom Blog</title><id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>"
            "<updated>2024-03-05T00:00:00Z</updated><author><name>Feed Author</name></author>"
            + "".join(entries) + "</feed>")


def atom_entry(id_: str, title: str, link: str, day: int, content: str | None = None, author: str | None = None) -> str:
    parts = [f"<id>{id_}</id>", f"<title>{title}</title>", f'<link rel="alternate" href="{link}"/>',
             f"<published>{date(day).isoformat()}</published>", f"<updated>{date(day).isoformat()}</updated>",
             "<summary>Teaser only.</summary>"]
    if author:
        parts.append(f"<author><name>{author}</name></author>")
    if content is not None:
        parts.append(f'<content type="html"><![CDATA[{content}]]></content>')
    return "<entry>" + "".join(parts) + "</entry>"


def test_atom_feed_with_and_without_content(server, tmp_path):
    root = init_show(tmp_path / "show", **SHOW_FIELDS).root
    server.add("/atom/linked", page("Lanterns at Dusk", "lantern"))
    url = server.add("/atom.xml", atom([
        atom_entry("urn:a:1", "Gulls of the Pier", server.url("/atom/gulls"), 1, content=body_text("gull"),
                   author="Cy Rowe"),
        atom_entry("urn:a:2", "Lanterns at Dusk", server.url("/atom/linked"), 2),
    ]), content_type="application/atom+xml")
    result = follow.follow(root, url, SETTINGS)
    assert [(r.title, r.status) for r in result.items] == [("Gulls of the Pier", "published"),
                                                           ("Lanterns at Dusk", "published")]
    entries = {e.title: e for e in feedparser.parse((root / "feed.xml").read_bytes()).entries}
    assert entries["Gulls of the Pier"].author == "Cy Rowe"
    assert entries["Lanterns at Dusk"].author == "Feed Author"  # the feed's author stands in
    assert entries["Lanterns at Dusk"].link == server.url("/atom/linked")  # no canonical: the URL read
    again = follow.follow(root, url, SETTINGS)
    assert again.items == () and again.nothing_new and again.seen == 2


def test_limit_and_since_mark_older_items_seen(server, tmp_path):
    root = init_show(tmp_path / "show", **SHOW_FIELDS).root
    items = [rss_item(f"g{d}", f"Day {d} Notes", server.url(f"/d/{d}"), d, content=body_text(f"day {d}"))
             for d in (1, 2, 3, 4)]
    url = server.add("/limit.xml", rss(items), content_type="application/rss+xml")
    result = follow.follow(root, url, SETTINGS, limit=1, since="2024-03-02")
    assert [r.title for r in result.items] == ["Day 4 Notes"]
    assert sorted(result.skipped) == ["g1", "g2", "g3"]
    again = follow.follow(root, url, SETTINGS)
    assert again.nothing_new and again.items == ()
    assert len(feedparser.parse((root / "feed.xml").read_bytes()).entries) == 1


def test_plan_orders_oldest_first_and_retries_failures():
    items = tuple(follow.FeedItem(k, k, None, None, date(d).isoformat(), None, None, None, f"h{k}", i)
                  for i, (k, d) in enumerate([("c", 3), ("b", 2), ("a", 1)]))
    feed = follow.ParsedFeed("t", None, None, items, ())
    state = {"items": {"a": {"status": "failed", "digest": "ha"}, "b": {"status": "published", "digest": "old"}}}
    todo, left_out, seen = follow.plan(feed, state)
    assert [(i.key, why) for i, why in todo] == [("a", "retry"), ("b", "changed"), ("c", "new")]
    assert left_out == [] and seen == 0


# ------------------------------------------------------------------ the feed itself fails: nothing written


@pytest.mark.parametrize("route,kw,cause", [
    ("/missing.xml", None, "HTTP 404 Not Found"),
    ("/slow.xml", {"body": rss([]), "delay": 3}, "timed out after 0.5 s"),
    ("/big.xml", {"body": "<rss/>", "length": 30 * 2**20}, "too large (30.0 MB; the limit is 20 MB)"),
    ("/notfeed", {"body": b"\x89PNG....", "content_type": "image/png"}, "is not an RSS or Atom feed"),
    ("/page.html", {"body": page("Just a page", "rope")}, "is a web page, not an RSS or Atom feed"),
])
def test_feed_failures_are_one_line_exit_3_and_write_nothing(server, tmp_path, route, kw, cause):
    root = init_show(tmp_path / "show", **SHOW_FIELDS).root
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    url = server.add(route, **kw) if kw else server.url(route)
    code, out, err = _follow(url, root, "--timeout", "0.5")
    assert code == 3 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("Error: ") and url in err and cause in err, err
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_redirected_feed_is_followed_and_a_page_names_its_feed(server, tmp_path):
    root = init_show(tmp_path / "show", **SHOW_FIELDS).root
    url = server.add("/real.xml", rss([rss_item("r1", "Rope Work", server.url("/r1"), 1, content=body_text("rope"))]),
                     content_type="application/rss+xml")
    server.redirect("/moved.xml", url, 301)
    server.add("/home", page("Home", "home").replace("</head>",
               '<link rel="alternate" type="application/rss+xml" href="/moved.xml"></head>'))
    result = follow.follow(root, server.url("/home"), SETTINGS)
    assert [(r.title, r.status) for r in result.items] == [("Rope Work", "published")]


def test_feed_bytes_are_never_opened_as_a_path(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_text(rss([rss_item("s", "Secret", "https://x.example/s", 1)]), encoding="utf-8")
    with pytest.raises(follow.InputError, match="not an RSS or Atom feed"):
        follow.parse_feed(str(secret).encode(), "https://feed.example/x")
