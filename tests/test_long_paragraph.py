"""One huge paragraph (a pasted transcript) is cut at sentence ends before synthesis, so
time and memory follow the length of the text, not its shape (issue 12). Timing itself is
in scripts/bench.py (--one-paragraph)."""

from __future__ import annotations

from audiogen.audio import plan
from audiogen.read.article import parse_article
from audiogen.script import NARRATOR, Chapter, Script, Segment
from audiogen.script.build import MAX_SEGMENT_CHARS, build_script, split_long
from audiogen.settings import RenderSettings

SENTENCE = "Dr. Lee met Mr. Ray on Jan. 5 at the harbour office, and they talked about the ferry for an hour."


def test_split_long_keeps_whole_sentences_and_every_word():
    text = " ".join([SENTENCE] * 40)
    parts = split_long(text)
    assert len(parts) > 1 and all(len(p) <= MAX_SEGMENT_CHARS for p in parts)
    assert " ".join(parts).split() == text.split()
    assert all(p.endswith("hour.") for p in parts)  # cut after sentences, not at "Dr." or "Jan."
    assert split_long(SENTENCE) == [SENTENCE]


def test_a_sentence_without_end_is_cut_at_clauses_or_spaces():
    text = "and then, " * 300
    parts = split_long(text)
    assert all(len(p) <= MAX_SEGMENT_CHARS for p in parts) and " ".join(parts).split() == text.split()


def test_one_paragraph_article_becomes_segments_of_bounded_size():
    para = " ".join([SENTENCE] * 200)  # about 20,000 characters, no blank line
    script = build_script(parse_article(f"Harbour Talks\n\n{para}\n", "txt"))
    segs = [s for ch in script.chapters for s in ch.segments]
    assert len(segs) >= 20 and max(len(s.text) for s in segs) <= MAX_SEGMENT_CHARS
    assert [s.paragraph_end for s in segs].count(True) == 1  # still one paragraph
    assert " ".join(s.text for s in segs).split() == para.split()


class _Voices:
    narrator = quote = "v"

    def for_segment(self, seg):
        return "v"

    def job(self, voice, text):
        return text


def test_engine_calls_stay_sentence_sized_for_a_huge_hand_written_line():
    speech = " ".join(["The ferry left at noon and came back at four in the afternoon."] * 300)
    script = Script("T", (Chapter("T", (Segment(NARRATOR, speech, speech),)),))
    items, jobs = plan.build(script, RenderSettings(stingers=False), _Voices())
    assert max(len(j) for j in jobs) <= plan.MAX_CLIP_CHARS
    assert " ".join(jobs[1:-1]).split() == speech.split()  # between the intro and the outro
