"""The narration script: text and JSON formats round-trip; errors name the line."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from audiogen.errors import InputError
from audiogen.text import one_line
from audiogen.script import (NARRATOR, QUOTE, Chapter, Script, Segment, format_text, from_json, loads,
                             parse_text, to_json)


def _sample() -> Script:
    return Script(
        title="Harbour Lights",
        author="Jo Marsh",
        date="2026-01-02",
        chapters=(
            Chapter("Harbour Lights", (
                Segment(NARRATOR, "The lamp was lit at 6 pm.", "The lamp was lit at six PM.", paragraph_end=False),
                Segment(QUOTE, "It never goes out,", "It never goes out,", speaker="Ann Lee", paragraph_end=False),
                Segment(NARRATOR, "she said.", "she said.", pause=1.5),
            )),
            Chapter("# Not a comment", (
                Segment(NARRATOR, "> not a quote", "> not a quote"),
                Segment(QUOTE, "[not a speaker] words", "[not a speaker] words"),
                Segment(NARRATOR, "= not a spoken form", "= not a spoken form"),
            )),
        ),
    )


def test_text_round_trip_and_layout():
    s = _sample()
    text = format_text(s)
    assert "> [Ann Lee] It never goes out," in text
    assert "= The lamp was lit at six PM." in text
    assert "(pause 1.5s)" in text
    assert "\\> not a quote" in text and "> \\[not a speaker] words" in text
    assert parse_text(text) == s
    assert format_text(parse_text(text)) == text


def test_json_round_trip():
    s = _sample()
    assert from_json(to_json(s)) == s
    assert loads(format_text(s)) == s


def test_errors_name_the_line():
    with pytest.raises(InputError, match="line 3"):
        parse_text("title: x\n\nstray text before chapter\n")
    with pytest.raises(InputError, match="line 4"):
        parse_text("title: x\n## A\n\n(pause soon)\n")
    with pytest.raises(InputError, match="no 'title:'"):
        parse_text("## A\nhello\n")
    with pytest.raises(InputError, match="invalid JSON"):
        loads('{"title": ')


def test_hand_edit_paragraphs():
    s = parse_text("title: T\n## One\nfirst line\n> a quote\n\nsecond paragraph\n")
    segs = s.chapters[0].segments
    assert [x.paragraph_end for x in segs] == [False, True, True]
    assert segs[1].role == QUOTE and segs[1].speaker is None


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40).filter(
    lambda t: one_line(t) != "")  # what the scrubber keeps of it is not empty
_segment = st.builds(
    Segment,
    role=st.sampled_from([NARRATOR, QUOTE]),
    text=_text,
    speech=_text,
    speaker=st.one_of(st.none(), _text),
    paragraph_end=st.booleans(),
    pause=st.one_of(st.none(), st.floats(min_value=0, max_value=10, allow_nan=False).map(lambda f: round(f, 2))),
)
_chapter = st.builds(Chapter, title=_text, segments=st.lists(_segment, min_size=1, max_size=5).map(tuple))
_script = st.builds(Script, title=_text, chapters=st.lists(_chapter, min_size=1, max_size=3).map(tuple),
                    author=st.one_of(st.none(), _text), date=st.one_of(st.none(), st.dates().map(lambda d: d.isoformat())),
                    language=st.sampled_from(["en", "en-gb", "de"]))


def _canonical(s: Script) -> Script:
    """The last segment of a chapter always ends its paragraph (a chapter break ends it)."""
    chapters = []
    for ch in s.chapters:
        segs = list(ch.segments)
        last = segs[-1]
        segs[-1] = Segment(last.role, last.text, last.speech, last.speaker, True, last.pause)
        chapters.append(Chapter(ch.title, tuple(segs)))
    return Script(s.title, tuple(chapters), s.author, s.date, s.language)


@settings(max_examples=150, deadline=None)
@given(_script)
def test_printed_script_parses_back_identically(s):
    s = _canonical(s)
    text = format_text(s)
    assert parse_text(text) == s
    assert from_json(to_json(s)) == s


def test_link_round_trips_in_text_and_json_and_must_be_http():
    from audiogen.script import Chapter, Script, Segment, dumps_json, format_text, loads

    s = Script("T", (Chapter("T", (Segment("narrator", "Hello there.", "Hello there."),)),),
               link="https://example.org/a?b=1")
    assert "link: https://example.org/a?b=1\n" in format_text(s)
    assert loads(format_text(s)) == s and loads(dumps_json(s)) == s
    with pytest.raises(InputError, match="line 2: link must be an http"):
        loads("title: T\nlink: file:///etc/passwd\n\n## T\n\nHi.\n")
    with pytest.raises(InputError, match="link must be an http"):
        loads('{"title": "T", "link": "javascript:x", "chapters": [{"title": "T", "segments": [{"role": "narrator", "text": "Hi"}]}]}')
