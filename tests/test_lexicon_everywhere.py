"""One path from written to spoken text: the lexicon reaches the title, headings, byline and
body; 'render --lexicon' applies it; a spoken form left stale by an edit is made again."""

from __future__ import annotations

import re
from pathlib import Path

from audiogen import pipeline
from audiogen.audio import plan
from audiogen.script import format_text, parse_text
from audiogen.settings import RenderSettings

ARTICLE = """# Nguyen Wins the Race

By Tam Nguyen

Nguyen crossed the line first on Sunday, 3 seconds ahead of the pack.

## How Nguyen did it

She trained for 2 years in the hills above the city.
"""


class _Voices:
    """Stands in for the engines: a job is the text the engine would be given."""

    narrator, quote = "narrator", "quote"

    def for_segment(self, seg):
        return self.narrator

    def job(self, voice, text):
        return text


def spoken(script, settings) -> list[str]:
    return plan.build(script, settings, _Voices())[1]


def test_lexicon_reaches_title_headings_byline_and_body(tmp_path):
    (tmp_path / "a.md").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "lex.txt").write_text("Nguyen = Win\n", encoding="utf-8")
    settings = RenderSettings(lexicon=tmp_path / "lex.txt")
    script = pipeline.load_source(tmp_path / "a.md", settings=settings).script
    said = " ".join(spoken(script, settings))
    assert "Nguyen" not in said
    assert len(re.findall(r"\bWin\b", said)) == 6  # title and byline in the intro and outro, body, heading
    assert "three seconds" in said


def test_render_lexicon_applies_to_a_script_made_without_one(tmp_path):
    (tmp_path / "a.md").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "lex.txt").write_text("Nguyen = Win\n", encoding="utf-8")
    text = format_text(pipeline.load_source(tmp_path / "a.md").script)
    assert "= Win" not in text
    (tmp_path / "s.txt").write_text(text, encoding="utf-8")
    settings = RenderSettings(lexicon=tmp_path / "lex.txt")
    script = pipeline.load_source(tmp_path / "s.txt", kind=pipeline.SCRIPT, settings=settings).script
    said = " ".join(spoken(script, settings))
    assert "Nguyen" not in said and "Win crossed the line" in said


def test_a_stale_spoken_form_is_made_again_and_noted(tmp_path):
    (tmp_path / "a.md").write_text(ARTICLE, encoding="utf-8")
    text = format_text(pipeline.load_source(tmp_path / "a.md").script)
    assert "= Nguyen crossed the line first on Sunday, three seconds ahead of the pack.  #" in text
    edited = text.replace("Sunday, 3 seconds", "Monday, 5 seconds")
    script = parse_text(edited, "s.txt")
    assert script.notes and "no longer matched" in script.notes[0]
    script = pipeline.load_source(tmp_path / "x", kind=pipeline.SCRIPT, data=edited.encode()).script
    seg = script.chapters[0].segments[0]
    assert seg.speech == "Nguyen crossed the line first on Monday, five seconds ahead of the pack."
    # a spoken form fixed by hand (its line untouched) is kept as written
    fixed = text.replace("= Nguyen crossed", "= Nwin crossed")
    seg = parse_text(fixed).chapters[0].segments[0]
    assert seg.speech.startswith("Nwin crossed") and not parse_text(fixed).notes
    # an edited line with no spoken form of its own is normalized too
    plain = text.replace("She trained for 2 years", "She trained for 4 years")
    script = pipeline.load_source(Path("y"), kind=pipeline.SCRIPT, data=plain.encode()).script
    assert script.chapters[1].segments[0].speech == "She trained for four years in the hills above the city."


def test_machine_script_round_trips_unchanged(tmp_path):
    (tmp_path / "a.md").write_text(ARTICLE, encoding="utf-8")
    script = pipeline.load_source(tmp_path / "a.md").script
    again = pipeline.load_source(Path("s"), kind=pipeline.SCRIPT, data=format_text(script).encode()).script
    assert again == script
