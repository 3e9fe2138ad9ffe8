"""Bounded by design: every input has a limit checked before it is read in full, every setting
its type, and a bad one ends in one ``Error: …`` line (docs/robustness.md lists the limits).

The CLI runs that would exhaust the machine without the limits run under an address-space
limit, so a regression fails fast instead of swapping."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from audiogen import limits
from audiogen.audio import chunks
from audiogen.errors import AudioError, ConfigError, InputError
from audiogen.publish.show import load_render_settings
from audiogen.script import MAX_PAUSE, dumps_json, format_text, loads, parse_text
from audiogen.script.speech import load_lexicon
from conftest import FAKE, SHORT_ARTICLE, ffmpeg, ffmpeg_chapters, invoke


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The CLI in this process, which may map at most 1 GB more meanwhile (``_bounded_here``)."""
    with _bounded_here():
        return invoke(*args, cwd=cwd)


@contextlib.contextmanager
def _bounded_here():
    """This process may map at most 1 GB more while in the block: a regression that reads an
    endless file in full fails with MemoryError instead of exhausting the machine."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    size = int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    resource.setrlimit(resource.RLIMIT_AS, (size + 2**30, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _error(proc: subprocess.CompletedProcess, code: int) -> str:
    err = proc.stderr.decode()
    assert proc.returncode == code, err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    return lines[0]


# ------------------------------------------------------------------ input files


def test_device_file_as_article_is_refused_at_the_limit():
    msg = _error(cli("script", "/dev/zero"), 3)
    assert "8 MB limit" in msg


def test_endless_cover_is_refused_before_any_work(tmp_path):
    art = tmp_path / "a.md"
    art.write_text(SHORT_ARTICLE, encoding="utf-8")
    proc = cli("episode", str(art), "-o", str(tmp_path / "out"), "--no-stingers", "--cover", "/dev/zero", *FAKE)
    assert "10 MB limit" in _error(proc, 6)
    assert not (tmp_path / "out").exists()


def test_huge_cover_pixels_are_refused_before_decoding(tmp_path):
    from PIL import Image

    from audiogen.artwork import read_cover

    big = tmp_path / "big.png"
    Image.new("1", (5000, 5000)).save(big)  # a few KB on disk, 25 megapixels decoded
    assert big.stat().st_size < 100_000
    with pytest.raises(AudioError, match="limit of 16,777,216 pixels"):
        read_cover(big)


def _tone(path: Path, seconds: float, source: str = "sine=frequency=440:sample_rate=8000") -> Path:
    subprocess.run([ffmpeg(), "-v", "error", "-f", "lavfi", "-i", source, "-t", str(seconds), "-ac", "1",
                    "-ar", "8000", "-y", str(path)], check=True)
    return path


def _quiet(path: Path, seconds: float) -> Path:
    """Digital silence: a FLAC of an hour is a few hundred KB."""
    return _tone(path, seconds, "anullsrc=r=8000:cl=mono")


def test_long_stinger_is_refused_by_its_duration_without_decoding_it(tmp_path):
    from audiogen.audio.segment import load_array

    long = _quiet(tmp_path / "hour.flac", 3600)  # small on disk, an hour of audio
    assert long.stat().st_size < limits.MAX_AUDIO_BYTES
    with pytest.raises(AudioError, match="longer than the 60 s limit"):
        load_array(long, 2, what="the intro file")
    assert load_array(_tone(tmp_path / "short.flac", 2), 1).shape[0] == 2 * 44100


def test_long_intro_through_the_cli(tmp_path):
    art = tmp_path / "a.md"
    art.write_text(SHORT_ARTICLE, encoding="utf-8")
    proc = cli("episode", str(art), "-o", str(tmp_path / "out"), "--intro", str(_quiet(tmp_path / "i.flac", 600)), *FAKE)
    assert "longer than the 60 s limit" in _error(proc, 6)


def test_stinger_that_is_a_device_is_refused(tmp_path):
    art = tmp_path / "a.md"
    art.write_text(SHORT_ARTICLE, encoding="utf-8")
    msg = _error(cli("episode", str(art), "-o", str(tmp_path / "out"), "--outro", "/dev/zero", *FAKE), 6)
    assert "not a regular file" in msg


def test_lexicon_limits(tmp_path):
    many = tmp_path / "many.txt"
    many.write_text("".join(f"w{i} = word {i}\n" for i in range(limits.MAX_LEXICON_ENTRIES + 1)))
    with pytest.raises(ConfigError, match="limit of 20,000 lexicon entries"):
        load_lexicon(many)
    long = tmp_path / "long.txt"
    long.write_text("ok = fine\nNASA = " + "nasa " * 400 + "\n")
    with pytest.raises(ConfigError, match=r"line 2: a form of 1,999 characters; the limit is 300"):
        load_lexicon(long)
    huge = tmp_path / "huge.txt"
    huge.write_text("x = " + "y" * (3 * 2**20))
    with pytest.raises(ConfigError, match="larger than the 2 MB limit"):
        load_lexicon(huge)
    with _bounded_here(), pytest.raises(ConfigError, match="larger than the 2 MB limit"):
        load_lexicon("/dev/zero")


def test_script_file_limit(tmp_path):
    msg = _error(cli("render", "/dev/zero", "-o", str(tmp_path)), 3)
    assert "16 MB limit" in msg


# ------------------------------------------------------------------ podcast.toml types


@pytest.mark.parametrize("line, says", [
    ("voice = 42", "voice must be a non-empty string"),
    ('stingers = "no"', "stingers must be true or false"),
    ('stingers = "false"', "stingers must be true or false"),
    ('cache = "no"', "cache must be true or false"),
    ("workers = 1.5", "workers must be a whole number"),
    ("intro = true", "intro must be a non-empty string"),
    ("loudness = \"loud\"", "loudness must be a number"),
])
def test_render_settings_have_types_and_the_error_names_the_line(tmp_path, line, says):
    cfg = tmp_path / "podcast.toml"
    cfg.write_text(f'title = "x"\n\n[render]\nrate = 170\n{line}\n')
    with pytest.raises(ConfigError) as err:
        load_render_settings(cfg)
    assert "line 5" in str(err.value) and says in str(err.value)


def test_endless_config_file_is_refused(tmp_path):
    with _bounded_here(), pytest.raises(ConfigError, match="1 MB limit"):
        load_render_settings("/dev/zero")


def test_bad_bitrate_is_a_usage_error(tmp_path):
    art = tmp_path / "a.md"
    art.write_text(SHORT_ARTICLE, encoding="utf-8")
    for value in ("65", "fast"):
        proc = cli("episode", str(art), "-o", str(tmp_path), "--bitrate", value, *FAKE)
        assert proc.returncode == 2, proc.stderr.decode()
        assert "is not an MP3 bitrate" in proc.stderr.decode()


# ------------------------------------------------------------------ scripts


HEADER = "title: T\n\n## One\n\n"


def test_json_speaker_must_be_a_string():
    data = {"title": "T", "chapters": [{"title": "One", "segments": [
        {"role": "quote", "text": "Hello there.", "speaker": {"x": 1}}]}]}
    with pytest.raises(InputError, match="a speaker must be a string"):
        loads(json.dumps(data))
    data["chapters"][0]["segments"][0]["speaker"] = "Ann"
    assert next(loads(json.dumps(data)).segments).speaker == "Ann"


def test_unknown_header_key_and_bad_date_name_the_line():
    with pytest.raises(InputError, match=r"line 2: unknown key 'titel'"):
        parse_text("title: T\ntitel: oops\n\n## One\n\nText.\n")
    with pytest.raises(InputError, match=r"line 2: date must be YYYY-MM-DD"):
        parse_text("title: T\ndate: not-a-date\n\n## One\n\nText.\n")
    with pytest.raises(InputError, match=r"line 2: date must be"):
        parse_text("title: T\ndate: 2026-02-30\n\n## One\n\nText.\n")
    with pytest.raises(InputError, match="date must be"):
        loads(json.dumps({"title": "T", "date": "yesterday", "chapters": [
            {"title": "One", "segments": [{"role": "narrator", "text": "Hi."}]}]}))
    for ok in ("2026", "2026-11", "2026-11-24"):
        assert parse_text(f"title: T\ndate: {ok}\n\n## One\n\nText.\n").date == ok


def test_consecutive_pauses_add_up_to_the_limit():
    s = parse_text(HEADER + "Text.\n(pause 1.5s)\n(pause 2s)\n")
    assert next(s.segments).pause == 3.5
    assert parse_text(format_text(s)) == s and loads(dumps_json(s)) == s
    with pytest.raises(InputError, match=r"line 7: a pause can be at most 60s"):
        parse_text(HEADER + "Text.\n(pause 40s)\n(pause 30s)\n")


def test_two_thousand_long_pauses_are_refused_before_rendering():
    text = HEADER + "".join(f"Line {i}.\n(pause 60s)\n" for i in range(2000))
    with pytest.raises(InputError, match=r"line 126: the pauses of one script add up to more than the limit of 3600s"):
        parse_text(text)


def test_too_many_chapters_are_refused_with_the_line():
    text = "title: T\n" + "".join(f"\n## C{i}\n\nText {i}.\n" for i in range(limits.MAX_CHAPTERS + 1))
    with pytest.raises(InputError, match=f"more than the limit of {limits.MAX_CHAPTERS} chapters"):
        parse_text(text)


def test_more_than_255_chapters_nest_their_tables_of_contents(tmp_path):
    from mutagen.id3 import ID3

    from audiogen.manifest import Chapter
    from audiogen.audio.tags import TagInfo, write_tags

    mp3 = tmp_path / "c.mp3"
    subprocess.run([ffmpeg(), "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "20",
                    "-c:a", "libmp3lame", "-b:a", "32k", "-y", str(mp3)], check=True)
    n = 600
    write_tags(mp3, TagInfo("T", "A", "Al", None, None, 20_000,
                            tuple(Chapter(f"Chapter {i}", i * 0.03, (i + 1) * 0.03) for i in range(n))))
    found = ffmpeg_chapters(mp3)
    assert [c["title"] for c in found] == [f"Chapter {i}" for i in range(n)]
    tocs = {f.element_id: f for f in ID3(mp3).getall("CTOC")}
    assert tocs["toc"].child_element_ids == ["toc0", "toc1", "toc2"]
    assert sum(len(tocs[t].child_element_ids) for t in ("toc0", "toc1", "toc2")) == n


# ------------------------------------------------------------------ silence and chunks


def test_long_silence_is_cut_into_bounded_chunks():
    items = [("mark", "One")] + [x for i in range(40) for x in (("speech", f"Line {i}."), ("pause", 30.0))]
    got = chunks.split(items, lambda it: it[0] == "mark", lambda it: False,
                       lambda it: it[1] if it[0] == "speech" else None,
                       lambda it: it[1] if it[0] == "pause" else None)
    assert [it for piece in got for it in piece] == items
    assert max(sum(it[1] for it in piece if it[0] == "pause") for piece in got) <= limits.MAX_CHUNK_SECONDS


# ------------------------------------------------------------------ output


def _full_device(tmp_path: Path) -> Path:
    """A device like /dev/full of our own when we may make one: a regression that replaced the
    target with a file must never replace the real /dev/full (as root it could)."""
    if os.geteuid() != 0:
        return Path("/dev/full")  # /dev is not ours to write: it cannot be replaced
    dev = tmp_path / "full"
    os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    with open(dev, "wb", buffering=0) as fh, pytest.raises(OSError):
        fh.write(b"x")  # a working full device (tmp is not mounted nodev)
    return dev


def test_write_errors_on_output_and_stdout_are_errors(tmp_path):
    art = tmp_path / "a.md"
    art.write_text(SHORT_ARTICLE, encoding="utf-8")
    full = _full_device(tmp_path)
    msg = _error(cli("script", str(art), "-o", str(full)), 7)
    assert "no space left" in msg
    assert stat.S_ISCHR(full.stat().st_mode)  # written into, never replaced by a file
    with open(full, "wb") as out:
        proc = subprocess.run([sys.executable, "-m", "audiogen", "script", str(art)], stdout=out,
                              stderr=subprocess.PIPE, timeout=60)
    msg = _error(proc, 7)
    assert "standard output" in msg
    piped = subprocess.run([sys.executable, "-m", "audiogen", "script", str(art), "-o", "/dev/stdout"],
                           capture_output=True, timeout=60)
    assert piped.returncode == 0 and piped.stdout.startswith(b"# audiogen narration script")


# ------------------------------------------------------------------ the cache cap during a render


def test_the_cache_cap_holds_during_a_render(tmp_path, monkeypatch):
    from audiogen import pipeline
    from audiogen.audio import assemble, episode
    from audiogen.tts import synth
    from audiogen.settings import RenderSettings

    cache = tmp_path / "cache"

    def size() -> int:
        return sum(p.stat().st_size for p in cache.rglob("*") if p.is_file())

    seen: list[int] = []
    put = chunks.ChunkStore.put

    def measured_put(self, *args, **kwargs):
        seen.append(size())
        return put(self, *args, **kwargs)

    cap_mb = 1.0
    monkeypatch.setattr(synth, "DEFAULT_CACHE_CAP_MB", cap_mb)
    monkeypatch.setattr(assemble, "PRUNE_EVERY_BYTES", 0)  # as 1 GiB does every 64 MB
    monkeypatch.setattr(chunks.ChunkStore, "put", measured_put)
    rng = __import__("random").Random(7)
    words = "harbour ferry captain morning council water boat weather tide pier crew market".split()
    paras = [" ".join(rng.choice(words) for _ in range(60)).capitalize() + "." for _ in range(35)]
    art = tmp_path / "long.md"
    art.write_text("# The Long Crossing\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")
    source = pipeline.load_source(str(art))
    settings = RenderSettings(engine="fake", stingers=False, workers=1)
    ep = episode.render(source.script, tmp_path / "out", settings, cache_dir=cache)
    assert ep.duration > 180  # about 2,100 words: ~9 MB of clips and chunks without the cap, twice the bound below
    assert len(seen) >= 10
    # Over the cap by at most the chunk in flight (one core: one at a time), however long the render
    # (at most 2.4 MB here, deterministic: the fake engine's clips and LAME's chunks have fixed sizes).
    assert max(seen) <= (cap_mb + 3) * 2**20, [round(s / 2**20, 1) for s in seen]
    assert size() <= cap_mb * 2**20
