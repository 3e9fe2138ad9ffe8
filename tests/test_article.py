"""Tests for audiogen.read.article: formats, metadata, boilerplate, encodings and input errors."""

from __future__ import annotations

import io
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audiogen.errors import InputError
from audiogen.read.article import Article, Block, Section, load_article, parse_article, sniff_format

BODY_1 = ("The harbour council voted on Tuesday to restore the old lighthouse, ending a debate "
          "that had run for more than a decade.")
BODY_2 = ("Engineers will start with the lamp room, which has been closed to visitors since the "
          "storm of 2009 broke most of its windows.")
BODY_3 = ("Volunteers have already raised a third of the money, and the rest is expected to come "
          "from a regional heritage fund next spring.")


def texts(article: Article) -> list[str]:
    return [b.text for s in article.sections for b in s.blocks]


def all_text(article: Article) -> str:
    return " ".join([article.title] + [s.heading or "" for s in article.sections] + texts(article))


# ---------------------------------------------------------------- plain text

TXT = f"""Breaking News

Town Votes to Save Its Lighthouse

By Jane Doe | Staff writer
March 3, 2024

{BODY_1}

{BODY_2}

What Happens Next

{BODY_3}
"""


def test_txt_title_kicker_byline_date_and_heading():
    art = parse_article(TXT, "txt")
    assert art.title == "Town Votes to Save Its Lighthouse"
    assert art.author == "Jane Doe"
    assert art.date == "2024-03-03"
    assert art.language == "en"
    assert [s.heading for s in art.sections] == [None, "What Happens Next"]
    assert texts(art) == [BODY_1, BODY_2, BODY_3]
    assert "Breaking News" not in all_text(art)


def test_txt_kicker_kept_when_it_is_the_only_line_before_text():
    art = parse_article(f"Opinion\n\n{BODY_1}\n", "txt")
    assert art.title == "Opinion"
    assert texts(art) == [BODY_1]


def test_txt_hard_wrapped_paragraphs_are_joined():
    text = ("A Short Title\n\n"
            "The harbour council voted on Tuesday to restore the old lighthouse,\n"
            "ending a debate that had run for more than a decade in the town.\n\n"
            "Engineers will start with the lamp room, which has been closed to\n"
            "visitors since the storm of 2009 broke most of its old windows.\n")
    art = parse_article(text, "txt")
    assert len(texts(art)) == 2
    assert texts(art)[0].startswith("The harbour council") and "lighthouse, ending" in texts(art)[0]


def test_txt_one_paragraph_per_line_is_split():
    text = "A Short Title\n" + "\n".join([BODY_1, BODY_2, BODY_3]) + "\n"
    art = parse_article(text, "txt")
    assert texts(art) == [BODY_1, BODY_2, BODY_3]


def test_txt_short_sentence_paragraph_is_not_a_heading():
    text = f"A Title\n\n{BODY_1}\n\nIt did not last.\n\n{BODY_2}\n"
    art = parse_article(text, "txt")
    assert [s.heading for s in art.sections] == [None]
    assert "It did not last." in texts(art)


def test_txt_hash_heading_and_blockquote():
    text = f"# Title Here\n\n{BODY_1}\n\n## The Plan\n\n> We will light it again, whatever it costs.\n\n{BODY_2}\n"
    art = parse_article(text, "txt")
    assert art.title == "Title Here"
    assert art.sections[1].heading == "The Plan"
    assert art.sections[1].blocks[0] == Block("We will light it again, whatever it costs.", "blockquote")


def test_txt_byline_lookalike_sentence_stays_in_the_text():
    text = f"Harbour News Today\n\nBy Monday, the council will decide what to do with the tower.\n\n{BODY_1}\n"
    art = parse_article(text, "txt")
    assert art.author is None
    assert texts(art)[0] == "By Monday, the council will decide what to do with the tower."


def test_txt_list_of_short_questions_is_not_headings():
    text = (f"A Title\n\n{BODY_1}\n\nAsk yourself three things:\n\nIs it needed?\n\nCan it wait?\n\n"
            f"Who pays for it?\n\n{BODY_2}\n")
    art = parse_article(text, "txt")
    assert [s.heading for s in art.sections] == [None]
    assert "Can it wait?" in texts(art)


def test_txt_without_title_line_uses_the_first_sentence_and_keeps_the_paragraph():
    text = "\n".join([BODY_1 + " " + BODY_2, BODY_3]) + "\n"
    art = parse_article(text, "txt")
    assert art.title == "The harbour council voted on Tuesday to restore the old\u2026"
    assert texts(art) == [BODY_1 + " " + BODY_2, BODY_3]


