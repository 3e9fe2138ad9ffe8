"""hibari (a small neural English voice distilled from Kokoro-82M) behind the Engine protocol.

``hibari-tts`` (Apache-2.0 code and weights) ships one voice inside its wheel, "heart"
(US English, female, distilled from Kokoro's af_heart). Its other voices are fetched
from the network on first use: audiogen never asks for them, and this module makes
hibari's downloader refuse, so a render can never reach the network through it.

hibari's sharp edges, all handled here:
- ``Hibari(voice=...)`` downloads unknown voices: we pass the bundled model's path;
- its ``speed`` is not linear in speaking rate (durations are rounded to frames):
  ``speed_for()`` inverts a measured table;
- it speaks 24 kHz float32: we resample to the clips' 22.05 kHz with a polyphase filter
  (147/160), not by interpolation, so nothing aliases;
- it has no pitch control: ``--pitch`` changes the playback rate with the tempo compensated;
- its out-of-vocabulary reader mimics eSpeak's English rules, which mangle names from
  languages spelled in open syllables (Okafor): ``names.NameReader`` reads those first.
"""

from __future__ import annotations

import threading
from importlib.metadata import PackageNotFoundError, version

import numpy as np

from audiogen.errors import EngineError
from audiogen.tts import Audio, Voice, VoiceInfo, register
from audiogen.tts.names import NameReader

VOICE = "heart"
RATE = 22050
NOT_INSTALLED = "the hibari engine is not installed: pip install hibari-tts (reinstall audiogen: pip install .)"

# Speaking rate (words per minute, over speech time) of "heart" at each ``speed``, measured on
# five news sentences. Above 1.3 the model jumps to ~300 wpm; 2.0 is its limit.
_SPEEDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.2, 1.25, 1.3, 1.35, 1.4,
           1.5, 1.6, 1.7, 1.8, 1.9, 2.0)
_WPM = (97.9, 102.9, 119.3, 122.6, 137.3, 140.9, 156.7, 176.4, 188.3, 191.4, 194.1, 197.6, 200.3, 203.3, 211.7,
        219.6, 224.0, 300.9, 306.2, 313.8, 316.8, 326.1, 329.8, 333.1, 351.2)
# --rate 175 (audiogen's default) is the pace of the other natural voice (Piper's joe at
# length_scale 1.0, ~200 wpm over speech time), so narrator and quotes keep one pace.
NATURAL_WPM = 200.0
READING = "names1"  # audiogen's changes to hibari's reading (names.py): part of the cache key
QUOTE_PITCH = 36  # about 1.1 semitones lower
BASE_RATE = 175


def speed_for(rate: int) -> float:
    """hibari's ``speed`` for audiogen's ``--rate`` (clamped to what the model can do)."""
    return float(np.interp(NATURAL_WPM * rate / BASE_RATE, _WPM, _SPEEDS))


def _pitch_factor(pitch: int | None) -> float:
    """eSpeak-style pitch 0-99 (50 = unchanged) -> playback factor, +-4 semitones."""
    return 1.0 if pitch is None else float(2 ** ((pitch - 50) / 50 * 4 / 12))


def _refuse_download(*args, **kwargs):
    raise EngineError("hibari tried to download a voice; audiogen only uses the voice inside the package")


