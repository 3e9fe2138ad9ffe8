"""Tests for audiogen.script.speech: spoken-form normalisation and pronunciation lexicons."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiogen.errors import ConfigError
from audiogen.script.speech import (
    Lexicon,
    LexiconEntry,
    _normalize_rules,
    cardinal,
    load_lexicon,
    normalize,
    ordinal,
    parse_lexicon,
    year_words,
)

# --------------------------------------------------------------------------- number words


@pytest.mark.parametrize(
    "n, words",
    [
        (0, "zero"),
        (7, "seven"),
        (13, "thirteen"),
        (40, "forty"),
        (99, "ninety-nine"),
        (100, "one hundred"),
        (101, "one hundred one"),
        (2005, "two thousand five"),
        (12_345, "twelve thousand three hundred forty-five"),
        (2_500_000, "two million five hundred thousand"),
        (1_000_000_001, "one billion one"),
        (-8, "minus eight"),
    ],
)
def test_cardinal(n: int, words: str) -> None:
    assert cardinal(n) == words


@pytest.mark.parametrize(
    "n, words",
    [(1, "first"), (2, "second"), (3, "third"), (5, "fifth"), (12, "twelfth"), (20, "twentieth"),
     (22, "twenty-second"), (103, "one hundred third"), (1000, "one thousand")],
)  # fmt: skip
def test_ordinal(n: int, words: str) -> None:
    expected = words if n != 1000 else "one thousandth"
    assert ordinal(n) == expected


@pytest.mark.parametrize(
    "n, words",
    [
        (1999, "nineteen ninety-nine"),
        (2005, "two thousand five"),
        (2000, "two thousand"),
        (2024, "twenty twenty-four"),
        (1066, "ten sixty-six"),
        (1905, "nineteen oh five"),
        (1900, "nineteen hundred"),
        (2010, "twenty ten"),
        (1005, "one thousand five"),
    ],
)
def test_year_words(n: int, words: str) -> None:
    assert year_words(n) == words


# --------------------------------------------------------------------------- built-in rules

CASES = [
    # the brief's example, in our own words
    (
        "The band's 1990s hit sold 2,500,000 copies for $3.50 each.",
        "The band's nineteen nineties hit sold two million five hundred thousand copies "
        "for three dollars and fifty cents each.",
    ),
    # cardinals, decimals, negatives
    ("The bridge is 1,250 feet long.", "The bridge is one thousand two hundred fifty feet long."),
    ("Pi is about 3.14 and half is 0.5.", "Pi is about three point one four and half is zero point five."),
    ("The lake froze at -12 and then -3.5 overnight.", "The lake froze at minus twelve and then minus three point five overnight."),
    ("Agent 007 reported in.", "Agent zero zero seven reported in."),
    # ordinals
    ("She finished 1st, he came 22nd and I was 103rd.", "She finished first, he came twenty-second and I was one hundred third."),
    ("A 21st-century idea.", "A twenty-first-century idea."),
    # years
    ("The mill closed in 1999.", "The mill closed in nineteen ninety-nine."),
    ("The mill reopened in 2005.", "The mill reopened in two thousand five."),
    ("We expect it by 2024.", "We expect it by twenty twenty-four."),
    ("2024 was a dry year.", "twenty twenty-four was a dry year."),
    ("The 1066 invasion changed England.", "The ten sixty-six invasion changed England."),
    ("The shop sold 2024 mugs.", "The shop sold two thousand twenty-four mugs."),
    ("Rome fell in 476 AD, Troy in 1184 BC.", "Rome fell in four hundred seventy-six AD, Troy in eleven eighty-four BC."),
    # decades
    ("Synth pop of the 1980s.", "Synth pop of the nineteen eighties."),
    ("Fashion from the '90s and ’70s.", "Fashion from the nineties and seventies."),
    ("A craze in the 1900s, the 2000s and the 2010s.", "A craze in the nineteen hundreds, the two thousands and the twenty tens."),
    ("She is in her mid-50s.", "She is in her mid-fifties."),
    # dates
    ("Filed on 5/3/2024 at noon.", "Filed on May third, twenty twenty-four at noon."),
    ("Filed on 25/12/2023.", "Filed on December twenty-fifth, twenty twenty-three."),
    ("Filed on 2024-05-03.", "Filed on May third, twenty twenty-four."),
    ("It opened March 3, 2024 downtown.", "It opened March third, twenty twenty-four downtown."),
    ("It closed on 9 Nov 2021.", "It closed on the ninth of November twenty twenty-one."),
    ("Due Sept. 14, then Jan 5th.", "Due September fourteenth, then January fifth."),
    ("Fireworks on the 4th of July.", "Fireworks on the fourth of July."),
    # times
    ("The train leaves at 9:30 am.", "The train leaves at nine thirty AM."),
    ("Doors open at 14:05 sharp.", "Doors open at fourteen oh five sharp."),
    ("We met at 7 p.m. and left at 11pm.", "We met at seven PM and left at eleven PM."),
    ("Lunch is at 12:00 today, tea at 4:00.", "Lunch is at twelve o'clock today, tea at four o'clock."),
    ("The shift ends at 18:00.", "The shift ends at eighteen hundred."),
    ("She ran it in 2:03:45 flat.", "She ran it in two hours, three minutes and forty-five seconds flat."),
    # ranges
    ("Read pages 12–15 tonight.", "Read pages twelve to fifteen tonight."),
    ("The war of 1990–95 ended.", "The war of nineteen ninety to ninety-five ended."),
    ("From 1999-2001 it grew.", "From nineteen ninety-nine to two thousand one it grew."),
    ("The 2005–06 season.", "The two thousand five to two thousand six season."),
    ("Expect 10-20% growth and 5 to 10 km of road.", "Expect ten to twenty percent growth and five to ten kilometers of road."),
    # money
    ("A coffee costs $3.50 here.", "A coffee costs three dollars and fifty cents here."),
    ("It cost $1, or $0.99 online.", "It cost one dollar, or ninety-nine cents online."),
    ("A $5m grant and a $2.3 billion deal.", "A five million dollars grant and a two point three billion dollars deal."),
    ("Tickets are £20 or €15.", "Tickets are twenty pounds or fifteen euros."),
    ("Rent rose to £1,200.75 a month.", "Rent rose to one thousand two hundred pounds and seventy-five pence a month."),
    ("Bids of $10–20 million arrived.", "Bids of ten to twenty million dollars arrived."),
    ("A 50¢ stamp and 30 € fee.", "A fifty cents stamp and thirty euros fee."),
    # percentages and units
    ("Turnout was 64.5% this year.", "Turnout was sixty-four point five percent this year."),
    ("It weighs 1 kg, the other 2.5 kg.", "It weighs one kilogram, the other two point five kilograms."),
    ("The limit is 30 mph or 50 km/h.", "The limit is thirty miles per hour or fifty kilometers per hour."),
    ("It was 38°C in July and -4 °F in January.", "It was thirty-eight degrees Celsius in July and minus four degrees Fahrenheit in January."),
    ("A 12 km hike gaining 800 m.", "A twelve kilometer hike gaining eight hundred meters."),
    ("The phone has 128 GB and a 3x zoom.", "The phone has one hundred twenty-eight gigabytes and a three times zoom."),
    # abbreviations: sentence must not end at Dr./Mr./No.
    ("Dr. Okafor met Mr. Lane and Mrs. Ruiz.", "Doctor Okafor met Mister Lane and Missus Ruiz."),
    ("Ms. Patel and Prof. Stein agreed.", "Miz Patel and Professor Stein agreed."),
    ("Mr Grey met Dr Holm.", "Mister Grey met Doctor Holm."),
    ("They won No. 3 in the poll.", "They won number three in the poll."),
    ("It is Ali vs. Frazier tonight.", "It is Ali versus Frazier tonight."),
    ("Bring tea, cake, etc. to the hall.", "Bring tea, cake, et cetera to the hall."),
    ("Bring tea, cake, etc.", "Bring tea, cake, et cetera."),
    ("Use a fruit, e.g. a pear, i.e. something sweet.", "Use a fruit, for example a pear, that is something sweet."),
    ("She holds a Ph.D. in botany.", "She holds a PhD in botany."),
    ("He moved to the U.S. last May.", "He moved to the US last May."),
    ("He moved to the U.S.", "He moved to the US."),
    ("Acme Inc. hired Sam Cole Jr. today.", "Acme Inc hired Sam Cole Junior today."),
    ("Walk down Elm St. to St. Jude's.", "Walk down Elm Street to Saint Jude's."),
    ("Roe v. Wade was cited.", "Roe versus Wade was cited."),
    ("President John F. Kennedy spoke.", "President John F Kennedy spoke."),
    ("See Fig. 2 on p. 45.", "See Figure two on page forty-five."),
    # roman numerals
    ("Chapter IV opens at sea.", "Chapter four opens at sea."),
    ("In chapter ix the ship sinks.", "In chapter nine the ship sinks."),
    ("Part I of the diary.", "Part one of the diary."),
    ("Volume III is missing.", "Volume three is missing."),
    ("After World War II the town grew.", "After World War two the town grew."),
    ("After WWI it shrank.", "After World War one it shrank."),
    ("Henry VIII had six wives.", "Henry the eighth had six wives."),
    ("Queen Elizabeth II's hat.", "Queen Elizabeth the second's hat."),
    ("Louis XIV built it.", "Louis the fourteenth built it."),
    ("The launch of Apollo XIII.", "The launch of Apollo thirteen."),
    ("In this part I explain why.", "In this part I explain why."),
    ("When Kate met Henry I was there.", "When Kate met Henry I was there."),
    ("I think I can.", "I think I can."),
    # symbols
    ("The #11 bus and hashtag #spring.", "The number eleven bus and hashtag spring."),
    ("Salt & pepper.", "Salt and pepper."),
    ("The A&R team at AT&T.", "The A&R team at AT&T."),
    ("*Note* • the list ends here.", "Note the list ends here."),
    ("Learn C# and C++ now.", "Learn C sharp and C plus plus now."),
    ("He said — loudly — no.", "He said, loudly, no."),
    ("About 3/4 of voters, open 24/7.", "About three quarters of voters, open twenty-four seven."),
    ("Add 2½ cups.", "Add two and one half cups."),
    ("Scores were ~40 and ≥ 18.", "Scores were about forty and at least eighteen."),
    ("A citation[12] here.", "A citation here."),
    # URLs, emails, emoji
    ("Read more at https://www.example.com/news/today?id=7.", "Read more at example dot com."),
    ("Visit example.org for tickets.", "Visit example dot org for tickets."),
    ("Write to jo.smith@example.net today.", "Write to jo dot smith at example dot net today."),
    ("We won 🎉🎉 the cup 👍🏽!", "We won the cup!"),
    ("Brand™ and Acme® ©", "Brand and Acme"),
    # digits inside words
    ("The COVID-19 wave and an mp3 in 3D.", "The COVID-nineteen wave and an mp three in three D."),
    ("Call 555-867-5309 now.", "Call five five five, eight six seven, five three zero nine now."),
]


@pytest.mark.parametrize("text, spoken", CASES)
def test_normalize_english(text: str, spoken: str) -> None:
    assert normalize(text) == spoken


def test_abbreviations_no_longer_end_sentences() -> None:
    out = normalize("Dr. Ames and Mr. Bo saw No. 9 with Mrs. Cho.")
    assert out == "Doctor Ames and Mister Bo saw number nine with Missus Cho."
    assert out.count(".") == 1


def test_sentence_punctuation_kept() -> None:
    out = normalize("It rained. Did it stop? Yes! Then sun; then wind: cold.")
    assert out == "It rained. Did it stop? Yes! Then sun; then wind: cold."


def test_whitespace_and_controls_collapsed() -> None:
    assert normalize("  one\t two\u200b three \x07 ") == "one two three"


@pytest.mark.parametrize("language", ["sv", "pl-PL", "fi"])
def test_language_without_rules_keeps_numbers_but_cleans_symbols(language: str) -> None:
    out = normalize("Preis 3,50 € • *neu* 🎉 https://www.beispiel.de/seite  heute", language=language)
    assert out == "Preis 3,50 € neu beispiel.de heute"


def test_language_with_rules_cleans_symbols_and_reads_numbers() -> None:
    out = normalize("Preis 3,50 € • *neu* 🎉 https://www.beispiel.de/seite  heute", language="de")
    assert out == "Preis drei Euro und fünfzig Cent neu beispiel.de heute"


def test_english_variants_are_english() -> None:
    assert normalize("It is 5 km.", language="en-GB") == "It is five kilometers."
    assert normalize("It is 5 km.", language="EN_us") == "It is five kilometers."


def test_normalize_long_article_leaves_no_digits() -> None:
    paragraph = (
        "The beekeepers of the valley rarely agree on anything, but they agree that the spring of 1998 was "
        "strange. Dr. Reyes kept her notes in a green ledger, and the third hive, the one near the old mill, "
        "held 40 kg of honey by the end of June. The co-op sold 2,400 jars at $4.25 each, up 12% on the year "
        "before. Nobody could explain it. Some blamed the warm winter, others the new orchard planted along the "
        "river road, and a few of the older members simply said that good years come and go like weather. "
        "Chapter II of her ledger, which she later shared with the whole village, reads almost like a diary. "
    )
    lines = [paragraph] * 600  # ~60,000 words of ordinary prose
    assert sum(len(line.split()) for line in lines) >= 55_000
    out = [normalize(line) for line in lines]  # speed: scripts/bench_text.py
    assert not any(re.search(r"[0-9]", line) for line in out)


# --------------------------------------------------------------------------- property tests

_WORDS = st.sampled_from(
    ["the", "river", "sold", "copies", "in", "Dr.", "No.", "vs.", "at", "am", "pm", "Chapter", "Henry", "I", "&",
     "%", "$", "£", "€", "km", "kg", "mph", "°C", "-", "–", "/", ":", ".", ",", "'", "s", "th", "AD", "x", "#"]
)  # fmt: skip
_NUMBERS = st.one_of(
    st.integers(min_value=-10**25, max_value=10**25).map(str),
    st.integers(min_value=0, max_value=10**9).map(lambda n: f"{n:,}"),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False).map(lambda f: f"{f:.3f}"),
    st.from_regex(r"[0-9]{1,4}(?:[-–/:.][0-9]{1,4}){0,3}(?:st|nd|rd|th|s|%)?", fullmatch=True),
)
_TOKENS = st.lists(st.one_of(_WORDS, _NUMBERS), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(_TOKENS, st.sampled_from([" ", "", " $", " #"]))
def test_english_words_and_numbers_come_out_without_digits(tokens: list[str], joiner: str) -> None:
    text = joiner.join(tokens)
    out = _normalize_rules(text)  # the rules themselves, without normalize()'s safety net
    assert isinstance(out, str)
    assert not any(c.isdigit() for c in out), (text, out)
    assert normalize(text) == out


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.sampled_from(["en", "de", "ja"]))
def test_rules_never_raise_on_any_text(text: str, language: str) -> None:
    out = _normalize_rules(text, language)
    assert "\n" not in out
    assert out == out.strip()
    out.encode("utf-8")  # no lone surrogates reach the engine


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_normalize_is_idempotent(text: str) -> None:
    """Spoken text is already spoken: normalizing it again changes nothing (no rule feeds another)."""
    once = normalize(text)
    assert normalize(once) == once


# --------------------------------------------------------------------------- lexicons

TEXT_LEXICON = """\
# audiogen pronunciation lexicon
*N Sync = N Sync
A&R     = A and R
Nguyen = Win   # say it the way she does

