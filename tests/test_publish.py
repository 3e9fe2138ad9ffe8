"""A show's rebuild (audiogen.publish): an episode's sidecars and page are made again exactly
when something they are made from changed, and an incremental rebuild writes what a full one does."""

from __future__ import annotations

import json
import shutil
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from test_feed import add_episode, make_manifest, make_show  # noqa: E402

from audiogen import publish  # noqa: E402
from audiogen.cli_publish import feed_cmd  # noqa: E402
from audiogen.publish import site, transcripts  # noqa: E402
from audiogen.publish.show import public_files  # noqa: E402

SLUGS = ("why-the-tide-turns", "salt-and-sand")
NOW = datetime(2030, 1, 1, tzinfo=timezone.utc)


@pytest.fixture()
def show(tmp_path: Path) -> Path:
    root = make_show(tmp_path)
    add_episode(root, SLUGS[0])
    add_episode(root, SLUGS[1], title="Salt & sand", now=datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc))
    return root


@pytest.fixture()
def made(monkeypatch) -> Counter:
    """How many times each episode's sidecars and page are made (by title and by slug)."""
    count: Counter = Counter()
    sidecars, page = transcripts.sidecars, site.render_episode_page

    def counted_sidecars(manifest, narrator=transcripts.NARRATOR):
        count["sidecars", manifest.title] += 1
        return sidecars(manifest, narrator)

    def counted_page(show, slug, manifest, ep):
        count["page", slug] += 1
        return page(show, slug, manifest, ep)

    monkeypatch.setattr(transcripts, "sidecars", counted_sidecars)
    monkeypatch.setattr(site, "render_episode_page", counted_page)
    return count


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name not in (".audiogen.lock", publish.STAMPS_NAME)}


def _outputs(root: Path, slug: str) -> list[Path]:
    folder = root / "episodes" / slug
    return [*(folder / f"{slug}{s}" for s in transcripts.SIDECAR_SUFFIXES), folder / "publish.json",
            folder / "index.html"]


def _pages_made(made: Counter) -> set[str]:
    return {slug for (kind, slug), n in made.items() if kind == "page" and n}


def _full_rebuild_matches(root: Path, tmp_path: Path) -> None:
    """What the incremental rebuilds left is what a rebuild from nothing writes."""
    full = tmp_path / "full"
    shutil.copytree(root, full)
    (full / publish.STAMPS_NAME).unlink(missing_ok=True)
    for slug in SLUGS:
        for path in _outputs(full, slug):
            if path.name != "publish.json":
                path.unlink()
    publish.rebuild(full, now=NOW)
    assert _files(full) == _files(root)


def test_sidecar_suffixes_name_what_sidecars_makes() -> None:
    assert tuple(transcripts.sidecars(make_manifest("x"))) == transcripts.SIDECAR_SUFFIXES


def test_an_unchanged_episode_is_not_made_again(show: Path, made: Counter) -> None:
    times = {p: p.stat().st_mtime_ns for slug in SLUGS for p in _outputs(show, slug)}
    before = _files(show)
    result = publish.rebuild(show, now=NOW)
    assert not made, "a rebuild with nothing changed made sidecars or pages again"
    assert result.written == () and _files(show) == before
    assert {p: p.stat().st_mtime_ns for p in times} == times
    assert [ep.slug for ep in result.episodes] == sorted(SLUGS)


def test_a_new_episode_makes_only_its_own_files(show: Path, made: Counter, tmp_path: Path) -> None:
    add_episode(show, "low-water", title="Low water", now=NOW)
    assert _pages_made(made) == {"low-water"}
    assert made["sidecars", "Low water"] == 1 and made["sidecars", "Salt & sand"] == 0
    # ...but the feed and the index page list it.
    assert b"Low water" in (show / "feed.xml").read_bytes() and b"Low water" in (show / "index.html").read_bytes()


def _edit_manifest(root: Path) -> None:
    path = root / "episodes" / SLUGS[0] / f"{SLUGS[0]}.episode.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["cues"][1]["text"] = "The sea rises twice a day, and falls twice."
    path.write_text(json.dumps(data), encoding="utf-8")


