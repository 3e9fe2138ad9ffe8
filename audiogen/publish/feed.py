"""feed.xml: RSS 2.0 with Apple Podcasts, Podcasting 2.0 and Podlove Simple Chapters tags.

Built with feedgen (and its podcast extension) plus a small feedgen extension of our
own for what feedgen lacks: ``itunes:explicit`` as true/false, the ``podcast:`` tags
and ``psc:chapters``. Output is a pure function of the show config and episodes, so
rebuilding an unchanged show gives byte-identical XML (lastBuildDate = newest pubDate).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from lxml import etree

from audiogen.publish.show import ShowConfig
from audiogen.text import clean as xml_text  # the one scrubber: what it keeps is valid XML 1.0
from audiogen.text import one_line

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
PSC_NS = "http://podlove.org/simple-chapters"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
ATOM_NS = "http://www.w3.org/2005/Atom"
NSMAP = {"itunes": ITUNES_NS, "podcast": PODCAST_NS, "psc": PSC_NS, "content": CONTENT_NS, "atom": ATOM_NS}

MAX_DESCRIPTION_BYTES = 4000
GENERATOR = "audiogen"

def truncate_bytes(text: str, limit: int = MAX_DESCRIPTION_BYTES) -> str:
    """Cut ``text`` to at most ``limit`` UTF-8 bytes, on a character boundary, with an ellipsis."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    cut = data[: limit - len("…".encode("utf-8"))].decode("utf-8", "ignore")
    return cut.rstrip() + "…"


@dataclass(frozen=True)
class FeedEpisode:
    """One published episode, as the feed shows it (all URLs absolute)."""

    guid: str
    title: str
    description: str  # plain text
    pub_date: datetime  # timezone-aware
    number: int
    enclosure_url: str
    length: int  # bytes, from the file on disk
    duration: float  # seconds
    page_url: str
    image_url: str | None = None
    author: str | None = None
    explicit: bool = False
    language: str | None = None
    vtt_url: str | None = None
    srt_url: str | None = None
    transcript_url: str | None = None  # Podcasting 2.0 JSON transcript (paragraphs, speakers)
    chapters_url: str | None = None
    timestamps: tuple[str, ...] = ()  # "MM:SS Title" lines for the description
    psc: tuple[tuple[str, str], ...] = ()  # (npt start, title) for psc:chapters
    article_url: str | None = None  # the article read (its canonical URL): the item's <link> when known


def _sub(parent: etree._Element, ns: str, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ns}}}{tag}", {k: xml_text(v) for k, v in attrib.items()})
    if text is not None:
        el.text = xml_text(text)
    return el


def _bool(value: bool) -> str:
    return "true" if value else "false"


class AudiogenFeedExtension:
    """feedgen channel extension: itunes:explicit (true/false), podcast:guid/locked/medium."""

    def __init__(self) -> None:
        self._explicit: bool | None = None
        self._guid: str | None = None
        self._locked: tuple[bool, str | None] | None = None

    def set(self, *, explicit: bool, guid: str, locked: bool, owner_email: str | None) -> None:
        self._explicit, self._guid, self._locked = explicit, guid, (locked, owner_email)

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS, "psc": PSC_NS}

    def extend_rss(self, rss: etree._Element) -> etree._Element:
        channel = rss[0]
        if self._explicit is not None:
            _sub(channel, ITUNES_NS, "explicit", _bool(self._explicit))
        if self._guid:
            _sub(channel, PODCAST_NS, "guid", self._guid)
        if self._locked is not None:
            locked, owner = self._locked
            attrs = {"owner": owner} if owner else {}
            _sub(channel, PODCAST_NS, "locked", "yes" if locked else "no", **attrs)
        _sub(channel, PODCAST_NS, "medium", "podcast")
        return rss

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        return feed


class AudiogenEntryExtension:
    """feedgen item extension: itunes:explicit, podcast:transcript/chapters/episode, psc:chapters."""

    def __init__(self) -> None:
        self._ep: FeedEpisode | None = None

    def set(self, episode: FeedEpisode) -> None:
        self._ep = episode

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS, "psc": PSC_NS}

    def extend_rss(self, item: etree._Element) -> etree._Element:
        ep = self._ep
        if ep is None:
            return item
        _sub(item, ITUNES_NS, "explicit", _bool(ep.explicit))
        lang = {"language": ep.language} if ep.language else {}
        if ep.vtt_url:
            _sub(item, PODCAST_NS, "transcript", url=ep.vtt_url, type="text/vtt", rel="captions", **lang)
        if ep.srt_url:
            _sub(item, PODCAST_NS, "transcript", url=ep.srt_url, type="application/x-subrip", rel="captions", **lang)
        if ep.transcript_url:
            _sub(item, PODCAST_NS, "transcript", url=ep.transcript_url, type="application/json", **lang)
        if ep.chapters_url:
            _sub(item, PODCAST_NS, "chapters", url=ep.chapters_url, type="application/json+chapters")
        _sub(item, PODCAST_NS, "episode", str(ep.number))
        if ep.psc:
            box = _sub(item, PSC_NS, "chapters", version="1.2")
            for start, title in ep.psc:
                _sub(box, PSC_NS, "chapter", start=start, title=one_line(title))
        return item

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        return entry


# Each line of the plain description ends with a space: a client that drops newlines (castero
# does) still shows "...sand. Chapters: 00:00 Intro 00:13 The Crossing", not "sand.Chapters:00:00 Intro00:13".
_BR = " \n"


