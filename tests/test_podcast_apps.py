"""A show of three articles, as podcast apps and listeners see it: three feed parsers
(feedparser, podcastparser, and the Podcast Index's podcast-partytime under node) with no
warnings, whole ID3 chapter titles read by ffmpeg, subtitle-sized captions, the JSON
transcript, and a server that keeps the show's private files private and answers 304."""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import shutil
import subprocess
import threading
import warnings
from pathlib import Path

import feedparser
import podcastparser
import pytest

from conftest import FAKE, REPO, ffmpeg_chapters, invoke

from audiogen.publish.serve import make_server
from audiogen.publish.show import public_files

LONG_TITLE = "What the Harbour Master Learned From Forty Winters of Fog, Ice and Late Ferries"

ARTICLES = {
    "ferry.md": """# The Ferry at Dawn

By Ada Pell

The first ferry leaves at 6:15 every morning, and the captain has not missed a crossing in 12 years.

## The Crossing

Passengers drink coffee on the upper deck while gulls follow the wake, and the captain, who has sailed \
this route for thirty-one years, checks the wind gauge twice before she lets the ramp go down.

“We never cancel unless the wind tops forty knots,” said Captain Rosa Delgado. “People count on us.”

## The Return

By seven the boat is back, and the next crowd is already waiting on the pier.
""",
    "fog.md": f"""# Fog Season

By Ada Pell

Fog rolls in most mornings from October to March.

## {LONG_TITLE}

The horn sounds every thirty seconds; the pilots count the echoes, and the echoes tell them where the \
breakwater is, even when nobody on deck can see the bow.

“You learn to listen before you learn to see,” said Tomas Berg, the harbour master.

## After the Fog

By noon the sun burns through, and the harbour looks as if nothing happened.
""",
    "market.md": """# The Fish Market

By Ada Pell

The market opens at four, long before the town wakes up.

## Before Sunrise

Buyers walk the aisles with torches, and the sellers shout prices that change by the minute.

## Closing Time

By nine the ice is melting and the gulls move in.
""",
}


@pytest.fixture(scope="module")
def show(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("apps")
    root = tmp / "harbour"
    proc = invoke("init", str(root), "--title", "Harbour Tales", "--author", "Ada Pell",
                   "--base-url", "https://example.com/harbour", "--owner-email", "ada@example.com",
                   "--description", "Stories from the harbour, read aloud.")
    assert proc.returncode == 0, proc.stderr.decode()
    for name, text in ARTICLES.items():
        (tmp / name).write_text(text, encoding="utf-8")
        proc = invoke("episode", str(tmp / name), "--show", str(root), "--no-stingers", *FAKE)
        assert proc.returncode == 0, proc.stderr.decode()
    return root, tmp


def _folders(root: Path) -> list[Path]:
    return sorted(p for p in (root / "episodes").iterdir() if p.is_dir())


def test_feedparser_reads_three_episodes_without_warnings(show) -> None:
    root, _ = show
    d = feedparser.parse((root / "feed.xml").read_bytes())
    assert not d.bozo, d.get("bozo_exception")
    assert len(d.entries) == 3
    for e in d.entries:
        assert e.enclosures[0].type == "audio/mpeg" and e.guid and int(e.enclosures[0].length) > 0
        assert "Chapters:" in e.summary and "<li>00:00 Intro</li>" in e.content[0].value


def test_podcastparser_reads_three_episodes_without_warnings(show, caplog) -> None:
    root, _ = show
    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with open(root / "feed.xml", "rb") as fh:
            parsed = podcastparser.parse("https://example.com/harbour/feed.xml", fh)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert len(parsed["episodes"]) == 3
    fog = next(ep for ep in parsed["episodes"] if ep["title"] == "Fog Season")
    assert LONG_TITLE in [c["title"] for c in fog["chapters"]]
    for ep in parsed["episodes"]:
        assert ep["enclosures"][0]["file_size"] > 0 and ep["total_time"] > 0


def _partytime_dir() -> Path:
    for d in (os.environ.get("AUDIOGEN_NODE_MODULES"), REPO / ".node" / "node_modules"):
        if d and (Path(d) / "podcast-partytime" / "package.json").is_file():
            return Path(d)
    pytest.fail("podcast-partytime is not installed: npm install --prefix .node podcast-partytime "
                "(.ci/run does it)")


PARTYTIME = """
const pt = require(process.argv[1] + "/podcast-partytime");
const feed = pt.parseFeed(require("fs").readFileSync(process.argv[2], "utf8"), {allowMissingGuid: false});
process.stderr.write("RESULT " + JSON.stringify(feed) + "\\n");
"""


def test_podcast_partytime_reads_three_episodes_without_warnings(show) -> None:
    root, _ = show
    node = shutil.which("node")
    assert node, "node is not installed"
    proc = subprocess.run([node, "-e", PARTYTIME, str(_partytime_dir()), str(root / "feed.xml")],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "PARTYTIME_LOG": "info"})
    assert proc.returncode == 0, proc.stderr
    logs = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert logs, proc.stdout  # it logs what it supports at "info": the logger is on
    assert [x for x in logs if x.get("level", 0) >= 40] == []  # pino: 40 warn, 50 error
    feed = json.loads(proc.stderr.split("RESULT ", 1)[1])
    assert feed["title"] == "Harbour Tales" and len(feed["items"]) == 3
    assert set(feed["pc20support"].get("1", [])) >= {"transcript", "chapters", "locked"}
    for item in feed["items"]:
        types = {t["type"]: t.get("rel") for t in item["podcastTranscripts"]}
        assert types["application/json"] is None and types["text/vtt"] == "captions"
        assert item["podcastChapters"]["type"] == "application/json+chapters"
        assert "<ul><li>00:00 Intro</li>" in item["content"]


