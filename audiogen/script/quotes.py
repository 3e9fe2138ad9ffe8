"""Quotation detector: decides which words of an article are read in the quote voice.

Spoken quotations (what a person said or wrote) become ``quote=True`` pieces; titles,
scare quotes, nicknames, terms and slogans stay with the narrator, and apostrophes
(’90s, rock ’n’ roll, Takin’, the Jacksons’) are never taken for quote marks.
Everything is rule based, linear in the text length and never raises on odd input.
The rules and the reasons behind them are in ``docs/quotes.md``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Sequence

__all__ = ["Piece", "split_paragraphs", "MIN_QUOTE_WORDS"]

# Partial quotes shorter than this stay with the narrator: a voice switch for one or two
# words inside a sentence sounds broken (see docs/quotes.md).
MIN_QUOTE_WORDS = 3


@dataclass(frozen=True)
class Piece:
    """A run of words read in one voice; quote pieces have their quote marks removed."""

    text: str
    quote: bool
    speaker: str | None = None


# --- quote marks -------------------------------------------------------------------

_D, _S, _G = "D", "S", "G"  # double / single / guillemet family
_MARK_RE = re.compile("[\u201c\u201d\u201e\u201f\"\u2018\u2019\u201a'\u00ab\u00bb]")
_D_OPEN = "\u201c\u201e\u201f"
_D_CLOSE = "\u201d"
_S_OPEN = "\u2018\u201a"
_ALL_MARKS = "\u201c\u201d\u201e\u201f\"\u2018\u2019\u201a'\u00ab\u00bb"
_OPENERS = _D_OPEN + _S_OPEN + "\"'\u00ab"

# Words whose leading letters an apostrophe replaces: ’em, ’til, ’cause, ’tis ...
_ELISION_RE = re.compile(
    r"(?:em|til|tis|twas|cause|cos|bout|round|nuff|kay|sup|twere|neath|gainst|ello)\b", re.I
)
_N_APOS_RE = re.compile("[Nn][\u2019\u2018'](?![A-Za-z])")  # ‘n’ / 'n' / ‘N Sync
_N_SPACE_RE = re.compile(r"N\s")  # ‘N Sync

_OPEN_D, _CLOSE_D, _TOGGLE_D, _OPEN_S, _CLOSE_S, _WEAK_S, _OPEN_G, _CLOSE_G = range(8)


def _is_word_char(c: str) -> bool:
    return c.isalnum()


def _classify_marks(text: str) -> list[tuple[int, int]]:
    """Return (position, role) of every quote mark that may open or close a quotation."""
    out: list[tuple[int, int]] = []
    apostrophes: set[int] = set()
    n = len(text)
    for m in _MARK_RE.finditer(text):
        i = m.start()
        if i in apostrophes:
            continue
        c = text[i]
        p = text[i - 1] if i > 0 else ""
        nx = text[i + 1] if i + 1 < n else ""
        p_space = p == "" or p.isspace() or p in "([{\u2014\u2013-/" or p in _OPENERS
        n_space = nx == "" or nx.isspace() or nx in ",.;:!?)]}\u2014\u2013-\u2026" or nx in _ALL_MARKS
        if c in "\u00ab\u00bb":
            # « … » (French, with inner spaces; Spanish, Italian, Portuguese) or » … « (German):
            # a mark after a space and before a word opens, a mark after a word closes
            if c == "\u00ab":
                out.append((i, _CLOSE_G if not p_space and n_space else _OPEN_G))
            else:
                out.append((i, _OPEN_G if p_space and not n_space else _CLOSE_G))
        elif c == "\u201c" and not p_space and n_space:
            out.append((i, _TOGGLE_D))  # „…“ (German): the high 6 after a word closes an open quote
        elif c in _D_OPEN:
            out.append((i, _OPEN_D))
        elif c in _D_CLOSE:
            out.append((i, _CLOSE_D))
        elif c == '"':
            if p_space and not n_space:
                out.append((i, _OPEN_D))
            elif n_space and not p_space:
                out.append((i, _CLOSE_D))
            else:
                out.append((i, _TOGGLE_D))
        else:  # single family: ‘ ’ ‚ '
            opener_shape = c in _S_OPEN or (c == "'" and p_space and not nx.isspace() and nx != "")
            if _is_word_char(p) and _is_word_char(nx):
                continue  # can’t, rock‘n‘roll
            if opener_shape and not _is_word_char(p):
                if nx.isdigit() or _ELISION_RE.match(text, i + 1):
                    continue  # ‘90s, ’em
                nm = _N_APOS_RE.match(text, i + 1)
                if nm:
                    apostrophes.add(nm.end() - 1)  # the second mark of ‘n’
                    continue
                if _N_SPACE_RE.match(text, i + 1):
                    continue  # ‘N Sync
                if nx.isspace() and c == "'":
                    continue
                out.append((i, _OPEN_S))
                continue
            # closing shape: ’ or ' after a word or punctuation
            if _is_word_char(nx):
                continue  # ’90s, ’n’, ’em
            if p == "" or p.isspace():
                continue  # a lone mark between spaces
            if p in "nN" and i >= 2 and (text[i - 2].isspace() or text[i - 2] in _ALL_MARKS):
                continue  # rock ’n’ roll
            if p.isalpha() and (text[max(0, i - 2) : i].lower() == "in" or p in "sS"):
                out.append((i, _WEAK_S))  # Takin’ / the Jacksons’ -- or a real close
            else:
                out.append((i, _CLOSE_S))
    return out


@dataclass(frozen=True)
class _Span:
    start: int  # index of the opening mark
    end: int  # index of the closing mark, or len(text) when it runs past the paragraph
    family: str
    open_end: bool  # no closing mark in this paragraph (multi-paragraph quote)


def _pair_marks(text: str, next_opens: str | None) -> list[_Span]:
    """Pair marks with a stack; return the outermost spans in order.

    ``next_opens`` is the family of the mark the next paragraph starts with (or None);
    an outer quote left open continues only into such a paragraph, else it is plain text.
    """
    marks = _classify_marks(text)
    strong_s = [pos for pos, role in marks if role == _CLOSE_S]
    d_close = [pos for pos, role in marks if role in (_CLOSE_D, _TOGGLE_D)]
    stack: list[tuple[str, int]] = []
    count = {_D: 0, _S: 0, _G: 0}  # open marks of each family on the stack
    spans: list[_Span] = []

    def pop() -> tuple[str, int]:
        fam, start = stack.pop()
        count[fam] -= 1
        return fam, start

    def push(fam: str, pos: int) -> None:
        stack.append((fam, pos))
        count[fam] += 1

    def close(family: str, pos: int) -> None:
        while stack and stack[-1][0] != family:
            pop()  # inner marks never closed: plain text
        fam, start = pop()
        if not stack:
            spans.append(_Span(start, pos, fam, False))

    for pos, role in marks:
        in_d = count[_D] > 0
        in_s = count[_S] > 0
        if role == _TOGGLE_D:
            role = _CLOSE_D if in_d else _OPEN_D
        if role == _OPEN_D:
            if in_d:
                # a second opening double mark: the earlier one was never closed
                while stack and stack[-1][0] != _D:
                    pop()
                pop()
            push(_D, pos)
        elif role == _CLOSE_D:
            if in_d:
                close(_D, pos)
        elif role == _OPEN_G:
            push(_G, pos)
        elif role == _CLOSE_G:
            if count[_G] > 0:
                close(_G, pos)
        elif role == _OPEN_S:
            push(_S, pos)
        elif role == _CLOSE_S:
            if in_s:
                close(_S, pos)
        elif role == _WEAK_S and in_s:
            # Takin’ / Jacksons’ close a single quote only if no real close follows in scope
            k = bisect.bisect_right(strong_s, pos)
            limit = len(text)
            if in_d:
                j = bisect.bisect_right(d_close, pos)
                limit = d_close[j] if j < len(d_close) else len(text)
            if not (k < len(strong_s) and strong_s[k] < limit):
                close(_S, pos)
    if stack and next_opens is not None and stack[0][0] == next_opens:
        spans.append(_Span(stack[0][1], len(text), stack[0][0], True))
    return spans


def _opening_family(text: str) -> str | None:
    s = text.lstrip()
    if not s:
        return None
    c = s[0]
    if c in _D_OPEN or c == '"':
        return _D
    if c in "\u00ab\u00bb":
        return _G
    if c in _S_OPEN or c == "'":
        if len(s) > 1 and (s[1].isdigit() or _ELISION_RE.match(s, 1)):
            return None
        return _S
    return None


# --- classification ---------------------------------------------------------------

_VERBS = (
    "say says said saying tell tells told telling ask asks asked asking add adds added adding "
    "write writes wrote written writing explain explains explained explaining recall recalls "
    "recalled recalling tweet tweets tweeted tweeting retweeted insist insists insisted "
    "reply replies replied replying note notes noted warn warns warned warning argue argues "
    "argued arguing claim claims claimed declare declares declared announce announces "
    "announced state states stated admit admits admitted admitting acknowledge acknowledges "
    "acknowledged continue continues continued conclude concludes concluded remark remarks "
    "remarked observe observes observed comment comments commented respond responds responded "
    "answer answers answered suggest suggests suggested recount recounts recounted remember "
    "remembers remembered laugh laughs laughed joke jokes joked sigh sighs sighed shout "
    "shouts shouted yell yells yelled whisper whispers whispered mutter mutters muttered "
    "exclaim exclaims exclaimed cry cries cried plead pleads pleaded urge urges urged assure "
    "assures assured promise promises promised predict predicts predicted complain complains "
    "complained concede concedes conceded confirm confirms confirmed deny denies denied "
    "describe describes described describing accuse accuses accused post posts posted posting "
    "testify testifies testified sing sings sang sung quip quips quipped boast boasts boasted "
    "vow vows vowed pledge pledges pledged caution cautions cautioned agree agrees agreed "
    "counter counters countered think thinks thought thinking wonder wonders wondered "
    "muse muses mused reflect reflects reflected report reports reported stress stresses "
    "stressed emphasize emphasized emphasise emphasised mention mentions mentioned "
    "maintain maintains maintained contend contends contended propose proposed "
    "demand demands demanded order ordered begged beg begs lament laments lamented "
    "blasted scoffed snapped chimed recalls interjected interject opined opine"
)
_VERB_SET = frozenset(_VERBS.split())


def _trie_pattern(words: frozenset[str]) -> str:
    """One regex alternation factored by prefix, so matching does not try every word in turn."""
    trie: dict[str, dict] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        end = "" in node
        alts = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if end else body

    return build(trie)


_VERB_ALT = _trie_pattern(_VERB_SET)
_VERB_RE = re.compile(rf"\b(?:{_VERB_ALT})\b|\baccording to\b|\bput it\b", re.I)

_NAME_WORD = r"(?:[A-Z][\w\u00ad\u2019'.-]*|[A-Z]\.)"
_NAME = rf"(?:(?:de|van|von|da|del|di|du|le|la|al|el|bin|ben)\s+)?{_NAME_WORD}(?:\s+(?:(?:de|van|von|der|da|del|la|le|bin|al)\s+)?{_NAME_WORD}){{0,3}}"
_PRONOUN = r"(?:he|she|He|She|they|They|I|we|We)"
_AUX = r"(?:\s+(?:had|has|have|was|is|would|will|also|later|then|once|recently|previously|" \
    r"often|has\s+long|simply|quickly|just|now|again|then|once|eventually|finally)){0,2}"
_VERB_GROUP = rf"(?:{_VERB_ALT})"

# After the closing mark: “…,” she said / “…” Smith added / “…,” said Jane Doe / according to X
_AFTER_RE = re.compile(
    rf"\s*[,;]?\s*(?:(?P<subj>{_NAME}|{_PRONOUN})(?:,[^,\u201c\u201d\".]{{1,80}},)?{_AUX}\s+"
    rf"(?P<v1>{_VERB_GROUP})\b"
    rf"|(?P<v2>{_VERB_GROUP})\s+(?P<obj>{_NAME})"
    rf"|(?P<v3>{_VERB_GROUP})\s+(?P<pro>he|she|they)\b"
    rf"|[Aa]ccording\s+to\s+(?P<acc>{_NAME}))"
)
# After the closing mark, looser: a speech verb within a few words, before any sentence end
_AFTER_LOOSE_RE = re.compile(
    rf"\s*[,;]?\s*(?:(?:[A-Z]\.|Mr\.|Mrs\.|Ms\.|Dr\.|St\.|[\w\u00ad\u2019'-]+),?\s+){{0,8}}?"
    rf"(?:{_VERB_GROUP})\b|\s*[,;]?\s*[Aa]ccording to\b"
)
# Before the opening mark: … she said, “ / said Smith: “ / according to X, “
_BEFORE_VERB_END_RE = re.compile(
    rf"(?:\b(?:{_VERB_GROUP})|\baccording to {_NAME}|\bput it|\bwords)"
    rf"(?:\s+[\w\u00ad\u2019'.-]+){{0,4}}?\s*[,:]?\s*$",
    re.I,
)
_SUBJ_BEFORE_RE = re.compile(
    rf"(?P<subj>{_NAME}|\b{_PRONOUN})(?:,[^,\u201c\u201d\"]{{1,80}},)?{_AUX}\s+(?:{_VERB_GROUP})\b"
)
_VERB_THEN_NAME_RE = re.compile(rf"\b(?:{_VERB_GROUP})\s+(?P<obj>{_NAME})")
_ACCORDING_RE = re.compile(rf"\b[Aa]ccording to (?P<acc>{_NAME})")

_TITLE_BEFORE = frozenset(
    """song songs album albums record film films movie movies documentary book books novel
    novels memoir biography show shows series sitcom program programme episode podcast titled
    entitled called dubbed nicknamed named so-called term terms word words phrase expression
    slogan slogans motto campaign hit hits single track tracks ballad anthem tune poem play
    musical opera paper essay column headline exhibition exhibit painting sculpture label
    brand reads read titles title anthology collection franchise game games app website
    blog newsletter hashtag sign banner slogan lyric""".split()
)
_TITLE_AFTER = frozenset(
    """campaign campaigns song songs album film movie star stars show series list lists test
    tests method approach strategy tier compound level levels website site app ad ads advert
    slogan logo button label sign track single podcast episode video game workout exhibition
    movement brand tour era program programme initiative project law act bill rule doctrine
    category box label tag policy plan franchise trilogy sequel remake trailer hashtag meme
    philosophy theory mindset mentality principle challenge award awards prize""".split()
)
_SMALL_WORDS = frozenset(
    "a an and as at but by for from in into nor of on or per the to up via vs with & is it's".split()
)
_WORD_RE = re.compile(r"[^\s\u2014\u2013]+")
_SENTENCE_END_RE = re.compile("[.?!\u2026][\u201d\"\u2019')\\]]*\\s+(?=[^a-z])")
_END_AT_RE = _SENTENCE_END_RE
_LAST_WORD_RE = re.compile("[\\w\u00ad.]*$")
_ABBREV = frozenset(
    """mr mrs ms dr prof st jr sr gov sen rep gen col lt sgt capt rev no vs etc inc co corp ltd
    jan feb mar apr jun jul aug sep sept oct nov dec u.s a.m p.m fig approx""".split()
)
_WS_RE = re.compile(r"\s+")
_STRIP_PUNCT = ",.;:!?\u2026\u2014\u2013-()[]\"'\u201c\u201d\u2018\u2019\u201e\u201a\u00ab\u00bb\u00a0\u202f"


def _words(s: str) -> list[str]:
    return [w for w in (x.strip(_STRIP_PUNCT) for x in _WORD_RE.findall(s)) if w]


_INNER_PUNCT_RE = re.compile(r"[.?!;:,]\s")
_POSSESSIVE_RE = re.compile("[\u2019']s$")


def _is_title_case(inner: str) -> bool:
    """Every significant word capitalised, no sentence punctuation inside (Love Never Felt So Good);
    a subtitle after a colon is part of the title (Water for All: A Plan for 2030)."""
    core = inner.strip().rstrip(",.?!")
    head, colon, sub = core.partition(": ")
    if colon and head and sub and ":" not in sub:
        return _is_title_case(head) and _is_title_case(sub) and len(_words(core)) <= 14
    if _INNER_PUNCT_RE.search(core):
        return False
    ws = _words(core)
    if not ws or len(ws) > 10:
        return False
    caps = 0
    for k, w in enumerate(ws):
        first = w[0]
        if first.isupper() or first.isdigit():
            caps += 1
        elif k == 0 or w.lower() not in _SMALL_WORDS:
            return False
    if ws[0] == "I" and len(ws) > 1 and not all(w[0].isupper() for w in ws):
        return False
    return caps >= 1 and not (len(ws) == 1 and ws[0] == "I")


def _sentence_start(text: str, pos: int, floor: int) -> int:
    """Index where the sentence holding ``pos`` starts (bounded look-back)."""
    lo = max(floor, pos - 300)
    i = pos
    while i > lo:
        j = max(text.rfind(c, lo, i) for c in ".?!\u2026")
        if j < 0:
            break
        m = _END_AT_RE.match(text, j)
        if m and m.end() <= pos and _real_end(text, j):
            return m.end()
        i = j
    return lo


def _real_end(text: str, j: int) -> bool:
    """False when the full stop at ``j`` ends an abbreviation or an initial (Oct., U.S., H.)."""
    m = _LAST_WORD_RE.search(text, max(0, j - 12), j)
    word = m.group(0).lower() if m else ""
    return not (len(word) == 1 and word.isalpha()) and word not in _ABBREV


def _sentence_end(text: str, pos: int) -> int:
    hi = min(len(text), pos + 300)
    for m in _SENTENCE_END_RE.finditer(text, pos, hi):
        if _real_end(text, m.start()):
            return m.end()
    return hi


def _prev_words(before: str, k: int) -> list[str]:
    tail = before[-80:]
    return [w.lower() for w in _WORD_RE.findall(tail)][-k:]


_DETERMINERS = frozenset("the a an this that his her its their our my your".split())
_CUE_VERBS = frozenset({"read", "reads", "called", "named"})
_NAMING_VERBS = frozenset(
    {"read", "reads", "called", "named", "dubbed", "nicknamed", "titled", "entitled", "so-called"}
)
_CAP_PRONOUNS = frozenset({"He", "She", "They", "We", "I", "It", "You"})


def _attributed_after(inner_s: str, after: str) -> bool:
    """True when a speech verb follows the closing mark: “…,” she said / “…?” asked Ravi."""
    last = inner_s[-1:]
    if last not in ",.?!\u2026\u2014-:;" and after[:1] != ",":
        return False
    if after.lstrip()[:1] in ".?!":
        return False
    nxt = after.lstrip()[:1]
    if last in ".?!\u2026" and nxt.isupper():
        # a new sentence may start here: only a name directly followed by a speech verb counts
        m = _AFTER_RE.match(after)
        return bool(m and (m.group("subj") or "") not in _CAP_PRONOUNS and not m.group("v2"))
    m = _AFTER_LOOSE_RE.match(after)
    if not m:
        return False
    head = after[: m.end()].split()
    return not (len(head) >= 2 and head[-2].lower().strip(",") in _DETERMINERS)  # “…,” the saying goes


def _verb_before(before: str) -> bool:
    """A saying verb ends the text before the mark ("she said, “", "wrote:"), not the same
    word used as a noun after a determiner ("The report, “", "her answer: “")."""
    m = _BEFORE_VERB_END_RE.search(before)
    if not m:
        return False
    prev = _prev_words(before[: m.start()], 1)
    return not (prev and prev[0] in _DETERMINERS and before[m.start():m.start() + 1].isalpha()
                and not before[m.start():].lower().startswith(("according", "put it", "words")))


def _is_speech(text: str, sp: _Span, prev_end: int) -> bool:
    """Decide whether the outermost span ``sp`` is a spoken quotation."""
    inner = text[sp.start + 1 : sp.end]
    raw = inner.split()
    ws = _words(inner) if len(raw) <= 12 else [w for w in (x.strip(_STRIP_PUNCT) for x in raw) if w]
    nw = len(ws)
    if nw == 0:
        return False
    if sp.open_end:
        return True  # a quote that runs on into the next paragraph
    before = text[max(prev_end, sp.start - 200) : sp.start]
    after = text[sp.end + 1 : sp.end + 160]
    stripped_before = before.rstrip()
    last_before = stripped_before[-1:] if stripped_before else ""
    inner_s = inner.strip().rstrip(_ALL_MARKS + " ")
    ends_punct = inner_s[-1:] in ",.?!\u2026\u2014-:;"
    first = ws[0]
    capital = first[:1].isupper() or first[:1].isdigit() or inner_s[:1] in "[#@\u2018'\"\u201c"
    sent_start = -1

    def starts_sentence() -> bool:
        nonlocal sent_start
        if last_before in ".?!\u2026" or not stripped_before and prev_end == 0:
            return True
        sent_start = _sentence_start(text, sp.start, 0)
        return text[sent_start : sp.start].strip() == ""

    after_verb = _attributed_after(inner_s, after)
    prevw = _prev_words(stripped_before, 3)
    before_verb = last_before in ",:" and _verb_before(stripped_before[-120:])

    # titles, names, terms: a cue word right before the mark (no comma between)
    cues = [w.strip("(\u2019's,") for w in prevw[-2:]]
    cue_set = _TITLE_BEFORE if last_before not in ",:" else _TITLE_BEFORE - _CUE_VERBS
    # a naming verb counts only right before the mark: called “X”, not called it “…”
    hit = bool(cues) and cues[-1] in cue_set or any(
        w in cue_set and w not in _NAMING_VERBS for w in cues[:-1]
    )
    title_case = _is_title_case(inner)
    if last_before != ":" and hit:
        if title_case or not (before_verb or after_verb and capital and nw >= 5):
            return False  # the album “What a Time to Be Alive,” she sings...
    if title_case and nw >= 2 and (last_before.isalnum() or last_before in "\u2019'") \
            and not inner_s.endswith(("?", "!", ".")):
        return False  # a title inside the sentence, the object of its verb: who wrote “A Quiet Place to Rest,”
    if nw < MIN_QUOTE_WORDS:
        # one or two words: narrator, unless a whole attributed utterance ("Absolutely," she said.)
        return bool(capital and ends_punct and (after_verb or before_verb) and starts_sentence())
    if title_case and not (after_verb or before_verb):
        return False
    # modifier use: the “Starts with one” campaign
    if not inner_s.endswith(","):
        nxt = _words(after[:40])[:2]
        if any(w.lower() in _TITLE_AFTER for w in nxt[:2]) and (
            nxt and nxt[0][:1].islower() and not _VERB_RE.match(nxt[0])
        ):
            if not after_verb:
                return False
    if after_verb or before_verb:
        return True
    if last_before == ":" and capital:
        return True
    if capital and last_before == "," and ends_punct and nw >= 3:
        return True  # The tweet reads, “…”
    if capital and starts_sentence():
        return ends_punct or after.lstrip()[:1] in ".?!" or not after.strip() or bool(
            _VERB_RE.search(text, sp.end, _sentence_end(text, sp.end))
        )
    # a partial quote inside a sentence: speech only with a speech verb in that sentence
    if sent_start < 0:
        sent_start = _sentence_start(text, sp.start, 0)
    sentence = text[sent_start : sp.start] + " " + text[sp.end + 1 : _sentence_end(text, sp.end)]
    if _VERB_RE.search(sentence):
        return True
    if capital and ends_punct and nw >= 5 and inner_s[-1] in ".?!":
        return True  # a full sentence quoted
    if nw >= 5 and inner_s[-1:] in ".?!":
        return True  # a partial quote long enough to be words, ending the sentence
    return False


# --- speakers -----------------------------------------------------------------------

_NOT_NAMES = frozenset(
    """The A An But And Or So Then When While If It Its This That These Those There Here
    In On At For With As By From To Of After Before Later Now Yet Still Also However
    Meanwhile Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February
    March April May June July August September October November December Today Yesterday
    Asked Speaking Writing According He She They We I You His Her Their Our My Your""".split()
)
_PRONOUNS = frozenset({"he", "she"})


def _clean_name(name: str | None) -> str | None:
    if not name:
        return None
    words = name.replace("\u00ad", "").split()
    while words and words[0].strip(".,") in _NOT_NAMES:
        words = words[1:]
    while words and (words[-1].endswith(".") and len(words[-1]) > 2 and words[-1][:-1].isalpha()
                     and not (len(words[-1]) == 2)):
        # a trailing sentence-final word like "Smith." keeps its name, without the dot
        words[-1] = words[-1][:-1]
        break
    name = " ".join(w.rstrip(",;:") for w in words).strip()
    name = _POSSESSIVE_RE.sub("", name)
    if not name or not name.split()[-1][:1].isupper() or name in _NOT_NAMES:
        return None
    return name


_ORG_HEADS = frozenset(
    """agency department ministry council committee commission company corporation corp inc ltd llc plc
    association authority office service services bureau police government administration university
    college school institute foundation group party union board court bank network news press times
    post journal club team fc league federation organisation organization society trust fund hospital
    center centre museum church army navy force forces command senate congress parliament assembly
    house campaign coalition alliance institution industries airlines airways partners studios records
    labs laboratory laboratories media television radio magazine newspaper observatory agency's""".split()
)
_CONTRACTION_RE = re.compile(r"[\u2019'](?:t|ll|re|ve|d|m)$|n[\u2019']t$", re.I)
_ACRONYM_RE = re.compile(r"^[A-Z]{2,}s?$")
_ROMAN_RE = re.compile(r"^(?:I{1,3}|IV|VI{0,3}|IX|X)$")
_NAME_SEQ_RE = re.compile(
    r"\b[A-Z][A-Za-z\u00c0-\u024f\u2019'-]*[a-z\u00e0-\u024f][A-Za-z\u00c0-\u024f\u2019'-]*"
    r"(?:\s+(?:(?:de|van|von|der|da|del|la|le|bin|al)\s+)?"
    r"(?:[A-Z]\.|[A-Z][A-Za-z\u00c0-\u024f\u2019'-]*[a-z\u00e0-\u024f][A-Za-z\u00c0-\u024f\u2019'-]*)){1,3}\b"
)
_TITLED_RE = re.compile(r"^(?:Mr|Mrs|Ms|Dr|Prof|Sir|Dame|Gen|Sen|Rep|Gov|Capt|Lt|Col|Sgt|Rev|Fr)\.?\s+\S")