# ---------------------------------------------------------------- Markdown

MD = f"""---
title: "Keepers of the Light"
author: Sam Roe
date: 2023-11-05
lang: en-GB
---

*By Sam Roe*

{BODY_1} Read the **[full report](https://example.org/report)** and see `lamp.cfg`.

![A photo of the tower](tower.jpg)

## The _Restoration_ Plan

> "We will light it again," the mayor said.
> She meant it.

- First item of the list
- Second item with *emphasis*

```
code_is_not_read_aloud()
```

### Money

{BODY_3}
"""


def test_markdown_front_matter_sections_quotes_lists_and_markup():
    art = parse_article(MD, "md")
    assert art.title == "Keepers of the Light"
    assert art.author == "Sam Roe"
    assert art.date == "2023-11-05"
    assert art.language == "en-GB"
    assert [s.heading for s in art.sections] == [None, "The Restoration Plan", "Money"]
    first = art.sections[0].blocks[0].text
    assert first == BODY_1 + " Read the full report and see lamp.cfg."
    plan = art.sections[1].blocks
    assert plan[0] == Block('"We will light it again," the mayor said. She meant it.', "blockquote")
    assert [b.text for b in plan[1:]] == ["First item of the list", "Second item with emphasis"]
    text = all_text(art)
    for gone in ("https://", "tower.jpg", "A photo of the tower", "code_is_not_read_aloud", "**", "`", "By Sam"):
        assert gone not in text


def test_markdown_h1_title_and_setext_heading():
    md = f"# The Tower\n\nBy Ann Lee\n\n{BODY_1}\n\nA Second Part\n-------------\n\n{BODY_2}\n"
    art = parse_article(md, "md")
    assert art.title == "The Tower"
    assert art.author == "Ann Lee"
    assert [s.heading for s in art.sections] == [None, "A Second Part"]
    assert texts(art) == [BODY_1, BODY_2]


# ---------------------------------------------------------------- HTML

HTML = f"""<!DOCTYPE html>
<html lang="en-us"><head>
<title>Town Votes to Save Its Lighthouse | The Harbour Times</title>
<meta property="og:title" content="Town Votes to Save Its Lighthouse">
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2024-03-03T09:00:00Z">
<style>.x {{ content: "STYLE TEXT"; }}</style>
<script>var secret = "SCRIPT TEXT";</script>
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article>
<h1>Town Votes to Save Its Lighthouse</h1>
<p class="byline">By Jane Doe</p>
<p onclick="alert('HANDLER TEXT')">{BODY_1}</p>
<p>{BODY_2}</p>
<iframe src="https://example.org/player">IFRAME TEXT</iframe>
<svg><text>SVG TEXT</text></svg>
<h2>What Happens Next</h2>
<blockquote><p>We will light it again, whatever it costs us, and we will keep it lit.</p></blockquote>
<p>{BODY_3}</p>
<p>Share this:</p>
<p>Photo: Harbour Times archive</p>
<h3>Leave a Reply</h3>
<p>Great article, thanks for writing it, I grew up near this lighthouse and loved it.</p>
</article>
<footer>Copyright 2024 The Harbour Times. All rights reserved.</footer>
</body></html>
"""


def test_html_extraction_metadata_sections_and_blockquote():
    art = parse_article(HTML, "html", source="page.html")
    assert art.title == "Town Votes to Save Its Lighthouse"
    assert art.author == "Jane Doe"
    assert art.date == "2024-03-03"
    assert art.language == "en-US"
    assert art.source == "page.html"
    assert [s.heading for s in art.sections] == [None, "What Happens Next"]
    assert texts(art)[:2] == [BODY_1, BODY_2]
    assert art.sections[1].blocks[0].kind == "blockquote"
    assert art.sections[1].blocks[-1].text == BODY_3


def test_html_never_keeps_script_style_iframe_svg_handlers_or_boilerplate():
    text = all_text(parse_article(HTML, "html"))
    for gone in ("SCRIPT TEXT", "STYLE TEXT", "IFRAME TEXT", "SVG TEXT", "HANDLER TEXT", "alert(",
                 "Share this", "Photo:", "Leave a Reply", "Great article", "All rights reserved", "Home"):
        assert gone not in text


