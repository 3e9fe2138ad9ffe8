"""Sidecars: VTT with voices, SRT, JSON chapters 1.2 and Spotify timestamps, timed from the manifest."""

from __future__ import annotations

import json
import re
import textwrap

from hypothesis import example, given, settings
from hypothesis import strategies as st

from audiogen.publish import transcripts as tr

MANIFEST = {
    "duration": 95.25,
    "chapters": [
        {"title": "Intro", "start": 0.0, "end": 6.12},
        {"title": "Where the river bends", "start": 6.12, "end": 61.5},
        {"title": "Outro", "start": 61.5, "end": 95.25},
    ],
    "cues": [
        {"start": 0.5, "end": 4.0, "role": "title", "speaker": None, "text": "Where the River Bends"},
        {"start": 6.3, "end": 9.87, "role": "narrator", "speaker": None, "text": "The ferry  left\nat dawn."},
        {"start": 10.0, "end": 13.25, "role": "quote", "speaker": "Maria Lopez", "text": "We <never> wait & see."},
        {"start": 13.5, "end": 15.0, "role": "quote", "speaker": None, "text": "Nobody --> knows."},
        {"start": 16.0, "end": 17.0, "role": "narrator", "speaker": None, "text": "   "},
    ],
}

_TS = r"(\d{2}):(\d{2}):(\d{2})\.(\d{3})"