def _known_names(text: str, known: set[str]) -> None:
    """Add the given names and surnames of the people named in ``text`` (two to four capitalised
    words, not an organisation): a one-word speaker must be one of them."""
    for m in _NAME_SEQ_RE.finditer(text):
        words = m.group(0).split()
        while words and words[0] in _NOT_NAMES:
            words = words[1:]
        if len(words) < 2 or any(w.lower().strip("\u2019'") in _ORG_HEADS for w in words):
            continue
        known.add(words[0])
        known.add(_POSSESSIVE_RE.sub("", words[-1]))


def _person(name: str | None, known: set[str] | None) -> str | None:
    """``name`` when it can be a person's name; None for organisations (Food Standards Agency,
    NHS), words that are not names (Don't, Others) and a lone word never seen as part of a
    full name in the article (unknown beats wrong)."""
    if not name:
        return None
    words = name.split()
    if any(_CONTRACTION_RE.search(w) for w in words):
        return None
    if any(w.lower().strip(".,\u2019'") in _ORG_HEADS for w in words):
        return None
    if any(_ACRONYM_RE.match(w) and not _ROMAN_RE.match(w) for w in words):
        return None
    if len(words) == 1 and known is not None and words[0] not in known:
        return None
    return name


def _resolve(word: str | None, last: str | None) -> str | None:
    """The person a subject word names: he/she is the last speaker; they/I/we are unknown."""
    if not word:
        return None
    if word.lower() in _PRONOUNS:
        return last
    if word.lower() in {"they", "i", "we"}:
        return None
    return _clean_name(word)