[case-insensitive]
nasa = NASA
gif = jif
"""


def test_text_lexicon_parses_entries_and_flags() -> None:
    lex = parse_lexicon(TEXT_LEXICON)
    assert lex.entries == (
        LexiconEntry("*N Sync", "N Sync"),
        LexiconEntry("A&R", "A and R"),
        LexiconEntry("Nguyen", "Win"),
        LexiconEntry("nasa", "NASA", ignore_case=True),
        LexiconEntry("gif", "jif", ignore_case=True),
    )


def test_lexicon_applies_before_built_in_rules() -> None:
    lex = parse_lexicon(TEXT_LEXICON)
    out = normalize("*N Sync met Ms. Nguyen's A&R team at Nasa about a GIF.", lex)
    assert out == "N Sync met Miz Win's A and R team at NASA about a jif."


def test_lexicon_matches_whole_words_and_is_case_sensitive_by_default() -> None:
    lex = parse_lexicon("Nguyen = Win\n")
    assert normalize("Nguyens and nguyen and Nguyen.", lex) == "Nguyens and nguyen and Win."


def test_lexicon_longest_match_then_file_order() -> None:
    lex = Lexicon((LexiconEntry("New York", "Noo York"), LexiconEntry("New York City", "the city"),
                   LexiconEntry("York", "first"), LexiconEntry("York", "second")))  # fmt: skip
    assert normalize("New York City beats New York and York.", lex) == "the city beats Noo York and first."


def test_lexicon_can_override_a_built_in_rule() -> None:
    lex = parse_lexicon("Dr. = Drive\n$5 = a fiver\n")
    assert normalize("Turn onto Oak Dr. for $5 today.", lex) == "Turn onto Oak Drive for a fiver today."


def test_lexicon_applies_to_other_languages() -> None:
    lex = parse_lexicon("Müller = Müler\n")
    assert normalize("Herr Müller kommt um 9.", lex, language="de") == "Herr Müler kommt um neun."


@pytest.mark.parametrize(
    "text, message",
    [
        ("ok = fine\n\njust words here\n", "lexicon.txt, line 3: expected 'written = spoken'"),
        ("# c\n = empty\n", "lexicon.txt, line 2: the written form before '=' is empty"),
        ("x = y\nword =\n", "lexicon.txt, line 2: the spoken form after '=' is empty"),
        ("[loud]\n", "lexicon.txt, line 1: unknown section [loud]"),
    ],
)
def test_text_lexicon_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_lexicon(text, source="lexicon.txt")
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


PLS = """\
<?xml version="1.0" encoding="UTF-8"?>
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
         alphabet="ipa" xml:lang="en-US">
  <lexeme>
    <grapheme>A&amp;R</grapheme>
    <alias>A and R</alias>
  </lexeme>
  <lexeme>
    <grapheme>Nguyen</grapheme>
    <grapheme>NGUYEN</grapheme>
    <alias>Win</alias>
  </lexeme>
  <lexeme>
    <grapheme>tomato</grapheme>
    <phoneme>təˈmɑːtoʊ</phoneme>
  </lexeme>
  <lexeme>
    <grapheme>W3C</grapheme>
    <phoneme>dʌbəljuː θriː siː</phoneme>
    <alias>World Wide Web Consortium</alias>
  </lexeme>
