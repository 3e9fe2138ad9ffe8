"""Speech engines behind one small protocol: ``synthesize(text, voice) -> Audio``.

Engines are created by name with :func:`get_engine`; each lives in its own module
so that the quirks of its library stay there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from audiogen.errors import EngineError


@dataclass(frozen=True)
class Voice:
    """A resolved voice: engine-specific id plus the settings that change the sound."""

    id: str
    rate: int = 175
    pitch: int | None = None
    name: str = ""


@dataclass(frozen=True)
class VoiceInfo:
    """One entry of an engine's voice list, for ``audiogen voices``."""

    id: str
    name: str
    languages: tuple[str, ...] = ()
    gender: str | None = None


@dataclass(frozen=True)
class Audio:
    """Mono 16-bit PCM as produced by an engine."""

    samples: np.ndarray  # int16, 1-D
    rate: int


class Engine(Protocol):
    name: str

    def version(self) -> str: ...

    def voices(self) -> list[VoiceInfo]: ...

    def resolve(self, voice: str | None, *, role: str = "narrator", rate: int = 175, pitch: int | None = None) -> Voice:
        """Turn a user's voice name into a Voice, or raise EngineError (never fall back silently)."""
        ...

    def synthesize(self, text: str, voice: Voice) -> Audio: ...


ENGINES = ("pyttsx3", "piper")


def get_engine(name: str) -> Engine:
    """Create (or reuse) the engine called ``name``."""
    if name == "pyttsx3":
        from audiogen.tts.pyttsx3_engine import Pyttsx3Engine

        return Pyttsx3Engine.instance()
    if name == "piper":
        from audiogen.tts.piper_engine import PiperEngine

        return PiperEngine.instance()
    raise EngineError(f"unknown engine {name!r}; choose one of: {', '.join(ENGINES)}")