_NO_MATCH = ""  # an attribution construction was found but names no person: not the carried speaker


def _speaker_after(after: str, last: str | None) -> str | None:
    """The speaker named right after the closing mark; ``_NO_MATCH`` when no saying-verb
    construction is there, None when there is one but its subject is nobody we can name."""
    m = _AFTER_RE.match(after)
    if not m:
        return _NO_MATCH
    if m.group("subj"):
        return _resolve(m.group("subj"), last)
    if m.group("obj"):
        return _clean_name(m.group("obj"))
    if m.group("pro"):
        return _resolve(m.group("pro"), last)
    return _clean_name(m.group("acc"))


def _speaker_before(sentence_before: str, last: str | None, names: set[str] | None = None) -> str | None:
    """The speaker of the nearest saying-verb construction before the opening mark whose
    subject can be a person ("David Emery posted to Twitter asking, “…”" is Emery's)."""
    s = sentence_before[-240:]
    m = _ACCORDING_RE.search(s)
    if m:
        return _clean_name(m.group("acc"))
    found = [(m.end(), _resolve(m.group("subj"), last)) for m in _SUBJ_BEFORE_RE.finditer(s)]
    found += [(m.end(), _clean_name(m.group("obj"))) for m in _VERB_THEN_NAME_RE.finditer(s)]
    if not found:
        return _NO_MATCH
    for _, name in sorted(found, key=lambda f: -f[0]):
        if _person(name, names):
            return name
    return None


