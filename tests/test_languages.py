"""Articles in German, French, Spanish, Italian, Portuguese and Dutch, end to end on the Script.

Each article is written for this test (about 150 words: a date, a decimal, a sum of money,
a percentage, an ordinal, two quotations in the language's own marks, an elision). The
Script must have the right language, every number spoken in that language, exactly the two
quotations in the quote voice; the voices are eSpeak NG's for the language. Two are rendered
with eSpeak NG and checked with ffmpeg.
"""

from __future__ import annotations

import json
import re

import pytest

from audiogen.read.article import parse_article
from audiogen.script import QUOTE
from audiogen.script.build import build_script
from audiogen.tts import resolve_voice
from conftest import decode

ARTICLES = {
    "de": ("""# Preise im Hafen steigen weiter

Die Inflation in der Hafenstadt ist am 3. Dezember 2025 auf 4,9 Prozent gestiegen, teilte das Statistikamt mit.
Ein Wocheneinkauf für vier Personen kostet jetzt 58,50 Euro, fast sieben Euro mehr als vor einem Jahr. Die Händler
auf dem Markt spüren das jeden Tag, und viele Kunden kaufen weniger Obst und Gemüse als früher.

„Wir haben so etwas seit dreißig Jahren nicht erlebt“, sagte die Ökonomin Anna Berger. Sie rechnet damit, dass die
Preise erst im Frühjahr sinken, wenn die neuen Lieferverträge gelten und die Energiekosten fallen.

Der Verband der Einzelhändler meldete zum 2. Mal in Folge einen Rückgang der Umsätze. Sein Sprecher blieb dennoch
gelassen: »Die Leute sparen, aber sie kaufen weiter bei uns ein.« Für den Winter plant der Verband eine Aktion
mit günstigen Angeboten, die schon im Januar beginnen soll, sobald die Stadt zustimmt.
""", ["Wir haben so etwas seit dreißig Jahren nicht erlebt", "Die Leute sparen, aber sie kaufen weiter bei uns ein."],
        ["dritten Dezember zweitausendfünfundzwanzig", "vier Komma neun Prozent", "achtundfünfzig Euro und fünfzig Cent",
         "zweiten Mal"], "gmw/de"),
    "fr": ("""# Les prix s'envolent au port

L'inflation a atteint 4,9 % le 1er décembre 2025 dans la ville portuaire, selon l'institut de statistique. Un panier
de courses pour une famille de quatre personnes coûte désormais 58,50 €, soit près de sept euros de plus qu'il y a un
an. Les commerçants du marché le constatent chaque jour, et beaucoup de clients achètent moins de fruits.

« Nous n'avons jamais vu cela depuis trente ans », a déclaré l'économiste Anne Bernard. Elle pense que les prix ne
baisseront qu'au printemps, lorsque les nouveaux contrats de livraison entreront en vigueur.

La fédération des commerçants a annoncé une baisse des ventes pour la 2e fois consécutive. Son porte-parole reste
pourtant serein : « Les gens économisent, mais ils continuent à acheter chez nous. » Pour l'hiver, la fédération
prépare une opération de petits prix qui doit commencer en janvier, dès que la mairie aura donné son accord.
""", ["Nous n'avons jamais vu cela depuis trente ans", "Les gens économisent, mais ils continuent à acheter chez nous."],
        ["quatre virgule neuf pour cent", "premier décembre deux mille vingt-cinq", "cinquante-huit euros cinquante",
         "deuxième fois"], "roa/fr"),
    "es": ("""# Los precios siguen subiendo en el puerto

La inflación en la ciudad portuaria subió al 4,9 % el 3 de diciembre de 2025, según el instituto de estadística. La
compra semanal de una familia de cuatro personas cuesta ahora 58,50 €, casi siete euros más que hace un año. Los
comerciantes del mercado lo notan cada día, y muchos clientes compran menos fruta y verdura que antes.

«No habíamos visto algo así en treinta años», dijo la economista Ana García. Cree que los precios no bajarán hasta
la primavera, cuando entren en vigor los nuevos contratos de suministro del puerto.

La asociación de comerciantes registró por 2.ª vez consecutiva una caída de las ventas. Su portavoz, sin embargo,
se mostró tranquilo: «La gente ahorra, pero sigue comprando en nuestras tiendas.» Para el invierno, la asociación
prepara una campaña de ofertas que empezará en enero, en cuanto lo apruebe el ayuntamiento de la ciudad.
""", ["No habíamos visto algo así en treinta años", "La gente ahorra, pero sigue comprando en nuestras tiendas."],
        ["cuatro coma nueve por ciento", "tres de diciembre de dos mil veinticinco",
         "cincuenta y ocho euros con cincuenta céntimos", "segunda vez"], "roa/es"),
    "it": ("""# I prezzi continuano a salire al porto

L'inflazione nella città portuale è salita al 4,9 per cento il 3 dicembre 2025, secondo l'istituto di statistica. La
spesa settimanale di una famiglia di quattro persone costa ora 58,50 euro, quasi sette euro in più dell'anno scorso.
I commercianti del mercato se ne accorgono ogni giorno, e molti clienti comprano meno frutta e verdura.

«Non vedevamo una cosa simile da trent'anni», ha detto l'economista Anna Rossi. Secondo lei i prezzi scenderanno
soltanto in primavera, quando entreranno in vigore i nuovi contratti di fornitura del porto.

L'associazione dei commercianti ha registrato per la 2ª volta di seguito un calo delle vendite. Il suo portavoce è
però tranquillo: «La gente risparmia, ma continua a fare la spesa da noi.» Per l'inverno l'associazione prepara
una campagna di offerte che partirà a gennaio, non appena il comune avrà dato il suo consenso.
""", ["Non vedevamo una cosa simile da trent'anni", "La gente risparmia, ma continua a fare la spesa da noi."],
        ["quattro virgola nove per cento", "tre dicembre duemilaventicinque",
         "cinquantotto euro e cinquanta centesimi", "seconda volta"], "roa/it"),
    "pt": ("""# Os preços continuam a subir no porto

A inflação na cidade portuária subiu para 4,9 % em 3 de dezembro de 2025, segundo o instituto de estatística. As
compras semanais de uma família de quatro pessoas custam agora 58,50 €, quase sete euros mais do que há um ano. Os
comerciantes do mercado notam isso todos os dias, e muitos clientes compram menos fruta e legumes.

«Não víamos nada assim há trinta anos», disse a economista Ana Silva. Ela acredita que os preços só vão descer na
primavera, quando entrarem em vigor os novos contratos de fornecimento d'água e de energia do porto.

A associação de comerciantes registou pela 2.ª vez seguida uma queda das vendas. O porta-voz mostrou-se, porém,
tranquilo: «As pessoas poupam, mas continuam a comprar nas nossas lojas.» Para o inverno, a associação prepara
uma campanha de promoções que vai começar em janeiro, assim que a câmara municipal der o seu acordo.
""", ["Não víamos nada assim há trinta anos", "As pessoas poupam, mas continuam a comprar nas nossas lojas."],
        ["quatro vírgula nove por cento", "três de dezembro de dois mil e vinte e cinco",
         "cinquenta e oito euros e cinquenta cêntimos", "segunda vez"], "roa/pt"),
    "nl": ("""# Prijzen in de haven blijven stijgen

De inflatie in de havenstad is op 3 december 2025 gestegen tot 4,9 procent, meldt het statistiekbureau. Een
weekboodschap voor een gezin van vier personen kost nu € 58,50, bijna zeven euro meer dan een jaar geleden. De
handelaars op de markt merken het elke dag, en veel klanten kopen minder fruit en groente dan vroeger.

„We hebben dit in dertig jaar niet meegemaakt”, zei econoom Anna de Vries. Zij verwacht dat de prijzen pas in het
voorjaar dalen, wanneer de nieuwe leveringscontracten ingaan en de energiekosten zakken.

De vereniging van winkeliers meldde voor de 2e keer op rij een daling van de omzet. De woordvoerder bleef toch
kalm: ‘Mensen besparen, maar ze blijven bij ons kopen.’ Voor de winter plant de vereniging een actie met
voordelige aanbiedingen die in januari moet beginnen, zodra de gemeente ermee instemt. Zo gaat 's winters de
markt gewoon door.
""", ["We hebben dit in dertig jaar niet meegemaakt", "Mensen besparen, maar ze blijven bij ons kopen."],
        ["drie december tweeduizendvijfentwintig", "vier komma negen procent", "achtenvijftig euro vijftig",
         "tweede keer"], "gmw/nl"),
}
ELISIONS = {"de": None, "fr": "l'économiste", "es": None, "it": "l'economista", "pt": "d'água", "nl": "'s winters"}


