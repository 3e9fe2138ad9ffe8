"""Tests for audiogen.read.language: detection and the declared-versus-text decision (texts written here)."""

from __future__ import annotations

import pytest

from audiogen.read.article import parse_article
from audiogen.read.language import base_language, choose_language, detect_language, normalize_tag

TEXTS = {
    "en": "The harbour authority said on Monday that the new ferry will start running in the spring, "
          "after two years of delays caused by a shortage of steel and a dispute over the contract.",
    "de": "Die Hafenbehörde teilte am Montag mit, dass die neue Fähre im Frühjahr den Betrieb aufnehmen soll, "
          "nach zwei Jahren Verzögerung wegen fehlenden Stahls und eines Streits um den Vertrag.",
    "fr": "L'autorité portuaire a annoncé lundi que le nouveau ferry commencera à naviguer au printemps, "
          "après deux ans de retard dus à une pénurie d'acier et à un litige sur le contrat.",
    "es": "La autoridad portuaria anunció el lunes que el nuevo ferry empezará a navegar en primavera, "
          "tras dos años de retraso por la falta de acero y una disputa sobre el contrato.",
    "it": "L'autorità portuale ha annunciato lunedì che il nuovo traghetto inizierà a navigare in primavera, "
          "dopo due anni di ritardo dovuti alla mancanza di acciaio e a una disputa sul contratto.",
    "pt": "A autoridade portuária anunciou na segunda-feira que o novo ferry vai começar a navegar na primavera, "
          "depois de dois anos de atraso devido à falta de aço e a uma disputa sobre o contrato.",
    "nl": "De havenautoriteit maakte maandag bekend dat de nieuwe veerboot in het voorjaar gaat varen, "
          "na twee jaar vertraging door een tekort aan staal en een geschil over het contract.",
}


@pytest.mark.parametrize("lang", sorted(TEXTS))
def test_detects_each_language(lang: str) -> None:
    assert detect_language(TEXTS[lang]) == lang
    choice = choose_language(TEXTS[lang])
    assert (choice.language, choice.source) == (lang, "detected")


def test_too_short_to_tell_is_none_and_default_english() -> None:
    assert detect_language("Hallo") is None
    assert choose_language("OK 2025").language == "en"
    assert choose_language("", declared="fr").language == "fr"


def test_declared_language_wins_when_the_text_agrees_and_keeps_its_region() -> None:
    choice = choose_language(TEXTS["pt"], declared="pt_br")
    assert (choice.language, choice.source) == ("pt-BR", "declared")


def test_declared_language_loses_when_the_text_clearly_disagrees() -> None:
    choice = choose_language(TEXTS["de"], declared="en")
    assert (choice.language, choice.source, choice.declared) == ("de", "detected", "en")


def test_declared_language_kept_for_short_text_even_if_it_looks_different() -> None:
    assert choose_language("Guten Morgen, liebe Leute", declared="en").language == "en"


def test_declared_language_the_model_does_not_know_is_kept() -> None:
    assert choose_language(TEXTS["en"], declared="sco").language == "sco"


def test_forced_language_wins_over_everything() -> None:
    choice = choose_language(TEXTS["de"], declared="de", forced="nl")
    assert (choice.language, choice.source) == ("nl", "forced")


def test_tags() -> None:
    assert normalize_tag("EN_gb") == "en-GB"
    assert normalize_tag("zh-hant") == "zh-Hant"
    assert normalize_tag("1x") is None
    assert base_language("pt-BR") == "pt"


def test_article_without_marker_is_detected_and_front_matter_checked() -> None:
    md = "# Neue Fähre\n\n" + TEXTS["de"] + "\n"
    assert parse_article(md, fmt="md").language == "de"
    wrong = "---\ntitle: Neue Fähre\nlanguage: en\n---\n\n" + TEXTS["de"] + "\n"
    assert parse_article(wrong, fmt="md").language == "de"
    right = "---\ntitle: Neue Fähre\nlang: de-AT\n---\n\n" + TEXTS["de"] + "\n"
    assert parse_article(right, fmt="md").language == "de-AT"
    assert parse_article(md, fmt="md", language="fr").language == "fr"


def test_html_lang_attribute_is_used() -> None:
    html = f"<html lang='fr-CA'><head><title>Traversier</title></head><body><article><h1>Traversier</h1>" \
           f"<p>{TEXTS['fr']}</p><p>{TEXTS['fr']}</p></article></body></html>"
    assert parse_article(html, fmt="html").language == "fr-CA"


def test_audiogens_own_sentences_are_in_the_article_language() -> None:
    from audiogen.read.language import phrase

    assert phrase("intro_by", "de-AT", title="Neue Fähre", author="Anna Berger") == "Neue Fähre. Von Anna Berger."
    assert phrase("outro", "fr", title="Le ferry") == "C'était Le ferry."
    assert phrase("part", "nl", n=2) == "Deel 2"
    assert phrase("outro_by", "sv", title="Färjan", author="Eva") == "Färjan. Eva."  # no English in a Swedish voice


def test_untitled_section_is_named_in_the_article_language() -> None:
    from audiogen.read.article import Article, Block, Section
    from audiogen.script.build import build_script

    blocks = (Block(TEXTS["de"], "paragraph"),)
    article = Article("Neue Fähre", (Section("Der Plan", blocks), Section(None, blocks)), language="de")
    assert [c.title for c in build_script(article).chapters] == ["Der Plan", "Teil 2"]
