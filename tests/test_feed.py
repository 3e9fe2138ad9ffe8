"""feed.xml: parsed by feedparser and podcastparser, every required tag checked against the files."""

from __future__ import annotations

import io
import json
import multiprocessing
import struct
import subprocess
import wave
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from lxml import etree

from audiogen.errors import InputError
from audiogen.publish import publish_episode, rebuild
from audiogen.publish.feed import ITUNES_NS, PODCAST_NS, PSC_NS, truncate_bytes, xml_text
from audiogen.publish.show import init_show, podcast_guid_for

NS = {"itunes": ITUNES_NS, "podcast": PODCAST_NS, "psc": PSC_NS}
T0 = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)

# --- helpers shared by the publishing tests (imported by test_site / test_serve) ------------

_MP3_CACHE: dict[float, bytes] = {}


def mp3_bytes(seconds: float = 3.0) -> bytes:
    """A small real MP3 (sine tone) encoded with the bundled ffmpeg; cached per length."""
    if seconds not in _MP3_CACHE:
        import math

        import imageio_ffmpeg

        rate = 22050
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            n = int(seconds * rate)
            w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(n)))
        out = subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "wav", "-i", "pipe:0",
             "-codec:a", "libmp3lame", "-b:a", "32k", "-f", "mp3", "pipe:1"],
            input=buf.getvalue(), capture_output=True, check=True, timeout=60,
        )
        _MP3_CACHE[seconds] = out.stdout
    return _MP3_CACHE[seconds]


def make_show(tmp: Path, **over) -> Path:
    fields = dict(
        title="Tide Tables & Other Stories", author="Harbour Desk", description="Short readings about the sea.",
        language="en", category="Science", subcategory="Earth Sciences", explicit=False,
        base_url="https://pod.example.org/tides", owner_name="Pat Keeper", owner_email="pat@example.org",
        locked=True,
    )
    fields.update(over)
    root = tmp / "show"
    init_show(root, **fields)
    return root


def make_manifest(slug: str, title: str = "Why the tide turns", seconds: float = 3.0, **over) -> dict:
    d = seconds
    m = {
        "manifest_version": 1, "slug": slug, "title": title, "author": "Rosa Marin", "date": "2026-02-20",
        "language": "en", "description": "A look at how the moon pulls the sea, read aloud.",
        "mp3": f"{slug}.mp3", "bytes": 0, "duration": d, "channels": 1, "sample_rate": 22050, "bitrate": 32,
        "chapters": [
            {"title": "Intro", "start": 0.0, "end": d / 3},
            {"title": "The moon's pull", "start": d / 3, "end": 2 * d / 3},
            {"title": "Outro", "start": 2 * d / 3, "end": d},
        ],
        "cues": [
            {"start": 0.05, "end": d / 3, "role": "title", "speaker": None, "text": title},
            {"start": d / 3, "end": d / 2, "role": "narrator", "speaker": None, "text": "The sea rises twice a day."},
            {"start": d / 2, "end": 2 * d / 3, "role": "quote", "speaker": "Ana Ruiz", "text": "It is the moon, mostly."},
        ],
        "loudness": None, "source_sha256": "0" * 64, "rendered_at": "2026-02-28T10:00:00Z",
    }
    m.update(over)
    return m


def add_episode(show: Path, slug: str, *, publish: bool = True, now: datetime = T0, seconds: float = 3.0, **over) -> Path:
    """Write what the renderer would (MP3 first, manifest last) and publish it."""
    folder = show / "episodes" / slug
    folder.mkdir(parents=True, exist_ok=True)
    data = mp3_bytes(seconds)
    (folder / f"{slug}.mp3").write_bytes(data)
    m = make_manifest(slug, seconds=seconds, **over)
    m["bytes"] = len(data)
    path = folder / f"{slug}.episode.json"
    path.write_text(json.dumps(m), encoding="utf-8")
    if publish:
        publish_episode(show, path, now=now)
    return path


def mp3_duration(path: Path) -> float:
    from mutagen.mp3 import MP3

    return MP3(path).info.length


# --- tests -----------------------------------------------------------------------------


@pytest.fixture()
def show(tmp_path: Path) -> Path:
    root = make_show(tmp_path)
    add_episode(root, "why-the-tide-turns", now=T0)
    add_episode(root, "salt-and-sand", title="Salt & sand", now=datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc))
    return root


