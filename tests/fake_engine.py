"""A fake speech engine for logic tests: instant, deterministic, and audible enough to measure.

Registered as ``--engine fake`` through audiogen's engine registry: conftest names this
module in ``AUDIOGEN_ENGINE_MODULES`` (and puts tests/ on PYTHONPATH), so the CLI run
in a subprocess and its synthesis workers know it too. Each word is a short tone whose
pitch depends on the voice (narrator, quote and cast voices differ); the clip length
depends only on the text, so timelines are reproducible. Real engines stay for the
end-to-end tests.

Text containing ``FAKE-ERROR`` raises EngineError; ``FAKE-CRASH`` kills the process
(to test what happens when an engine crashes). ``AUDIOGEN_FAKE_DELAY=S`` makes each clip
take S seconds (asleep, no CPU): a render to stop mid-synthesis, as a real voice takes.
"""

from __future__ import annotations

import os
import time
import zlib

import numpy as np

from audiogen.errors import EngineError
from audiogen.tts import Audio, Voice, VoiceInfo, register

RATE = 22050
WORD_S = 0.06  # seconds of tone per word at 175 words per minute
GAP_S = 0.02
VOICES = {"fake/narrator": 220.0, "fake/quote": 330.0, **{f"fake/cast{i}": 260.0 + 25 * i for i in range(8)}}


class FakeEngine:
    name = "fake"

    def version(self) -> str:
        return "fake-1"

    def languages(self) -> tuple[str, ...]:
        return ("en", "de", "fr", "es", "it", "nl", "pt")

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo(v, v.split("/")[1].title(), self.languages()) for v in VOICES]

    def default_voice(self, role: str, language: str = "en") -> str:
        return "fake/quote" if role == "quote" else "fake/narrator"

    def cast_voice(self, index: int, language: str = "en") -> str:
        return f"fake/cast{index % 8}"

    def resolve(self, voice: str | None, *, role: str = "narrator", language: str = "en", rate: int = 175,
                pitch: int | None = None) -> Voice:
        vid = voice or self.default_voice(role, language)
        if vid not in VOICES:
            raise EngineError(f"unknown voice {vid!r} for the fake engine; choose one of: {', '.join(VOICES)}")
        return Voice(vid, rate=rate, pitch=pitch, name=vid, engine=self.name)

    def synthesize(self, text: str, voice: Voice) -> Audio:
        if "FAKE-ERROR" in text:
            raise EngineError("the fake engine was asked to fail")
        if "FAKE-CRASH" in text:
            os._exit(3)
        time.sleep(float(os.environ.get("AUDIOGEN_FAKE_DELAY") or 0))
        freq = VOICES[voice.id] * (1 + ((voice.pitch or 50) - 50) / 200)
        word = int(WORD_S * RATE * 175 / voice.rate)
        gap = np.zeros(int(GAP_S * RATE), dtype=np.float32)
        t = np.arange(word, dtype=np.float32) / RATE
        fade = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.005).astype(np.float32)
        parts = []
        for w in text.split() or ["."]:
            # a word's own small detune keeps clips of different texts different
            f = freq * (1 + (zlib.crc32(w.encode()) % 16) / 400)
            parts += [0.3 * np.sin(2 * np.pi * f * t) * fade, gap]
        samples = np.concatenate(parts)
        return Audio((samples * 32767).astype(np.int16), RATE)


register("fake", FakeEngine, packages=(), description="Test tones for logic tests (tests/fake_engine.py).")