# --- pieces -------------------------------------------------------------------------


def _norm(s: str) -> str:
    return _WS_RE.sub(" ", s).strip()


def _strip_enclosing(text: str) -> str:
    s = text.strip()
    if len(s) >= 2 and s[0] in _D_OPEN + '"' and s[-1] in _D_CLOSE + '"' and \
            s.count(s[0]) == 1 and s.count(s[-1]) == 1 and s[0] != s[-1]:
        return s[1:-1]
    if len(s) >= 2 and s[0] == '"' and s[-1] == '"' and s.count('"') == 2:
        return s[1:-1]
    return s


def _split_one(
    text: str, next_opens: str | None, continued: bool, state: dict[str, str | None]
) -> tuple[list[Piece], bool]:
    spans = _pair_marks(text, next_opens)
    names: set[str] = state.setdefault("names", set())  # type: ignore[assignment]
    _known_names(text, names)
    pieces: list[Piece] = []
    cursor = 0
    carry = state.get("carry")
    prev_speaker: str | None = None
    prev_quote_end = -1
    first = True
    for sp in spans:
        opens_paragraph = first and text[: sp.start].strip() == ""
        is_cont = continued and opens_paragraph
        first = False
        intl = state.get("lang")
        speech = _is_speech(text, sp, cursor) if intl is None else _is_speech_intl(text, sp, cursor, intl)
        if not (is_cont or speech) or not text[sp.start + 1 : sp.end].strip():
            continue
        narr = _norm(text[cursor : sp.start])
        if narr:
            pieces.append(Piece(narr, False))
        inner = _norm(text[sp.start + 1 : sp.end])
        after = text[sp.end + 1 : sp.end + 200] if not sp.open_end else ""
        if intl is not None:
            speaker = _speaker_intl(after, text[max(cursor, sp.start - 160) : sp.start], intl, state.get("last"))
        else:
            speaker = _speaker_after(after, state.get("last"))
        if speaker == _NO_MATCH and intl is None:
            sent_start = _sentence_start(text, sp.start, cursor)
            between = text[sent_start : sp.start]
            speaker = _speaker_before(between, state.get("last"), names) if between.strip() else _NO_MATCH
        # “…,” said the Met Office / the agency said: attributed, to no one we can name
        attributed = speaker != _NO_MATCH or bool(after and inner[-1:] in ",?!" and _AFTER_LOOSE_RE.match(after))
        speaker = _person(speaker or None, names)
        if not attributed and prev_speaker is not None and prev_quote_end >= 0:
            gap = text[prev_quote_end : sp.start]
            if len(gap.split()) <= 10:
                speaker = prev_speaker
        if not attributed and speaker is None and opens_paragraph:
            speaker = carry  # a quote paragraph with no attribution goes on with the last speaker
        if speaker is not None:
            state["last"] = speaker
        pieces.append(Piece(inner, True, speaker))
        prev_speaker = speaker
        prev_quote_end = sp.end + 1
        cursor = min(len(text), sp.end + 1)
    tail = _norm(text[cursor:])
    if tail:
        pieces.append(Piece(tail, False))
    open_end = bool(spans and spans[-1].open_end and pieces and pieces[-1].quote)
    short_tail = len(text[cursor : cursor + 200].split()) <= 8
    state["carry"] = prev_speaker if prev_quote_end >= 0 and short_tail else None
    # names mentioned as speakers in narration keep pronoun resolution current
    tail_text = text[max(cursor, len(text) - 300) :]
    scan = not short_tail and _VERB_RE.search(tail_text)
    for m in _SUBJ_BEFORE_RE.finditer(tail_text) if scan else ():
        name = _person(_clean_name(m.group("subj")), names) if m.group("subj").lower() not in {
            "he", "she", "they", "i", "we"} else None
        if name:
            state["last"] = name
    return pieces, open_end