def _secs(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def parse_vtt(text: str) -> list[tuple[float, float, str | None, str]]:
    """A strict little WebVTT reader: header, cue timings, at most one ``<v Speaker>`` span per cue.

    Returns (start, end, speaker or None, text with its line breaks)."""
    blocks = text.split("\n\n")
    assert blocks[0] == "WEBVTT"
    out = []
    for block in filter(None, (b.strip("\n") for b in blocks[1:])):
        lines = block.split("\n")
        if "-->" not in lines[0]:
            lines = lines[1:]  # cue identifier
        m = re.fullmatch(rf"{_TS} --> {_TS}", lines[0])
        assert m, lines[0]
        start, end = _secs(*m.groups()[:4]), _secs(*m.groups()[4:])
        assert end >= start
        payload = "\n".join(lines[1:])
        assert "-->" not in payload and 1 <= len(lines[1:]) <= 2
        v = re.fullmatch(r"<v ([^>]+)>(.*)</v>", payload, re.S)
        speaker, body = (v.group(1), v.group(2)) if v else (None, payload)
        assert "<" not in body
        unescape = lambda s: s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")  # noqa: E731
        out.append((start, end, unescape(speaker) if speaker else None, unescape(body)))
    return out


def test_vtt_has_exact_times_and_voices() -> None:
    cues = parse_vtt(tr.to_vtt(MANIFEST, narrator="Harbour Desk"))
    assert cues == [
        (0.5, 4.0, "Harbour Desk", "Where the River Bends"),
        (6.3, 9.87, "Harbour Desk", "The ferry left at dawn."),
        (10.0, 13.25, "Maria Lopez", "We <never> wait & see."),
        (13.5, 15.0, None, "Nobody --> knows."),  # a quotation with no named speaker: no voice, never "Quote"
    ]


def test_srt_numbering_times_and_speakers() -> None:
    srt = tr.to_srt(MANIFEST, narrator="Harbour Desk")
    blocks = srt.strip().split("\n\n")
    assert len(blocks) == 4
    # A label only where the speaker changes: the narrator's second line has none.
    assert blocks[0] == "1\n00:00:00,500 --> 00:00:04,000\nHarbour Desk: Where the River Bends"
    assert blocks[1] == "2\n00:00:06,300 --> 00:00:09,870\nThe ferry left at dawn."
    assert blocks[2] == "3\n00:00:10,000 --> 00:00:13,250\nMaria Lopez: We <never> wait & see."
    assert blocks[3] == "4\n00:00:13,500 --> 00:00:15,000\nNobody --> knows."
    assert "Quote" not in srt


LONG = ("Passengers drink coffee on the upper deck while gulls follow the wake, and the captain, who has "
        "sailed this route for thirty-one years, checks the wind gauge twice before she lets the ramp go "
        "down. It is calm today. Nobody on board seems to mind the cold, although the forecast promised "
        "snow by noon; the children are already at the rail, counting the buoys as they pass.")


def _long_manifest(parts: list | None) -> dict:
    cue = {"start": 2.0, "end": 32.0, "role": "narrator", "speaker": None, "text": LONG}
    if parts is not None:
        cue["parts"] = parts
    return {"duration": 40.0, "chapters": [], "cues": [cue,
            {"start": 33.0, "end": 36.0, "role": "quote", "speaker": "Rosa Delgado", "text": "We never cancel."}]}


def test_captions_are_subtitle_sized_and_cut_at_clauses() -> None:
    # Three sentence clips, as the renderer records them (with the pauses between them).
    parts = [[2.0, 17.0], [17.4, 19.0], [19.4, 32.0]]
    caps = tr.captions(_long_manifest(parts), "Harbour Desk")
    body = [c for c in caps if c.speaker == "Harbour Desk"]
    assert len(body) >= 5
    for c in caps:
        assert 1 <= len(c.lines) <= 2 and all(len(x) <= 42 for x in c.lines), c
        assert 0 < c.end - c.start <= 7.0 + 1e-6, c
    # Whole words, nothing lost, in order.
    assert " ".join(c.text for c in body).removeprefix("Harbour Desk: ") == LONG
    # Sentences start and end with their clips: times from the samples, not spread evenly.
    calm = next(c for c in body if c.text == "It is calm today.")
    assert (calm.start, calm.end) == (17.4, 19.0)
    assert any(c.end == 17.0 and c.text.endswith("down.") for c in body)
    # Pieces end at clause boundaries where there is one.
    ends = [c.text[-1] for c in body]
    assert sum(e in ",;." for e in ends) >= len(ends) - 1, [c.text for c in body]
    # The label sits only on the first caption of each speaker.
    assert [c.label for c in caps if c.label] == ["Harbour Desk", "Rosa Delgado"]
    vtt = parse_vtt(tr.to_vtt(_long_manifest(parts), "Harbour Desk"))
    assert len(vtt) == len(caps) and all(s in ("Harbour Desk", "Rosa Delgado") for _, _, s, _ in vtt)
    assert max(len(x) for *_, t in vtt for x in t.split("\n")) <= 42


def test_captions_without_sentence_clips_share_the_time_by_characters() -> None:
    caps = tr.captions(_long_manifest(None), "Host")
    assert all(c.end - c.start <= 7.0 + 1e-6 and len(c.lines) <= 2 for c in caps)
    assert caps[0].start == 2.0 and [c for c in caps if c.speaker == "Host"][-1].end == 32.0
    assert all(a.end <= b.start + 1e-9 for a, b in zip(caps, caps[1:]))


def test_json_transcript_is_paragraph_level_with_speakers() -> None:
    data = json.loads(json.dumps(tr.to_json_transcript(MANIFEST, "Harbour Desk")))
    assert data["version"] == "1.0.0"
    assert data["segments"] == [
        {"speaker": "Harbour Desk", "startTime": 0.5, "endTime": 4.0, "body": "Where the River Bends"},
        {"speaker": "Harbour Desk", "startTime": 6.3, "endTime": 9.87, "body": "The ferry left at dawn."},
        {"speaker": "Maria Lopez", "startTime": 10.0, "endTime": 13.25, "body": "We <never> wait & see."},
        {"startTime": 13.5, "endTime": 15.0, "body": "Nobody --> knows."},
    ]


def test_json_chapters_1_2() -> None:
    data = json.loads(json.dumps(tr.to_json_chapters(MANIFEST)))
    assert data["version"] == "1.2.0"
    assert data["chapters"] == [
        {"startTime": 0.0, "endTime": 6.12, "title": "Intro"},
        {"startTime": 6.12, "endTime": 61.5, "title": "Where the river bends"},
        {"startTime": 61.5, "endTime": 95.25, "title": "Outro"},
    ]


def test_timestamps_follow_spotify_rules() -> None:
    assert tr.timestamp_lines(MANIFEST) == ["00:00 Intro", "00:06 Where the river bends", "01:01 Outro"]
    # Fewer than three chapters: none at all (Spotify would not read them as chapters).
    two = {**MANIFEST, "chapters": MANIFEST["chapters"][:2]}
    assert tr.timestamp_lines(two) == []
    # The first is forced to 00:00, and hour-long episodes use HH:MM:SS.
    long = {
        "duration": 4000.0,
        "chapters": [{"title": "A", "start": 0.4}, {"title": "B", "start": 1800.9}, {"title": "C", "start": 3700}],
    }
    assert tr.timestamp_lines(long) == ["00:00:00 A", "00:30:00 B", "01:01:40 C"]


def test_psc_and_clamping_of_bad_times() -> None:
    m = {
        "duration": 10.0,
        "chapters": [{"title": "", "start": 2.0, "end": 50.0}, {"title": "Late", "start": 99.0}, {"start": "x"}],
        "cues": [{"start": -3, "end": 1e9, "text": "x", "role": "narrator"}],
    }
    assert tr.psc_chapters(m) == [("00:00:00.000", "Chapter 1"), ("00:00:02.000", "Chapter 2"), ("00:00:10.000", "Late")]
    (cue,) = tr.cues(m)
    assert (cue.start, cue.end) == (0.0, 10.0)
    assert tr.vtt_time(3725.0004) == "01:02:05.000" and tr.srt_time(59.9996) == "00:01:00,000"


# Words as captions see them: no whitespace inside, some longer than a caption line.
_WORD = st.text(st.characters(blacklist_categories=("Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=50)
_WORDS = st.lists(st.one_of(_WORD, st.sampled_from(["a", "the", "—", "well-known", "x" * 42, "y" * 43])),
                  min_size=1, max_size=30).map(" ".join)


@settings(max_examples=400)
@given(_WORDS, st.integers(5, 60))
def test_caption_lines_take_as_many_lines_as_one_greedy_wrap(text: str, width: int) -> None:
    """What lets ``_fits`` count lines with one wrap instead of the balancing search."""
    greedy = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False)
    assert len(tr.caption_lines(text, width)) == len(greedy)


@settings(max_examples=400)
@given(_WORDS, st.integers(1, 60))
def test_greedy_line_count_counts_what_textwrap_wraps(text: str, width: int) -> None:
    greedy = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False)
    assert tr._greedy_line_count(text, width) == len(greedy)


def _caption_lines_by_search(text: str, width: int) -> list[str]:
    """caption_lines as first written: every width from the narrowest possible, one wrap each."""
    if len(text) <= width:
        return [text]
    best = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False)
    for w in range(max(1, -(-len(text) // len(best))), width):
        lines = textwrap.wrap(text, w, break_long_words=False, break_on_hyphens=False)
        if len(lines) <= len(best) and all(len(x) <= width for x in lines):
            return lines
    return best


@settings(max_examples=400)
@given(st.one_of(_WORDS, _WORDS.map(lambda t: t.replace(" ", "  ", 1)), st.text(max_size=120)),
       st.integers(0, 30), st.integers(5, 60))
@example("the harbour closes at nine tonight and the ferries", 0, 42)
def test_caption_lines_are_those_of_the_width_by_width_search(text: str, reserve: int, width: int) -> None:
    text = " " * reserve + text
    if text.strip():
        assert tr.caption_lines(text, width) == _caption_lines_by_search(text, width)


@settings(max_examples=400)
@given(_WORDS, st.integers(0, 30), st.integers(12, tr.CAPTION_LINE_CHARS * tr.CAPTION_LINES))
@example("red red wait tonight lights tonight nine ferries pier by", 27, 84)  # 2 lines here, 3 greedy
def test_fits_is_what_caption_lines_says(text: str, reserve: int, max_chars: int) -> None:
    """``_fits`` decides where captions are cut: it must agree with the lines shown, label reserve included
    (where the greedy count can differ, so the search still runs)."""
    padded = " " * reserve + text
    want = len(padded) <= max_chars and len(tr.caption_lines(padded)) <= tr.CAPTION_LINES
    assert tr._fits(padded, max_chars) is want


def test_sidecars_make_captions_once_for_both_formats(monkeypatch) -> None:
    calls = []
    real = tr.captions
    monkeypatch.setattr(tr, "captions", lambda *a, **k: calls.append(1) or real(*a, **k))
    files = tr.sidecars(MANIFEST, "Host")
    assert len(calls) == 1
    monkeypatch.undo()
    assert files[".vtt"] == tr.to_vtt(MANIFEST, "Host") and files[".srt"] == tr.to_srt(MANIFEST, "Host")
