"""English normalization cases that were read wrong (issue 12): each written here, with its spoken form."""

from __future__ import annotations

import pytest

from audiogen.read.article import parse_article
from audiogen.script.speech import normalize


@pytest.mark.parametrize("written, spoken", [
    ("Visit www.example.com/news for more.", "Visit example dot com for more."),
    ("1987\u2019s best year", "nineteen eighty-seven's best year"),
    ("the 1980's", "the nineteen eighties"),
    ("Nov. 5-7 was busy", "November fifth to seventh was busy"),
    ("June 5\u20137, 2021", "June fifth to seventh, twenty twenty-one"),
    ("He is 5'11\" tall", "He is five feet eleven inches tall"),
    ("He is 5\u203211\u2033 tall.", "He is five feet eleven inches tall."),
    ("1,000s of people", "thousands of people"),
    ("100s of fans", "hundreds of fans"),
    ("The 2020 dates moved to June 2020.", "The twenty twenty dates moved to June twenty twenty."),
    ("2020 dates were moved", "twenty twenty dates were moved"),
    ("They sold 2024 copies", "They sold two thousand twenty-four copies"),
    ("At 2024-03-05T14:30:00Z it ended", "At March fifth, twenty twenty-four, at fourteen thirty UTC it ended"),
    ("2024-03-05T14:30:00+01:00", "March fifth, twenty twenty-four, at fourteen thirty UTC plus one"),
    ("on 2024-03-05.", "on March fifth, twenty twenty-four."),
])
def test_english_spoken_forms(written, spoken):
    assert normalize(written) == spoken


def test_urls_in_a_sentence_stay_in_the_text_and_are_spoken_by_host():
    art = parse_article("Pier News\n\nVisit www.example.com/news or call us today.\n\n"
                        "https://example.com/a-link-alone\n\nSee pic.twitter.com/abc123 here.\n", "txt")
    texts = [b.text for b in art.blocks]
    assert texts[0] == "Visit www.example.com/news or call us today."
    assert normalize(texts[0]) == "Visit example dot com or call us today."
    assert not any("a-link-alone" in t or "pic.twitter" in t for t in texts)
