"""Keep a show up to date from an RSS 2.0 or Atom feed (``audiogen follow FEED --show SHOW``).

One run: fetch the feed (a conditional GET), parse it with feedparser, and for every item
not seen before, or whose content changed, render an episode and publish it into the show
with the item's title, date and author. What was seen is remembered in the show's private
state (``SHOWDIR/.audiogen-follow/``, never served): per item its key (guid/id, else link),
a hash of what the feed says about it, the hash of its narration script and its slug.

A failing item is reported and tried again on the next run; the others publish. An item
whose content changed keeps its slug, so its episode keeps its guid, number and date.

Rendering one item is :func:`render_item`, a top-level function of one picklable
:class:`ItemJob`: a process pool or a cluster can run it (``runner`` of :func:`follow`);
publishing and the state stay in the calling process.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import io
import json
import time
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence
from urllib.parse import quote, urljoin, urlsplit

import feedparser
import lxml.html
from lxml import etree

from audiogen import pipeline
from audiogen.errors import AudiogenError, ConfigError, InputError
from audiogen.fsutil import atomic_write_bytes, atomic_write_text
from audiogen.publish.show import load_show
from audiogen.read.fetch import ACCEPT_FEED, FetchError, decode, fetch, is_url
from audiogen.script import dumps_json
from audiogen.settings import RenderSettings

STATE_DIR = ".audiogen-follow"  # a dot-folder: private to the show, never published
STATE_VERSION = 1
# A feed's full text shorter than this is an excerpt ("... Continue reading"): the page is read instead.
MIN_CONTENT_WORDS = 80
NEW, CHANGED, RETRY = "new", "changed", "retry"
PUBLISHED, UPDATED, UNCHANGED, FAILED, SKIPPED = "published", "updated", "unchanged", "failed", "skipped"


# ------------------------------------------------------------------ the feed


@dataclass(frozen=True)
class FeedItem:
    """One feed item, as plain data (picklable)."""

    key: str  # guid / Atom id, else the link
    title: str | None
    link: str | None
    author: str | None
    published: str | None  # ISO 8601 UTC, from pubDate/published, else updated
    content: str | None  # full text (content:encoded, Atom content) as HTML
    summary: str | None
    language: str | None
    digest: str  # sha256 of what the feed says about the item: a change means re-render
    index: int = 0  # position in the feed (0 = first)

    @property
    def when(self) -> datetime | None:
        return datetime.fromisoformat(self.published) if self.published else None

    @property
    def label(self) -> str:
        return self.title or self.link or self.key


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    link: str | None
    language: str | None
    items: tuple[FeedItem, ...]
    duplicates: tuple[str, ...]  # keys that appeared more than once (the first one is used)


def _iso(parsed: time.struct_time | None) -> str | None:
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), timezone.utc).isoformat()
    except (OverflowError, ValueError, OSError):
        return None


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def _content(entry: Any) -> str | None:
    """The item's full text: HTML content first, then any other content (content:encoded, Atom content)."""
    contents = [c for c in entry.get("content") or [] if isinstance(c.get("value"), str) and c["value"].strip()]
    if not contents:
        return None
    for c in contents:
        if "html" in (c.get("type") or ""):
            return c["value"]
    value = contents[0]["value"]
    return "".join(f"<p>{html.escape(p.strip())}</p>" for p in value.split("\n\n") if p.strip())


def _author(entry: Any) -> str | None:
    detail = entry.get("author_detail") or {}
    return _text(detail.get("name")) or _text(entry.get("author"))


def _http_url(value: Any, base: str) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    url = urljoin(base, value.strip())
    return url if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc else None


