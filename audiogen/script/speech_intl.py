"""Speech normalisation for German, French, Spanish, Italian, Portuguese and Dutch.

:func:`audiogen.script.speech.normalize` sends non-English text here by language; English keeps
its own rules in speech.py. Each language is a table (:class:`Lang`): how it writes
decimals and thousands, its currency and percent words, months, ordinal marks ("3." in
German dates, "1er" in French, "2.º" in Spanish, "3e" in Dutch), times and common
abbreviations. Number words come from num2words. Pure functions; regexes compiled once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from re import Match

__all__ = ["Lang", "LANGS", "supports", "normalize_intl", "cardinal", "ordinal"]


@dataclass(frozen=True)
class Lang:
    """How one language writes and says numbers, money, dates, times and abbreviations."""

    code: str  # num2words language code
    comma: str  # the word for a decimal comma
    percent: str
    minus: str
    and_word: str  # "&"
    to_word: str  # "10–12"
    months: tuple[str, ...]
    currencies: dict[str, tuple[str, str, str, str]]  # symbol -> (one, many, cent one, cent many)
    cents_join: str  # between the whole units and the cents
    hour: str  # "{h} Uhr {m}" template for 14:30
    hour_exact: str  # template for 14:00
    abbreviations: dict[str, str] = field(default_factory=dict)
    ordinal_re: str = ""  # the regex of a written ordinal; group "n" is the number
    ordinal_feminine: str = ""  # regex suffixes that mark a feminine ordinal
    one: str = ""  # the word for 1 before a noun ("ein Euro")
    time_suffix: str = ""  # a word after a time that the template already says ("Uhr")
    degrees: str = "Grad"
    year_before: frozenset[str] = frozenset()  # words after which a 4-digit number is a year
    date_order: str = "dmy"


_EUR = ("Euro", "Euro", "Cent", "Cent")

LANGS: dict[str, Lang] = {
    "de": Lang(
        code="de", comma="Komma", percent="Prozent", minus="minus", and_word="und", to_word="bis",
        months=("Januar Februar März April Mai Juni Juli August September Oktober November Dezember").split(),
        currencies={"€": _EUR, "EUR": _EUR, "$": ("Dollar", "Dollar", "Cent", "Cent"),
                    "USD": ("Dollar", "Dollar", "Cent", "Cent"), "£": ("Pfund", "Pfund", "Penny", "Pence"),
                    "CHF": ("Franken", "Franken", "Rappen", "Rappen"), "Fr.": ("Franken", "Franken", "Rappen", "Rappen")},
        cents_join=" und ", hour="{h} Uhr {m}", hour_exact="{h} Uhr", time_suffix="Uhr", one="ein",
        abbreviations={
            "z. B.": "zum Beispiel", "z.B.": "zum Beispiel", "Z. B.": "Zum Beispiel", "usw.": "und so weiter",
            "u. a.": "unter anderem", "u.a.": "unter anderem", "d. h.": "das heißt", "d.h.": "das heißt",
            "bzw.": "beziehungsweise", "ca.": "circa", "vgl.": "vergleiche", "Nr.": "Nummer", "Dr.": "Doktor",
            "Prof.": "Professor", "Hr.": "Herr", "Fr.": "Frau", "Str.": "Straße", "evtl.": "eventuell",
            "inkl.": "inklusive", "ggf.": "gegebenenfalls", "z. T.": "zum Teil", "u. U.": "unter Umständen",
            "o. Ä.": "oder Ähnliches", "Mio.": "Millionen", "Mrd.": "Milliarden", "Tsd.": "Tausend",
            "v. Chr.": "vor Christus", "n. Chr.": "nach Christus", "St.": "Sankt", "etc.": "et cetera",
            "Jh.": "Jahrhundert", "bspw.": "beispielsweise", "insb.": "insbesondere", "sog.": "sogenannte",
        },
        # "am 3. Dezember", "zum 2. Mal", "die 3. Runde": a number with a full stop before a month,
        # a lower-case word, or after an article/preposition
        ordinal_re=r"(?<![\w.,])(?P<n>\d{1,3})\.(?=\s+(?:%(months)s|[a-zäöüß]))|(?P<pre>\b(?i:am|vom|zum|im|beim|dem|den|des|der|die|das|ein|eine|einem|einer|seit|bis|zur|ihr|sein|ihrem|seinem|ihren|seinen|jeden|jedem)\s)(?P<n2>\d{1,3})\.(?=\s)",
        degrees="Grad",
        year_before=frozenset("im jahr jahre jahren seit bis von ab um in anfang ende mitte sommer winter herbst frühjahr frühling".split()),
    ),
    "fr": Lang(
        code="fr", comma="virgule", percent="pour cent", minus="moins", and_word="et", to_word="à",
        months=("janvier février mars avril mai juin juillet août septembre octobre novembre décembre").split(),
        currencies={"€": ("euro", "euros", "centime", "centimes"), "EUR": ("euro", "euros", "centime", "centimes"),
                    "$": ("dollar", "dollars", "cent", "cents"), "USD": ("dollar", "dollars", "cent", "cents"),
                    "£": ("livre", "livres", "penny", "pence"),
                    "CHF": ("franc suisse", "francs suisses", "centime", "centimes")},
        cents_join=" ", hour="{h} heures {m}", hour_exact="{h} heures", one="un",
        abbreviations={
            "M.": "Monsieur", "MM.": "Messieurs", "Mme": "Madame", "Mmes": "Mesdames", "Mlle": "Mademoiselle",
            "Mlles": "Mesdemoiselles", "Dr": "Docteur", "Pr": "Professeur", "Me": "Maître", "Mgr": "Monseigneur",
            "etc.": "et cetera", "p. ex.": "par exemple", "c.-à-d.": "c'est-à-dire", "av. J.-C.": "avant Jésus-Christ",
            "apr. J.-C.": "après Jésus-Christ", "St": "Saint", "Ste": "Sainte", "n°": "numéro", "no": "numéro",
            "env.": "environ", "bd": "boulevard", "av.": "avenue", "Cie": "compagnie",
        },
        # 1er, 1re, 1ère, 2e, 2ème, 3ᵉ, 2nd, 2nde
        ordinal_re=r"\b(?P<n>\d{1,4})(?P<suf>er|re|ère|ere|e|ème|eme|è|nd|nde|ᵉ|ᵉʳ)\b",
        ordinal_feminine=r"re|ère|ere|nde",
        degrees="degrés",
    ),
    "es": Lang(
        code="es", comma="coma", percent="por ciento", minus="menos", and_word="y", to_word="a",
        months=("enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre").split(),
        currencies={"€": ("euro", "euros", "céntimo", "céntimos"), "EUR": ("euro", "euros", "céntimo", "céntimos"),
                    "$": ("dólar", "dólares", "centavo", "centavos"), "USD": ("dólar", "dólares", "centavo", "centavos"),
                    "£": ("libra", "libras", "penique", "peniques")},
        cents_join=" con ", hour="{h} y {m}", hour_exact="{h} en punto", one="un",
        abbreviations={
            "Sr.": "señor", "Sra.": "señora", "Srta.": "señorita", "Sres.": "señores", "Dr.": "doctor",
            "Dra.": "doctora", "D.": "don", "Dña.": "doña", "Ud.": "usted", "Uds.": "ustedes", "etc.": "etcétera",
            "p. ej.": "por ejemplo", "aprox.": "aproximadamente", "núm.": "número", "n.º": "número",
            "pág.": "página", "a. C.": "antes de Cristo", "d. C.": "después de Cristo", "EE. UU.": "Estados Unidos",
            "Avda.": "avenida", "c/": "calle",
        },
        ordinal_re=r"\b(?P<n>\d{1,4})(?:\.?(?P<suf>º|ª|°|er|ra|o|a))(?!\w)",
        ordinal_feminine=r"ª|a|ra",
        degrees="grados",
    ),
    "it": Lang(
        code="it", comma="virgola", percent="per cento", minus="meno", and_word="e", to_word="a",
        months=("gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre").split(),
        currencies={"€": ("euro", "euro", "centesimo", "centesimi"), "EUR": ("euro", "euro", "centesimo", "centesimi"),
                    "$": ("dollaro", "dollari", "centesimo", "centesimi"), "USD": ("dollaro", "dollari", "centesimo", "centesimi"),
                    "£": ("sterlina", "sterline", "penny", "pence")},
        cents_join=" e ", hour="{h} e {m}", hour_exact="{h} in punto", one="un",
        abbreviations={
            "Sig.": "signor", "Sig.ra": "signora", "Sigg.": "signori", "Dott.": "dottor", "Dott.ssa": "dottoressa",
            "Prof.": "professor", "Prof.ssa": "professoressa", "Avv.": "avvocato", "Ing.": "ingegner",
            "ecc.": "eccetera", "etc.": "eccetera", "es.": "esempio", "p. es.": "per esempio", "pag.": "pagina",
            "n.": "numero", "a.C.": "avanti Cristo", "d.C.": "dopo Cristo", "S.": "San", "sig.": "signor",
        },
        ordinal_re=r"\b(?P<n>\d{1,4})(?:\.?(?P<suf>º|ª|°))(?!\w)",
        ordinal_feminine=r"ª",
        degrees="gradi",
    ),
    "pt": Lang(
        code="pt", comma="vírgula", percent="por cento", minus="menos", and_word="e", to_word="a",
        months=("janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro").split(),
        currencies={"€": ("euro", "euros", "cêntimo", "cêntimos"), "EUR": ("euro", "euros", "cêntimo", "cêntimos"),
                    "R$": ("real", "reais", "centavo", "centavos"), "BRL": ("real", "reais", "centavo", "centavos"),
                    "$": ("dólar", "dólares", "cêntimo", "cêntimos"), "USD": ("dólar", "dólares", "cêntimo", "cêntimos"),
                    "£": ("libra", "libras", "péni", "pence")},
        cents_join=" e ", hour="{h} e {m}", hour_exact="{h} horas", one="um",
        abbreviations={
            "Sr.": "senhor", "Sra.": "senhora", "Srs.": "senhores", "Dr.": "doutor", "Dra.": "doutora",
            "D.": "dona", "Prof.": "professor", "Profª": "professora", "etc.": "et cetera", "p. ex.": "por exemplo",
            "n.º": "número", "nº": "número", "pág.": "página", "a.C.": "antes de Cristo", "d.C.": "depois de Cristo",
            "Av.": "avenida", "EUA": "Estados Unidos",
        },
        ordinal_re=r"\b(?P<n>\d{1,4})(?:\.?(?P<suf>º|ª|°))(?!\w)",
        ordinal_feminine=r"ª",
        degrees="graus",
    ),
    "nl": Lang(
        code="nl", comma="komma", percent="procent", minus="min", and_word="en", to_word="tot",
        months=("januari februari maart april mei juni juli augustus september oktober november december").split(),
        currencies={"€": ("euro", "euro", "cent", "cent"), "EUR": ("euro", "euro", "cent", "cent"),
                    "$": ("dollar", "dollar", "cent", "cent"), "USD": ("dollar", "dollar", "cent", "cent"),
                    "£": ("pond", "pond", "penny", "pence")},
        cents_join=" ", hour="{h} uur {m}", hour_exact="{h} uur", time_suffix="uur", one="een",
        abbreviations={
            "bijv.": "bijvoorbeeld", "bv.": "bijvoorbeeld", "d.w.z.": "dat wil zeggen", "enz.": "enzovoort",
            "o.a.": "onder andere", "m.a.w.": "met andere woorden", "dhr.": "meneer", "Dhr.": "meneer",
            "mevr.": "mevrouw", "Mevr.": "mevrouw", "mw.": "mevrouw", "dr.": "doctor", "Dr.": "doctor",
            "prof.": "professor", "Prof.": "professor", "nr.": "nummer", "ca.": "circa", "etc.": "et cetera",
            "mln.": "miljoen", "mld.": "miljard", "v.Chr.": "voor Christus", "n.Chr.": "na Christus",
            "z.g.a.n.": "zo goed als nieuw", "m.b.t.": "met betrekking tot", "i.p.v.": "in plaats van",
        },
        ordinal_re=r"\b(?P<n>\d{1,4})(?P<suf>ste|de|e)\b",
        degrees="graden",
        year_before=frozenset("in sinds tot van jaar vanaf rond begin eind medio zomer winter".split()),
    ),
}


def supports(language: str) -> bool:
    """True when this module has rules for ``language`` (a BCP 47 tag such as "pt-BR")."""
    return _base(language) in LANGS


def _base(language: str) -> str:
    return str(language or "").replace("_", "-").split("-")[0].strip().lower()


# --------------------------------------------------------------------------- number words


def _n2w(n: int, lang: Lang, to: str = "cardinal") -> str:
    from num2words import num2words  # ~0.2 s: loaded for numbers in other languages than English

    return num2words(n, lang=lang.code, to=to)


def cardinal(n: int, language: str) -> str:
    """Words for an integer in ``language`` ("de", 21 -> "einundzwanzig")."""
    lang = LANGS[_base(language)]
    if n < 0:
        return f"{lang.minus} {_n2w(-n, lang)}"
    return _n2w(n, lang)


def ordinal(n: int, language: str, feminine: bool = False) -> str:
    """Ordinal words ("fr", 1 -> "premier"; "es", 2, feminine -> "segunda")."""
    lang = LANGS[_base(language)]
    words = _n2w(n, lang, "ordinal")
    if feminine:
        if lang.code == "fr" and words == "premier":
            words = "première"
        elif lang.code in ("es", "pt", "it") and words.endswith("o"):
            words = " ".join(w[:-1] + "a" if w.endswith("o") else w for w in words.split())
    return words


def _digits(s: str, lang: Lang) -> str:
    return " ".join(_n2w(int(c), lang) for c in s)


def _int_words(s: str, lang: Lang) -> str:
    digits = re.sub(r"\D", "", s)
    if not digits:
        return s
    if len(digits) > 1 and digits[0] == "0" or len(digits) > 21:
        return _digits(digits, lang)
    return _n2w(int(digits), lang)


def _fraction_words(frac: str, lang: Lang) -> str:
    # "4,90" -> "vier Komma neun null"; "4,25" -> "vier Komma fünfundzwanzig" reads oddly in most
    # languages for long fractions, so two digits and more are read digit by digit except a pair
    if len(frac) == 2 and frac[0] != "0":
        return _n2w(int(frac), lang)
    return _digits(frac, lang)


# --------------------------------------------------------------------------- patterns

# A number as these languages write it: 1.234.567 / 1 234 567 (spaces of any width) / 1234 / 4,9
_SPACES = " \u00a0\u202f\u2009"
_NUM = rf"(?:\d{{1,3}}(?:[.{_SPACES}]\d{{3}})+|\d+)(?:,\d+)?"
_NUM_RE = re.compile(rf"(?<![\w,.])(?P<sign>[-−–]\s?)?(?P<num>{_NUM})(?![\w]|[.,]\d)")


def _parse_number(num: str) -> tuple[str, str]:
    """(integer digits, fraction digits) of "1.234,5" / "1 234,5" / "1234"."""
    whole, _, frac = num.partition(",")
    return re.sub(rf"[.{_SPACES}]", "", whole), frac


def _number_words(num: str, lang: Lang) -> str:
    whole, frac = _parse_number(num)
    words = _int_words(whole, lang) if whole else ""
    if frac:
        words += f" {lang.comma} {_fraction_words(frac, lang)}"
    return words.strip()


@dataclass(frozen=True)
class _Compiled:
    lang: Lang
    abbr_re: re.Pattern[str] | None
    ordinal_re: re.Pattern[str] | None
    money_before_re: re.Pattern[str]
    money_after_re: re.Pattern[str]
    percent_re: re.Pattern[str]
    date_re: re.Pattern[str]
    iso_date_re: re.Pattern[str]
    time_re: re.Pattern[str]
    range_re: re.Pattern[str]
    year_re: re.Pattern[str]
    month_year_re: re.Pattern[str]
    scaled_money_re: re.Pattern[str]


@lru_cache(maxsize=None)
def _compiled(code: str) -> _Compiled:
    lang = LANGS[code]
    abbr_re = None
    if lang.abbreviations:
        keys = sorted(lang.abbreviations, key=len, reverse=True)
        alts = "|".join(re.escape(k).replace(r"\ ", r"\s?") for k in keys)
        abbr_re = re.compile(rf"(?<![\w.])(?:{alts})(?!\w)")
    months = "|".join(lang.months)
    ordinal_re = re.compile(lang.ordinal_re.replace("%(months)s", months), re.I if code != "de" else 0) \
        if lang.ordinal_re else None
    symbols = sorted(lang.currencies, key=len, reverse=True)
    sym_alt = "|".join(re.escape(s) for s in symbols)
    money_before_re = re.compile(rf"(?<![\w])(?P<cur>{sym_alt})\s?(?P<num>{_NUM})(?:,-|,–)?(?![\w])")
    names = sorted({w for v in lang.currencies.values() for w in v[:2]}, key=len, reverse=True)
    name_alt = "|".join(re.escape(w) for w in names)
    money_after_re = re.compile(
        rf"(?<![\w,.])(?P<num>{_NUM})(?:,-|,–)?(?:\s?(?P<cur>{sym_alt})|\s(?P<name>{name_alt}))(?![\w])")
    percent_re = re.compile(rf"(?<![\w,.])(?P<num>{_NUM})\s?%")
    scale_alt = "|".join(sorted(_SCALES[code].split(), key=len, reverse=True))
    scaled_money_re = re.compile(
        rf"(?<![\w,.])(?P<num>{_NUM})\s(?P<scale>{scale_alt})\s?(?:(?P<cur>{sym_alt})|(?P<name>{name_alt}))(?![\w])")
    date_re = re.compile(r"(?<![\w.,/-])(?P<d>\d{1,2})[./-](?P<m>\d{1,2})[./-](?P<y>\d{4}|\d{2})(?![\w]|[./-]\d)")
    iso_date_re = re.compile(r"(?<![\w.,/-])(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?![\w]|-\d)")
    suffix = rf"(?:\s?{re.escape(lang.time_suffix)})?" if lang.time_suffix else ""
    if code in ("fr", "pt"):
        time_re = re.compile(r"(?<![\w,.:])(?P<h>[01]?\d|2[0-3])\s?(?:h|:)\s?(?P<m>[0-5]\d)?(?![\w]|[.,:]\d)")
    else:
        time_re = re.compile(rf"(?<![\w,.:])(?P<h>[01]?\d|2[0-3])[:.](?P<m>[0-5]\d){suffix}(?![\w]|[.,:]\d)"
                             if code in ("de", "nl") else
                             rf"(?<![\w,.:])(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)(?![\w]|[.,:]\d)")
    range_re = re.compile(rf"(?<![\w,.])(?P<a>{_NUM})\s?[–-]\s?(?P<b>{_NUM})(?![\w]|[.,]\d)")
    year_re = re.compile(r"(?<![\w,.])(?P<y>1[1-9]\d\d)(?![\w]|[.,]\d)")
    month_year_re = re.compile(rf"(?P<mo>\b(?:{months})\s)(?P<y>\d{{4}})\b", re.I)
    return _Compiled(lang, abbr_re, ordinal_re, money_before_re, money_after_re, percent_re, date_re,
                     iso_date_re, time_re, range_re, year_re, month_year_re, scaled_money_re)


# --------------------------------------------------------------------------- rules


_DE_FINAL_ABBR = frozenset({"usw.", "etc.", "u. a.", "u.a.", "v. Chr.", "n. Chr.", "o. Ä.", "ggf.", "evtl.", "Jh."})


def _abbr(c: _Compiled) -> "callable":
    table = {" ".join(k.split()): v for k, v in c.lang.abbreviations.items()}
    squeezed = {k.replace(" ", ""): v for k, v in table.items()}

    def repl(m: Match[str]) -> str:
        key = " ".join(m.group(0).split())
        words = table.get(key) or squeezed.get(key.replace(" ", ""), m.group(0))
        # a full stop that also ended the sentence stays: "… usw. Dann" keeps its pause
        start = m.string[: m.start()].rstrip()
        if not start or start[-1] in ".!?":
            words = words[:1].upper() + words[1:]
        rest = m.string[m.end() :].lstrip()
        # German capitalises nouns, so a capital after the stop says little: only abbreviations
        # that often end a sentence keep their stop there
        sentence_may_end = not rest or rest[:1].isupper() and (c.lang.code != "de" or key in _DE_FINAL_ABBR)
        if m.group(0).endswith(".") and sentence_may_end and key not in (
                "Dr.", "Prof.", "Hr.", "Fr.", "St.", "Sr.", "Sra.", "Srta.", "Dra.", "D.", "M.", "MM.", "Sig.",
                "Dott.", "Avv.", "Ing.", "S.", "Dhr.", "dhr.", "Mevr.", "mevr.", "Nr.", "nr.", "n.", "núm.",
                "Sres.", "Prof.ssa", "Dott.ssa", "Sig.ra", "Dña.", "Av.", "Avda.", "dr.", "prof.", "sig."):
            return words + "."
        return words

    return repl


def _money(c: _Compiled):
    lang = c.lang

    by_name = {w: v for v in lang.currencies.values() for w in v[:2]}

    def repl(m: Match[str]) -> str:
        name = m.groupdict().get("name")
        one, many, cent_one, cent_many = by_name[name] if name else lang.currencies[m.group("cur")]
        whole, frac = _parse_number(m.group("num"))
        n = int(whole or "0")
        if lang.code == "de" and n == 1:
            head = f"{lang.one} {one}"
        else:
            head = f"{_int_words(whole or '0', lang)} {one if n == 1 else many}"
        if lang.code in ("es", "fr", "pt", "it") and n >= 10**6 and n % 10**6 == 0:
            de = "di" if lang.code == "it" else "d'" if lang.code == "fr" and many[:1] in "aeiouéh" else "de"
            head = head.replace(f" {many}", f" {de}{'' if de.endswith(chr(39)) else ' '}{many}")
        if frac and len(frac) <= 2 and int(frac or 0):
            cents = int(frac.ljust(2, "0"))
            if lang.code in ("fr", "nl"):
                return f" {head} {_n2w(cents, lang)} "  # "douze euros cinquante", "twaalf euro vijftig"
            return f" {head}{lang.cents_join}{_n2w(cents, lang)} {cent_one if cents == 1 else cent_many} "
        if frac and int(frac or 0):
            return f" {_number_words(m.group('num'), lang)} {many} "
        return f" {head} "

    return repl


def _percent(c: _Compiled):
    def repl(m: Match[str]) -> str:
        return f"{_number_words(m.group('num'), c.lang)} {c.lang.percent}"

    return repl


def _date(c: _Compiled):
    lang = c.lang

    def words(d: int, mo: int, y: int) -> str:
        month = lang.months[mo - 1]
        year = _year_words(y, lang)
        if lang.code == "de":
            return f"{ordinal(d, 'de')}n {month} {year}"
        if lang.code == "fr":
            return f"{'premier' if d == 1 else _n2w(d, lang)} {month} {year}"
        if lang.code in ("es", "pt"):
            day = ("primero" if lang.code == "es" else "primeiro") if d == 1 else _n2w(d, lang)
            return f"{day} de {month} de {year}"
        if lang.code == "it":
            return f"{'primo' if d == 1 else _n2w(d, lang)} {month} {year}"
        return f"{_n2w(d, lang)} {month} {year}"

    def repl(m: Match[str]) -> str:
        d, mo, y = int(m.group("d")), int(m.group("m")), m.group("y")
        year = int(y) if len(y) == 4 else 2000 + int(y)
        if not (1 <= mo <= 12 and 1 <= d <= 31):
            return m.group(0)
        return words(d, mo, year)

    return repl


def _year_words(y: int, lang: Lang) -> str:
    if lang.code in ("de", "nl") and 1100 <= y < 2000:
        return _n2w(y, lang, "year")
    return _n2w(y, lang)


def _time(c: _Compiled):
    lang = c.lang

    def repl(m: Match[str]) -> str:
        h = int(m.group("h"))
        mins = m.group("m")
        if lang.code in ("fr", "pt") and mins is None:
            if not re.match(r"\s?h", m.string[m.start("h") + len(m.group("h")) :]):
                return m.group(0)
            if lang.code == "pt":
                return f"{_n2w(h, lang)} {'hora' if h == 1 else 'horas'}"
            return f"{_n2w(h, lang)} {'heure' if h == 1 else 'heures'}"
        hours = _n2w(h, lang)
        if lang.code == "de" and h == 1:
            hours = "ein"
        if mins is None or int(mins) == 0:
            out = lang.hour_exact.format(h=hours)
        else:
            out = lang.hour.format(h=hours, m=_n2w(int(mins), lang))
        if lang.code == "fr" and h == 1:
            out = out.replace("heures", "heure")
        return out

    return repl


def _ordinal(c: _Compiled):
    lang = c.lang
    fem_re = re.compile(rf"^(?:{lang.ordinal_feminine})$") if lang.ordinal_feminine else None

    def repl(m: Match[str]) -> str:
        groups = m.groupdict()
        num = groups.get("n") if groups.get("n") is not None else groups.get("n2")
        if num is None:
            return m.group(0)
        pre = groups.get("pre") or ""
        n = int(num)
        suf = (m.groupdict().get("suf") or "")
        if lang.code == "es" and suf in ("o", "a") and "." not in m.group(0) and "º" not in m.group(0):
            return m.group(0)  # "15o" is rare; "1a" is more often a label
        feminine = bool(fem_re and suf and fem_re.match(suf))
        words = ordinal(n, lang.code, feminine)
        if lang.code == "de":
            before = (m.string[max(0, m.start() - 8) : m.start()] + pre).split()
            month_next = bool(_DE_MONTH_AFTER_RE.match(m.string, m.end()))
            if month_next and m.start() > 0 and not (before and before[-1].lower() in ("der", "die", "das")):
                words += "n"  # "Am Montag, 12. Mai" / "bis 3. Juni": dates are dative in running text
            elif before and before[-1].lower() in ("am", "vom", "zum", "im", "beim", "dem", "den", "des", "seit",
                                                  "zur", "einem", "einer", "ihrem", "seinem", "ihren", "seinen",
                                                  "jeden", "jedem", "bis"):
                words += "n"
        return pre + words

    return repl


def _range(c: _Compiled):
    def repl(m: Match[str]) -> str:
        return f"{m.group('a')} {c.lang.to_word} {m.group('b')}"

    return repl


_SCORE_WORD = {"de": "zu", "fr": "à", "es": "a", "it": "a", "pt": "a", "nl": "tegen"}
_SCORE_RE = re.compile(r"(?<![\w,.:])(?P<a>\d{1,3}):(?P<b>\d{1,3})(?![\w]|[.,:]\d)")
_SCALES = {
    "de": "Millionen Million Milliarden Milliarde Billionen Billion Tausend",
    "fr": "millions million milliards milliard",
    "es": "millones millón mil",
    "it": "milioni milione miliardi miliardo",
    "pt": "milhões milhão mil",
    "nl": "miljoen miljard duizend",
}
# XXIe, IIIe, Ier (not "Le" or "Ce": a lone L or C is a word's capital)
_ROMAN_ORDINAL_RE = re.compile(r"\b(?P<r>[IVXLC]{2,7}|[IVX])(?P<suf>er|re|ère|e|ème|eme)\b")
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def _roman_value(numeral: str) -> int | None:
    values = [_ROMAN[c] for c in numeral]
    total = sum(-v if i + 1 < len(values) and values[i + 1] > v else v for i, v in enumerate(values))
    return total if 0 < total < 400 and _to_roman(total) == numeral else None


def _to_roman(n: int) -> str:
    out = ""
    for value, sym in ((100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += sym
            n -= value
    return out


def _roman_ordinal(m: Match[str]) -> str:
    value = _roman_value(m.group("r"))
    if value is None:
        return m.group(0)
    return ordinal(value, "fr", feminine=m.group("suf") in ("re", "ère"))


def _scaled_money(c: _Compiled):
    lang = c.lang
    by_name = {w: v for v in lang.currencies.values() for w in v[:2]}

    def repl(m: Match[str]) -> str:
        name = m.group("name")
        many = (by_name[name] if name else lang.currencies[m.group("cur")])[1]
        de = {"fr": "d'" if many[:1] in "aeiouéh" else "de ", "es": "de ", "pt": "de ", "it": "di "}.get(lang.code, "")
        if m.group("scale") in ("Tausend", "mil", "duizend"):
            de = ""
        return f" {_number_words(m.group('num'), lang)} {m.group('scale')} {de}{many} "

    return repl


_DE_MONTH_AFTER_RE = re.compile(r"\s+(?:" + "|".join(LANGS["de"].months) + r")\b")
_SIGNED_RE = re.compile(r"(?<![\w,.])[-−](?=\d)")
_DIGITS_RE = re.compile(r"\d")
_AMP_RE = re.compile(r"\s*&\s*")
_DEGREE_RE = re.compile(r"\s?°\s?([CF])?\b")
_HASH_NUM_RE = re.compile(r"#(?=\d)")
_SYMBOLS = {"+": " plus ", "=": " = ", "×": " x ", "§": " § "}


# --------------------------------------------------------------------------- agreement with the noun
# A number before a noun agrees with it: "21 personas" is "veintiuna personas", "21 días" "veintiún
# días", "2 pessoas" "duas pessoas", "1 maison" "une maison". num2words gives the bare counting form;
# the noun's gender comes from its ending, the most reliable cue these languages offer, with the
# common nouns that break their language's rule listed. Unknown stays masculine (the unmarked form).

def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_FEMININE_ENDINGS = {
    "es": ("a", "as", "ción", "ciones", "sión", "siones", "dad", "dades", "tad", "tades", "tud", "tudes",
           "umbre", "umbres", "ie", "ies", "itis", "sis"),
    "pt": ("a", "as", "ção", "ções", "são", "sões", "dade", "dades", "agem", "agens", "ite", "ites", "gem", "gens"),
    "it": ("a", "ione", "ioni", "tà", "tù", "si", "ite"),
    "fr": ("tion", "tions", "sion", "sions", "ion", "ions", "té", "tés", "ure", "ures", "ette", "ettes", "ence",
           "ences", "ance", "ances", "ée", "ées", "elle", "elles", "esse", "esses", "ie", "ies", "ade", "ades",
           "ise", "ises", "ière", "ières", "ine", "ines", "ode", "odes", "ude", "udes"),
    "de": ("ung", "heit", "keit", "schaft", "ion", "tät", "ik", "ei", "ie", "enz", "anz", "ur", "in", "e"),
}
_FEMININE_WORDS = {
    "es": _words("mujer mujeres madre madres noche noches gente calle calles clase clases fuente fuentes llave "
                 "llaves nave naves parte partes muerte muertes suerte torre torres flor flores piel pieles red "
                 "redes ley leyes vez veces luz luces voz voces cruz cruces paz foto fotos mano manos moto motos "
                 "imagen imágenes orden razón razones sal tarde tardes carne leche nieve hambre"),
    "pt": _words("mulher mulheres mãe mães noite noites gente parte partes vez vezes flor flores lei leis rede "
                 "redes tarde tardes morte mortes fonte fontes classe classes chave chaves nave naves árvore "
                 "árvores foto fotos tribo tribos cor cores dor dores mão mãos ordem ordens razão razões "
                 "carne leite neve fome"),
    "it": _words("madre madri notte notti gente parte parti classe classi chiave chiavi nave navi morte sorte "
                 "torre torri fonte fonti mente legge leggi carne arte voce voci luce luci pace croce foto mano "
                 "radio moto auto fine volte"),
    "fr": _words("personne personnes femme femmes maison maisons fois heure heures minute minutes seconde "
                 "secondes semaine semaines ville villes voiture voitures famille familles fille filles mère "
                 "mères sœur sœurs place places page pages ligne lignes langue langues école écoles équipe "
                 "équipes victoire victoires étape étapes guerre guerres nuit nuits mort morts part parts tonne "
                 "tonnes église églises chose choses main mains fin loi lois voix croix paix mer mers île îles "
                 "rue rues route routes porte portes salle salles classe classes chambre chambres table tables "
                 "lettre lettres photo photos histoire histoires entreprise entreprises course courses"),
    "de": _words("Frau Nacht Stadt Welt Zeit Hand Wand Maus Kuh Uhr Tür Zahl Wahl Art Fahrt Arbeit Person"),
}
_MASCULINE_WORDS = {
    "es": _words("día días problema problemas programa programas sistema sistemas tema temas mapa mapas idioma "
                 "idiomas clima planeta planetas poema poemas drama dramas esquema esquemas dilema dilemas "
                 "síntoma síntomas panorama diploma diplomas fantasma fantasmas cometa cometas sofá sofás papá "
                 "papás emblema lema aroma aromas enigma enigmas dogma paradigma tranvía tranvías mediodía "
                 "pijama pijamas guardia policía millones millón"),
    "pt": _words("dia dias problema problemas programa programas sistema sistemas tema temas mapa mapas idioma "
                 "idiomas clima planeta planetas poema poemas drama dramas esquema esquemas dilema dilemas "
                 "sofá sofás telefonema cinema cinemas personagem personagens milhões milhão"),
    "it": _words("problema problemi programma programmi sistema sistemi tema temi clima cinema pianeta pianeti "
                 "poeta poeti papa dramma drammi schema schemi diploma panorama"),
    "fr": _words("million millions milliard milliards billion billions avion avions camion camions lion lions "
                 "champion champions pion pions bastion été comité comités côté côtés traité traités député "
                 "députés pâté musée musées lycée lycées trophée trophées génie génies incendie incendies "
                 "parapluie murmure mercure magazine magazines domaine domaines"),
    "de": _words("Käse Name Junge Kunde Affe Löwe Hase Gedanke Buchstabe Friede Glaube Wille Auge Ende Erbe "
                 "Interesse Gebäude Gebirge Getränke Gemüse Euro Cent Dollar Benzin Termin Magazin Pinguin "
                 "Ruin Urin Vitamin"),
}
# Words after a number that are not the counted noun ("1 de cada 3", "1 y 2").
_NOT_A_NOUN = {
    "es": _words("de del y o e u a al en por para con que como sin entre hasta desde sobre contra según"),
    "pt": _words("de do da dos das e ou a o em no na por para com que como sem entre até desde sobre"),
    "it": _words("di del della dei degli delle e o a al in nel per con che come senza tra fra su da"),
    "fr": _words("de du des d et ou à au aux en par pour avec que comme sans entre sur dans sous"),
    "de": _words(""),
}
_NEXT_WORD_RE = re.compile(r"[ \u00a0\u202f]+([^\W\d_][\w'’-]*)")


def _feminine(noun: str, code: str) -> bool:
    key = noun if code == "de" else noun.lower()
    if key in _FEMININE_WORDS[code]:
        return True
    if key in _MASCULINE_WORDS[code] or (code in ("es", "pt", "it") and key.endswith(("ista", "istas"))):
        return False
    return key.endswith(_FEMININE_ENDINGS[code])


def agree(words: str, noun: str, code: str) -> str:
    """``words`` (num2words' counting form of a whole number) as said before ``noun``."""
    if code not in _FEMININE_ENDINGS or noun.lower() in _NOT_A_NOUN[code]:
        return words
    if code == "de":  # "eins" counts; before a noun (German capitalises nouns) it is an article
        if words != "eins" or not noun[:1].isupper():
            return words
        return "eine" if _feminine(noun, code) else "ein"
    feminine = _feminine(noun, code)
    if code == "es":
        if feminine:
            return re.sub(r"uno$", "una", re.sub(r"ientos\b", "ientas", words))
        return "veintiún" if words == "veintiuno" else re.sub(r"\buno$", "un", words)
    if code == "pt" and feminine:
        return re.sub(r"entos\b", "entas", re.sub(r"\bdois\b", "duas", re.sub(r"\bum$", "uma", words)))
    if code == "it" and words == "uno":
        if feminine:
            return "una"
        return "uno" if re.match(r"(?i)(s[^aeiouàèéìòù]|z|gn|ps|x|y|pn)", noun) else "un"
    if code == "fr" and feminine:
        return re.sub(r"\bun$", "une", words)
    return words


def _number(c: _Compiled):
    def repl(m: Match[str]) -> str:
        words = _number_words(m.group("num"), c.lang)
        nxt = _NEXT_WORD_RE.match(m.string, m.end())
        if nxt and "," not in m.group("num") and not m.group("sign"):
            words = agree(words, nxt.group(1), c.lang.code)
        sign = f"{c.lang.minus} " if m.group("sign") else ""
        text, start, end = m.string, m.start(), m.end()
        left = " " if start and text[start - 1].isalnum() else ""
        right = " " if end < len(text) and text[end].isalnum() else ""
        return left + sign + words + right

    return repl


def _years(c: _Compiled, text: str) -> str:
    """1100-1999 after a month or a year word ("im Jahr 1989") read as a year where that differs."""
    lang = c.lang
    if lang.code not in ("de", "nl"):
        return text
    text = c.month_year_re.sub(lambda m: m.group("mo") + _year_words(int(m.group("y")), lang), text)

    def repl(m: Match[str]) -> str:
        before = m.string[max(0, m.start() - 12) : m.start()].split()
        after = m.string[m.end() : m.end() + 2].strip()[:1]
        if before and before[-1].lower().strip("(,") in lang.year_before or after in (".", ",", ")", ";") \
                and not before:
            return _year_words(int(m.group("y")), lang)
        return m.group(0)

    return c.year_re.sub(repl, text)


_INDICATOR_RE = re.compile(r"(?<![\w.,])(?P<n>\d{1,4})\.?(?P<suf>[ºª]|ᵉʳ|ᵉ|ʳᵉ)|(?<!\w)(?P<no>[Nn])\.?º(?=\s?\d)")
_NUMERO = {"es": "número", "pt": "número", "it": "numero", "fr": "numéro", "de": "Nummer", "nl": "nummer"}


def pre_cleanup(text: str, language: str) -> str:
    """Ordinal indicators (2.º, 3ª, 1ᵉʳ, n.º) read before Unicode cleanup folds them into "o"/"a"."""
    if not supports(language) or not any(c in text for c in "ºªᵉ"):
        return text
    lang = LANGS[_base(language)]

    def repl(m: Match[str]) -> str:
        if m.group("no"):
            return _NUMERO[lang.code]
        return ordinal(int(m.group("n")), lang.code, feminine=m.group("suf") in ("ª", "ʳᵉ"))

    return _INDICATOR_RE.sub(repl, text)


def normalize_intl(text: str, language: str) -> str:
    """Rewrite numbers, money, dates, times and abbreviations of ``text`` as words of ``language``."""
    c = _compiled(_base(language))
    lang = c.lang
    if c.abbr_re is not None:
        text = c.abbr_re.sub(_abbr(c), text)
    if "&" in text:
        text = _AMP_RE.sub(f" {lang.and_word} ", text)
    if lang.code == "fr" and "e" in text:
        text = _ROMAN_ORDINAL_RE.sub(_roman_ordinal, text)  # le XXIe siècle
    if not _DIGITS_RE.search(text):
        return text
    text = _HASH_NUM_RE.sub("", text)
    text = c.iso_date_re.sub(_date(c), text)
    text = c.date_re.sub(_date(c), text)
    text = c.time_re.sub(_time(c), text)
    if ":" in text:
        text = _SCORE_RE.sub(lambda m: f"{m.group('a')} {_SCORE_WORD[lang.code]} {m.group('b')}", text)
    text = c.scaled_money_re.sub(_scaled_money(c), text)
    text = c.money_before_re.sub(_money(c), text)
    text = c.money_after_re.sub(_money(c), text)
    text = c.percent_re.sub(_percent(c), text)
    if "°" in text:
        text = _DEGREE_RE.sub(lambda m: f" {lang.degrees}" + (" Celsius" if m.group(1) == "C" else
                                                              " Fahrenheit" if m.group(1) == "F" else "") + " ", text)
    if c.ordinal_re is not None:
        text = c.ordinal_re.sub(_ordinal(c), text)
    text = c.range_re.sub(_range(c), text)
    text = _years(c, text)
    text = _SIGNED_RE.sub(f"{lang.minus} ", text)
    text = _NUM_RE.sub(_number(c), text)
    return re.sub(r"\d+", lambda m: _int_words(m.group(0), lang), text)
