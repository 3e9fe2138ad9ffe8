"""End to end: the real CLI on an article written here, checked with ffmpeg."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from conftest import FAKE, decode, ffmpeg_chapters, ffmpeg_stream_info, invoke, run_cli


@pytest.fixture(scope="module")
def rendered(real_episode):
    """The real CLI's render of SHORT_ARTICLE with the default voices and settings (conftest)."""
    out, data, _ = real_episode
    return out, data


def test_json_describes_the_episode(rendered):
    out, data = rendered
    mp3 = Path(data["mp3"])
    assert mp3.parent == out and mp3.name == "the-ferry-at-dawn.mp3" and mp3.is_file()
    assert [c["title"] for c in data["chapters"]] == ["Intro", "The Ferry at Dawn", "The Crossing",
                                                      "The Return", "Outro"]
    assert data["duration"] == pytest.approx(data["chapters"][-1]["end"], abs=0.001)
    assert {c["role"] for c in data["cues"]} >= {"narrator", "quote", "title"}
    quotes = [c for c in data["cues"] if c["role"] == "quote"]
    assert quotes[0]["text"].startswith("We never cancel") and quotes[0]["speaker"].endswith("Rosa Delgado")


def test_ffmpeg_decodes_whole_file_at_44k1(rendered):
    _, data = rendered
    info = ffmpeg_stream_info(Path(data["mp3"]))
    assert "44100 Hz" in info and "mono" in info and "64 kb/s" in info
    audio = decode(Path(data["mp3"]))
    # gapless decode: the decoded length equals the rendered length (sample counts)
    assert len(audio) / 44100 == pytest.approx(data["duration"], abs=0.03)
    assert abs(audio).max() > 0.1


def test_chapters_read_back_by_ffmpeg(rendered):
    _, data = rendered
    chapters = ffmpeg_chapters(Path(data["mp3"]))
    assert [c["title"] for c in chapters] == [c["title"] for c in data["chapters"]]
    for got, want in zip(chapters, data["chapters"]):
        assert got["start"] == pytest.approx(want["start"], abs=0.05)
        assert got["end"] == pytest.approx(want["end"], abs=0.05)
    assert [c["start"] for c in chapters] == sorted(c["start"] for c in chapters)


def _id3_frames(path: Path) -> tuple[int, list[str]]:
    """Walk the ID3v2.3 tag by hand: (major version, frame ids in file order)."""
    raw = path.read_bytes()
    assert raw[:3] == b"ID3"
    major = raw[3]
    size = sum(b << (7 * (3 - i)) for i, b in enumerate(raw[6:10]))
    pos, ids = 10, []
    while pos + 10 <= 10 + size:
        fid = raw[pos:pos + 4]
        if fid == b"\0\0\0\0":
            break
        (fsize,) = struct.unpack(">I", raw[pos + 4:pos + 8])
        ids.append(fid.decode("ascii"))
        pos += 10 + fsize
    return major, ids


def test_id3v23_with_ctoc_first_then_chaps_in_time_order(rendered):
    _, data = rendered
    mp3 = Path(data["mp3"])
    major, ids = _id3_frames(mp3)
    assert major == 3
    chap_ids = [i for i in ids if i in ("CTOC", "CHAP")]
    assert chap_ids[0] == "CTOC" and chap_ids.count("CHAP") == 5
    for needed in ("TIT2", "TPE1", "TALB", "TCON", "COMM", "TLEN", "APIC"):
        assert needed in ids, needed
    from mutagen.id3 import ID3

    tags = ID3(str(mp3))
    starts = [f.start_time for f in tags.values() if f.FrameID == "CHAP"]
    assert starts == sorted(starts)
    assert str(tags["TCON"]) == "Podcast"
    assert tags.getall("APIC")[0].data[:4] == b"\x89PNG"


def test_xing_info_header_duration(rendered):
    _, data = rendered
    from mutagen.mp3 import MP3, BitrateMode

    info = MP3(data["mp3"]).info
    assert info.sample_rate == 44100 and info.bitrate_mode == BitrateMode.CBR
    # mutagen takes the length from the Info header's frame count
    assert info.length == pytest.approx(data["duration"], abs=0.06)
    raw = Path(data["mp3"]).read_bytes()
    tag_end = 10 + sum(b << (7 * (3 - i)) for i, b in enumerate(raw[6:10]))
    assert raw[tag_end:tag_end + 2] == b"\xff\xfb"  # first MPEG frame right after the tag
    assert b"Info" in raw[tag_end:tag_end + 200]  # CBR Xing header in that frame