def _script(lang: str):
    return build_script(parse_article(ARTICLES[lang][0], fmt="md"))


@pytest.mark.parametrize("lang", sorted(ARTICLES))
def test_language_numbers_and_quotations(lang: str) -> None:
    text, expected_quotes, spoken, _ = ARTICLES[lang]
    script = _script(lang)
    assert script.language == lang
    segments = list(script.segments)
    assert [s.text for s in segments if s.role == QUOTE] == expected_quotes
    speech = " ".join(s.speech for s in segments)
    assert not re.search(r"\d", speech), speech
    for phrase in spoken:
        assert phrase in speech, (phrase, speech)
    narration = " ".join(s.text for s in segments if s.role != QUOTE)
    if ELISIONS[lang]:
        assert ELISIONS[lang] in narration  # an elision is never a quote mark


@pytest.mark.parametrize("lang", sorted(ARTICLES))
def test_voices_speak_the_language(lang: str) -> None:
    narrator = resolve_voice("pyttsx3", None, role="narrator", language=lang)
    quote = resolve_voice("pyttsx3", None, role="quote", language=lang)
    assert narrator.id == ARTICLES[lang][3]
    assert quote.id.split("+")[0] == narrator.id and quote.id != narrator.id  # a variant: clearly another voice


def test_declared_language_and_forced_language() -> None:
    marked = "---\nlang: pt-BR\n---\n" + ARTICLES["pt"][0]
    assert build_script(parse_article(marked, fmt="md")).language == "pt-BR"
    mislabelled = "---\nlang: en\n---\n" + ARTICLES["de"][0]
    assert build_script(parse_article(mislabelled, fmt="md")).language == "de"


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_rendered_with_espeak_in_the_language(tmp_path, lang: str) -> None:
    from mutagen.id3 import ID3

    from audiogen.audio.episode import render
    from audiogen.settings import RenderSettings

    script = _script(lang)
    first = script.chapters[0]
    short = type(script)(title=script.title, chapters=(type(first)(first.title, first.segments[:4]),),
                         language=script.language)
    episode = render(short, tmp_path, RenderSettings(engine="pyttsx3", stingers=False, workers=1))
    assert ID3(str(episode.mp3))["TLAN"].text == [{"de": "deu", "fr": "fra"}[lang]]
    audio = decode(episode.mp3)
    assert len(audio) > 44100 and float(abs(audio).max()) > 0.05
    manifest = episode.to_manifest()
    assert manifest["language"] == lang
    assert manifest["voices"]["narrator"] == ARTICLES[lang][3]
    assert manifest["voices"]["quote"] == ARTICLES[lang][3] + "+f3"
    assert sum(c["role"] == "quote" for c in manifest["cues"]) == 1  # the first quotation, in the quote voice


def test_cli_language_option_and_voices_listing(tmp_path) -> None:
    from conftest import invoke

    art = tmp_path / "hafen.md"
    art.write_text(ARTICLES["de"][0], encoding="utf-8")
    detected = invoke("script", str(art), "--format", "json")
    assert detected.returncode == 0, detected.stderr
    assert json.loads(detected.stdout)["language"] == "de"
    forced = invoke("script", str(art), "--format", "json", "--language", "de_CH")
    assert json.loads(forced.stdout)["language"] == "de-CH"
    bad = invoke("script", str(art), "--language", "12")
    assert bad.returncode == 2 and b"Error" in bad.stderr and b"Traceback" not in bad.stderr
    voices = invoke("voices", "--language", "fr", "--json")
    assert voices.returncode == 0, voices.stderr
    table = json.loads(voices.stdout)["languages"][0]
    assert (table["narrator"]["voice"], table["quote"]["voice"]) == ("roa/fr", "roa/fr+f3")