def test_id3_chapter_titles_are_whole(show) -> None:
    root, _ = show
    (mp3,) = (root / "episodes").glob("fog-season/*.mp3")
    titles = [c["title"] for c in ffmpeg_chapters(mp3)]
    assert LONG_TITLE in titles, titles


def test_captions_are_subtitle_sized_and_the_transcript_names_speakers(show) -> None:
    root, _ = show
    for folder in _folders(root):
        slug = folder.name
        srt = (folder / f"{slug}.srt").read_text()
        blocks = [b.split("\n") for b in srt.strip().split("\n\n")]
        for b in blocks:
            start, end = (sum(float(x) * f for x, f in zip(t.replace(",", ".").split(":"), (3600, 60, 1)))
                          for t in b[1].split(" --> "))
            assert 0 < end - start <= 7.0 + 1e-3, b
            assert 1 <= len(b[2:]) <= 2 and all(len(x) <= 42 for x in b[2:]), b
        assert "Quote:" not in srt
        # A label opens the episode (the host) and appears again only on a change of speaker.
        labels = re.findall(r"^([A-Z][\w .]+): ", srt, re.M)
        assert labels[0] == "Ada Pell" and all(a != b for a, b in zip(labels, labels[1:])), labels
        data = json.loads((folder / f"{slug}.transcript.json").read_text())
        segs = data["segments"]
        assert data["version"] == "1.0.0" and all(s["endTime"] >= s["startTime"] for s in segs)
        speakers = {s.get("speaker") for s in segs}
        assert "Ada Pell" in speakers and "Quote" not in speakers
    fog = json.loads((root / "episodes/fog-season/fog-season.transcript.json").read_text())["segments"]
    assert any(s.get("speaker") == "Tomas Berg" and s["body"].startswith("You learn to listen") for s in fog)


def _get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def test_served_show_is_public_only_and_caches(show) -> None:
    root, tmp = show
    public = public_files(root)
    machine = [str(tmp), str(Path.home()), str(REPO)]
    for rel in public:
        if rel.suffix in (".mp3", ".png", ".jpg", ".ico"):
            continue
        text = (root / rel).read_text("utf-8")
        assert not any(m in text for m in machine), rel  # published files never name this machine's paths
    listed = invoke("feed", str(root), "--list-public")
    assert listed.returncode == 0 and listed.stdout.decode().split() == [p.as_posix() for p in public]
    private = [p.relative_to(root) for p in root.rglob("*") if p.is_file() and p.relative_to(root) not in public]
    names = {p.name for p in private}
    assert "podcast.toml" in names and "publish.json" in names and any(n.endswith(".episode.json") for n in names)
    server = make_server(root, port=0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        for rel in private:
            assert _get(port, "/" + rel.as_posix())[0] == 404, rel
        for rel in public:
            assert _get(port, "/" + rel.as_posix())[0] == 200, rel
        status, h, _ = _get(port, "/feed.xml")
        assert _get(port, "/feed.xml", {"If-None-Match": h["etag"]})[0] == 304
        assert _get(port, "/feed.xml", {"If-Modified-Since": h["last-modified"]})[0] == 304
        assert _get(port, "/favicon.ico")[0] == 200 and _get(port, "/favicon.png")[0] == 200
    finally:
        server.shutdown()
        server.server_close()
