"""Voices: the engine wrapper, the distinct quote voice, --cast and the lexicon, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from audiogen.errors import EngineError
from audiogen.tts import get_engine
from conftest import FAKE, invoke, median_f0


@pytest.fixture(scope="module")
def engine():
    return get_engine("pyttsx3")


def _pitch_hz(samples: np.ndarray, rate: int) -> float:
    """Median fundamental frequency of int16 samples."""
    return median_f0(samples.astype(np.float32) / 32768, rate, fmin=70.0)


def test_default_quote_voice_is_clearly_different(engine):
    text = "The committee will meet again on Thursday to discuss the new harbour wall."
    narrator = engine.synthesize(text, engine.resolve(None, role="narrator"))
    quote = engine.synthesize(text, engine.resolve(None, role="quote"))
    pn, pq = _pitch_hz(narrator.samples, narrator.rate), _pitch_hz(quote.samples, quote.rate)
    assert pq > pn * 1.3, (pn, pq)  # a higher, female variant against the default male narrator


def test_resolve_accepts_id_name_language_and_variant(engine):
    assert engine.resolve("gmw/en-us").id == "gmw/en-us"
    assert engine.resolve("English (America)").id == "gmw/en-us"
    assert engine.resolve("en-us+f2").id == "gmw/en-us+f2"
    with pytest.raises(EngineError, match="audiogen voices"):
        engine.resolve("no-such-voice")
    with pytest.raises(EngineError, match="variant"):
        engine.resolve("en-us+nope")


def test_synthesis_returns_whole_audio_and_nothing_on_stdout(engine, capfd):
    audio = engine.synthesize("One, two, three, four, five, six, seven, eight.", engine.resolve(None))
    assert audio.rate == 22050 and audio.samples.dtype == np.int16
    assert 1.5 < len(audio.samples) / audio.rate < 6
    assert np.abs(audio.samples).max() > 3000
    assert "Audio saved" not in capfd.readouterr().out


def test_every_rate_and_pitch_change_takes_at_once(engine):
    """eSpeak queued rate changes and sometimes dropped them: each utterance must use its own."""
    text = "The harbour wall will be finished before the winter storms arrive."
    lengths: dict[int, list[int]] = {}
    for rate in (150, 175, 175, 200, 120, 175, 150, 320, 150):
        audio = engine.synthesize(text, engine.resolve("gmw/en-us", rate=rate))
        lengths.setdefault(rate, []).append(len(audio.samples))
    for rate, got in lengths.items():
        assert max(got) - min(got) < 0.03 * max(got), (rate, got)
    order = [lengths[r][0] for r in (120, 150, 175, 200, 320)]
    assert order == sorted(order, reverse=True), lengths
    assert lengths[120][0] > 2 * lengths[320][0]
    low = engine.synthesize(text, engine.resolve("gmw/en-us", pitch=20))
    high = engine.synthesize(text, engine.resolve("gmw/en-us", pitch=80))
    assert _pitch_hz(high.samples, high.rate) > 1.2 * _pitch_hz(low.samples, low.rate)


def test_control_characters_cannot_inject_espeak_commands(engine):
    plain = engine.synthesize("Speak this sentence at the normal speed.", engine.resolve(None))
    hostile = engine.synthesize("\x01" "400S Speak this sentence at the normal speed.", engine.resolve(None))
    assert len(hostile.samples) > 0.8 * len(plain.samples)


ARTICLE = """# The Council Vote

The council met on Monday.

“We have waited long enough for this bridge,” said Mara Quint, the mayor.

“The money is not there yet,” said Tobias Wren, the treasurer.

“Then we will find it, because the town needs it,” Quint said.