def test_plain_output_ends_with_mp3_path(short_article, tmp_path):
    proc = invoke("episode", *FAKE, str(short_article), "-o", str(tmp_path / "o"), "--no-stingers", "-q")
    assert proc.returncode == 0, proc.stderr.decode()
    last = proc.stdout.decode().strip().splitlines()[-1]
    assert last.endswith("the-ferry-at-dawn.mp3") and Path(last).is_file()
    assert b"Audio saved" not in proc.stdout


def test_stdin_article(tmp_path):
    from conftest import SHORT_ARTICLE

    proc = invoke("episode", *FAKE, "-", "-o", str(tmp_path), "--no-stingers", "-q", input=SHORT_ARTICLE.encode())
    assert proc.returncode == 0, proc.stderr.decode()
    assert (tmp_path / "the-ferry-at-dawn.mp3").is_file()


def test_script_then_render_equals_episode(short_article, tmp_path):
    proc = invoke("script", str(short_article))
    assert proc.returncode == 0
    text = proc.stdout.decode()
    assert "## The Crossing" in text and "Rosa Delgado] We never cancel" in text
    script_file = tmp_path / "ferry.txt"
    script_file.write_text(text.replace("upper deck", "top deck"), encoding="utf-8")
    proc = invoke("render", *FAKE, str(script_file), "-o", str(tmp_path / "o"), "--no-stingers", "--json")
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    assert any("top deck" in c["text"] for c in data["cues"])
    js = json.loads(invoke("script", str(short_article), "--format", "json").stdout)
    assert js["title"] == "The Ferry at Dawn" and js["author"] == "Ada Pell"
    seg = js["chapters"][1]["segments"][1]
    assert set(seg) >= {"role", "text", "speech", "speaker"} and seg["role"] == "quote"


def test_voices_lists_engines_languages_and_espeak_voices():
    proc = invoke("voices", "--json")
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    ids = {v["id"] for v in data["voices"] if v["engine"] == "pyttsx3"}
    assert {"gmw/en-us", "gmw/en"} <= ids
    assert "pyttsx3" in {e["name"] for e in data["engines"]}
    english = next(row for row in data["languages"] if row["language"] == "en")
    assert english["narrator"]["voice"] and english["quote"]["voice"]
    assert english["narrator"]["engine"] in {e["name"] for e in data["engines"]}


# ------------------------------------------------------------------ bad input


def _bad(tmp_path: Path, code: int, *args: str, input: bytes | None = None, keep: bool = False, run=invoke):
    """Run a command that must fail with exit ``code`` (the README's table) and one ``Error:`` line."""
    out = tmp_path / "out"
    proc = run(*args, "-o", str(out), input=input)
    err = proc.stderr.decode()
    assert proc.returncode == code, err
    assert "Traceback" not in err
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    if not keep:
        assert not (out.exists() and list(out.glob("*.mp3")))
    leftovers = [p for p in out.rglob("*")] if out.exists() else []
    assert not [p for p in leftovers if ".audiogen-tmp" in p.name]
    return lines[0]


def test_missing_file(tmp_path):
    # in a real process: its exit status and its stderr, as a shell sees them
    assert "not found" in _bad(tmp_path, 3, "episode", *FAKE, str(tmp_path / "nope.md"), run=run_cli)


def test_directory(tmp_path):
    assert "folder" in _bad(tmp_path, 3, "episode", *FAKE, str(tmp_path)).lower()


def test_empty_and_whitespace(tmp_path):
    (tmp_path / "e.txt").write_text("")
    (tmp_path / "w.txt").write_text("  \n\n \t \n")
    assert "empty" in _bad(tmp_path, 3, "episode", *FAKE, str(tmp_path / "e.txt"))
    assert "blank" in _bad(tmp_path, 3, "episode", *FAKE, str(tmp_path / "w.txt"))


