"""Quotation marks and speech in other languages (audiogen.script.quotes with ``language``); texts written here."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiogen.script.quotes import split_paragraphs


def pieces(text: str, lang: str) -> list[tuple[str, bool]]:
    return [(p.text, p.quote) for p in split_paragraphs([(text, "paragraph")], lang)[0]]


def quotes(text: str, lang: str) -> list[str]:
    return [t for t, q in pieces(text, lang) if q]


@pytest.mark.parametrize(("lang", "text", "expected"), [
    ("de", "„Wir haben so etwas nicht erlebt“, sagte Anna Berger.", ["Wir haben so etwas nicht erlebt"]),
    ("de", "Er meinte: »Die Lage wird sich im Frühjahr entspannen.« Dann ging er.",
     ["Die Lage wird sich im Frühjahr entspannen."]),
    ("de", "„Sie sagte: ‚Das geht nicht‘, und ging dann nach Hause“, berichtete Berger.",
     ["Sie sagte: ‚Das geht nicht‘, und ging dann nach Hause"]),
    ("fr", "« Nous n’avons jamais vu cela depuis trente ans », a déclaré l’économiste.",
     ["Nous n’avons jamais vu cela depuis trente ans"]),
    ("fr", "Le ministre a répondu\u202f: «\u202fLa situation va s’améliorer au printemps.\u202f»",
     ["La situation va s’améliorer au printemps."]),
    ("es", "«No habíamos visto algo así en treinta años», dijo la economista.",
     ["No habíamos visto algo así en treinta años"]),
    ("it", "«Non vedevamo una cosa simile da trent’anni», ha detto l’economista dell’università.",
     ["Non vedevamo una cosa simile da trent’anni"]),
    ("pt", "“Vamos esperar pela primavera”, afirmou o ministro.", ["Vamos esperar pela primavera"]),
    ("nl", "„We hebben dit in dertig jaar niet meegemaakt”, zei econoom Anna de Vries.",
     ["We hebben dit in dertig jaar niet meegemaakt"]),
    ("nl", "De minister antwoordde: ‘De situatie wordt in het voorjaar beter.’",
     ["De situatie wordt in het voorjaar beter."]),
])
def test_quotations_in_each_language(lang: str, text: str, expected: list[str]) -> None:
    assert quotes(text, lang) == expected


@pytest.mark.parametrize(("lang", "text"), [
    ("de", "Das Buch „Die große Inflation“ verkauft sich gut."),
    ("de", "Ein sogenannter „Preisdeckel“ sei keine Lösung, meinte er."),
    ("fr", "Le livre « La grande inflation » se vend bien."),
    ("es", "La película «La gran inflación» se estrenó ayer."),
    ("it", "Il libro «La grande inflazione» vende bene."),
    ("pt", "O livro «A grande inflação» vende bem."),
    ("nl", "Het boek ‘De grote inflatie’ verkoopt goed."),
    ("nl", "Dat noemt hij een 'tijdelijke' piek."),
])
def test_titles_and_scare_quotes_stay_with_the_narrator(lang: str, text: str) -> None:
    assert quotes(text, lang) == []


@pytest.mark.parametrize(("lang", "text"), [
    ("fr", "L’homme a dit qu’il viendrait aujourd’hui."),
    ("it", "Dell’anno scorso l’azienda ricorda poco, c’è chi dice."),
    ("pt", "A estrela-d’alva brilhou."),
])
def test_elisions_are_not_quote_marks(lang: str, text: str) -> None:
    assert pieces(text, lang) == [(text, False)]


def test_spanish_dash_dialogue_with_incise() -> None:
    assert pieces("—Ya lo sé —dijo Ana—. Pero no puedo hacer nada.", "es") == [
        ("Ya lo sé", True), ("dijo Ana.", False), ("Pero no puedo hacer nada.", True)]


def test_french_dash_dialogue_with_trailing_incise() -> None:
    assert pieces("— Je viens demain, dit-il.", "fr") == [("Je viens demain,", True), ("dit-il.", False)]


def test_dash_dialogue_is_not_read_in_english_or_german() -> None:
    assert quotes("— Ein Gedankenstrich am Anfang, sagte niemand.", "de") == []


_MARKS = "\u201c\u201d\u201e\u201f\"\u2018\u2019\u201a'\u00ab\u00bb"


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["de", "fr", "es", "it", "pt", "nl"]),
       st.lists(st.text(alphabet="ab Ü,.:—-" + _MARKS + "\u202f\u00a0", max_size=60), min_size=1, max_size=4))
def test_every_word_survives_and_nothing_raises(lang: str, paragraphs: list[str]) -> None:
    out = split_paragraphs([(p, "paragraph") for p in paragraphs], lang)
    strip = re.compile(rf"[\s{_MARKS}\u2014\u2015.,;:-]")
    for text, got in zip(paragraphs, out):
        assert strip.sub("", "".join(p.text for p in got)) == strip.sub("", text)


@pytest.mark.parametrize(("lang", "text", "speakers"), [
    ("de", "„Wir haben das nicht erlebt“, sagte die Ökonomin Anna Berger. „Das bleibt so“, meinte sie.",
     ["Anna Berger", "Anna Berger"]),
    ("fr", "« Nous n’avons jamais vu cela », a déclaré l’économiste Anne Bernard.", ["Anne Bernard"]),
    ("es", "«No habíamos visto algo así», dijo la economista Ana García.", ["Ana García"]),
    ("it", "«Non vedevamo una cosa simile», ha detto l’economista Anna Rossi.", ["Anna Rossi"]),
    ("pt", "Ana Silva disse: «Não víamos nada assim há trinta anos.»", ["Ana Silva"]),
    ("nl", "„We hebben dit niet meegemaakt”, zei econoom Anna de Vries.", ["Anna de Vries"]),
    ("de", "Der Minister sagte: »Die Lage wird sich im Frühjahr entspannen.«", [None]),
])
def test_speakers_named_by_a_saying_verb(lang: str, text: str, speakers: list) -> None:
    got = [p.speaker for p in split_paragraphs([(text, "paragraph")], lang)[0] if p.quote]
    assert got == speakers
