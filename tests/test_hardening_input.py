"""Hostile and unusual articles through the real CLI: odd encodings, dangerous HTML, broken
quotes, huge inputs, every script and symbol. Nothing crashes, no text is lost or invented,
nothing from markup is read out.

Library-level cases are in test_article.py (encodings, control characters, bad files) and
test_cli.py (empty, whitespace-only, binary); these are the end-to-end counterparts.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from pathlib import Path

import pytest

from conftest import FAKE, invoke

BODY = ("The café “La Mer” opens its doors — finally — next week, and the harbour crowd is already "
        "queueing along the pier.")


def _script_text(proc) -> str:
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stderr == b""
    return proc.stdout.decode("utf-8")


def _spoken_lines(script: str) -> list[str]:
    """The written text lines of a printed script (no header, comments, spoken forms or pauses)."""
    body = script.split("\n## ", 1)[1]
    return [ln.removeprefix("> ").removeprefix("\\") for ln in body.splitlines()[1:]
            if ln and not ln.startswith(("#", "= ", "(pause"))]


@pytest.mark.parametrize("name, data", [
    ("utf16-bom.txt", ("Café Opening Soon\n\n" + BODY + "\n").encode("utf-16")),
    ("utf16-be-bom.md", ("# Café Opening Soon\n\n" + BODY + "\n").encode("utf-16-be").join([b"\xfe\xff", b""])),
    ("windows-1252.txt", ("Café Opening Soon\r\n\r\n" + BODY + "\r\n").encode("cp1252")),
    ("mixed-endings.txt", ("Café Opening Soon\r\n\n" + BODY.replace(", and", ",\rand") + "\r\n").encode("utf-8")),
])
def test_encodings_and_line_endings_end_to_end(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    text = _script_text(invoke("script", str(path)))
    assert "title: Café Opening Soon" in text
    assert " ".join(_spoken_lines(text)) == BODY
    assert "\r" not in text


def test_invalid_utf8_is_read_with_replacements(tmp_path: Path) -> None:
    path = tmp_path / "broken.txt"
    path.write_bytes(b"Harbour Notes\n\nThe pier \xc3 reopens \xff\xfe today after \x81 repairs to the deck.\n")
    text = _script_text(invoke("script", str(path)))
    words = " ".join(_spoken_lines(text)).split()
    assert [w for w in words if w.isascii()] == "The pier reopens today after repairs to the deck.".split()


PARA_1 = "The council met on Tuesday evening to discuss the harbour repairs and the new timetable for the winter months ahead."
PARA_2 = "Members agreed the work starts in spring, once the weather lets divers inspect the piles under the old pier."
PARA_4 = "The mayor thanked the crew for years of patient work and promised a small party on the quay when it is finished."
PARA_5 = "Several fishermen said they would believe it when they saw it, but most of them were smiling as they left the hall."
PARA_3 = "Until then the ferry keeps its usual crossings, and the harbour office asks drivers to arrive twenty minutes early."
HOSTILE_HTML = f"""<!doctype html><html><head><title>Safe Title Here</title>
<style>body{{color:red}} p:before{{content:"STYLE_LEAK"}}</style><script>document.write("SCRIPT_LEAK")</script>
<meta http-equiv="refresh" content="0;url=javascript:alert('META_LEAK')"></head>
<body onload="alert('ONLOAD_LEAK')"><article><h1>Safe Title Here</h1>
<p onclick="alert('CLICK_LEAK')">The council met on Tuesday evening to discuss the harbour repairs and the new timetable for the winter months ahead.</p>
<iframe src="javascript:alert('IFRAME_LEAK')">IFRAME_LEAK</iframe>
<svg onload="alert('SVG_LEAK')"><script>SVG_SCRIPT_LEAK</script><text>SVG_TEXT_LEAK</text></svg>
<noscript>NOSCRIPT_LEAK</noscript><img src=x onerror="alert('ONERROR_LEAK')" alt="">
<template>TEMPLATE_LEAK</template><object data="x.swf">OBJECT_LEAK</object>
<p>Members agreed the work starts in spring, once the weather lets divers inspect the piles under the old pier.<script>INLINE_LEAK</script></p>
<p style="color:red">Until then the ferry keeps its usual crossings, and the harbour office asks drivers to arrive twenty minutes early.</p>
<p>{PARA_4}</p><div onmouseover="alert('HOVER_LEAK')"><p>{PARA_5}</p></div>
<a href="javascript:alert('HREF_LEAK')">Read more</a>
</article></body></html>"""


def test_html_with_scripts_styles_frames_svg_and_handlers(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(HOSTILE_HTML, encoding="utf-8")
    text = _script_text(invoke("script", str(path)))
    assert "LEAK" not in text and "alert" not in text and "javascript" not in text.lower()
    assert _spoken_lines(text) == [PARA_1, PARA_2, PARA_3, PARA_4, PARA_5]


def test_unclosed_raw_text_elements_do_not_turn_markup_into_text(tmp_path: Path) -> None:
    """The HTML parser reads what follows an unclosed <iframe> (or <textarea>, <xmp>...) as text,
    markup included: none of it may be read out (found by the fuzz test)."""
    for tag in ("iframe", "textarea", "xmp"):
        path = tmp_path / f"{tag}.html"
        path.write_text(f'<title>Harbour News</title><p>{PARA_1}<p>{PARA_2}<{tag}>RAW_LEAK<p onclick="alert(1)">'
                        f"{PARA_3}", encoding="utf-8")
        text = _script_text(invoke("script", str(path)))
        assert "LEAK" not in text and "alert" not in text and "<p" not in text, (tag, text)
        assert _spoken_lines(text)[:2] == [PARA_1, PARA_2], tag


def test_html_without_body(tmp_path: Path) -> None:
    empty = tmp_path / "head-only.html"
    empty.write_text("<html><head><title>Only A Title</title></head></html>")
    proc = invoke("script", str(empty))
    err = proc.stderr.decode()
    assert proc.returncode == 3 and err.startswith("Error: ") and len(err.strip().splitlines()) == 1, err
    bare = tmp_path / "no-body-tag.html"
    paras = [PARA_1, PARA_2, PARA_3, PARA_4, PARA_5]
    bare.write_text("<title>Harbour News Today</title>" + "".join(f"<p>{p}</p>" for p in paras))
    text = _script_text(invoke("script", str(bare)))
    assert "title: Harbour News Today" in text and _spoken_lines(text) == paras


UNBALANCED = """Harbour Talk