def test_html_lxml_fallback_alone_gives_the_same_article(monkeypatch):
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # the import fails: fallback path
    art = parse_article(HTML, "html")
    assert art.title == "Town Votes to Save Its Lighthouse"
    assert (art.author, art.date) == ("Jane Doe", "2024-03-03")
    assert [s.heading for s in art.sections] == [None, "What Happens Next"]
    assert texts(art) == [BODY_1, BODY_2, "We will light it again, whatever it costs us, and we will keep it lit.", BODY_3]
    for gone in ("SCRIPT TEXT", "STYLE TEXT", "IFRAME TEXT", "SVG TEXT", "Share this", "Leave a Reply", "Home"):
        assert gone not in all_text(art)


def test_html_fallback_when_the_extractor_finds_little():
    html = f"<html><body><div><p>{BODY_1}</p><script>bad()</script></div></body></html>"
    art = parse_article(html, "html")
    assert BODY_1 in texts(art)
    assert "bad()" not in all_text(art)


def test_html_tweet_blockquote_credit_is_narrated_without_handle_or_link():
    html = (f"<html><head><title>A Page Title Here</title></head><body><article><h1>A Page Title Here</h1>"
            f"<p>{BODY_1}</p><blockquote class='twitter-tweet'><p>The lamp is lit again tonight, come and see it "
            f"pic.twitter.com/AbCdEf12</p>&mdash; Harbour Mayor (@harbourmayor) "
            f"<a href='https://twitter.com/x'>March 4, 2024</a></blockquote><p>{BODY_2}</p><p>{BODY_3}</p>"
            f"</article></body></html>")
    blocks = [b for s in parse_article(html, "html").sections for b in s.blocks]
    quote = [b for b in blocks if b.kind == "blockquote"]
    assert [b.text for b in quote] == ["The lamp is lit again tonight, come and see it"]
    assert Block("Harbour Mayor March 4, 2024") in blocks


def test_html_title_is_the_h1_that_agrees_with_og_title():
    html = (f"<html><head><title>Lamp Lit Again After Forty Years - Harbour Times</title>"
            f"<meta property='og:site_name' content='Harbour Times'></head><body>"
            f"<header><h1>Harbour Times</h1></header><article><h1>Lamp lit again after forty years</h1>"
            f"<p>{BODY_1}</p><p>{BODY_2}</p></article></body></html>")
    assert parse_article(html, "html").title == "Lamp lit again after forty years"
    no_h1 = html.replace("<h1>Lamp lit again after forty years</h1>", "")
    assert parse_article(no_h1, "html").title == "Lamp Lit Again After Forty Years"


def test_html_bold_paragraph_heading_and_pull_quote():
    html = (f"<html><body><article><h1>Big Title Words Here</h1><p>{BODY_1}</p>"
            f"<p><strong>The Money Question</strong></p><p>{BODY_2}</p>"
            f"<h2>the rest is expected to come from a regional heritage fund</h2><p>{BODY_3}</p>"
            f"</article></body></html>")
    art = parse_article(html, "html")
    assert [s.heading for s in art.sections] == [None, "The Money Question"]
    assert texts(art) == [BODY_1, BODY_2, BODY_3]


def test_html_with_nothing_extractable_is_an_input_error():
    with pytest.raises(InputError, match="no .*text"):
        parse_article("<html><body><script>only()</script><div></div></body></html>", "html")


# ---------------------------------------------------------------- boilerplate

def test_boilerplate_dropped_in_text():
    text = f"""Keepers of the Light

{BODY_1}

Jessie Kay
"Northern Harbour"
From the album Lights Out
Advertisement

{BODY_2}

Read more: Ten lighthouses you can sleep in

(Photo by Sam Roe/Getty Images)

{BODY_3}

Share on Facebook
Sign up for our newsletter
Leave a Reply
Nice piece, thanks for the history lesson about our own harbour town.
"""
    art = parse_article(text, "txt")
    assert texts(art) == [BODY_1, BODY_2, BODY_3]


def test_short_real_paragraphs_and_spoken_quotes_survive():
    text = (f'A Title Line\n\n{BODY_1}\n\n"We did it."\n\nNobody expected that.\n\n\u201cAbsolutely not\u201d\n\n'
            f'{BODY_2}\n')
    art = parse_article(text, "txt")
    assert '"We did it."' in texts(art)
    assert "\u201cAbsolutely not\u201d" in texts(art)
    assert "Nobody expected that." in texts(art)


def test_comment_counter_near_the_top_does_not_truncate():
    html = f"<html><body><article><h1>Some Title Words</h1><p>12 comments</p><p>{BODY_1}</p><p>{BODY_2}</p></article></body></html>"
    assert texts(parse_article(html, "html")) == [BODY_1, BODY_2]