def test_binary(tmp_path):
    p = tmp_path / "photo.txt"
    p.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 20)
    assert "not text" in _bad(tmp_path, 3, "episode", *FAKE, str(p))


def test_only_boilerplate(tmp_path):
    p = tmp_path / "b.txt"
    p.write_text("Leave a Reply\n\nShare this:\n\nSubscribe to our newsletter\n")
    _bad(tmp_path, 3, "episode", *FAKE, str(p))


def test_unknown_voice(short_article, tmp_path):
    assert "unknown voice" in _bad(tmp_path, 5, "episode", str(short_article), "--voice", "no-such-voice")
    assert "variant" in _bad(tmp_path, 5, "episode", str(short_article), "--quote-voice", "en-us+nosuch")


def test_unreadable_stinger(short_article, tmp_path):
    bad = tmp_path / "intro.mp3"
    bad.write_bytes(b"this is not audio at all" * 10)
    _bad(tmp_path, 6, "episode", *FAKE, str(short_article), "--intro", str(bad))
    assert "not found" in _bad(tmp_path, 6, "episode", *FAKE, str(short_article), "--outro",
                               str(tmp_path / "missing.wav"))


def test_failed_render_keeps_previous_episode(short_article, tmp_path):
    out = tmp_path / "out"
    ok = invoke("episode", *FAKE, str(short_article), "-o", str(out), "--no-stingers", "-q")
    assert ok.returncode == 0
    mp3 = out / "the-ferry-at-dawn.mp3"
    before = mp3.read_bytes()
    bad = tmp_path / "intro.wav"
    bad.write_bytes(b"RIFF....WAVEjunk")
    _bad(tmp_path, 6, "episode", *FAKE, str(short_article), "--intro", str(bad), keep=True)
    assert mp3.read_bytes() == before


def test_missing_byline_and_date_fall_back_and_json_says_so(tmp_path):
    import datetime
    import subprocess

    from conftest import ffmpeg

    art = tmp_path / "pier.txt"
    art.write_text("The Pier\n\nThe pier reopened after the storm, and the first boats tied up at noon.\n",
                   encoding="utf-8")
    config = tmp_path / "podcast.toml"
    config.write_text('author = "Harbor Radio"\n[render]\nrate = 200\n', encoding="utf-8")
    proc = invoke("episode", *FAKE, str(art), "-o", str(tmp_path / "o"), "--no-stingers", "--config", str(config), "--json")
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    assert data["author"] == "Harbor Radio" and data["date"] == today
    assert data["fallbacks"] == {"author": "config", "date": "rendered"}
    # the fallback is tagged, but not read as the article's byline
    assert not any("Harbor Radio" in c["text"] for c in data["cues"])
    meta = subprocess.run([ffmpeg(), "-v", "error", "-i", data["mp3"], "-f", "ffmetadata", "-"],
                          capture_output=True, text=True, check=True).stdout
    fmt = dict(line.split("=", 1) for line in meta.splitlines() if "=" in line and not line.startswith(";"))
    assert fmt.get("artist") == "Harbor Radio" and fmt.get("date", "").startswith(today[:4])


def test_fill_missing_prefers_the_article_then_the_show_then_the_config():
    from types import SimpleNamespace

    from audiogen.publish.show import fill_missing
    from audiogen.script import NARRATOR, Chapter, Script, Segment
    from audiogen.settings import RenderSettings

    chapter = Chapter("Pier", (Segment(NARRATOR, "The pier reopened.", "The pier reopened."),))
    bare = Script("Pier", (chapter,))
    show = SimpleNamespace(config=SimpleNamespace(author="Harbor Radio"))
    settings = RenderSettings(author="Config Name")
    got, how = fill_missing(bare, settings, show, today="2030-01-02")
    assert (got.author, got.date, how) == ("Harbor Radio", "2030-01-02", {"author": "show", "date": "rendered"})
    got, how = fill_missing(bare, settings, None, today="2030-01-02")
    assert got.author == "Config Name" and how["author"] == "config"
    full = Script("Pier", (chapter,), author="Ann Lee", date="2029-05-06")
    assert fill_missing(full, settings, show) == (full, {})