def _edit_record(root: Path) -> None:
    path = root / "episodes" / SLUGS[0] / "publish.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["pub_date"] = "2026-03-05T08:00:00Z"
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _edit_mp3(root: Path) -> None:
    with open(root / "episodes" / SLUGS[0] / f"{SLUGS[0]}.mp3", "ab") as fh:
        fh.write(b"\0" * 417)


@pytest.mark.parametrize("edit, shows", [
    (_edit_manifest, b"and falls twice"),
    (_edit_record, b"2026-03-05"),
    (_edit_mp3, None),
], ids=["manifest", "publish.json", "mp3-size"])
def test_a_changed_input_makes_that_episode_again(show: Path, made: Counter, tmp_path: Path, edit, shows) -> None:
    edit(show)
    publish.rebuild(show, now=NOW)
    assert _pages_made(made) == {SLUGS[0]}
    assert made["sidecars", "Why the tide turns"] == 1 and made["sidecars", "Salt & sand"] == 0
    if shows:
        folder = show / "episodes" / SLUGS[0]
        assert any(shows in p.read_bytes() for p in (folder / "index.html", folder / f"{SLUGS[0]}.vtt"))
    made.clear()
    publish.rebuild(show, now=NOW)
    assert not made, "the episode was made again a second time with nothing changed"
    _full_rebuild_matches(show, tmp_path)


@pytest.mark.parametrize("old, new", [
    ('title = "Tide Tables & Other Stories"', 'title = "Tide Tables"'),  # on every page
    ('author = "Harbour Desk"', 'author = "Harbour Desk"\nhost = "Mara Quill"'),  # the narrator in captions
    ('base_url = "https://pod.example.org/tides"', 'base_url = "https://cdn.example.org/tides"'),
], ids=["title", "narrator", "base_url"])
def test_a_changed_show_config_makes_every_episode_again(show: Path, made: Counter, tmp_path: Path,
                                                          old: str, new: str) -> None:
    config = show / "podcast.toml"
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new, 1), encoding="utf-8")
    publish.rebuild(show, now=NOW)
    assert _pages_made(made) == set(SLUGS)
    if "host" in new:
        vtt = (show / "episodes" / SLUGS[0] / f"{SLUGS[0]}.vtt").read_text(encoding="utf-8")
        assert "<v Mara Quill>" in vtt and "Harbour Desk" not in vtt
    _full_rebuild_matches(show, tmp_path)


def test_new_code_makes_every_episode_again(show: Path, made: Counter, monkeypatch) -> None:
    monkeypatch.setattr(publish, "_code_digest", lambda: "another version of audiogen")
    publish.rebuild(show, now=NOW)
    assert _pages_made(made) == set(SLUGS)
    made.clear()
    publish.rebuild(show, now=NOW)
    assert not made


def test_the_code_digest_follows_the_version_and_the_makers_source(monkeypatch) -> None:
    digest = publish._code_digest.__wrapped__
    assert digest() == publish._code_digest()
    monkeypatch.setattr(publish.audiogen, "__version__", "99.0")
    assert digest() != publish._code_digest()
    monkeypatch.undo()
    monkeypatch.setattr(publish, "_MAKERS", publish._MAKERS[:-1])
    assert digest() != publish._code_digest()
    assert "audiogen.publish.transcripts" in publish._MAKERS and "audiogen.publish.site" in publish._MAKERS


@pytest.mark.parametrize("suffix", [".vtt", ".srt", ".transcript.json", ".chapters.json", "index.html"])
def test_a_deleted_or_edited_output_is_written_again(show: Path, made: Counter, suffix: str) -> None:
    before = _files(show)
    folder = show / "episodes" / SLUGS[1]
    path = folder / suffix if suffix == "index.html" else folder / f"{SLUGS[1]}{suffix}"
    path.unlink()
    publish.rebuild(show, now=NOW)
    assert _files(show) == before
    assert _pages_made(made) == {SLUGS[1]}
    # An edit in place (same size) is noticed too.
    made.clear()
    data = path.read_bytes()
    path.write_bytes(data[:-2] + b"xx")
    publish.rebuild(show, now=NOW)
    assert _files(show) == before and _pages_made(made) == {SLUGS[1]}