def test_nothing_left_after_boilerplate_is_an_input_error():
    with pytest.raises(InputError, match="no readable text after removing boilerplate"):
        parse_article("Title\n\nShare this:\n\nAdvertisement\n", "txt")


# ---------------------------------------------------------------- encodings and files

def test_encodings(tmp_path):
    text = "Caf\u00e9 Opening Soon\n\nThe caf\u00e9 \u201cLa Mer\u201d opens its doors \u2014 finally \u2014 next week in town.\n"
    cases = {
        "utf8.txt": text.encode("utf-8"),
        "bom.txt": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "utf16.txt": text.encode("utf-16"),
        "cp1252.txt": text.encode("cp1252"),
        "crlf.txt": text.replace("\n", "\r\n").encode("utf-8"),
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        art = load_article(path)
        assert art.title == "Caf\u00e9 Opening Soon", name
        assert texts(art) == ["The caf\u00e9 \u201cLa Mer\u201d opens its doors \u2014 finally \u2014 next week in town."], name
        assert art.source == str(path)


def test_invalid_utf8_is_replaced_not_fatal(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"Title Line\n\nSome text \x81\x8d broken bytes here and \xff there.\n")
    art = load_article(path)
    assert art.title == "Title Line"
    assert "broken bytes" in texts(art)[0]


def test_zero_width_and_control_characters_are_removed():
    art = parse_article("Ti\u200btle\n\nSome\x07 text\u200d with\x1b junk\ufeff in it.\n", "txt")
    assert art.title == "Title"
    assert texts(art) == ["Some text with junk in it."]


def test_stdin_is_read_as_bytes(monkeypatch):
    fake = io.TextIOWrapper(io.BytesIO(("# Piped Title\n\n" + BODY_1).encode("utf-16")))
    monkeypatch.setattr(sys, "stdin", fake)
    art = load_article("-")
    assert art.title == "Piped Title"
    assert texts(art) == [BODY_1]
    assert art.source == "-"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "is empty"),
        ("blank.txt", b"  \n\t\n \r\n", "only blank space"),
        ("photo.txt", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)), "JPEG"),
        ("data.md", b"abc\x00\x01\x02def" * 10, "binary"),
        ("doc.html", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
    ],
)
def test_input_errors_for_bad_files(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError, match=message) as info:
        load_article(path)
    assert "\n" not in str(info.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_article(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="folder"):
        load_article(tmp_path)


def test_unknown_format_and_whitespace_text():
    with pytest.raises(InputError, match="unknown article format"):
        parse_article("Hello there", "docx")
    with pytest.raises(InputError, match="blank"):
        parse_article("\u200b \n\n\t", None)


def test_sniffing():
    assert sniff_format("<!doctype html><html><body><p>x</p></body></html>") == "html"
    assert sniff_format("Intro line\n<p>para</p>") == "html"
    assert sniff_format("---\ntitle: x\n---\nbody") == "md"
    assert sniff_format("# Title\n\nbody") == "md"
    assert sniff_format("Title\n\nJust text, #hashtag here.") == "txt"
    art = parse_article(f"# Sniffed\n\n{BODY_1}", None, source="-")
    assert art.title == "Sniffed"


def test_structure_types():
    art = parse_article(TXT, "txt")
    assert isinstance(art.sections, tuple) and all(isinstance(s, Section) for s in art.sections)
    assert all(isinstance(s.blocks, tuple) for s in art.sections)
    assert all("\n" not in b.text and "  " not in b.text for b in art.blocks)


# ---------------------------------------------------------------- property

@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=400), fmt=st.sampled_from([None, "txt", "md", "html"]))
def test_parse_never_raises_anything_but_input_error(text, fmt):
    try:
        art = parse_article(text, fmt)
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert art.title
    assert any(s.blocks for s in art.sections)
    assert all(b.text and b.text == " ".join(b.text.split()) for b in art.blocks)


@pytest.mark.parametrize(
    "text",
    [
        "# T\n\n" + "**a " * 5000,
        "# T\n\n" + "[x](" * 5000,
        "# T\n\n" + "<!--" * 5000,
        "# T\n\n" + "_a " * 5000 + "`" * 3000,
        "# T\n\n" + ">" * 3000 + " deep quote",
        "# T\n\n" + "> " * 3000 + "deep quote\n" * 50,
        "Title\n\n" + "http://" * 5000,
    ],
)
def test_pathological_markup_parses_quickly(text):
    import time

    start = time.perf_counter()
    for fmt in ("md", "txt"):
        try:
            parse_article(text, fmt)
        except InputError:
            pass
    assert time.perf_counter() - start < 3.0