def split_paragraphs(paragraphs: Sequence[tuple[str, str]], language: str = "en") -> list[list[Piece]]:
    """Split each (text, kind) paragraph into narrator and quote pieces, in reading order.

    Blockquote paragraphs are quotes entirely; an unclosed quote continues only into a
    following paragraph that opens with a quote mark, otherwise its mark is plain text.
    ``language`` picks the speech verbs and title cues (English rules for "en" and unknown
    languages) and, in Spanish, French, Italian and Portuguese, reads dialogue opened by a dash.
    """
    out: list[list[Piece]] = []
    lang = str(language or "en").replace("_", "-").split("-")[0].lower()
    state: dict[str, str | None] = {"last": None, "carry": None, "lang": lang if lang in _INTL else None}
    continued = False
    for idx, (text, kind) in enumerate(paragraphs):
        text = text or ""
        if not text.strip():
            out.append([])
            continued = False
            continue
        if kind == "blockquote":
            inner = _norm(_strip_enclosing(text))
            out.append([Piece(inner, True, None) if inner else Piece(_norm(text), False)])
            continued = False
            state["carry"] = None
            continue
        if lang in _DASH_DIALOGUE and _DASH_OPEN_RE.match(text):
            out.append(_dash_dialogue(text, lang))
            continued = False
            state["carry"] = None
            continue
        nxt = paragraphs[idx + 1] if idx + 1 < len(paragraphs) else None
        next_opens = _opening_family(nxt[0]) if nxt and nxt[1] != "blockquote" and nxt[0] else None
        pieces, continued = _split_one(text, next_opens, continued, state)
        out.append(pieces)
    _demote_pull_quotes(paragraphs, out)
    return out