</lexicon>
"""


def test_pls_lexicon_parses_aliases_and_skips_phoneme_only() -> None:
    lex = parse_lexicon(PLS)
    assert lex.entries == (
        LexiconEntry("A&R", "A and R"),
        LexiconEntry("Nguyen", "Win"),
        LexiconEntry("NGUYEN", "Win"),
        LexiconEntry("W3C", "World Wide Web Consortium"),
    )
    assert normalize("The W3C and A&R met Nguyen about a tomato.", lex) == (
        "The World Wide Web Consortium and A and R met Win about a tomato."
    )


def test_pls_without_namespace_also_works() -> None:
    lex = parse_lexicon("<lexicon><lexeme><grapheme>SQL</grapheme><alias>sequel</alias></lexeme></lexicon>")
    assert lex.entries == (LexiconEntry("SQL", "sequel"),)


@pytest.mark.parametrize(
    "xml, message",
    [
        ("<lexicon>\n<lexeme>\n<grapheme>x</grapheme>\n</lexicon>", "lex.pls, line 4: invalid XML"),
        ("<lexicon>\n  <lexeme><alias>y</alias></lexeme>\n</lexicon>", "lex.pls, line 2: <lexeme> has no <grapheme>"),
        ("<voices>\n</voices>", "lex.pls, line 1: the root element must be <lexicon>"),
        (
            '<!DOCTYPE lexicon [<!ENTITY boom "boom">]>\n<lexicon><lexeme><grapheme>&boom;</grapheme>'
            "<alias>x</alias></lexeme></lexicon>",
            "lex.pls, line 1: DOCTYPE/entity declarations are not allowed",
        ),
    ],
)
def test_pls_errors_name_the_line(xml: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_lexicon(xml, source="lex.pls")
    assert str(info.value).startswith(message)


def test_pls_external_entities_are_refused(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret", encoding="utf-8")
    xml = (
        f'<?xml version="1.0"?>\n<!DOCTYPE lexicon [<!ENTITY s SYSTEM "file://{secret}">]>\n'
        "<lexicon><lexeme><grapheme>x</grapheme><alias>&s;</alias></lexeme></lexicon>"
    )
    with pytest.raises(ConfigError, match="DOCTYPE"):
        parse_lexicon(xml)


def test_load_lexicon_reads_both_formats(tmp_path) -> None:
    txt = tmp_path / "names.txt"
    txt.write_text("\ufeffNguyen = Win\n", encoding="utf-8")
    pls = tmp_path / "names.pls"
    pls.write_text(PLS, encoding="utf-8")
    assert load_lexicon(txt).entries == (LexiconEntry("Nguyen", "Win"),)
    assert len(load_lexicon(str(pls)).entries) == 4


def test_load_lexicon_errors(tmp_path) -> None:
    with pytest.raises(ConfigError, match="lexicon file not found"):
        load_lexicon(tmp_path / "missing.txt")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"caf\xe9 = cafe\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_lexicon(bad)
    broken = tmp_path / "broken.txt"
    broken.write_text("good = fine\noops\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.txt, line 2: expected 'written = spoken'"):
        load_lexicon(broken)
    with pytest.raises(ConfigError, match="is a folder, not a file"):
        load_lexicon(tmp_path)