class HibariEngine:
    name = "hibari"
    cost = 0.011  # CPU seconds per second of audio, one thread (measured: ~90 s of audio per CPU second)

    def __init__(self) -> None:
        try:
            import hibari  # noqa: F401  optional and slow (onnxruntime): loaded when the engine starts
            import hibari.voices as hv  # with hibari
        except Exception:  # ImportError, or a broken onnxruntime
            raise EngineError(NOT_INSTALLED) from None
        info = hv.VOICES.get(VOICE) or {}
        if not info.get("bundled"):
            raise EngineError(f"this hibari-tts has no bundled {VOICE!r} voice; reinstall audiogen (pip install .)")
        hv.download = _refuse_download  # the only way hibari reaches the network
        self._model_path = hv.voice_path(VOICE, download_missing=False)
        self._tts = None  # loaded on first use: building the engine stays cheap in the parent process
        self._load_lock = threading.Lock()

    def version(self) -> str:
        try:
            return f"hibari-tts-{version('hibari-tts')}+{READING}"
        except PackageNotFoundError:
            return "hibari-unknown"

    def languages(self) -> tuple[str, ...]:
        return ("en-us", "en")

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo(VOICE, "Heart (US English; Kokoro af_heart, distilled)", ("en-us", "en"), "female")]

    def default_voice(self, role: str, language: str = "en") -> str | None:
        """Heart narrates English; hibari has no second bundled voice for quotations."""
        return VOICE if role == "narrator" and (language or "en").lower().startswith("en") else None

    def cast_voice(self, index: int) -> str:
        return VOICE

    def resolve(self, voice: str | None, *, role: str = "narrator", language: str = "en", rate: int = 175,
                pitch: int | None = None) -> Voice:
        wanted = (voice or VOICE).strip().lower()
        if wanted not in (VOICE, "hibari", "en", "en-us"):
            raise EngineError(f"unknown voice {voice!r} for the hibari engine (it has one voice, {VOICE!r}); "
                              "run 'audiogen voices' to list them")
        if role != "narrator" and voice is None and pitch is None:
            pitch = QUOTE_PITCH  # --engine hibari alone: set quotations a little apart from the narration
        return Voice(id=VOICE, rate=int(rate), pitch=pitch, name=self.voices()[0].name, engine=self.name)

    def warm(self) -> None:
        """Load the model now (worker processes do it before their first job)."""
        self._model()

    def _model(self):
        with self._load_lock:
            if self._tts is None:
                from hibari import Hibari  # the model loads on first use, in the worker
                from hibari.g2p import G2P  # with hibari
                from hibari.g2p.oov import OOV  # with hibari

                try:
                    # Names its lexicon lacks: read non-English ones as a newsreader would (names.py).
                    g2p = G2P(oov=NameReader(OOV()))
                    # One onnxruntime thread: audiogen runs one engine worker per core.
                    self._tts = Hibari(voice=VOICE, model=self._model_path, threads=1, g2p=g2p)
                except Exception as exc:
                    raise EngineError(f"could not load the hibari voice model: {exc}") from None
            return self._tts

    def synthesize(self, text: str, voice: Voice) -> Audio:
        """Speak ``text``; return mono int16 PCM at 22.05 kHz (its rate carries a pitch change)."""
        if voice.id != VOICE:
            raise EngineError(f"unknown voice {voice.id!r} for the hibari engine")
        pitch = _pitch_factor(voice.pitch)
        out_rate = int(round(RATE * pitch))
        if not text.strip():
            return Audio(np.zeros(0, dtype=np.int16), out_rate)
        tts = self._model()
        # Playing at rate*pitch shortens the audio by 1/pitch: speak slower by as much.
        speed = float(np.clip(speed_for(voice.rate) / pitch, _SPEEDS[0], _SPEEDS[-1]))
        try:
            x = tts(text, speed=speed, seed=0)  # seed: the same text gives the same audio (cache, tests)
        except Exception as exc:
            raise EngineError(f"hibari failed to speak the text: {exc}") from None
        return Audio(_to_int16(_resample_24k_to_22k(np.asarray(x, dtype=np.float32))), out_rate)


def _resample_24k_to_22k(x: np.ndarray) -> np.ndarray:
    from scipy.signal import resample_poly  # ~0.3 s: only when resampling

    return resample_poly(x, 147, 160).astype(np.float32, copy=False)


def _to_int16(x: np.ndarray) -> np.ndarray:
    return (np.clip(x, -1.0, 32767 / 32768) * 32768).astype(np.int16)


register("hibari", HibariEngine, natural=True, priority=20, packages=("hibari-tts", "scipy"),
         description="hibari neural voice 'heart' (US English, female; Apache-2.0, weights in the wheel)")