_KEY_RE = re.compile(r"[\W_]+")
_MAX_PULL_CHECKS = 100  # keeps the duplicate search linear in practice


def _demote_pull_quotes(paragraphs: Sequence[tuple[str, str]], out: list[list[Piece]]) -> None:
    """A blockquote repeating the article's own narration is a pull quote: the narrator reads it."""
    blocks = [i for i, (_, kind) in enumerate(paragraphs) if kind == "blockquote" and out[i]]
    if not blocks:
        return
    narration = "|".join(
        _KEY_RE.sub("", p.text.lower()) for ps in out for p in ps if not p.quote
    )
    for i in blocks[:_MAX_PULL_CHECKS]:
        key = _KEY_RE.sub("", out[i][0].text.lower())
        if len(key) >= 20 and key in narration:
            out[i] = [Piece(p.text, False) for p in out[i]]


# --- other languages ------------------------------------------------------------------
# The mark rules above hold in every language; which spans are speech is decided with each
# language's speech verbs and title cues. Short partial quotes, cue words before the mark
# and modifier use stay with the narrator as in English.

_INTL_VERBS = {
    "de": """sagte sagt sagten sagen gesagt erklärte erklärt erklärten betonte betont meinte meint fragte
        fragt antwortete antwortet fügte ergänzte ergänzt schrieb schreibt rief warnte warnt kritisierte
        berichtete berichtet erzählte erzählt sprach versicherte räumte kündigte forderte fordert so laut
        zitiert sagt""",
    "fr": """dit dis disait déclare déclaré déclarait explique expliqué expliquait affirme affirmé ajoute
        ajouté estime estimé souligne souligné confie confié raconte raconté lance lancé assure assuré
        précise précisé indique indiqué répond répondu répondit demande demandé demanda selon insiste
        insisté prévient prévenu reconnaît reconnu martèle martelé poursuit poursuivi s'exclame écrit""",
    "es": """dijo dice decía afirmó afirma explicó explica aseguró asegura añadió añade declaró declara
        señaló señala según comentó comenta indicó indica contó cuenta preguntó pregunta respondió
        responde advirtió advierte insistió insiste reconoció sostuvo subrayó escribió exclamó""",
    "it": """detto dice disse diceva spiegato spiega spiegò affermato afferma affermò aggiunto aggiunge
        aggiunse dichiarato dichiara secondo racconta raccontato commenta commentato sottolinea
        sottolineato chiede chiesto risponde risposto avverte ammette conclude scrive scritto""",
    "pt": """disse diz dizia afirmou afirma explicou explica acrescentou acrescenta declarou declara
        segundo contou conta garantiu garante referiu refere perguntou pergunta respondeu responde
        sublinhou sublinha admitiu alertou escreveu""",
    "nl": """zei zegt zeggen zeiden gezegd vertelde vertelt verklaarde verklaart aldus volgens legde
        voegde schreef schrijft vroeg vraagt antwoordde antwoordt waarschuwde benadrukte benadrukt
        stelde stelt riep""",
}
_INTL = frozenset(_INTL_VERBS)
_INTL_TITLE_BEFORE = {
    "de": "buch roman film lied song album serie sendung titel namens genannt sogenannte sogenannten "
          "sogenannter begriff wort motto slogan kampagne stück oper ausstellung",
    "fr": "livre roman film chanson album série émission titre intitulé intitulée baptisé baptisée "
          "surnommé surnommée appelé appelée terme mot slogan devise campagne pièce exposition",
    "es": "libro novela película canción álbum serie programa título titulado titulada llamado llamada "
          "apodado apodada término palabra lema eslogan campaña obra exposición",
    "it": "libro romanzo film canzone album serie programma titolo intitolato intitolata chiamato "
          "chiamata soprannominato termine parola slogan motto campagna opera mostra",
    "pt": "livro romance filme canção música álbum série programa título intitulado intitulada chamado "
          "chamada apelidado termo palavra lema slogan campanha obra exposição",
    "nl": "boek roman film lied nummer album serie programma titel getiteld genaamd zogenaamde "
          "zogenaamd term woord slogan motto campagne voorstelling tentoonstelling",
}
_INTL_VERB_RES = {
    lang: re.compile(rf"(?<![\w])(?:{_trie_pattern(frozenset(words.split()))})(?![\w])", re.I)
    for lang, words in _INTL_VERBS.items()
}
_INTL_TITLE_SETS = {lang: frozenset(words.split()) for lang, words in _INTL_TITLE_BEFORE.items()}


