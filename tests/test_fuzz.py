"""Property tests over the parsers a user's files reach: article -> script pipeline, the
script formats, slugs, and the server's path and Range handling.

Bounded (example counts, sizes) so the file stays fast; complements the plain-text
property in test_article.py and the printed-script round trip in test_script.py.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from audiogen.errors import InputError
from audiogen.fsutil import _WINDOWS_RESERVED, slugify
from audiogen.publish.serve import parse_range, resolve_request_path
from audiogen.read.article import decode_bytes, parse_article
from audiogen.script import MAX_PAUSE, format_text, from_json, loads, parse_text, to_json
from audiogen.script.build import build_script

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ------------------------------------------------------------------ article -> script

_word = st.sampled_from([
    "harbour", "ferry", "Captain", "Rosa", "said", "the", "council", "1,200", "$5", "3.5%", "Dr.", "St.",
    "1990s", "XIV", "e.g.", "https://x.example/a?b=1", "🚢", "שלום", "مرحبا", "你好", "\u200b", "\u202e",
    "\x07", "&amp;", "&#0;", "&#xD800;", "<", ">", "&", "]]>", "'", '"', "“", "”", "‘", "’", "«", "»", "—",
    "\t", "\r\n", "\n\n", "#", "##", ">", "=", "(pause", "\\", "*", "_", "[", "]", "(", ")", "---",
])
_phrase = st.lists(_word, min_size=1, max_size=25).map(" ".join)
_tag = st.sampled_from(["p", "h1", "h2", "h3", "blockquote", "div", "article", "script", "style", "iframe",
                        "svg", "b", "i", "a", "q", "li", "ul", "title", "noscript", "template", "figure"])
_attr = st.sampled_from(["", ' onclick="alert(1)"', ' class="byline"', ' href="javascript:x"',
                         ' style="display:none"', " hidden", ' id="a&b"'])


@st.composite
def _html(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 12))):
        tag, attr, body = draw(_tag), draw(_attr), draw(_phrase)
        closed = draw(st.booleans())  # unclosed and mis-nested tags too
        parts.append(f"<{tag}{attr}>{body}" + (f"</{tag}>" if closed else ""))
    head = draw(st.sampled_from(["", "<!doctype html><html><head><title>Tide</title></head><body>", "<html>"]))
    return head + "".join(parts)


@st.composite
def _markdown(draw) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 12))):
        prefix = draw(st.sampled_from(["", "# ", "## ", "> ", "- ", "1. ", "---", "By ", "**", "    "]))
        lines.append(prefix + draw(_phrase))
        if draw(st.booleans()):
            lines.append("")
    return "\n".join(lines)


@FAST
@given(text=st.one_of(_html(), _markdown(), _phrase), fmt=st.sampled_from([None, "txt", "md", "html"]))
def test_article_to_script_raises_only_input_error_and_round_trips(text: str, fmt: str | None) -> None:
    """Any article either fails with InputError or gives a script that prints and parses back."""
    try:
        script = build_script(parse_article(text, fmt))
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert script.title and all(seg.text and seg.speech for seg in script.segments)
    assert parse_text(format_text(script)) == script
    assert from_json(json.loads(json.dumps(to_json(script)))) == script
    for seg in script.segments if fmt == "html" else ():  # no handler attribute or script is read out
        assert "alert(1)" not in seg.text and "javascript:" not in seg.text


@FAST
@given(data=st.binary(max_size=600))
def test_decode_bytes_gives_text_or_input_error(data: bytes) -> None:
    try:
        text = decode_bytes(data, "upload.txt")
    except InputError as exc:
        assert "upload.txt" in str(exc)
        return
    assert isinstance(text, str)


# ------------------------------------------------------------------ script formats


@FAST
@given(text=st.text(st.sampled_from(list("title:## >[]=()\\#pause 1.5s9\nabc\x00\u202e")), max_size=200))
def test_text_script_parser_raises_only_input_error(text: str) -> None:
    try:
        script = parse_text(text)
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    assert parse_text(format_text(script)) == script


_json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.text(max_size=10),
              st.floats(allow_nan=True, allow_infinity=True)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)


@st.composite
def _script_like_json(draw) -> object:
    """Mostly well-shaped scripts with hostile values in every field."""
    seg = st.fixed_dictionaries({"role": st.sampled_from(["narrator", "quote", "robot", None]),
                                 "text": st.one_of(st.text(max_size=12), _json_value)},
                                optional={"speech": _json_value, "speaker": _json_value, "pause": _json_value,
                                          "paragraph_end": _json_value})
    chapter = st.fixed_dictionaries({"title": st.one_of(st.text(max_size=12), _json_value),
                                     "segments": st.one_of(st.lists(seg, max_size=3), _json_value)})
    return draw(st.one_of(
        _json_value,
        st.fixed_dictionaries({"title": st.one_of(st.text(max_size=12), _json_value),
                               "chapters": st.one_of(st.lists(chapter, max_size=3), _json_value)},
                              optional={"author": _json_value, "language": _json_value}),
    ))


@FAST
@given(data=_script_like_json())
def test_json_script_loader_raises_only_input_error(data: object) -> None:
    """A hand-edited JSON script is either rejected in one line or renderable (finite, bounded pauses)."""
    try:
        text = json.dumps(data, allow_nan=True)
    except (TypeError, ValueError):
        return
    try:
        script = loads(text, "edited.json") if text.lstrip().startswith("{") else from_json(data, "edited.json")
    except InputError as exc:
        assert str(exc).startswith("edited.json") and "\n" not in str(exc)
        return
    assert script.title and script.title != "None"
    segs = list(script.segments)
    assert segs and all(s.text for s in segs)
    assert all(s.pause is None or (math.isfinite(s.pause) and 0 <= s.pause <= MAX_PAUSE) for s in segs)


@pytest.mark.parametrize("pause", ["-5", "NaN", "Infinity", "1e30", "61"])
def test_json_pause_out_of_range_is_an_input_error(pause: str) -> None:
    text = ('{"title": "T", "chapters": [{"title": "C", "segments": [{"role": "narrator", "text": "Hi.", '
            f'"pause": {pause}}}, {{"role": "narrator", "text": "Bye."}}]}}]}}')
    with pytest.raises(InputError, match="pause"):
        loads(text, "s.json")


def test_text_pause_too_long_names_the_line() -> None:
    with pytest.raises(InputError, match=r"line 6: a pause can be at most 60s"):
        parse_text("title: T\n\n## C\n\nHello.\n(pause 99999999s)\nBye.\n")
    assert parse_text("title: T\n## C\nHello.\n(pause 60s)\n").chapters[0].segments[0].pause == 60


@pytest.mark.parametrize("data", [
    {"title": None, "chapters": [{"title": "C", "segments": [{"role": "narrator", "text": "Hi."}]}]},
    {"title": "  ", "chapters": [{"title": "C", "segments": [{"role": "narrator", "text": "Hi."}]}]},
    {"title": "T", "chapters": []},
    {"title": "T", "chapters": [{"title": "C", "segments": []}]},
    {"title": "T", "chapters": [{"title": "C", "segments": [{"role": "narrator", "text": ""}]}]},
    {"title": "T", "chapters": [{"title": None, "segments": [{"role": "narrator", "text": "Hi."}]}]},
])
def test_json_script_without_title_or_text_is_an_input_error(data: dict) -> None:
    with pytest.raises(InputError, match="s.json"):
        from_json(data, "s.json")


# ------------------------------------------------------------------ slugs

_SAFE_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@settings(max_examples=300, deadline=None)
@given(title=st.text(max_size=300), max_len=st.integers(8, 80))
def test_slug_is_a_safe_file_name_everywhere(title: str, max_len: int) -> None:
    slug = slugify(title, max_len=max_len)
    assert _SAFE_SLUG.match(slug), slug
    assert len(slug) <= max_len
    assert slug not in _WINDOWS_RESERVED  # CON, NUL, COM1... (also reserved with an extension)
    assert slugify(slug, max_len=max_len) == slug  # stable: re-rendering finds the same folder
    root = Path("/show/episodes")
    assert (root / slug).resolve().parent == root


_foreign = st.text(st.sampled_from("你好世界日本語한국어РоссияПрагаمرحباשלוםΕλλάδα🚢🌅 "), min_size=1, max_size=8)


@settings(max_examples=100, deadline=None)
@given(a=st.tuples(_foreign, st.sampled_from(["", " 2024", "News: "])).map("".join),
       b=st.tuples(_foreign, st.sampled_from(["", " 2024", "News: "])).map("".join))
def test_titles_in_other_scripts_get_distinct_slugs(a: str, b: str) -> None:
    """Two different titles that ASCII folding mostly erases (CJK, Arabic...) must not share a folder."""
    assume(a.strip() != b.strip())
    assert slugify(a) != slugify(b)


# ------------------------------------------------------------------ server


_seg = st.sampled_from(["..", ".", "%2e%2e", "%2E%2e", "%2e", "%2f", "%5c", "%00", "%252e%252e", "episodes",
                        "tide", "tide.mp3", "feed.xml", "secret.txt", "out", "", ".hidden", "..%2f", "%c0%ae%c0%ae",
                        "\\..", "etc", "passwd", "~"])


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("fuzzserve")
    root = base / "show"
    (root / "episodes" / "tide").mkdir(parents=True)
    (root / "feed.xml").write_text("<rss/>")
    (root / "episodes" / "tide" / "tide.mp3").write_bytes(b"ID3")
    (root / ".hidden").write_text("x")
    (base / "secret.txt").write_text("secret")
    (root / "out").symlink_to(base)
    return root


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(_seg, max_size=6), lead=st.sampled_from(["/", "//", "", "http://h/", "/./"]))
def test_request_paths_never_leave_the_show(fuzz_root: Path, parts: list[str], lead: str) -> None:
    try:
        got = resolve_request_path(fuzz_root, lead + "/".join(parts))
    except UnicodeDecodeError:
        return  # the handler answers 404
    if got is not None:
        assert got.is_file() and got.is_relative_to(fuzz_root.resolve())
        assert not any(p.startswith(".") for p in got.relative_to(fuzz_root.resolve()).parts)


@settings(max_examples=300, deadline=None)
@given(spec=st.text(st.sampled_from(list("bytes=0123456789-, ")), max_size=20), size=st.integers(0, 5000))
def test_ranges_stay_inside_the_file(spec: str, size: int) -> None:
    got = parse_range(spec, size)
    if isinstance(got, tuple):
        first, last = got
        assert 0 <= first <= last < size
    else:
        assert got in (None, "unsatisfiable")
