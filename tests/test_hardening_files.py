"""Config and file faults through the real CLI: bad show settings, bad cover, read-only and
full disks, damaged cache. Each ends in one ``Error: …`` line with a non-zero exit code,
no traceback, no temp file, and the show's published files unchanged.

test_cli.py already covers --voice/--intro/--outro flags and unreadable stinger audio;
test_show.py covers podcast.toml validation in the library.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import FAKE, SHORT_ARTICLE, decode, invoke

TMP_PREFIX = ".audiogen-tmp-"


def _snapshot(show: Path) -> dict[str, str]:
    return {str(p.relative_to(show)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(show.rglob("*")) if p.is_file() and p.name != ".audiogen.lock"}


def _error(proc: subprocess.CompletedProcess, code: int | None = None) -> str:
    """The single ``Error: …`` line of a failed run (asserting the failure is clean)."""
    err = proc.stderr.decode()
    assert proc.returncode not in (0, 70), err
    if code is not None:
        assert proc.returncode == code, err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    return lines[0]


@pytest.fixture(scope="module")
def base_show(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("files") / "show"
    proc = invoke("init", str(root), "--title", "Files Desk", "--author", "Ada Pell",
                   "--base-url", "https://pod.example.org/files")
    assert proc.returncode == 0, proc.stderr.decode()
    art = root.parent / "ferry.md"
    art.write_text(SHORT_ARTICLE, encoding="utf-8")
    proc = invoke("episode", *FAKE, str(art), "--show", str(root), "--no-stingers", "-q")
    assert proc.returncode == 0, proc.stderr.decode()
    return root


@pytest.fixture()
def show(base_show: Path, tmp_path: Path) -> Path:
    """A private copy of the published show, safe to break."""
    root = tmp_path / "show"
    shutil.copytree(base_show, root, symlinks=True)
    return root


@pytest.fixture()
def article(tmp_path: Path) -> Path:
    path = tmp_path / "ferry.md"
    path.write_text(SHORT_ARTICLE, encoding="utf-8")
    return path


def _set_render(show: Path, line: str) -> int:
    """Put ``line`` right under [render] in podcast.toml; return its line number."""
    cfg = show / "podcast.toml"
    lines = cfg.read_text(encoding="utf-8").splitlines()
    at = lines.index("[render]") + 1
    lines.insert(at, line)
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return at + 1


# ------------------------------------------------------------------ config


@pytest.mark.parametrize("setting, code, words", [
    ('voice = "no-such-voice"', 5, "unknown voice"),
    ('intro = "missing-intro.wav"', 6, "missing-intro.wav"),
    ('rate = "fast"', 4, "rate"),
    ('lexicon = "nope.pls"', 4, "lexicon"),
])
def test_bad_render_setting_in_the_show_fails_cleanly(show: Path, article: Path, setting, code, words) -> None:
    before = _snapshot(show)
    line = _set_render(show, setting)
    msg = _error(invoke("episode", *FAKE, str(article), "--show", str(show), "-q"), code)
    assert words in msg
    if code == 4 and "rate" in words:
        assert f"line {line}" in msg
    before["podcast.toml"] = hashlib.sha256((show / "podcast.toml").read_bytes()).hexdigest()
    assert _snapshot(show) == before and not list(show.rglob(f"{TMP_PREFIX}*"))


@pytest.mark.parametrize("broken, line", [
    ('title = "Unclosed\n', 2),
    ("explicit = maybe\n", 2),
    ('[render\nvoice = "en"\n', 2),
])
def test_podcast_toml_syntax_error_names_the_line(show: Path, article: Path, broken: str, line: int) -> None:
    cfg = show / "podcast.toml"
    cfg.write_text("# edited by hand\n" + broken + cfg.read_text(encoding="utf-8"), encoding="utf-8")
    msg = _error(invoke("episode", *FAKE, str(article), "--show", str(show), "-q"), 4)
    assert "podcast.toml" in msg and f"line {line}" in msg
    msg = _error(invoke("feed", str(show)), 4)
    assert f"line {line}" in msg


def test_podcast_toml_that_is_not_utf8(show: Path) -> None:
    cfg = show / "podcast.toml"
    cfg.write_bytes(cfg.read_bytes().replace(b"Files Desk", b"Files D\xe9sk"))
    assert "UTF-8" in _error(invoke("feed", str(show)), 4)


# ------------------------------------------------------------------ cover


def test_cover_that_is_not_an_image(tmp_path: Path, article: Path) -> None:
    fake = tmp_path / "cover.png"
    fake.write_text("not a picture at all")
    out = tmp_path / "out"
    msg = _error(invoke("episode", *FAKE, str(article), "-o", str(out), "--no-stingers", "--cover", str(fake)), 6)
    assert "cover" in msg
    assert not out.exists() or not list(out.iterdir())


def test_cover_with_image_magic_but_damaged_is_refused(tmp_path: Path, article: Path) -> None:
    fake = tmp_path / "cover.jpg"
    fake.write_bytes(b"\xff\xd8\xff\xe0" + b"garbage, not a JPEG" * 20)
    out = tmp_path / "out"
    msg = _error(invoke("episode", *FAKE, str(article), "-o", str(out), "--no-stingers", "--cover", str(fake)), 6)
    assert "cover" in msg


# ------------------------------------------------------------------ read-only and full disks


def _mount(args: list[str]) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting needs root")
    proc = subprocess.run(["mount", *args], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount here: {proc.stderr.decode().strip()}")


@pytest.fixture()
def mounts():
    done: list[Path] = []
    yield done
    for path in reversed(done):
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _read_only(src: Path, target: Path, mounts: list[Path]) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    _mount(["--bind", str(src), str(target)])
    mounts.append(target)
    _mount(["-o", "remount,ro,bind", str(target)])
    return target


def test_read_only_output_folder(tmp_path: Path, article: Path, mounts) -> None:
    src = tmp_path / "src"
    src.mkdir()
    ro = _read_only(src, tmp_path / "ro", mounts)
    msg = _error(invoke("episode", *FAKE, str(article), "-o", str(ro), "--no-stingers", "-q"), 7)
    assert "read-only" in msg and "-o" in msg
    msg = _error(invoke("episode", *FAKE, str(article), "-o", str(ro / "sub"), "--no-stingers", "-q"), 7)
    assert "read-only" in msg
    assert list(src.iterdir()) == []


def test_read_only_show_keeps_feed(show: Path, article: Path, tmp_path: Path, mounts) -> None:
    before = _snapshot(show)
    ro = _read_only(show, tmp_path / "roshow", mounts)
    msg = _error(invoke("episode", *FAKE, str(article), "--show", str(ro), "--no-stingers", "-q"), 7)
    assert "read-only" in msg
    assert _snapshot(show) == before


def test_disk_full_while_encoding(tmp_path: Path, article: Path, mounts) -> None:
    full = tmp_path / "full"
    full.mkdir()
    _mount(["-t", "tmpfs", "-o", "size=64k", "tmpfs", str(full)])
    mounts.append(full)
    msg = _error(invoke("episode", *FAKE, str(article), "-o", str(full), "--no-stingers", "-q"), 7)
    assert list(full.iterdir()) == []  # the partial MP3 was removed
    assert "no space left" in msg.lower() and "free some space" in msg


def test_full_cache_is_named_as_the_cache_not_the_output(tmp_path: Path, article: Path, mounts) -> None:
    """The chunks' PCM goes to the cache folder: when that disk is full, the error says so."""
    env = _private_cache(tmp_path)
    first = _render(["episode", *FAKE, str(article), "-o", str(tmp_path / "a"), "--no-stingers", "-q"], env)
    assert first.returncode == 0, first.stderr.decode()
    full = tmp_path / "fullcache"
    full.mkdir()
    kept = [p for p in Path(env["AUDIOGEN_CACHE_DIR"]).rglob("*") if p.is_file() and "chunks" not in p.parts]
    pages = sum(-(-p.stat().st_size // 4096) for p in kept) + 300 // 4 + 8  # the clips and 300 KB
    _mount(["-t", "tmpfs", "-o", f"size={pages * 4}k", "tmpfs", str(full)])
    mounts.append(full)
    for p in kept:  # every clip is there: only the chunks (other bitrate) must be written
        target = full / p.relative_to(env["AUDIOGEN_CACHE_DIR"])
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(p, target)
    out = tmp_path / "out"
    proc = _render(["episode", *FAKE, str(article), "-o", str(out), "--no-stingers", "-q", "--bitrate", "96"],
                   {**env, "AUDIOGEN_CACHE_DIR": str(full)})
    msg = _error(proc, 7)
    assert "no space left" in msg.lower() and "audio cache" in msg and "AUDIOGEN_CACHE_DIR" in msg
    assert str(out) not in msg
    assert not list(out.glob("*.mp3"))


def test_disk_full_while_writing_the_feed_keeps_the_old_one(show: Path, monkeypatch) -> None:
    """A full disk in the middle of publishing: OutputError, the old feed intact, no temp file."""
    from audiogen import fsutil
    from audiogen.errors import OutputError
    from audiogen.publish import rebuild

    before = _snapshot(show)
    (show / "podcast.toml").write_text((show / "podcast.toml").read_text().replace("Files Desk", "Files Desk II"))
    before["podcast.toml"] = hashlib.sha256((show / "podcast.toml").read_bytes()).hexdigest()
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".xml"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(fsutil.os, "fsync", fsync)
    with pytest.raises(OutputError, match="no space left on the device to write .*feed.xml; free some space"):
        rebuild(show)
    assert _snapshot(show)["feed.xml"] == before["feed.xml"]
    assert not list(show.rglob(f"{TMP_PREFIX}*"))
    monkeypatch.undo()
    rebuild(show)
    assert b"Files Desk II" in (show / "feed.xml").read_bytes()


# ------------------------------------------------------------------ the clip cache


def _private_cache(tmp_path: Path) -> dict[str, str]:
    """A fresh cache (sharing only the voice calibration) so its clips are this test's clips."""
    cache = tmp_path / "cache"
    cache.mkdir()
    shared = Path(os.environ["AUDIOGEN_CACHE_DIR"]) / "calibration.json"
    if shared.is_file():
        shutil.copy(shared, cache / "calibration.json")
    return {**os.environ, "AUDIOGEN_CACHE_DIR": str(cache)}


def _render(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return invoke(*args, env=env)


def test_corrupt_and_truncated_cache_entries_are_made_again(tmp_path: Path, article: Path) -> None:
    env = _private_cache(tmp_path)
    first = _render(["episode", *FAKE, str(article), "-o", str(tmp_path / "a"), "--no-stingers", "-q", "-j", "1"], env)
    assert first.returncode == 0, first.stderr.decode()
    clips = sorted((Path(env["AUDIOGEN_CACHE_DIR"]) / "clips").glob("*/*.pcm"))
    assert len(clips) >= 6
    good = {c: c.read_bytes() for c in clips}
    damage = [
        lambda b: b[: len(b) // 2],  # truncated (crash while writing, before atomic writes)
        lambda b: b[:10],  # shorter than the header
        lambda b: b"",  # empty
        lambda b: b[:40] + bytes([b[40] ^ 0xFF]) + b[41:],  # one flipped byte: CRC mismatch
        lambda b: b"JUNK" + b[4:],  # wrong magic
        lambda b: b + b"\0\0",  # longer than its header says
    ]
    for i, clip in enumerate(clips):
        clip.write_bytes(damage[i % len(damage)](good[clip]))
    # Encoded chunks are cached too: damage every one, so that every clip is read again.
    chunk_mp3s = sorted((Path(env["AUDIOGEN_CACHE_DIR"]) / "chunks").glob("*/*.mp3"))
    assert chunk_mp3s
    chunk_damage = [
        lambda p: p.write_bytes(p.read_bytes()[:-300]),  # truncated MP3
        lambda p: p.write_bytes(p.read_bytes()[:500] + bytes([p.read_bytes()[500] ^ 0xFF]) + p.read_bytes()[501:]),
        lambda p: p.with_suffix(".json").write_text("{ not json"),
        lambda p: p.unlink(),  # metadata without its MP3
    ]
    for i, mp3 in enumerate(chunk_mp3s):
        chunk_damage[i % len(chunk_damage)](mp3)
    second = _render(["episode", *FAKE, str(article), "-o", str(tmp_path / "b"), "--no-stingers", "-q", "-j", "1"], env)
    assert second.returncode == 0, second.stderr.decode()
    # The engine's output varies a little from run to run, so compare durations, not samples.
    a, b = decode(tmp_path / "a" / "the-ferry-at-dawn.mp3"), decode(tmp_path / "b" / "the-ferry-at-dawn.mp3")
    assert len(b) == pytest.approx(len(a), rel=0.2) and np.abs(b).max() > 0.1
    from audiogen.tts.synth import ClipCache

    cache = ClipCache(Path(env["AUDIOGEN_CACHE_DIR"]))
    assert all(cache.read(c.stem) is not None for c in clips)  # every damaged entry was made again
    from audiogen.audio.chunks import ChunkStore

    store = ChunkStore(Path(env["AUDIOGEN_CACHE_DIR"]))
    assert all(store.get(p.stem) is not None for p in chunk_mp3s)
    calibration = Path(env["AUDIOGEN_CACHE_DIR"]) / "calibration.json"
    calibration.write_text("{ not json")  # damaged voice levels: measured again
    third = _render(["episode", *FAKE, str(article), "-o", str(tmp_path / "c"), "--no-stingers", "-q", "-j", "1"], env)
    assert third.returncode == 0, third.stderr.decode()
    assert isinstance(json.loads(calibration.read_text()), dict)


def test_unusable_cache_folder_is_a_clear_error(tmp_path: Path, article: Path) -> None:
    blocker = tmp_path / "cache-is-a-file"
    blocker.write_text("x")
    env = {**os.environ, "AUDIOGEN_CACHE_DIR": str(blocker)}
    proc = _render(["episode", *FAKE, str(article), "-o", str(tmp_path / "o"), "--no-stingers", "-q"], env)
    msg = _error(proc, 7)
    assert "AUDIOGEN_CACHE_DIR" in msg and "--no-cache" in msg
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())