def _is_speech_intl(text: str, sp: _Span, prev_end: int, lang: str) -> bool:
    """Whether the outermost span ``sp`` is a spoken quotation, in a language other than English."""
    inner = text[sp.start + 1 : sp.end]
    ws = _words(inner)
    nw = len(ws)
    if nw == 0:
        return False
    if sp.open_end:
        return True
    verb_re = _INTL_VERB_RES[lang]
    before = text[max(prev_end, sp.start - 200) : sp.start]
    after = text[sp.end + 1 : sp.end + 160]
    stripped_before = before.rstrip()
    last_before = stripped_before[-1:]
    inner_s = inner.strip().rstrip(_ALL_MARKS + " ")
    ends_punct = inner_s[-1:] in ",.?!\u2026\u2014-:;"
    capital = ws[0][:1].isupper() or ws[0][:1].isdigit()
    cues = [w.strip("(,") for w in _prev_words(stripped_before, 2)]
    if cues and cues[-1] in _INTL_TITLE_SETS[lang] and last_before not in ",:":
        return False  # das Buch „…“, le film « … », la canción «…»
    # a speech verb next to the quote: „…“, sagte sie / « … », a-t-il dit / ha detto: «…»
    verb_after = after[:1] in ",;\u2014-" or inner_s[-1:] in ",?!\u2026" or after.lstrip()[:1] in ",\u2014"
    verb_near = bool(verb_after and verb_re.match(after.lstrip(" ,;\u2014-\u00a0\u202f")))
    verb_near = verb_near or bool(last_before in ",:" and verb_re.search(stripped_before[-60:]))
    sent_start = _sentence_start(text, sp.start, 0)
    starts_sentence = last_before in ".?!\u2026" or text[sent_start : sp.start].strip() == ""
    if nw < MIN_QUOTE_WORDS:
        return bool(capital and verb_near and starts_sentence)
    if not inner_s.endswith(",") and not verb_near:
        nxt = _words(after[:40])[:1]
        if nxt and nxt[0].lower() in _INTL_TITLE_SETS[lang]:
            return False  # modifier use: die „Zukunft jetzt“-Kampagne / la campagne « … »
    if verb_near or last_before == ":" and capital:
        return True
    if capital and starts_sentence and (ends_punct or after.lstrip()[:1] in ".?!,"):
        return True
    sentence = text[sent_start : sp.start] + " " + text[sp.end + 1 : _sentence_end(text, sp.end)]
    if verb_re.search(sentence):
        return True
    return nw >= 5 and inner_s[-1:] in ".?!"