“We will open the pier on Monday, said the harbour master, and nobody believed her at first.

She added: "the divers are ready” and then "the cranes are not.

The crew laughed. ”Backwards quotes“ are ‘odd’ and ‚low‘ and »guillemets« too.

"Unclosed quote that runs on to the end of the article without ever stopping here
"""


def test_unbalanced_and_unclosed_quotes_lose_no_words(tmp_path: Path) -> None:
    path = tmp_path / "quotes.txt"
    path.write_text(UNBALANCED, encoding="utf-8")
    text = _script_text(invoke("script", str(path)))

    def words(s: str) -> list[str]:
        return re.findall(r"[A-Za-z]+", s)

    assert words(" ".join(_spoken_lines(text))) == words(UNBALANCED.split("\n", 1)[1])


SPEAKERS = ("Ana Ruiz", "Ben Cole", "Chen Wei", "Omar Haddad", "Eva Lind", "Femi Ade", "Gus Moro")


def test_ten_thousand_quotes(tmp_path: Path) -> None:
    parts = ["Many Voices At The Pier\n"]
    for i in range(10_000):
        parts.append(f"“Line {i} is spoken aloud,” said {SPEAKERS[i % 7]}. ")
        if i % 20 == 19:
            parts.append("\n\n")
    path = tmp_path / "many.txt"
    path.write_text("".join(parts), encoding="utf-8")
    t0 = time.monotonic()
    text = _script_text(invoke("script", str(path), "--format", "json"))
    assert time.monotonic() - t0 < 60
    segs = [s for ch in json.loads(text)["chapters"] for s in ch["segments"]]
    quotes = [s for s in segs if s["role"] == "quote"]
    assert len(quotes) == 10_000
    assert quotes[-1]["text"].startswith("Line 9999 ") and quotes[-1]["speaker"] == "Omar Haddad"


INTL = ("Harbour Voices 🚢\n\n"
        "The ferry 🚢 left at dawn 🌅 with 👩‍👩‍👧 families aboard, said the log.\n\n"
        "The sign read שלום עולם and مرحبا بالعالم, right to left.\n\n"
        "A visitor wrote 你好世界 and こんにちは and 안녕하세요 in the guest book.\n\n"
        "Control\x01 chars\x07 and zero\u200bwidth\u200d joins\ufeff are dropped.\n")


@pytest.fixture(scope="module")
def intl_episode(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("intl")
    path = tmp / "intl.txt"
    path.write_text(INTL, encoding="utf-8")
    proc = invoke("episode", *FAKE, str(path), "-o", str(tmp / "out"), "--no-stingers", "--json")
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout)


def test_emoji_rtl_cjk_render_and_keep_their_text(intl_episode: dict) -> None:
    data = intl_episode
    mp3 = Path(data["mp3"])
    assert mp3.is_file() and mp3.stat().st_size > 10_000
    assert data["title"] == "Harbour Voices 🚢"
    assert mp3.name.startswith("harbour-voices-") and mp3.name.isascii()
    texts = " ".join(c["text"] for c in data["cues"])
    for piece in ("שלום עולם", "مرحبا بالعالم", "你好世界", "こんにちは", "안녕하세요", "🌅"):
        assert piece in texts
    vtt = mp3.with_suffix(".vtt").read_text(encoding="utf-8")
    assert "你好世界" in vtt and "שלום עולם" in vtt


def test_control_and_zero_width_characters_reach_no_output(intl_episode: dict) -> None:
    mp3 = Path(intl_episode["mp3"])
    bad = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
    for suffix in (".vtt", ".srt", ".chapters.json", ".episode.json"):
        text = mp3.with_name(mp3.stem + suffix).read_text(encoding="utf-8")
        assert not bad.search(text), suffix
    assert "Control chars and zerowidth joins are dropped." in " ".join(c["text"] for c in intl_episode["cues"])


def test_bidi_override_characters_are_removed(tmp_path: Path) -> None:
    """U+202E can make a title or transcript display reversed (Trojan Source); it carries no speech."""
    path = tmp_path / "bidi.txt"
    path.write_text("Harbour \u202eNotes\u202c Today\n\nThe pier \u2066reopens\u2069 today after the "
                    "repairs to the deck are done.\n", encoding="utf-8")
    text = _script_text(invoke("script", str(path)))
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", text)
    assert "title: Harbour Notes Today" in text


def test_fifty_megabyte_article_is_refused_quickly(tmp_path: Path) -> None:
    from audiogen.read import article
    from audiogen.errors import InputError

    limit = getattr(article, "MAX_ARTICLE_BYTES", None)
    assert isinstance(limit, int) and limit < 50 * 2**20, "no documented article size limit"
    path = tmp_path / "huge.txt"
    para = ("The harbour committee met again on Thursday to review the breakwater plans. " * 20 + "\n\n").encode()
    with open(path, "wb") as fh:
        fh.write(b"A Very Long Report\n\n")
        for _ in range(50 * 2**20 // len(para) + 1):
            fh.write(para)
    t0 = time.monotonic()
    with pytest.raises(InputError, match="MB") as info:
        article.load_article(path)
    assert time.monotonic() - t0 < 2
    assert "split" in str(info.value) or "limit" in str(info.value)
    proc = invoke("script", str(path))
    assert proc.returncode == 3 and proc.stderr.decode().startswith("Error: ")


def test_unicode_normalization_is_stable(tmp_path: Path) -> None:
    """Decomposed (NFD, as macOS file systems and some editors write) and composed text read the same."""
    nfc = tmp_path / "nfc.txt"
    nfd = tmp_path / "nfd.txt"
    nfc.write_text("Café Opening Soon\n\n" + BODY + "\n", encoding="utf-8")
    nfd.write_text(unicodedata.normalize("NFD", "Café Opening Soon\n\n" + BODY + "\n"), encoding="utf-8")
    assert _script_text(invoke("script", str(nfc))) == _script_text(invoke("script", str(nfd)))


def test_terminal_escape_sequences_are_removed_whole(tmp_path: Path) -> None:
    """Text pasted from a terminal: colour codes are not read out as '[31m' once ESC is dropped."""
    path = tmp_path / "console.md"
    path.write_text("# Console Notes\n\nThe build printed \x1b[1;31mfailed\x1b[0m twice, then "
                    "\x1b]0;window title\x07passed at last.\n", encoding="utf-8")
    text = _script_text(invoke("script", str(path)))
    assert _spoken_lines(text) == ["The build printed failed twice, then passed at last."]
    assert "[" not in text.split("## Console Notes", 1)[1]
