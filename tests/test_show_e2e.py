"""A show from the CLI: init, episode --show, feed: checked with feedparser and podcastparser."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import podcastparser
import pytest

from conftest import FAKE, SHORT_ARTICLE, ffmpeg_chapters, invoke


@pytest.fixture(scope="module")
def show(tmp_path_factory):
    root = tmp_path_factory.mktemp("show") / "harbour"
    proc = invoke("init", str(root), "--title", "Harbour Tales", "--author", "Ada Pell",
                   "--base-url", "https://example.com/harbour", "--owner-email", "ada@example.com",
                   "--description", "Stories from the harbour, read aloud.")
    assert proc.returncode == 0, proc.stderr.decode()
    art = root.parent / "ferry.md"
    art.write_text(SHORT_ARTICLE, encoding="utf-8")
    proc = invoke("episode", *FAKE, str(art), "--show", str(root), "--no-stingers", "--json")
    assert proc.returncode == 0, proc.stderr.decode()
    return root, json.loads(proc.stdout), art


def test_feed_lists_the_rendered_episode(show):
    root, data, _ = show
    feed = feedparser.parse((root / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Harbour Tales"
    (entry,) = feed.entries
    mp3 = Path(data["mp3"])
    assert mp3.parent == root / "episodes" / "the-ferry-at-dawn"
    enc = entry.enclosures[0]
    assert int(enc.length) == mp3.stat().st_size and enc.type == "audio/mpeg"
    assert enc.href == "https://example.com/harbour/episodes/the-ferry-at-dawn/the-ferry-at-dawn.mp3"
    assert int(entry.itunes_duration) == round(data["duration"])


def test_podcastparser_reads_chapters_and_transcripts(show):
    root, data, _ = show
    with open(root / "feed.xml", "rb") as fh:
        parsed = podcastparser.parse("https://example.com/harbour/feed.xml", fh)
    (ep,) = parsed["episodes"]
    assert ep["total_time"] == round(data["duration"])
    assert [c["title"] for c in ep["chapters"]] == [c["title"] for c in data["chapters"]]
    folder = root / "episodes" / "the-ferry-at-dawn"
    vtt = (folder / "the-ferry-at-dawn.vtt").read_text()
    assert vtt.startswith("WEBVTT") and "Rosa Delgado>" in vtt
    chapters = json.loads((folder / "the-ferry-at-dawn.chapters.json").read_text())
    assert chapters["version"].startswith("1.2")
    mp3_chapters = ffmpeg_chapters(folder / "the-ferry-at-dawn.mp3")
    for js, id3 in zip(chapters["chapters"], mp3_chapters):
        assert js["startTime"] == pytest.approx(id3["start"], abs=0.01)


def test_republish_keeps_guid_and_date(show):
    root, _, art = show
    before = feedparser.parse((root / "feed.xml").read_bytes()).entries[0]
    art.write_text(SHORT_ARTICLE.replace("gulls", "terns"), encoding="utf-8")
    proc = invoke("episode", *FAKE, str(art), "--show", str(root), "--no-stingers", "-q")
    assert proc.returncode == 0, proc.stderr.decode()
    after = feedparser.parse((root / "feed.xml").read_bytes()).entries[0]
    assert (after.id, after.published, after.enclosures[0].href) == (before.id, before.published,
                                                                      before.enclosures[0].href)
    size = (root / "episodes" / "the-ferry-at-dawn" / "the-ferry-at-dawn.mp3").stat().st_size
    assert int(after.enclosures[0].length) == size
    rebuilt = invoke("feed", str(root))
    assert rebuilt.returncode == 0
    assert feedparser.parse((root / "feed.xml").read_bytes()).entries[0].id == before.id


def test_show_without_config_is_a_clear_error(tmp_path):
    art = tmp_path / "a.md"
    art.write_text(SHORT_ARTICLE, encoding="utf-8")
    proc = invoke("episode", *FAKE, str(art), "--show", str(tmp_path))
    err = proc.stderr.decode()
    assert proc.returncode == 4 and err.startswith("Error: ") and "audiogen init" in err