# Dialogue opened by a dash (Spanish, French, Italian, Portuguese fiction and interviews):
# —Ya lo sé —dijo Ana—. Pero no puedo.   /   — Je viens, dit-il.
_DASH_DIALOGUE = frozenset({"es", "fr", "it", "pt"})
_DASH_OPEN_RE = re.compile("^\\s*[\u2014\u2015](?=\\s?\\w|\\s?[\u00bf\u00a1])")
_INCISE_RE = re.compile("\\s[\u2014\u2015](?P<narr>[^\u2014\u2015]+?)(?:[\u2014\u2015](?P<punct>[.,;:]?)|$)")
_TRAILING_INCISE_RE = re.compile("(?P<speech>.*[,!?\u2026])\\s+(?P<narr>\\S+(?:-(?:il|elle|ils|elles|on))?[^,!?]{0,60}[.!?]?)$")


def _dash_dialogue(text: str, lang: str) -> list[Piece]:
    """Speech after an opening dash; the narrator's incises (—dijo Ana—, , dit-il.) are narration."""
    body = _norm(text[_DASH_OPEN_RE.match(text).end() :])  # type: ignore[union-attr]
    verb_re = _INTL_VERB_RES[lang]
    pieces: list[Piece] = []
    pos = 0
    for m in _INCISE_RE.finditer(body):
        narr = m.group("narr").strip()
        if not verb_re.match(narr) and not narr[:1].islower():
            continue  # a dash inside the speech, not the narrator's incise
        speech = body[pos : m.start()].strip()
        if speech:
            pieces.append(Piece(speech, True))
        pieces.append(Piece(narr + (m.group("punct") or ""), False))
        pos = m.end()
    rest = body[pos:].strip().lstrip(".,;: ") if pieces else body[pos:].strip()
    if rest:
        m = _TRAILING_INCISE_RE.match(rest)
        if m and verb_re.match(m.group("narr")):
            pieces.append(Piece(m.group("speech").strip(), True))
            pieces.append(Piece(m.group("narr").strip(), False))
        else:
            pieces.append(Piece(rest, True))
    return [p for p in pieces if p.text.strip(" .,;:")] or [Piece(_norm(text), False)]


_CAP_WORD = r"[A-ZÀ-ÖØ-Þ][\w\u2019'-]*"
_PARTICLE = r"(?:de|da|das|do|dos|di|del|della|van|von|der|den|ten|ter|du|le|la|y)"
_CAP_RUN_RE = re.compile(rf"{_CAP_WORD}(?:\s+(?:{_PARTICLE}\s+)*{_CAP_WORD})*")
_DETERMINERS_INTL = frozenset(
    "der die das den dem des ein eine einer le la les un une el los las il lo gli o os as um uma de het een "
    "sein seine ihr ihre son sa ses su sus suo sua seu sua zijn haar".split())
_PRONOUNS_INTL = frozenset("er sie il elle ella él lei lui ele ela hij zij ze".split())
_AUX_INTL = r"(?:(?:a|ont|ha|han|hanno|hat|haben|heeft|hebben|tem|têm|è|est)\s+)?"


def _name_in(clause: str) -> str | None:
    """The last run of capitalised words in ``clause`` (at most two, with particles): the name
    of "sagte die Ökonomin Anna Berger", "a déclaré l’économiste Anne Bernard"."""
    runs = _CAP_RUN_RE.findall(clause)
    if not runs:
        return None
    words = runs[-1].split()
    stripped = False
    while words and words[0].lower() in _DETERMINERS_INTL:
        words, stripped = words[1:], True
    if stripped and len(words) < 2:
        return None  # "Der Minister": a noun with its article, not a name
    caps = [i for i, w in enumerate(words) if w[:1].isupper()]
    if len(caps) > 2:
        words = words[caps[-2]:]
    return " ".join(words).strip(".,;:") or None


def _speaker_intl(after: str, before: str, lang: str, last: str | None = None) -> str | None:
    """The speaker named by a saying verb next to the quotation, in another language; ``_NO_MATCH``
    when no such construction is there, None when it names nobody (a pronoun, "the minister")."""
    verb_re = _INTL_VERB_RES[lang]
    rest = after.lstrip(" ,;\u2014-\u00a0\u202f")
    aux = re.match(_AUX_INTL, rest)
    rest_v = rest[aux.end():] if aux else rest
    m = verb_re.match(rest_v)
    if m and after[:1] in ",;\u2014- \u00a0\u202f" and not after.lstrip()[:1].isupper():
        clause = re.split(r"[.;:!?,]", rest_v[m.end():], maxsplit=1)[0]
        first = clause.split()[:1]
        if first and first[0].lower() in _PRONOUNS_INTL:
            return last  # „…“, meinte sie: the last named speaker
        return _name_in(clause)
    tail = before.rstrip()
    if tail[-1:] in ",:":
        vm = None
        for vm in verb_re.finditer(tail[-80:]):
            pass
        if vm is not None:
            head = tail[-80:][: vm.start()]
            head = re.sub(rf"\s+{_AUX_INTL}$", " ", head)
            return _name_in(re.split(r"[.;!?]", head)[-1])
    return _NO_MATCH
