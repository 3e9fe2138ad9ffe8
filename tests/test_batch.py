"""audiogen batch: failures reported and the rest rendered, unchanged articles skipped,
edited ones re-rendered, the show feed rebuilt once with every good episode."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from audiogen.cli import cli
from audiogen.run.batch import settings_fingerprint, workers_per_render
from audiogen.settings import RenderSettings

from conftest import FAKE, decode, invoke


ARTICLES = {
    "tide.md": "# Tide Tables\n\nThe harbour master prints the tide tables every Monday. Boats leave at high water.\n",
    "bakery.txt": "The Night Bakery\n\nOvens start at three in the morning. \u201cWe never sleep,\u201d said Jo Marsh.\n",
    "empty.md": "",
}


def _batch(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    proc = invoke("batch", *FAKE, *args, cwd=cwd)
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def _statuses(proc: subprocess.CompletedProcess) -> dict[str, str]:
    data = json.loads(proc.stdout)
    return {Path(a["article"]).name: a["status"] for a in data["articles"]}


@pytest.fixture()
def articles(tmp_path: Path) -> list[str]:
    for name, text in ARTICLES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return list(ARTICLES)


def test_batch_failure_rerun_and_edit(tmp_path: Path, articles: list[str]) -> None:
    args = [*articles, "-o", "out", "--no-stingers", "--json"]
    first = _batch(args, tmp_path)
    assert first.returncode == 1, first.stderr
    assert _statuses(first) == {"tide.md": "rendered", "bakery.txt": "rendered", "empty.md": "failed"}
    data = json.loads(first.stdout)
    assert (data["rendered"], data["skipped"], data["failed"]) == (2, 0, 1)
    assert "Error: empty.md: " in first.stderr and "empty" in first.stderr.split("Error: empty.md: ", 1)[1]
    by_name = {Path(a["article"]).name: a for a in data["articles"]}
    tide_mp3 = tmp_path / by_name["tide.md"]["mp3"]
    assert tide_mp3.name == "tide-tables.mp3"
    assert abs(len(decode(tide_mp3)) / 44100 - by_name["tide.md"]["duration"]) < 0.1
    assert json.loads((tmp_path / "out" / "tide-tables.batch.json").read_text())["source_sha256"] == \
        json.loads((tmp_path / "out" / "tide-tables.episode.json").read_text())["source_sha256"]
    stamp = tide_mp3.stat().st_mtime_ns

    again = _batch(args, tmp_path)
    assert again.returncode == 1
    assert _statuses(again) == {"tide.md": "skipped", "bakery.txt": "skipped", "empty.md": "failed"}
    assert tide_mp3.stat().st_mtime_ns == stamp

    (tmp_path / "bakery.txt").write_text(ARTICLES["bakery.txt"] + "\nBread sells out by seven.\n", encoding="utf-8")
    edited = _batch(["tide.md", "bakery.txt", "-o", "out", "--no-stingers", "--json"], tmp_path)
    assert edited.returncode == 0, edited.stderr
    assert _statuses(edited) == {"tide.md": "skipped", "bakery.txt": "rendered"}
    assert tide_mp3.stat().st_mtime_ns == stamp

    # Different settings make the old episode stale; plain output lists the MP3 paths.
    slower = _batch(["tide.md", "-o", "out", "--no-stingers", "--rate", "150"], tmp_path)
    assert slower.returncode == 0, slower.stderr
    assert slower.stdout.strip() == str(Path("out") / "tide-tables.mp3")
    assert "1 rendered, 0 skipped" in slower.stderr
    assert tide_mp3.stat().st_mtime_ns != stamp


def test_batch_show_feed_built_once(tmp_path: Path, articles: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import audiogen.publish as publish
    from audiogen.publish.show import init_show

    show_dir = tmp_path / "show"
    init_show(show_dir, title="Harbour Notes", author="Test Author", base_url="https://example.com/pod")
    # Same title as tide.md, different text: must become its own episode, not overwrite it.
    (tmp_path / "tide2.md").write_text("# Tide Tables\n\nA second story under the same headline.\n", encoding="utf-8")
    calls = []
    real_rebuild = publish.rebuild
    monkeypatch.setattr(publish, "rebuild", lambda *a, **k: calls.append(a) or real_rebuild(*a, **k))
    monkeypatch.setattr(publish, "publish_episode", lambda *a, **k: pytest.fail("published one by one"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["batch", *FAKE, *articles, "tide2.md", "--show", str(show_dir), "--no-stingers",
                                      "-j", "2", "--json"])
    assert result.exit_code == 1, result.output
    assert len(calls) == 1
    data = json.loads(result.stdout)
    assert data["feed"] == str(show_dir.resolve() / "feed.xml")
    slugs = sorted(a["slug"] for a in data["articles"] if a["status"] == "rendered")
    assert slugs == ["the-night-bakery", "tide-tables", "tide-tables-2"]
    feed = feedparser.parse((show_dir / "feed.xml").read_bytes())
    assert not feed.bozo
    titles = sorted(e.title for e in feed.entries)
    assert titles == ["The Night Bakery", "Tide Tables", "Tide Tables"]
    assert len({e.enclosures[0].href for e in feed.entries}) == 3


def test_fingerprint_tracks_output_not_speed(tmp_path: Path) -> None:
    base = RenderSettings()
    fp = settings_fingerprint(base)
    assert settings_fingerprint(base.merged({"workers": 1, "cache": False})) == fp
    assert settings_fingerprint(base.merged({"rate": 200})) != fp
    assert settings_fingerprint(base, album="Show") != fp
    lex = tmp_path / "lex.txt"
    lex.write_text("NASA = nasa\n")
    with_lex = settings_fingerprint(base.merged({"lexicon": lex}))
    lex.write_text("NASA = N A S A\n")
    assert settings_fingerprint(base.merged({"lexicon": lex})) != with_lex


def test_workers_share_the_cores() -> None:
    assert workers_per_render(1, cpus=8) == 8
    assert workers_per_render(2, cpus=8) == 4
    assert workers_per_render(3, cpus=2) == 1
