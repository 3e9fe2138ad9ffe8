"""Tests for the quotation detector (audiogen.script.quotes); every text here is written for the test."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiogen.script.quotes import MIN_QUOTE_WORDS, Piece, split_paragraphs

MARKS = "\u201c\u201d\u201e\u201f\"\u2018\u2019\u201a'"


def one(text: str, kind: str = "paragraph") -> list[Piece]:
    return split_paragraphs([(text, kind)])[0]


def quotes(pieces: list[Piece]) -> list[str]:
    return [p.text for p in pieces if p.quote]


def letters(s: str) -> str:
    """The text without whitespace and quote marks: what must survive splitting."""
    return re.sub(rf"[\s{MARKS}]", "", s)


# --- spoken quotations ----------------------------------------------------------------


def test_curly_quote_with_attribution_after() -> None:
    pieces = one("\u201cThe harbour will reopen next spring,\u201d said Maria Lopez.")
    assert pieces == [
        Piece("The harbour will reopen next spring,", True, "Maria Lopez"),
        Piece("said Maria Lopez.", False),
    ]


def test_straight_quote_after_colon() -> None:
    pieces = one('The mayor said: "Nobody expected the bridge to fall so quickly." He resigned.')
    assert [(p.text, p.quote) for p in pieces] == [
        ("The mayor said:", False),
        ("Nobody expected the bridge to fall so quickly.", True),
        ("He resigned.", False),
    ]


def test_british_single_quotes_with_apostrophes_inside() -> None:
    text = "\u2018We\u2019re back to the \u201990s at the Jacksons\u2019 farm,\u2019 she said."
    assert quotes(one(text)) == ["We\u2019re back to the \u201990s at the Jacksons\u2019 farm,"]


def test_british_straight_single_quotes() -> None:
    pieces = one("'It is not fair,' Mr Jones said, 'and I will appeal.'")
    assert [(p.text, p.quote, p.speaker) for p in pieces] == [
        ("It is not fair,", True, "Mr Jones"),
        ("Mr Jones said,", False, None),
        ("and I will appeal.", True, "Mr Jones"),
    ]


def test_nested_quote_with_n_sync_apostrophe_stays_inside() -> None:
    text = (
        "\u201cMy brother asked, \u2018Could we do an \u2018N Sync track for the encore?\u2019 "
        "and I laughed,\u201d Tom Reed recalled."
    )
    pieces = one(text)
    assert pieces[0].quote and pieces[0].speaker == "Tom Reed"
    assert pieces[0].text.endswith("\u2019 and I laughed,")
    assert pieces[1] == Piece("Tom Reed recalled.", False)


def test_nested_title_does_not_end_outer_quote() -> None:
    text = "\u201cThe band played \u2018Sweet Caroline,\u2019 and everyone sang along,\u201d Lee said."
    assert quotes(one(text)) == ["The band played \u2018Sweet Caroline,\u2019 and everyone sang along,"]


def test_quote_interrupted_by_attribution() -> None:
    text = "\u201cUntil the pumps work again,\u201d the engineer said, \u201cthe valley stays flooded.\u201d"
    assert [(p.text, p.quote) for p in one(text)] == [
        ("Until the pumps work again,", True),
        ("the engineer said,", False),
        ("the valley stays flooded.", True),
    ]


def test_multi_paragraph_quote() -> None:
    paras = [
        ("\u201cWe never planned for this,\u201d said Ana Silva.", "paragraph"),
        ("\u201cNobody did. The storms came every week and nothing was built for it.", "paragraph"),
        ("\u201cSo we started again from scratch.\u201d", "paragraph"),
        ("The council met on Monday.", "paragraph"),
    ]
    out = split_paragraphs(paras)
    assert out[1] == [
        Piece("Nobody did. The storms came every week and nothing was built for it.", True, "Ana Silva")
    ]
    assert out[2] == [Piece("So we started again from scratch.", True, "Ana Silva")]
    assert out[3] == [Piece("The council met on Monday.", False)]


def test_blockquote_is_a_quote_entirely() -> None:
    text = "The sea does not forgive mistakes, and neither do the people beside it."
    assert one(text, "blockquote") == [Piece(text, True)]
    assert one("\u201cShort and sharp.\u201d", "blockquote") == [Piece("Short and sharp.", True)]


def test_partial_quote_of_several_words_with_speech_verb() -> None:
    text = "She told reporters that the vote was \u201ca disaster for the county and its farmers.\u201d"
    assert quotes(one(text)) == ["a disaster for the county and its farmers."]


def test_whole_short_utterance_is_a_quote() -> None:
    assert one("\u201cNot now,\u201d he said.")[0].quote


# --- not speech -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Her favourite song is \u201cLove Never Felt So Good\u201d and she plays it daily.",  # song
        "He wrote the book \u201cThe Long Road Home\u201d in two winters.",  # book title
        "He covered \u201cGone,\u201d \u201cThriller\u201d and \u201cLove Never Felt So Good\u201d that night.",
        "\u201cI Will Survive\u201d played as the lights came up.",  # title-cased title
        "I watched \u201cThe Lost Valley.\u201d He said nothing about it afterwards.",
        "The so-called \u201cexperts\u201d were wrong again.",  # scare quote
        'The "experts" on the panel disagreed with each other all evening.',  # scare quote
        "The striker, nicknamed \u201cThe Hammer,\u201d scored twice.",  # nickname
        "Fans call her \u201cQueen Bee\u201d at every show.",  # nickname
        "The campaign slogan \u201cBuild it here\u201d was painted on every bus.",  # slogan
        "His motto, \u201cNever give up on the river,\u201d is painted on the boat.",  # slogan
        "The word \u201cliterally\u201d has lost its meaning.",  # word as word
        "The sign read \u201cDanger: deep water ahead.\u201d",  # sign text
        "Stay away from the \u201cquick fix\u201d diet plan and the \u201cset and forget\u201d method.",
    ],
)
def test_titles_and_terms_stay_with_narrator(text: str) -> None:
    assert quotes(one(text)) == []


def test_one_word_partial_quote_stays_with_narrator() -> None:
    text = "The minister called the report \u201cmisleading\u201d and left the room."
    assert one(text) == [Piece(text, False)]
    text2 = 'He said the delay was "deeply regrettable" but unavoidable.'
    assert MIN_QUOTE_WORDS == 3 and quotes(one(text2)) == []


# --- apostrophes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "It was pure rock \u2019n\u2019 roll from the \u201990s.",
        "It was pure rock \u2018n\u2019 roll, and rock 'n' roll too.",
        "The \u201990s and the '80s and the \u201890s were loud.",
        "Takin\u2019 it easy at the Jacksons\u2019 farm, we can\u2019t stop.",
        "Let \u2019em in, \u2018N Sync said, and the victims\u2019 families agreed.",
        "Keepin' it simple for the daughters' generation is hard.",
    ],
)
def test_apostrophes_are_not_quote_marks(text: str) -> None:
    assert one(text) == [Piece(text, False)]


def test_dropped_g_inside_british_quote_is_an_apostrophe() -> None:
    text = "\u2018I was just takin\u2019 it easy,\u2019 she said."
    assert quotes(one(text)) == ["I was just takin\u2019 it easy,"]


# --- unbalanced marks ---------------------------------------------------------------------


def test_unclosed_quote_does_not_swallow_the_article() -> None:
    paras = [
        ("He opened with \u201cthis never ends and nobody stops it", "paragraph"),
        ("Then the narrator goes on for a long while.", "paragraph"),
        ("\u201cAnother opening mark without an end", "paragraph"),
    ]
    out = split_paragraphs(paras)
    assert all(not p.quote for ps in out for p in ps)
    assert out[1] == [Piece("Then the narrator goes on for a long while.", False)]


def test_broken_nesting_recovers_for_later_quotes() -> None:
    text = (
        "A demo arrived called \u201cGlasgow (\u201cNo Place Like Home\u201d). "
        "\u201cIt grabbed me from the first bar,\u201d he said."
    )
    assert quotes(one(text)) == ["It grabbed me from the first bar,"]


def test_stray_closing_marks_and_empty_input() -> None:
    assert one("Odd\u201d marks\u2019 here\u201d.") == [Piece("Odd\u201d marks\u2019 here\u201d.", False)]
    assert split_paragraphs([("", "paragraph"), ("   ", "paragraph")]) == [[], []]
    assert split_paragraphs([]) == []


# --- speakers -----------------------------------------------------------------------------


def test_speaker_patterns() -> None:
    assert one("Sam Ortiz, a spokesman for the city, said: \u201cWe will fix every road by June.\u201d")[
        1
    ].speaker == "Sam Ortiz"
    assert one("According to Dr Ann Lee, \u201cthe results are clear and will not change.\u201d")[
        1
    ].speaker == "Dr Ann Lee"
    assert one("\u201cWhy did you leave the city?\u201d asked Ravi Patel.")[0].speaker == "Ravi Patel"
    assert one("\u201cThe plan is working well,\u201d the officials said.")[0].speaker is None


def test_pronoun_resolves_to_last_named_speaker() -> None:
    paras = [
        ("\u201cIt is broken beyond repair,\u201d Jane Smith said.", "paragraph"),
        ("The crowd waited outside the hall.", "paragraph"),
        ("\u201cWe will start again tomorrow,\u201d she added.", "paragraph"),
    ]
    out = split_paragraphs(paras)
    assert out[2][0] == Piece("We will start again tomorrow,", True, "Jane Smith")


def test_unknown_pronoun_speaker_is_none() -> None:
    assert one("\u201cWe will start again tomorrow,\u201d she added.")[0].speaker is None


# --- properties ---------------------------------------------------------------------------

_ALPHABET = st.sampled_from(list("ab Nn9.,?!:;-()[]\u2014\u2026" + MARKS + "  "))
_WORDS = st.sampled_from(
    ["said", "she", "Maria", "song", "the", "rock", "\u2019n\u2019", "\u201990s", "Takin\u2019", "can\u2019t"]
)
_TEXT = st.lists(st.one_of(_ALPHABET, _WORDS), max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_TEXT, st.sampled_from(["paragraph", "blockquote"])), max_size=6))
def test_never_raises_and_loses_no_words(paras: list[tuple[str, str]]) -> None:
    out = split_paragraphs(paras)
    assert len(out) == len(paras)
    for (text, _), pieces in zip(paras, out):
        assert letters("".join(p.text for p in pieces)) == letters(text)
        assert bool(pieces) == bool(text.strip())
        for p in pieces:
            assert p.text == p.text.strip() and "  " not in p.text and p.text


def test_ten_thousand_quotes_in_one_paragraph() -> None:
    text = " ".join(
        f"\u201cQuote number {i} has several words in it,\u201d Maria Lopez said. "
        f"She sang \u201cGone\u201d from the \u201990s."
        for i in range(10_000)
    )
    pieces = one(text)  # speed: scripts/bench_text.py
    assert sum(p.quote for p in pieces) == 10_000
    assert not any(p.quote and "Gone" == p.text for p in pieces)


def test_pull_quote_repeating_narration_is_read_by_narrator() -> None:
    own = "The valley was rebuilt one stone at a time."
    paras = [
        ("After the flood, the work began. " + own + " Nobody kept count.", "paragraph"),
        (own, "blockquote"),
        ("\u201cWe counted every single stone we laid,\u201d said Ana Silva.", "paragraph"),
        ("We counted every single stone we laid", "blockquote"),
    ]
    out = split_paragraphs(paras)
    assert out[1] == [Piece(own, False)]
    assert out[3] == [Piece("We counted every single stone we laid", True)]
