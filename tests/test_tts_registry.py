"""The engine registry: one call registers an engine, --engine offers it, 'auto' picks
a natural engine for the languages it speaks and eSpeak NG (pyttsx3) for the others."""

from __future__ import annotations

import numpy as np
import pytest

from audiogen import tts
from audiogen.errors import ConfigError, EngineError
from audiogen.settings import RenderSettings


class _Tone:
    """A tiny engine that speaks one language with a tone per voice (no library needed)."""

    name = "tone"

    def version(self) -> str:
        return "tone-1"

    def languages(self) -> tuple[str, ...]:
        return ("xx",)

    def voices(self) -> list[tts.VoiceInfo]:
        return [tts.VoiceInfo("low", "Low", ("xx",)), tts.VoiceInfo("high", "High", ("xx",))]

    def default_voice(self, role: str, language: str = "en") -> str | None:
        return {"narrator": "low", "quote": "high"}.get(role) if language.startswith("xx") else None

    def resolve(self, voice, *, role="narrator", language="en", rate=175, pitch=None) -> tts.Voice:
        vid = voice or self.default_voice(role, language)
        if vid not in ("low", "high"):
            raise EngineError(f"unknown voice {voice!r} for the tone engine")
        return tts.Voice(vid, rate, pitch, vid.title(), engine=self.name)

    def synthesize(self, text: str, voice: tts.Voice) -> tts.Audio:
        t = np.arange(int(0.1 * len(text) * 22050)) / 22050
        f = 120 if voice.id == "low" else 240
        return tts.Audio((8000 * np.sin(2 * np.pi * f * t)).astype(np.int16), 22050)


@pytest.fixture
def tone(monkeypatch):
    tts.specs()  # the built-in engines first
    monkeypatch.setattr(tts, "_specs", dict(tts._specs))
    monkeypatch.setattr(tts, "_aliases", dict(tts._aliases))
    monkeypatch.setattr(tts, "_instances", dict(tts._instances))
    tts.register("tone", _Tone, natural=True, priority=99, aliases=("beep",), packages=("numpy",))
    return tts.get_engine("tone")


def test_one_call_registers_an_engine(tone):
    assert isinstance(tone, tts.Engine)
    assert tts.get_engine("tone") is tone  # built once per process
    assert tts.get_engine("BEEP") is tone
    assert {"auto", "tone", "beep", "pyttsx3", "espeak"} <= set(tts.engine_names())
    assert "numpy" in tts.packages("auto") and tts.packages("tone") == ("numpy",)
    assert __name__ in tts.modules()  # worker processes import it to know the engine
    RenderSettings().merged({"engine": "tone"})


def test_auto_picks_the_natural_engine_per_language(tone):
    assert tts.choose_engine("auto", "xx") == "tone"
    assert tts.choose_engine("auto", "xx-YY", role="quote") == "tone"
    assert tts.choose_engine("auto", "de") == tts.FALLBACK
    assert tts.choose_engine("espeak", "xx") == "pyttsx3"
    n = tts.resolve_voice("auto", None, role="narrator", language="xx")
    q = tts.resolve_voice("auto", None, role="quote", language="xx")
    assert (n.engine, n.id, q.engine, q.id) == ("tone", "low", "tone", "high")
    assert tts.resolve_voice("auto", None, language="de").engine == "pyttsx3"


def test_auto_finds_a_named_voice_in_any_engine(tone):
    assert tts.resolve_voice("auto", "gmw/en-us", language="xx").engine == "pyttsx3"
    assert tts.resolve_voice("auto", "high", language="de").engine == "tone"
    with pytest.raises(EngineError, match="audiogen voices"):
        tts.resolve_voice("auto", "no-such-voice", language="xx")


def test_unknown_engine_is_a_config_error_naming_the_choices():
    with pytest.raises(ConfigError, match="pyttsx3"):
        RenderSettings().merged({"engine": "nope"})
    with pytest.raises(EngineError, match="unknown engine"):
        tts.get_engine("nope")


def test_engine_modules_register_themselves():
    names = {s.name for s in tts.specs()}
    assert {"pyttsx3", "piper"} <= names
    assert tts.spec("espeak").name == "pyttsx3" and not tts.spec("pyttsx3").natural