def _plain(summary: str, stamps: list[str]) -> str:
    paras = [" ".join(p.split()) for p in summary.split("\n\n") if p.strip()]
    text = (_BR + "\n").join(paras)
    if stamps:
        text += _BR + "\n" + "Chapters:" + _BR + _BR.join(stamps)
    return text


def _html(summary: str, stamps: list[str]) -> str:
    out = "".join(f"<p>{html.escape(' '.join(p.split()))}</p>" for p in summary.split("\n\n") if p.strip())
    if stamps:
        out += "<p>Chapters:</p><ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in stamps) + "</ul>"
    return out


def item_description(ep: FeedEpisode) -> tuple[str, str]:
    """(plain text, HTML) descriptions: the summary, then the chapter timestamps, then a link to
    the article read (when known).

    The plain one (``description``) has a timestamp per line, as Spotify reads chapters, and
    breaks that survive clients that drop newlines; the HTML one (``content:encoded``) has
    paragraphs and the chapters as a list.
    """
    summary = xml_text(ep.description).strip() or xml_text(ep.title)
    stamps = [one_line(s) for s in ep.timestamps]
    url = ep.article_url if ep.article_url and len(ep.article_url) <= 1000 else None
    plain_tail = (_BR + "\n" + f"Read the article: {url}") if url else ""
    rich_tail = f'<p><a href="{html.escape(url)}">Read the article</a></p>' if url else ""
    plain, rich = _plain(summary, stamps) + plain_tail, _html(summary, stamps) + rich_tail
    if len(plain.encode("utf-8")) > MAX_DESCRIPTION_BYTES or len(rich.encode("utf-8")) > MAX_DESCRIPTION_BYTES:
        # Keep the timestamps whole (they carry the chapters) and shorten the summary.
        room = MAX_DESCRIPTION_BYTES - max(len((_plain("", stamps) + plain_tail).encode()),
                                           len((_html("", stamps) + rich_tail).encode())) - 16
        short = truncate_bytes(" ".join(summary.split()), max(200, room) // 2)  # HTML escaping can double the size
        plain, rich = truncate_bytes(_plain(short, stamps) + plain_tail), _html(short, stamps) + rich_tail
        if len(rich.encode()) > MAX_DESCRIPTION_BYTES:
            rich = f"<p>{html.escape(truncate_bytes(short, 1500))}</p>" + rich_tail
    return plain, rich


def sort_episodes(episodes: Sequence[FeedEpisode]) -> list[FeedEpisode]:
    """Newest first; ties broken by episode number then guid, so the order is stable."""
    return sorted(episodes, key=lambda e: (e.pub_date, e.number, e.guid), reverse=True)


def build_feed(config: ShowConfig, cover_url: str, episodes: Sequence[FeedEpisode]) -> bytes:
    """The complete feed.xml bytes for a show and its published episodes."""
    from feedgen.feed import FeedGenerator  # ~0.2 s: loaded when a feed is written, not by every render that imports the pipeline

    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("audiogen", AudiogenFeedExtension, AudiogenEntryExtension)
    fg.title(one_line(config.title))
    # feedgen takes the RSS <link> from the last link() call, so "alternate" goes last.
    fg.link(href=config.feed_url, rel="self", type="application/rss+xml")
    fg.link(href=config.website, rel="alternate")
    fg.description(truncate_bytes(xml_text(config.description).strip() or one_line(config.title)))
    fg.language(config.language)
    fg.generator(GENERATOR)
    fg.image(url=cover_url, title=one_line(config.title), link=config.website)
    fg.podcast.itunes_author(one_line(config.author))
    fg.podcast.itunes_image(cover_url)
    cat = {"cat": config.category}
    if config.subcategory:
        cat["sub"] = config.subcategory
    fg.podcast.itunes_category(cat)
    if config.owner_email:
        fg.podcast.itunes_owner(name=one_line(config.owner_name), email=config.owner_email)
    fg.podcast.itunes_type("episodic")
    fg.audiogen.set(
        explicit=config.explicit, guid=config.podcast_guid, locked=config.locked, owner_email=config.owner_email
    )

    ordered = sort_episodes(episodes)
    if ordered:
        newest = ordered[0].pub_date
        fg.lastBuildDate(newest)
        fg.pubDate(newest)
    for ep in ordered:
        fe = fg.add_entry(order="append")
        fe.title(one_line(ep.title) or f"Episode {ep.number}")
        fe.link(href=ep.article_url or ep.page_url)
        plain, rich = item_description(ep)
        fe.description(plain)
        fe.content(rich)
        fe.guid(ep.guid, permalink=False)
        fe.pubDate(ep.pub_date)
        fe.enclosure(ep.enclosure_url, str(ep.length), "audio/mpeg")
        fe.podcast.itunes_duration(str(max(1, int(round(ep.duration)))))
        fe.podcast.itunes_episode(ep.number)
        fe.podcast.itunes_episode_type("full")
        if ep.author:
            fe.podcast.itunes_author(one_line(ep.author))
        if ep.image_url:
            fe.podcast.itunes_image(ep.image_url)
        fe.audiogen.set(ep)

    root = etree.fromstring(fg.rss_str(pretty=False))
    if not ordered:
        # feedgen always stamps "now"; an empty show has no build date worth changing.
        for tag in ("lastBuildDate", "pubDate"):
            for el in root.findall(f"channel/{tag}"):
                el.getparent().remove(el)
    etree.cleanup_namespaces(root, top_nsmap=NSMAP)
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
