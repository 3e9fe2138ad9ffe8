"""Hostile titles and authors through the real CLI into a show: the episode folder stays
inside the show with a name valid on Linux, macOS and Windows; ID3 tags, transcripts,
the feed and the site stay valid and show the text (minus control characters)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import etree

from conftest import FAKE, invoke

SPECIALS = '<b>&"\'</b> ]]>'
TITLE = "../../etc/passwd CON a/b\\c " + SPECIALS + " \x01\x07bell " + "Long" * 250  # > 1,000 characters
AUTHOR = "CON/../NUL " + SPECIALS + " \x1b[31mred"
CHAPTER = "]]> <script>alert(1)</script> & chapter"
WINDOWS_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def _script(title: str, author: str | None = None, body: str = "The harbour opened early today.") -> str:
    head = f"title: {title}\n" + (f"author: {author}\n" if author else "")
    return head + f"language: en\n\n## {CHAPTER}\n\n{body}\n"


@pytest.fixture(scope="module")
def show(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("meta") / "show"
    proc = invoke("init", str(root), "--title", f"Show {SPECIALS}", "--author", f"Desk {SPECIALS}",
                   "--base-url", "https://pod.example.org/meta")
    assert proc.returncode == 0, proc.stderr.decode()
    return root


def _render(show: Path, name: str, text: str) -> dict:
    path = show.parent / name
    path.write_text(text, encoding="utf-8")
    proc = invoke("render", *FAKE, str(path), "--show", str(show), "--no-stingers", "--json")
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def hostile(show: Path) -> dict:
    return _render(show, "hostile.txt", _script(TITLE, AUTHOR))


def _valid_everywhere(name: str) -> None:
    stem = name.split(".")[0].lower()
    assert not WINDOWS_BAD.search(name) and stem not in WINDOWS_RESERVED, name
    assert not name.endswith((".", " ")) and len(name.encode()) <= 255, name


def test_episode_folder_is_a_safe_name_inside_the_show(show: Path, hostile: dict) -> None:
    mp3 = Path(hostile["mp3"])
    assert mp3.resolve().parent.parent == (show / "episodes").resolve()
    slug = mp3.parent.name
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) and len(slug) <= 60
    for path in mp3.parent.iterdir():
        _valid_everywhere(path.name)
    assert not (show.parent / "etc").exists() and not (show / "etc").exists()


def test_tags_keep_the_text_without_control_characters(hostile: dict) -> None:
    from mutagen.id3 import ID3

    tags = ID3(hostile["mp3"])
    title, artist = str(tags["TIT2"]), str(tags["TPE1"])
    assert title.startswith("../../etc/passwd CON a/b\\c " + SPECIALS + " bell Long")
    assert len(title) > 1000
    assert artist == "CON/../NUL " + SPECIALS + " red"  # a terminal colour code is removed whole
    chap_titles = [str(f.sub_frames["TIT2"]) for f in tags.getall("CHAP")]
    assert CHAPTER in chap_titles
    assert not any(re.search("[\x00-\x08\x0b-\x1f]", t) for t in [title, artist, *chap_titles])


def test_feed_and_site_stay_valid(show: Path, hostile: dict) -> None:
    import feedparser

    raw = (show / "feed.xml").read_bytes()
    root = etree.fromstring(raw)  # strict XML
    item = root.find("channel/item")
    assert item.findtext("title").startswith("../../etc/passwd CON a/b\\c " + SPECIALS)
    assert not feedparser.parse(raw).bozo
    page = (Path(hostile["mp3"]).parent / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "<b>&" not in page
    assert "&lt;b&gt;&amp;" in page
    index = (show / "index.html").read_text(encoding="utf-8")
    assert "<b>&" not in index


def test_transcripts_stay_valid(hostile: dict) -> None:
    mp3 = Path(hostile["mp3"])
    vtt = mp3.with_suffix(".vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT\n") and "<script>" not in vtt and "-->" in vtt
    cue_lines = [ln for ln in vtt.split("\n\n")[1:] if ln.strip()]
    assert all(" --> " in block.splitlines()[1] for block in cue_lines)  # no cue text broke the layout
    chapters = json.loads(mp3.with_name(mp3.stem + ".chapters.json").read_text(encoding="utf-8"))
    assert CHAPTER in [c["title"] for c in chapters["chapters"]]


def test_titles_that_fold_to_nothing_do_not_overwrite_each_other(show: Path) -> None:
    """CJK / Cyrillic / emoji titles all used to become the slug 'episode'."""
    a = _render(show, "zh.txt", _script("你好世界", body="The first story is about the harbour."))
    b = _render(show, "ja.txt", _script("こんにちは", body="The second story is about the ferry."))
    assert Path(a["mp3"]).parent != Path(b["mp3"]).parent
    assert Path(a["mp3"]).is_file() and Path(b["mp3"]).is_file()
    titles = [i.findtext("title") for i in etree.parse(str(show / "feed.xml")).getroot().iter("item")]
    assert "你好世界" in titles and "こんにちは" in titles


def test_a_different_article_with_the_same_title_does_not_replace_an_episode(show: Path) -> None:
    first = _render(show, "weekly-1.txt", _script("Weekly Notes", body="The first week was calm at sea."))
    before = Path(first["mp3"]).read_bytes()
    second = _render(show, "weekly-2.txt", _script("Weekly Notes", body="The second week brought a storm."))
    titles = [i.findtext("title") for i in etree.parse(str(show / "feed.xml")).getroot().iter("item")]
    assert titles.count("Weekly Notes") == 2
    assert Path(first["mp3"]).read_bytes() == before and second["mp3"] != first["mp3"]