def test_feedparser_reads_every_required_element(show: Path) -> None:
    import feedparser

    d = feedparser.parse((show / "feed.xml").read_bytes())
    assert not d.bozo, d.get("bozo_exception")
    f = d.feed
    assert f.title == "Tide Tables & Other Stories"
    assert f.link == "https://pod.example.org/tides/"
    assert f.language == "en"
    assert f.author_detail.name in ("Harbour Desk", "Pat Keeper")  # feedparser merges author and owner
    assert f.image.href == "https://pod.example.org/tides/cover.jpg"
    assert not f.itunes_explicit  # feedparser maps "false" to None
    assert [t.term for t in f.tags] == ["Science", "Earth Sciences"]
    assert f.publisher_detail.email == "pat@example.org"
    assert len(d.entries) == 2
    newest = d.entries[0]
    assert newest.title == "Salt & sand"  # newest first
    for e in d.entries:
        slug = e.link.rstrip("/").rsplit("/", 1)[-1]
        mp3 = show / "episodes" / slug / f"{slug}.mp3"
        (enc,) = e.enclosures
        assert enc.href == f"https://pod.example.org/tides/episodes/{slug}/{slug}.mp3"
        assert int(enc.length) == mp3.stat().st_size
        assert enc.type == "audio/mpeg"
        assert int(e.itunes_duration) == round(mp3_duration(mp3))
        assert e.guidislink is False and e.id
        assert e.itunes_episodetype == "full"
        assert not e.itunes_explicit
        assert e.image.href.endswith("/cover.jpg")
        assert "00:00 Intro" in e.summary


def test_podcastparser_accepts_feed(show: Path) -> None:
    import podcastparser

    with open(show / "feed.xml", "rb") as fh:
        p = podcastparser.parse("https://pod.example.org/tides/feed.xml", fh)
    assert p["title"] == "Tide Tables & Other Stories"
    assert p["cover_url"] == "https://pod.example.org/tides/cover.jpg"
    assert p["type"] == "episodic"
    eps = sorted(p["episodes"], key=lambda e: e["number"])
    assert [e["number"] for e in eps] == [1, 2]
    for e in eps:
        slug = e["link"].rstrip("/").rsplit("/", 1)[-1]
        mp3 = show / "episodes" / slug / f"{slug}.mp3"
        (enc,) = e["enclosures"]
        assert enc["file_size"] == mp3.stat().st_size
        assert enc["mime_type"] == "audio/mpeg"
        assert e["total_time"] == round(mp3_duration(mp3))
        assert [c["title"] for c in e["chapters"]] == ["Intro", "The moon's pull", "Outro"]
        assert e["chapters"][0]["start"] == 0
        assert e["explicit"] is False
        kinds = {t["type"] for t in e["transcripts"]} if "transcripts" in e else None
        if kinds is not None:
            assert kinds == {"text/vtt", "application/x-subrip"}
    assert p["episodes"][0]["published"] == int(datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc).timestamp())


def test_namespaced_tags_and_dates(show: Path) -> None:
    root = etree.parse(str(show / "feed.xml")).getroot()
    ch = root.find("channel")
    assert ch.findtext("podcast:guid", namespaces=NS) == podcast_guid_for("https://pod.example.org/tides/feed.xml")
    locked = ch.find("podcast:locked", NS)
    assert locked.text == "yes" and locked.get("owner") == "pat@example.org"
    assert ch.findtext("itunes:explicit", namespaces=NS) == "false"
    assert ch.find("itunes:category", NS).get("text") == "Science"
    assert ch.find("itunes:category/itunes:category", NS).get("text") == "Earth Sciences"
    assert ch.findtext("itunes:author", namespaces=NS) == "Harbour Desk"
    owner = ch.find("itunes:owner", NS)
    assert owner.findtext("itunes:name", namespaces=NS) == "Pat Keeper"
    assert len(ch.findtext("description").encode()) <= 4000
    items = ch.findall("item")
    # lastBuildDate is the newest pubDate, not the build time.
    assert ch.findtext("lastBuildDate") == items[0].findtext("pubDate")
    assert parsedate_to_datetime(items[1].findtext("pubDate")) == T0
    for item in items:
        slug = item.findtext("link").rstrip("/").rsplit("/", 1)[-1]
        folder = show / "episodes" / slug
        tr = {t.get("type"): t.get("url") for t in item.findall("podcast:transcript", NS)}
        assert tr == {
            "text/vtt": f"https://pod.example.org/tides/episodes/{slug}/{slug}.vtt",
            "application/x-subrip": f"https://pod.example.org/tides/episodes/{slug}/{slug}.srt",
            "application/json": f"https://pod.example.org/tides/episodes/{slug}/{slug}.transcript.json",
        }
        rels = {t.get("type"): t.get("rel") for t in item.findall("podcast:transcript", NS)}
        assert rels == {"text/vtt": "captions", "application/x-subrip": "captions", "application/json": None}
        chap = item.find("podcast:chapters", NS)
        assert chap.get("type") == "application/json+chapters"
        assert chap.get("url").endswith(f"/{slug}.chapters.json")
        for url in [*tr.values(), chap.get("url")]:
            assert (folder / url.rsplit("/", 1)[-1]).is_file()
        starts = [c.get("start") for c in item.findall("psc:chapters/psc:chapter", NS)]
        assert starts == ["00:00:00.000", "00:00:01.000", "00:00:02.000"]
        assert item.findtext("itunes:episode", namespaces=NS) in ("1", "2")
        assert item.find("guid").get("isPermaLink") == "false"