“I will believe it when I see the budget,” Wren replied.
"""


def test_cast_gives_recurring_speakers_their_own_voices(tmp_path):
    """Which speaker gets which voice is logic: the fake engine renders it (its cast voices differ)."""
    art = tmp_path / "vote.md"
    art.write_text(ARTICLE, encoding="utf-8")
    proc = invoke("episode", str(art), "-o", str(tmp_path), "--no-stingers", "--cast", "--json", *FAKE)
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    voices = data["voices"]
    cast = {k: v for k, v in voices.items() if k.startswith("cast:")}
    assert set(cast) == {"cast:Mara Quint", "cast:Tobias Wren"}
    assert len({*cast.values(), voices["narrator"]}) == 3
    speakers = [c["speaker"] for c in data["cues"] if c["role"] == "quote"]
    assert speakers == ["Mara Quint", "Tobias Wren", "Mara Quint", "Tobias Wren"]


@pytest.mark.parametrize("engine", ["auto", "pyttsx3"])
def test_real_engines_give_each_recurring_speaker_a_voice_of_its_own(engine, tmp_path):
    """The real quote engines' cast voices, as a render resolves them (rendering them costs a
    calibration per voice; the synthesis of variants is test_piper's and test_engines')."""
    from audiogen.pipeline import load_source
    from audiogen.settings import RenderSettings
    from audiogen.tts.synth import ClipCache
    from audiogen.tts.voices import RenderVoices

    art = tmp_path / "vote.md"
    art.write_text(ARTICLE, encoding="utf-8")
    script = load_source(art).script
    voices = RenderVoices(RenderSettings(engine=engine, cast=True), script, ClipCache(tmp_path / "cache"))
    ids = voices.ids()
    assert set(ids) == {"narrator", "quote", "cast:Mara Quint", "cast:Tobias Wren"}
    assert len(set(ids.values())) == 4, ids
    for name in ("Mara Quint", "Tobias Wren"):
        assert get_engine(voices.cast[name].engine).resolve(voices.cast[name].id) == voices.cast[name]


def test_lexicon_changes_the_spoken_form_not_the_text(tmp_path):
    art = tmp_path / "a.md"
    art.write_text("# Notes\n\nThe Nguyen family opened a shop on Main Street.\n", encoding="utf-8")
    lex = tmp_path / "lex.txt"
    lex.write_text("# names\nNguyen = Win\n", encoding="utf-8")
    out = invoke("script", str(art), "--lexicon", str(lex), "--format", "json")
    assert out.returncode == 0, out.stderr.decode()
    seg = json.loads(out.stdout)["chapters"][0]["segments"][0]
    assert "Nguyen" in seg["text"] and "Win family" in seg["speech"]
    bad = tmp_path / "bad.txt"
    bad.write_text("Nguyen = Win\nthis line has no equals sign\n", encoding="utf-8")
    proc = invoke("script", str(art), "--lexicon", str(bad))
    assert proc.returncode == 4
    assert proc.stderr.decode().startswith("Error: ") and "line 2" in proc.stderr.decode()


def test_rate_flag_sets_the_pace_of_the_whole_episode(tmp_path, short_article):
    """--rate reaches every voice of a render: narration and quotations take about twice as long
    at half the rate (pauses do not change; each engine's own rate handling: test_engines).
    Through the shared cache, so clips of another rate are not taken for these."""
    speech: dict[tuple[str, str], float] = {}
    for rate in ("130", "260"):
        proc = invoke("episode", str(short_article), "-o", str(tmp_path / rate), "--no-stingers",
                      "--rate", rate, "--json", *FAKE)
        assert proc.returncode == 0, proc.stderr.decode()
        for cue in json.loads(proc.stdout)["cues"]:
            key = (rate, cue["role"])
            speech[key] = speech.get(key, 0.0) + cue["end"] - cue["start"]
    for role in ("narrator", "quote"):
        assert speech["130", role] > 1.5 * speech["260", role], speech


def test_voices_levelled_in_parallel_are_all_kept(tmp_path, short_article):
    """Narrator and quote voice are calibrated by two workers at once; both gains are cached."""
    proc = invoke("episode", str(short_article), "-o", str(tmp_path), "--no-stingers", "-q", "-j", "2", *FAKE,
                  env={"AUDIOGEN_CACHE_DIR": str(tmp_path / "cache")})
    assert proc.returncode == 0, proc.stderr.decode()
    gains = json.loads((tmp_path / "cache" / "calibration.json").read_text())
    assert len(gains) == 2 and all(-20 < g < 30 for g in gains.values())


def _keep_gains(root: str, who: int) -> None:
    from audiogen.tts.synth import ClipCache

    cache = ClipCache(Path(root))
    for i in range(40):
        cache.set_calibration(f"voice-{who}-{i}", float(i))


def test_gains_kept_by_processes_at_once_are_all_kept(tmp_path):
    """The race itself, made likely: two processes each add 40 gains at the same time (without
    the lock around read-modify-write, some are lost)."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_keep_gains, args=(str(tmp_path), who)) for who in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    gains = json.loads((tmp_path / "calibration.json").read_text())
    assert len(gains) == 80, sorted(gains)


def _level_both(root: str, log: str) -> None:
    """One of two processes levelling the same two voices at once (the fake engine, slowed)."""
    import os
    import time

    from audiogen.tts import synth

    speak = synth.speak

    def slow_speak(job):
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()} {job.voice.id}\n")
        time.sleep(0.05)  # both processes are still levelling when the other starts
        return speak(job)

    synth.speak = slow_speak
    engine = get_engine("fake")
    voices = [engine.resolve(None, role="narrator"), engine.resolve(None, role="quote")]
    assert voices[0] != voices[1]
    gains = synth.calibrate_all(synth.ClipCache(Path(root)), voices, -19.0, -2.5)
    assert all(-20 < g < 30 for g in gains)


def test_processes_starting_together_level_different_voices(tmp_path):
    """Two cluster workers that start at once split the voices to level (each measured once on
    the host, by whichever process got to it first), and both end with both gains."""
    import multiprocessing

    log = tmp_path / "spoken.txt"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_level_both, args=(str(tmp_path / "cache"), str(log))) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    spoken = [line.split() for line in log.read_text().splitlines()]
    by_voice = {voice: {pid for pid, v in spoken if v == voice} for _, voice in spoken}
    assert len(by_voice) == 2 and all(len(pids) == 1 for pids in by_voice.values()), by_voice
    assert len(set.union(*by_voice.values())) == 2, by_voice  # at once: one voice each, not one after the other
    assert len(json.loads((tmp_path / "cache" / "calibration.json").read_text())) == 2