def parse_feed(data: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse RSS 2.0 / Atom (/ RSS 1.0) bytes with feedparser; InputError when it is not a feed."""

    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    # A stream, never bytes: feedparser opens bytes that name a file (b"/etc/passwd") as that file.
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers, sanitize_html=True,
                              resolve_relative_uris=True)
    if not parsed.get("version") and not parsed.entries:
        why = parsed.get("bozo_exception")
        raise InputError(f"{url} is not an RSS or Atom feed" + (f" ({why})" if why else ""))
    feed = parsed.feed
    language = _text(feed.get("language"))
    items: list[FeedItem] = []
    seen: set[str] = set()
    duplicates: list[str] = []
    for index, entry in enumerate(parsed.entries):
        link = _http_url(entry.get("link"), url)
        key = _text(entry.get("id")) or link
        title = _text(entry.get("title"))
        content = _content(entry)
        summary = entry.get("summary") if isinstance(entry.get("summary"), str) else None
        if key is None:  # neither guid nor link: the item's own text is all that names it
            if not (title or content or summary):
                continue
            key = "sha256:" + hashlib.sha256(f"{title}\n{content or summary}".encode("utf-8")).hexdigest()[:32]
        if key in seen:
            duplicates.append(key)
            continue
        seen.add(key)
        published = _iso(entry.get("published_parsed")) or _iso(entry.get("updated_parsed"))
        author = _author(entry) or _author(feed)
        what = {"title": title, "link": link, "author": author, "content": content,
                "summary": None if content else summary, "updated": _iso(entry.get("updated_parsed"))}
        digest = hashlib.sha256(json.dumps(what, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
        items.append(FeedItem(key, title, link, author, published, content, summary,
                              _text(entry.get("language")) or language, digest, index))
    return ParsedFeed(_text(feed.get("title")), _http_url(feed.get("link"), url), language, tuple(items),
                      tuple(duplicates))


_ALTERNATE_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+xml")


def discover_feed(page_html: str, base_url: str) -> str | None:
    """The feed a web page announces (``<link rel="alternate" type="application/rss+xml">``)."""

    try:
        doc = lxml.html.document_fromstring(page_html[:2_000_000])
    except (etree.ParserError, ValueError):
        return None
    for el in doc.xpath("//link[@href]"):
        rels = (el.get("rel") or "").lower().split()
        if "alternate" in rels and (el.get("type") or "").lower().strip() in _ALTERNATE_TYPES:
            return _http_url(el.get("href"), base_url)
    return None


# ------------------------------------------------------------------ state (private to the show)


def state_paths(show_root: Path, feed_url: str) -> tuple[Path, Path, Path]:
    """(state JSON, cached feed body, lock) of one followed feed in a show."""
    name = hashlib.sha256(feed_url.encode("utf-8")).hexdigest()[:16]
    folder = Path(show_root) / STATE_DIR
    return folder / f"{name}.json", folder / f"{name}.feed", folder / f"{name}.lock"


def load_state(path: Path, feed_url: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path} is damaged ({exc}); delete it to start following the feed afresh "
                          "(episodes already in the show stay, unchanged items are skipped)") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), dict):
        data = {"version": STATE_VERSION, "feed_url": feed_url, "items": {}}
    return data


def save_state(path: Path, state: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(state, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


class _Busy:
    """A non-blocking lock: a second ``follow`` of the same feed (an overlapping cron run) stops at once."""

    def __init__(self, path: Path, feed_url: str):
        self.path, self.feed_url, self.fh = path, feed_url, None

    def __enter__(self) -> "_Busy":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = open(self.path, "a+")
        try:
            import fcntl  # POSIX only (see the except)
        except ImportError:  # Windows: no advisory locks; one run at a time assumed
            return self
        try:
            fcntl.flock(self.fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.close()
            raise AudiogenError(f"another 'audiogen follow' of {self.feed_url} is running for this show; "
                                "try again when it has finished") from None
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.fh is not None:
            self.fh.close()


# ------------------------------------------------------------------ one item (runs anywhere)


@dataclass(frozen=True)
class ItemJob:
    """Everything a worker needs to render one feed item (picklable)."""

    item: FeedItem
    show_dir: str
    feed_url: str
    settings: RenderSettings
    reason: str  # new | changed | retry
    slug: str | None = None  # the item's episode, when it has one: re-renders keep it
    script_sha256: str | None = None  # of the script last rendered: unchanged text is not re-rendered
    timeout: float | None = None


@dataclass(frozen=True)
class ItemResult:
    """What happened to one item: ``episode`` is the rendered Episode (to publish) or None."""

    key: str
    title: str
    status: str  # published | updated | unchanged | failed (before publishing: "rendered" is implied)
    slug: str | None = None
    episode: Any = None
    script_sha256: str | None = None
    link: str | None = None
    error: str | None = None
    seconds: float = 0.0


def _words(fragment: str) -> int:
    try:
        return len(lxml.html.fragment_fromstring(fragment, create_parent="div").text_content().split())
    except Exception:  # not parseable as HTML: count its raw words
        return len(fragment.split())


def item_source(job: ItemJob):
    """The item as a pipeline Source: its full text from the feed, else its page fetched from the link.
    Its title, author and date are the feed's; its link is the page's canonical URL."""

    item = job.item
    origin = item.link or f"{job.feed_url}#{quote(item.key, safe='')}"
    if item.content and (not item.link or _words(item.content) >= MIN_CONTENT_WORDS):
        lang = f' lang="{html.escape(item.language)}"' if item.language else ""
        title = html.escape(item.title or "")
        page = (f"<!doctype html><html{lang}><head><meta charset=\"utf-8\"><title>{title}</title></head>"
                f"<body><article><h1>{title}</h1>\n{item.content}\n</article></body></html>")
        source = pipeline.load_source(origin, data=page.encode("utf-8"), fmt="html", settings=job.settings)
        link = item.link
    elif item.link:
        source = pipeline.load_source(item.link, settings=job.settings, timeout=job.timeout)
        link = source.link or item.link
    else:
        raise InputError("the item has no text of its own and no link to read it from")
    script = source.script
    date = item.published[:10] if item.published else script.date
    script = replace(script, title=item.title or script.title, author=item.author or script.author, date=date,
                     link=link)
    return replace(source, script=script, origin=origin)


def script_digest(script: Any) -> str:
    return hashlib.sha256(dumps_json(script).encode("utf-8")).hexdigest()


def render_item(job: ItemJob) -> ItemResult:
    """Render one feed item into its show (not published); every failure comes back as a result."""

    t0 = time.perf_counter()
    label = job.item.label
    try:
        source = item_source(job)
        digest = script_digest(source.script)
        show = load_show(job.show_dir)
        if job.slug and digest == job.script_sha256 and (show.episode_dir(job.slug)).is_dir():
            return ItemResult(job.item.key, label, UNCHANGED, slug=job.slug, script_sha256=digest,
                              link=source.script.link, seconds=round(time.perf_counter() - t0, 2))
        episode = pipeline.render(source, job.settings, show=show, slug=job.slug)
        status = UPDATED if job.reason == CHANGED and job.slug else PUBLISHED
        return ItemResult(job.item.key, label, status, slug=episode.slug, episode=episode, script_sha256=digest,
                          link=source.script.link, seconds=round(time.perf_counter() - t0, 2))
    except AudiogenError as exc:
        return ItemResult(job.item.key, label, FAILED, slug=job.slug, error=str(exc),
                          seconds=round(time.perf_counter() - t0, 2))
    except Exception as exc:  # a bug: one line, and the other items still publish
        return ItemResult(job.item.key, label, FAILED, slug=job.slug, seconds=round(time.perf_counter() - t0, 2),
                          error=f"internal error ({type(exc).__name__}: {exc}); please report it")


def run_in_process(fn: Callable[[ItemJob], ItemResult], jobs: Sequence[ItemJob]) -> Iterator[ItemResult]:
    """The default runner: one item after the other in this process (each render uses every core)."""
    for job in jobs:
        yield fn(job)


# ------------------------------------------------------------------ a run


@dataclass(frozen=True)
class FollowResult:
    feed_url: str
    status: int  # HTTP status of the feed: 200, or 304 when it had not changed
    feed_title: str | None
    items: tuple[ItemResult, ...]  # items rendered, updated, unchanged on inspection, or failed
    skipped: tuple[str, ...] = ()  # keys left out by --limit/--since (remembered, never rendered)
    duplicates: tuple[str, ...] = ()
    seen: int = 0  # items of the feed already in the show and unchanged
    feed_error: str | None = None

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.items)

    @property
    def nothing_new(self) -> bool:
        return not any(r.status in (PUBLISHED, UPDATED, FAILED) for r in self.items)

    def to_json(self) -> dict[str, Any]:
        items = []
        for r in self.items:
            d = {k: v for k, v in asdict(r).items() if v is not None and k != "episode"}
            if r.episode is not None:
                d["mp3"] = str(r.episode.mp3)
                d["duration"] = round(r.episode.duration, 3)
            items.append(d)
        data: dict[str, Any] = {"feed_url": self.feed_url, "http_status": self.status, "feed_title": self.feed_title,
                                "items": items, "seen": self.seen, "skipped": list(self.skipped),
                                "duplicates": list(self.duplicates)}
        for s in (PUBLISHED, UPDATED, UNCHANGED, FAILED):
            data[s] = self.count(s)
        if self.feed_error:
            data["feed_error"] = self.feed_error
        return data


def parse_since(since: datetime | str | None) -> datetime | None:
    if since is None or isinstance(since, datetime):
        when = since
    else:
        try:
            when = datetime.fromisoformat(str(since).strip().replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"--since {since!r} is not a date; give YYYY-MM-DD or an ISO 8601 time") from None
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when


def plan(feed: ParsedFeed, state: dict[str, Any], *, limit: int | None = None,
         since: datetime | None = None) -> tuple[list[tuple[FeedItem, str]], list[FeedItem], int]:
    """(items to render with why, in publication order; new items left out by limit/since; items seen).

    New items are those whose key is not in the state; changed ones have another digest;
    failed ones are retried. ``since`` and ``limit`` only narrow the new items.
    """
    known = state["items"]
    new: list[FeedItem] = []
    todo: list[tuple[FeedItem, str]] = []
    seen = 0
    for item in feed.items:
        rec = known.get(item.key)
        if rec is None:
            new.append(item)
        elif rec.get("status") == FAILED:
            todo.append((item, RETRY))
        elif rec.get("status") == SKIPPED:
            seen += 1
        elif rec.get("digest") != item.digest:
            todo.append((item, CHANGED))
        else:
            seen += 1
    # Newest first (undated items by their place in the feed, which lists newest first).
    newest_first = sorted(new, key=lambda i: (i.when or datetime.max.replace(tzinfo=timezone.utc), -i.index),
                          reverse=True)
    chosen = [i for i in newest_first if since is None or i.when is None or i.when >= since]
    if limit is not None:
        chosen = chosen[:max(0, limit)]
    left_out = [i for i in newest_first if i not in chosen]
    todo += [(i, NEW) for i in chosen]
    # Render (and number) in publication order: oldest first.
    todo.sort(key=lambda t: (t[0].when or datetime.max.replace(tzinfo=timezone.utc), -t[0].index))
    return todo, left_out, seen


def fetch_feed(url: str, state: dict[str, Any], cache: Path, timeout: float | None = None):
    """(Fetched, body): a conditional GET when the last body is cached; a web page that announces
    its feed is followed to it once."""

    have_cache = cache.is_file()
    got = fetch(url, accept=ACCEPT_FEED, timeout=timeout,
                etag=state.get("etag") if have_cache else None,
                last_modified=state.get("last_modified") if have_cache else None)
    if got.not_modified:
        try:
            return got, cache.read_bytes()
        except OSError:  # the cache went away between the check and now: ask again, unconditionally
            got = fetch(url, accept=ACCEPT_FEED, timeout=timeout)
    if got.content_type in ("text/html", "application/xhtml+xml"):
        found = discover_feed(decode(got.body, got.charset), got.final_url)
        if not found:
            raise FetchError(f"{url} is a web page, not an RSS or Atom feed, and it names no feed")
        got = fetch(found, accept=ACCEPT_FEED, timeout=timeout)
    return got, got.body


def follow(
    show_dir: Path | str,
    feed_url: str,
    settings: RenderSettings,
    *,
    limit: int | None = None,
    since: datetime | str | None = None,
    timeout: float | None = None,
    runner: Callable[[Callable[[ItemJob], ItemResult], Sequence[ItemJob]], Iterable[ItemResult]] | None = None,
    on_start: Callable[[int, int, FeedItem], None] | None = None,
    on_result: Callable[[ItemResult], None] | None = None,
) -> FollowResult:
    """One run of ``audiogen follow``: render and publish what is new or changed in the feed.

    ``runner(render_item, jobs)`` yields results as they finish (default: in this process,
    in order); each result is published, and the state saved, as soon as it arrives.
    A failure of the feed itself (fetch, parse) raises; a failure of an item does not.
    """

    if not is_url(feed_url):
        raise InputError(f"{feed_url} is not an http(s) URL; give the address of an RSS or Atom feed")
    show = load_show(show_dir)
    since_dt = parse_since(since)
    state_path, cache_path, lock_path = state_paths(show.root, feed_url)
    # The feed is fetched and parsed before anything is written: a feed that fails leaves no trace.
    got, body = fetch_feed(feed_url, load_state(state_path, feed_url), cache_path, timeout)
    feed = parse_feed(body, got.final_url, got.content_type or None)
    with _Busy(lock_path, feed_url):
        state = load_state(state_path, feed_url)
        if not got.not_modified:
            atomic_write_bytes(cache_path, body)
            state.update(etag=got.etag, last_modified=got.last_modified)
        state["checked_at"] = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        todo, left_out, seen = plan(feed, state, limit=limit, since=since_dt)
        now = state["checked_at"]
        for item in left_out:
            state["items"][item.key] = {"status": SKIPPED, "digest": item.digest, "title": item.title,
                                        "published": item.published, "first_seen": now}
        save_state(state_path, state)
        jobs = []
        for item, reason in todo:
            rec = state["items"].get(item.key) or {}
            jobs.append(ItemJob(item, str(show.root), feed_url, settings, reason, slug=rec.get("slug"),
                                script_sha256=rec.get("script_sha256") if reason == CHANGED else None,
                                timeout=timeout))
        by_key = {job.item.key: job for job in jobs}
        results: list[ItemResult] = []
        if runner is None:
            def in_process(fn: Callable[[ItemJob], ItemResult], jobs: Sequence[ItemJob]) -> Iterator[ItemResult]:
                for n, job in enumerate(jobs, 1):
                    if on_start:
                        on_start(n, len(jobs), job.item)
                    yield fn(job)
            runner = in_process
        for result in runner(render_item, jobs):
            item = by_key[result.key].item
            result = _publish(pipeline, show, item, result)
            rec = state["items"].setdefault(result.key, {"first_seen": now})
            rec.update(title=item.title, published=item.published, link=result.link or item.link)
            if result.status == FAILED:
                rec["attempts"] = int(rec.get("attempts") or 0) + 1
                rec.update(status=FAILED, error=result.error)
                if result.slug:
                    rec["slug"] = result.slug
            else:
                rec.update(status=PUBLISHED, digest=item.digest, slug=result.slug, script_sha256=result.script_sha256,
                           error=None, attempts=0, rendered_at=now if result.episode is not None else rec.get("rendered_at"))
            save_state(state_path, state)
            results.append(result)
            if on_result:
                on_result(result)
    return FollowResult(feed_url, got.status, feed.title, tuple(results), tuple(i.key for i in left_out),
                        feed.duplicates, seen)


def _publish(pipeline: Any, show: Any, item: FeedItem, result: ItemResult) -> ItemResult:
    """Publish a rendered item with the feed's date; a failure to publish fails the item."""
    if result.episode is None:
        return result
    try:
        pipeline.publish(result.episode, show, pub_date=item.when)
    except AudiogenError as exc:
        return replace(result, status=FAILED, error=f"rendered, but not published: {exc}")
    return result