def test_rebuild_is_byte_identical_and_freezes_identity(show: Path) -> None:
    before = (show / "feed.xml").read_bytes()
    res = rebuild(show, now=datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert (show / "feed.xml").read_bytes() == before
    assert res.written == ()
    # Re-rendering an episode (new MP3 size, new manifest) keeps guid, pubDate, number, URL.
    slug = "why-the-tide-turns"
    record = json.loads((show / "episodes" / slug / "publish.json").read_text())
    add_episode(show, slug, seconds=4.0, now=datetime(2031, 1, 1, tzinfo=timezone.utc))
    assert json.loads((show / "episodes" / slug / "publish.json").read_text()) == record
    after = etree.parse(str(show / "feed.xml")).getroot()
    item = [i for i in after.iter("item") if i.findtext("guid") == record["guid"]][0]
    assert parsedate_to_datetime(item.findtext("pubDate")) == T0
    assert item.find("enclosure").get("url") == record["enclosure_url"]
    assert int(item.find("enclosure").get("length")) == (show / "episodes" / slug / f"{slug}.mp3").stat().st_size
    assert item.findtext("itunes:duration", namespaces=NS) == "4"


def test_missing_mp3_is_left_out_not_linked(show: Path) -> None:
    (show / "episodes" / "salt-and-sand" / "salt-and-sand.mp3").unlink()
    res = rebuild(show)
    assert [e.slug for e in res.episodes] == ["why-the-tide-turns"]
    assert res.skipped and res.skipped[0][0] == "salt-and-sand" and "missing" in res.skipped[0][1]
    assert b"salt-and-sand" not in (show / "feed.xml").read_bytes()
    # A folder without a manifest (a render in progress or failed) is not in the feed either.
    half = show / "episodes" / "half-done"
    half.mkdir()
    (half / "half-done.mp3").write_bytes(b"\xff\xfb" * 10)
    rebuild(show)
    assert b"half-done" not in (show / "feed.xml").read_bytes()
    # Deleting the folder drops the episode; numbers of the others never change.
    import shutil

    shutil.rmtree(show / "episodes" / "salt-and-sand")
    add_episode(show, "a-third", title="Third")
    nums = {i.findtext("link").rstrip("/").rsplit("/", 1)[-1]: i.findtext("itunes:episode", namespaces=NS)
            for i in etree.parse(str(show / "feed.xml")).getroot().iter("item")}
    assert nums == {"why-the-tide-turns": "1", "a-third": "3"}


def test_publish_refuses_missing_mp3_and_foreign_manifest(tmp_path: Path) -> None:
    show = make_show(tmp_path)
    path = add_episode(show, "no-audio", publish=False)
    (path.parent / "no-audio.mp3").unlink()
    with pytest.raises(InputError, match="MP3"):
        publish_episode(show, path)
    assert not (show / "feed.xml").exists()  # refused before anything was written
    outside = tmp_path / "elsewhere" / "x.episode.json"
    outside.parent.mkdir()
    outside.write_text(json.dumps(make_manifest("x")))
    with pytest.raises(InputError, match="not an episode of the show"):
        publish_episode(show, outside)


def test_hostile_text_keeps_feed_valid(tmp_path: Path) -> None:
    import feedparser

    nasty = 'Bad <b>&"\'</b> ]]> \x01\x0b\x1f end'
    show = make_show(tmp_path, title=f"Show {nasty}", author=nasty, description=nasty)
    add_episode(show, "nasty", title=f"<script>alert(1)</script> {nasty}", description=nasty,
                author=nasty, chapters=[{"title": nasty, "start": 0.0, "end": 3.0}])
    raw = (show / "feed.xml").read_bytes()
    root = etree.fromstring(raw)  # strict parser: raises on invalid XML
    assert b"<script>" not in raw
    d = feedparser.parse(raw)
    assert not d.bozo
    assert d.entries[0].title == "<script>alert(1)</script> Bad <b>&\"'</b> ]]> end"
    assert root.find("channel/title").text == "Show Bad <b>&\"'</b> ]]> end"


def test_long_description_capped_at_4000_bytes(tmp_path: Path) -> None:
    show = make_show(tmp_path, description="é" * 5000)
    add_episode(show, "long", description="ö" * 5000)
    root = etree.parse(str(show / "feed.xml")).getroot()
    assert len(root.findtext("channel/description").encode()) <= 4000
    item_desc = root.findtext("channel/item/description")
    assert len(item_desc.encode()) <= 4000
    assert "00:00 Intro" in item_desc  # the timestamps survive the cut
    assert truncate_bytes("ab" * 10, 7).endswith("…") and len(truncate_bytes("ab" * 10, 7).encode()) <= 7
    assert xml_text("a\x00b\x1fc\td") == "abc\td"


def _publish_in_process(args: tuple[str, str]) -> None:
    show, path = args
    publish_episode(Path(show), Path(path))


def test_two_processes_publishing_at_once_both_land_in_feed(tmp_path: Path) -> None:
    show = make_show(tmp_path)
    paths = [add_episode(show, f"parallel-{i}", publish=False) for i in range(4)]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        pool.map(_publish_in_process, [(str(show), str(p)) for p in paths])
    items = etree.parse(str(show / "feed.xml")).getroot().findall("channel/item")
    assert sorted(i.findtext("title") for i in items) == ["Why the tide turns"] * 4
    assert sorted(int(i.findtext("itunes:episode", namespaces=NS)) for i in items) == [1, 2, 3, 4]
    assert len({i.findtext("guid") for i in items}) == 4


def test_files_linked_from_outside_the_show_are_left_out(tmp_path: Path) -> None:
    import os

    show = make_show(tmp_path)
    add_episode(show, "inside")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "linked.mp3").write_bytes(mp3_bytes())
    # An MP3 that is a symlink to a file outside the show folder.
    path = add_episode(show, "linked", publish=False)
    mp3 = path.parent / "linked.mp3"
    mp3.unlink()
    os.symlink(outside / "linked.mp3", mp3)
    # A whole episode folder that is a symlink out of the show.
    (outside / "away").mkdir()
    os.symlink(outside / "away", show / "episodes" / "away")
    res = rebuild(show)
    assert [e.slug for e in res.episodes] == ["inside"]
    assert {s for s, _ in res.skipped} == {"linked", "away"}
    feed = (show / "feed.xml").read_bytes()
    assert b"linked" not in feed and b"away" not in feed


def test_descriptions_html_list_and_plain_breaks_that_survive(show: Path) -> None:
    import feedparser
    from lxml import html as lhtml

    item = etree.parse(str(show / "feed.xml")).getroot().find("channel/item")
    rich = lhtml.fragment_fromstring(item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded"), create_parent="div")
    assert [li.text for li in rich.xpath("ul/li")] == ["00:00 Intro", "00:01 The moon's pull", "00:02 Outro"]
    assert "moon pulls the sea" in rich.xpath("p")[0].text
    plain = item.findtext("description")
    # One timestamp per line (Spotify), and still readable where a client drops the newlines (castero).
    assert "\n00:01 The moon's pull \n" in plain
    assert "Chapters:" in plain.splitlines()[-4]
    squashed = plain.replace("\n", "")
    assert "read aloud. Chapters: 00:00 Intro 00:01 The moon's pull 00:02 Outro" in squashed
    d = feedparser.parse((show / "feed.xml").read_bytes())
    assert "00:00 Intro" in d.entries[0].summary
