"""Sidecars: VTT with voices, SRT, JSON chapters 1.2 and Spotify timestamps, timed from the manifest."""

from __future__ import annotations

import json
import re

from audiogen import transcripts as tr

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


def parse_vtt(text: str) -> list[tuple[float, float, str, str]]:
    """A strict little WebVTT reader: header, cue timings, one ``<v Speaker>`` span per cue."""
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
        (payload,) = lines[1:]
        assert "-->" not in payload
        v = re.fullmatch(r"<v ([^>]+)>(.*)</v>", payload)
        assert v, payload
        assert "<" not in v.group(2)
        unescape = lambda s: s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")  # noqa: E731
        out.append((start, end, unescape(v.group(1)), unescape(v.group(2))))
    return out


def test_vtt_has_exact_times_and_voices() -> None:
    cues = parse_vtt(tr.to_vtt(MANIFEST, narrator="Harbour Desk"))
    assert cues == [
        (0.5, 4.0, "Harbour Desk", "Where the River Bends"),
        (6.3, 9.87, "Harbour Desk", "The ferry left at dawn."),
        (10.0, 13.25, "Maria Lopez", "We <never> wait & see."),
        (13.5, 15.0, "Quote", "Nobody --> knows."),
    ]


def test_srt_numbering_times_and_speakers() -> None:
    srt = tr.to_srt(MANIFEST, narrator="Harbour Desk")
    blocks = srt.strip().split("\n\n")
    assert len(blocks) == 4
    assert blocks[1] == "2\n00:00:06,300 --> 00:00:09,870\nThe ferry left at dawn."
    assert blocks[2] == "3\n00:00:10,000 --> 00:00:13,250\nMaria Lopez: We <never> wait & see."


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
