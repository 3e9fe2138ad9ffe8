"""Golden files: a tiny show rendered with the fake engine, with fixed dates and guids, gives
byte-for-byte the feed, sidecars, pages and manifests kept in tests/golden/.

A change in what audiogen publishes shows up here as a diff to review. When the change is
meant, regenerate the files and commit them with the change:

    AUDIOGEN_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/test_golden.py

Only one value is normalised: a manifest's ``rendered_at`` (the wall-clock time of the render).
Binary files (the MP3, cover, favicons) are checked by name here and by their readers elsewhere;
the feed still pins each MP3's exact size (enclosure length) and duration.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import feedparser
import pytest

from audiogen import pipeline
from audiogen.publish import STAMPS_NAME
from audiogen.publish.show import init_show, public_files
from audiogen.settings import RenderSettings
from conftest import REPO

GOLDEN = REPO / "tests" / "golden"
UPDATE = os.environ.get("AUDIOGEN_UPDATE_GOLDEN") == "1"
SETTINGS = RenderSettings(engine="fake", stingers=False, workers=1)

ARTICLES = {
    "lights.md": ("""# Harbour Lights & "Signals"

By Ada Pell

Published 2026-02-20

The harbour has 3 lights, and each one blinks in its own rhythm.

## The Red Light

“You learn them before you learn to read a chart,” said keeper Tom Reyes. “Every child here does.”

The red light marks the end of the pier & the rocks beyond it.

## After Dark

At night the ferries steer between them, 12 crossings a week.
""", "https://news.example.org/harbour-lights", datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)),
    "market.md": ("""# The Fish Market

By Ada Pell

Published 2026-02-27

The market opens at four, long before the town wakes up.

## Closing Time

By nine the ice is melting and the gulls move in.
""", None, datetime(2026, 3, 2, 7, 0, tzinfo=timezone.utc)),
}


def _normalised(rel: str, data: bytes) -> bytes:
    """The one value that differs between runs: when a manifest was rendered."""
    if not rel.endswith(".episode.json"):
        return data
    manifest = json.loads(data)
    assert manifest["rendered_at"].endswith("Z")
    manifest["rendered_at"] = "<rendered_at>"
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _text_files(root: Path) -> dict[str, bytes]:
    """Every text file under ``root`` (relative path -> normalised bytes), binaries left out."""
    binary = {".mp3", ".jpg", ".png", ".ico"}
    return {p.relative_to(root).as_posix(): _normalised(p.relative_to(root).as_posix(), p.read_bytes())
            for p in sorted(root.rglob("*")) if p.is_file() and p.suffix not in binary
            and p.name not in (".audiogen.lock", STAMPS_NAME)}


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """The show (two episodes published at fixed dates) and one episode rendered outside a show."""
    tmp = tmp_path_factory.mktemp("golden")
    root = tmp / "show"
    show = init_show(root, title="Harbour Tales", author="Ada Pell", description="Stories from the harbour, read aloud.",
                     base_url="https://pod.example.org/harbour", owner_email="ada@example.org", category="Fiction")
    for name, (text, link, published) in ARTICLES.items():
        src = pipeline.load_source(name, data=text.encode("utf-8"))
        if link:
            src = replace(src, script=replace(src.script, link=link))
        episode = pipeline.render(src, SETTINGS, show=show)
        pipeline.publish(episode, show, pub_date=published)
    name = "market.md"
    loose = tmp / "out"
    pipeline.render(pipeline.load_source(name, data=ARTICLES[name][0].encode("utf-8")), SETTINGS, loose)
    return {"show": root, "out": loose}


@pytest.mark.parametrize("which", ["show", "out"])
def test_published_files_match_the_golden_files(made, which) -> None:
    got = _text_files(made[which])
    want_dir = GOLDEN / which
    if UPDATE:
        for old in want_dir.rglob("*") if want_dir.exists() else ():
            if old.is_file():
                old.unlink()
        for rel, data in got.items():
            (want_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (want_dir / rel).write_bytes(data)
    want = {p.relative_to(want_dir).as_posix(): p.read_bytes() for p in sorted(want_dir.rglob("*")) if p.is_file()}
    assert sorted(got) == sorted(want), "files differ from tests/golden (AUDIOGEN_UPDATE_GOLDEN=1 regenerates them)"
    for rel in want:
        assert got[rel].decode("utf-8") == want[rel].decode("utf-8"), f"{rel} differs from tests/golden/{which}/{rel}"


def test_the_public_files_are_the_golden_ones_plus_audio_and_images(made) -> None:
    root = made["show"]
    public = {Path(p).as_posix() for p in public_files(root)}
    text = {p.relative_to(GOLDEN / "show").as_posix() for p in (GOLDEN / "show").rglob("*") if p.is_file()}
    binary = public - text
    assert {Path(b).suffix for b in binary} <= {".mp3", ".jpg", ".png", ".ico"}, binary
    assert {b for b in binary if b.endswith(".mp3")} == {"episodes/harbour-lights-signals/harbour-lights-signals.mp3",
                                                          "episodes/the-fish-market/the-fish-market.mp3"}
    # private files are in the golden set (they are what freezes guids and dates) but not public
    assert "episodes/the-fish-market/publish.json" in text and "episodes/the-fish-market/publish.json" not in public


def test_golden_feed_is_read_by_feedparser_and_matches_the_files(made) -> None:
    """The golden feed itself is valid: feedparser reads it, and every enclosure length is the
    size of the MP3 rendered now (so the goldens cannot drift from what audiogen writes)."""
    feed_bytes = (GOLDEN / "show" / "feed.xml").read_bytes()
    parsed = feedparser.parse(feed_bytes)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [e.title for e in parsed.entries] == ["The Fish Market", 'Harbour Lights & "Signals"']
    guids = [e.id for e in parsed.entries]
    assert len(set(guids)) == 2 and all(len(g) == 36 for g in guids)
    for entry in parsed.entries:
        (enclosure,) = entry.enclosures
        rel = enclosure.href.removeprefix("https://pod.example.org/harbour/")
        assert int(enclosure.length) == (made["show"] / rel).stat().st_size
    published = [e.published_parsed[:5] for e in parsed.entries]
    assert published == [(2026, 3, 2, 7, 0), (2026, 3, 1, 9, 30)]
    assert parsed.entries[1].link == "https://news.example.org/harbour-lights"