@pytest.mark.parametrize("stamps", [
    b"{not json", b"", b"[]", b'{"version": 1, "made_by": "x", "episodes": {}}', b"\xff\xfe",
    "corrupt-entries",
], ids=["broken", "empty", "list", "other-code", "binary", "bad-entries"])
def test_a_damaged_stamp_file_is_ignored(show: Path, made: Counter, stamps, tmp_path: Path) -> None:
    path = show / publish.STAMPS_NAME
    if stamps == "corrupt-entries":
        data = json.loads(path.read_bytes())
        data["episodes"] = {SLUGS[0]: "nope", SLUGS[1]: [1, 2]}
        stamps = json.dumps(data).encode()
    path.write_bytes(stamps)
    before = _files(show)
    publish.rebuild(show, now=NOW)
    assert _pages_made(made) == set(SLUGS)
    assert _files(show) == before
    made.clear()
    publish.rebuild(show, now=NOW)  # the stamp file was written again, whole
    assert not made


def test_a_deleted_stamp_file_makes_everything_again_identically(show: Path, made: Counter) -> None:
    before = _files(show)
    (show / publish.STAMPS_NAME).unlink()
    assert publish.rebuild(show, now=NOW).written == ()
    assert _pages_made(made) == set(SLUGS) and _files(show) == before


def test_a_removed_episode_leaves_the_stamp_file(show: Path) -> None:
    shutil.rmtree(show / "episodes" / SLUGS[1])
    publish.rebuild(show, now=NOW)
    data = json.loads((show / publish.STAMPS_NAME).read_bytes())
    assert set(data["episodes"]) == {SLUGS[0]}


def test_the_stamp_file_is_private(show: Path) -> None:
    assert (show / publish.STAMPS_NAME).is_file()
    assert publish.STAMPS_NAME not in {p.name for p in public_files(show)}
    listed = CliRunner().invoke(feed_cmd, [str(show), "--list-public"])
    assert listed.exit_code == 0 and "episodes/" in listed.output
    assert publish.STAMPS_NAME not in listed.output


def test_numbers_are_never_reused_with_the_records_read_once(show: Path) -> None:
    """The highest number comes from the records the scan read, those of folders it left out
    (here: an MP3 gone) and the state file."""
    (show / "episodes" / SLUGS[1] / f"{SLUGS[1]}.mp3").unlink()
    (show / publish.STATE_NAME).unlink()
    add_episode(show, "low-water", title="Low water", now=NOW)
    numbers = {slug: json.loads((show / "episodes" / slug / "publish.json").read_bytes())["episode"]
               for slug in (*SLUGS, "low-water")}
    assert numbers == {SLUGS[0]: 1, SLUGS[1]: 2, "low-water": 3}
    shutil.rmtree(show / "episodes" / "low-water")
    add_episode(show, "high-water", title="High water", now=NOW)
    assert json.loads((show / "episodes" / "high-water" / "publish.json").read_bytes())["episode"] == 4


def test_a_manifest_spoilt_after_the_scan_leaves_its_episode_out(show: Path, monkeypatch) -> None:
    """Sidecars and pages read the whole manifest again (the scan keeps none of its cues): if it
    became unreadable in between, the episode is left out, the others are made, nothing breaks."""
    _edit_manifest(show)
    (show / "episodes" / SLUGS[1] / f"{SLUGS[1]}.vtt").unlink()
    reads: Counter = Counter()
    real = publish.manifest_module.load_json

    def spoilt_on_second_read(path):
        reads[Path(path).name] += 1
        if Path(path).name == f"{SLUGS[0]}.episode.json" and reads[Path(path).name] == 2:
            raise publish.InputError(f"episode manifest {path} is not readable JSON")
        return real(path)

    monkeypatch.setattr(publish.manifest_module, "load_json", spoilt_on_second_read)
    result = publish.rebuild(show, now=NOW)
    assert [ep.slug for ep in result.episodes] == [SLUGS[1]]
    assert dict(result.skipped)[SLUGS[0]].endswith("not readable JSON")
    assert (show / "episodes" / SLUGS[1] / f"{SLUGS[1]}.vtt").is_file()
    monkeypatch.undo()
    assert [ep.slug for ep in publish.rebuild(show, now=NOW).episodes] == sorted(SLUGS)
    assert b"and falls twice" in (show / "episodes" / SLUGS[0] / "index.html").read_bytes()
