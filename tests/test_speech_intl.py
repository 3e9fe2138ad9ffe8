"""Tests for per-language speech normalisation (audiogen.script.speech_intl via speech.normalize)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiogen.script.speech import _normalize_rules, normalize
from audiogen.script.speech_intl import LANGS, cardinal, ordinal, supports

CASES = [
    ("de", "Am 3. Dezember 2025 stieg sie auf 4,9 Prozent.",
     "Am dritten Dezember zweitausendfünfundzwanzig stieg sie auf vier Komma neun Prozent."),
    ("de", "Das kostet 58,00 Euro, 1.250 € oder 3,5 %.",
     "Das kostet achtundfünfzig Euro, eintausendzweihundertfünfzig Euro oder drei Komma fünf Prozent."),
    ("de", "Zum 2. Mal um 14:30 Uhr, z. B. am 03.12.2025, usw. Dann",
     "Zum zweiten Mal um vierzehn Uhr dreißig, zum Beispiel am dritten Dezember zweitausendfünfundzwanzig, "
     "und so weiter. Dann"),
    ("de", "Im Jahr 1989 fiel die Mauer.", "Im Jahr neunzehnhundertneunundachtzig fiel die Mauer."),
    ("de", "Ein Preis von 1 €, -5 Grad und 10–12 Jahre.", "Ein Preis von ein Euro, minus fünf Grad und zehn bis zwölf Jahre."),
    ("fr", "Le 1er décembre 2025, 4,9 % et 12,50 €.",
     "Le premier décembre deux mille vingt-cinq, quatre virgule neuf pour cent et douze euros cinquante."),
    ("fr", "M. Dupont et Mme Martin, à 14 h 30, 1 000 personnes, la 2e fois, la 1re place.",
     "Monsieur Dupont et Madame Martin, à quatorze heures trente, mille personnes, la deuxième fois, "
     "la première place."),
    ("fr", "Il doit 3 000 000 € et 2\u202f500 € de plus.",
     "Il doit trois millions d'euros et deux mille cinq cents euros de plus."),
    ("es", "El 3 de diciembre de 2025 subió al 4,9 %.",
     "El tres de diciembre de dos mil veinticinco subió al cuatro coma nueve por ciento."),
    ("es", "El Sr. García y la Sra. López, el 2.º puesto, la 3.ª vez, a las 14:30, 1.200 $.",
     "El señor García y la señora López, el segundo puesto, la tercera vez, a las catorce y treinta, "
     "mil doscientos dólares."),
    ("it", "Il 3 dicembre 2025 era al 4,9 per cento, 58,00 euro, € 12,50.",
     "Il tre dicembre duemilaventicinque era al quattro virgola nove per cento, cinquantotto euro, "
     "dodici euro e cinquanta centesimi."),
    ("it", "Il Sig. Rossi, il 2º posto, 1.000 persone, alle 14:30, ecc.",
     "Il signor Rossi, il secondo posto, mille persone, alle quattordici e trenta, eccetera."),
    ("pt", "Em 3 de dezembro de 2025 subiu 4,9 %, R$ 58,00 e 12,50 €.",
     "Em três de dezembro de dois mil e vinte e cinco subiu quatro vírgula nove por cento, "
     "cinquenta e oito reais e doze euros e cinquenta cêntimos."),
    ("pt-BR", "O Sr. Silva, o 2.º lugar, a 3ª vez.", "O senhor Silva, o segundo lugar, a terceira vez."),
    ("nl", "Op 3 december 2025 was het 4,9 procent, € 58,00 en 12,50 euro.",
     "Op drie december tweeduizendvijfentwintig was het vier komma negen procent, achtenvijftig euro "
     "en twaalf euro vijftig."),
    ("nl", "Dhr. Jansen werd 2e, de 1ste keer, om 14.30 uur, bijv. 1.000 mensen.",
     "Meneer Jansen werd tweede, de eerste keer, om veertien uur dertig, bijvoorbeeld duizend mensen."),
    ("de", "Am Montag, 12. Mai, gewann der 1. FC 3:1.", "Am Montag, zwölften Mai, gewann der erste FC drei zu eins."),
    ("de", "Es kostet 2,5 Mio. Euro bzw. 1,2 Milliarden €.",
     "Es kostet zwei Komma fünf Millionen Euro beziehungsweise eins Komma zwei Milliarden Euro."),
    ("fr", "Le XXIe siècle et la Ire République.", "Le vingt et unième siècle et la première République."),
    ("fr", "Un trou de 1,2 milliard €.", "Un trou de un virgule deux milliard d'euros."),
    ("pt", "Às 8h05 e às 9h.", "Às oito e cinco e às nove horas."),
    ("es", "Ganaron 2:0 y costó 3,5 millones €.", "Ganaron dos a cero y costó tres coma cinco millones de euros."),
]


@pytest.mark.parametrize(("lang", "text", "spoken"), CASES)
def test_spoken_forms(lang: str, text: str, spoken: str) -> None:
    assert normalize(text, None, lang) == spoken


def test_english_is_not_routed_here() -> None:
    assert normalize("On 3 December 2025 it rose 4.9%.", None, "en-GB") == \
        "On the third of December twenty twenty-five it rose four point nine percent."


def test_languages_without_rules_are_left_alone() -> None:
    assert not supports("sv")
    assert normalize("Det kostar 12 kronor.", None, "sv") == "Det kostar 12 kronor."


def test_number_words_come_from_num2words() -> None:
    assert cardinal(21, "de") == "einundzwanzig"
    assert cardinal(-3, "nl") == "min drie"
    assert ordinal(1, "fr", feminine=True) == "première"
    assert ordinal(2, "es", feminine=True) == "segunda"


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(sorted(LANGS)), st.text(alphabet="0123456789.,: €$%-/ºªe°aZz", max_size=40))
def test_no_digit_survives_and_never_raises(lang: str, text: str) -> None:
    out = _normalize_rules(text, lang)
    assert not re.search(r"[0-9]", out), (text, out)


AGREEMENT = [
    ("es", "Vinieron 21 personas y 200 mujeres.", "Vinieron veintiuna personas y doscientas mujeres."),
    ("es", "Durante 21 días, 1 problema y 41 periodistas.", "Durante veintiún días, un problema y cuarenta y un periodistas."),
    ("es", "Gastó 21 millones y 1 de cada 3 votó.", "Gastó veintiún millones y uno de cada tres votó."),
    ("pt", "Chegaram 2 pessoas, 21 casas e 2 dias.", "Chegaram duas pessoas, vinte e uma casas e dois dias."),
    ("it", "Arrivò 1 donna con 1 studente e 1 libro.", "Arrivò una donna con uno studente e un libro."),
    ("fr", "Il y avait 21 personnes, 1 maison et 21 millions.",
     "Il y avait vingt et une personnes, une maison et vingt et un millions."),
    ("de", "Es gab 1 Frau, 1 Kind, 1 Million und Seite 1 von 2.",
     "Es gab eine Frau, ein Kind, eine Million und Seite eins von zwei."),
]


@pytest.mark.parametrize(("lang", "text", "spoken"), AGREEMENT)
def test_numbers_agree_with_the_noun_they_count(lang: str, text: str, spoken: str) -> None:
    assert normalize(text, None, lang) == spoken
