"""The voices of one render: narrator, quotations and cast resolved from the settings. Each clip
is levelled to the loudness target (synth.clip_gain); each voice's calibrated gain, measured
once and cached, serves clips too short to measure and bounds the others."""

from __future__ import annotations

from collections import Counter

from audiogen.audio.mix import STEREO_OFFSET_DB
from audiogen.script import QUOTE, Script, Segment
from audiogen.settings import RenderSettings
from audiogen.tts import Voice, get_engine, resolve_voice
from audiogen.tts.synth import ClipCache, Job, Synthesizer, cached_calibration, calibrate


class RenderVoices:
    """Resolves and levels the voices of one render (narrator, quote, cast)."""

    def __init__(self, settings: RenderSettings, script: Script, cache: ClipCache):
        self.settings = settings
        lang = script.language
        self.narrator = resolve_voice(settings.engine, settings.voice, role="narrator", rate=settings.rate,
                                      pitch=settings.pitch, language=lang)
        self.quote = resolve_voice(settings.engine, settings.quote_voice, role="quote", rate=settings.rate,
                                   pitch=settings.quote_pitch, language=lang)
        self.cast: dict[str, Voice] = {}
        if settings.cast:
            engine = get_engine(self.quote.engine)
            counts = Counter(s.speaker for s in script.segments if s.role == QUOTE and s.speaker)
            recurring = [name for name, n in counts.most_common() if n >= 2]
            for i, name in enumerate(recurring):
                vid = engine.cast_voice(i, language=lang) if hasattr(engine, "cast_voice") else None
                self.cast[name] = engine.resolve(vid, role="quote", rate=settings.rate, language=lang)
        self.ceiling = settings.true_peak - 1.5
        self.target = settings.target_lufs - (STEREO_OFFSET_DB if settings.channels == 2 else 0.0)
        self._gains: dict[Voice, float] = {}
        self._versions: dict[str, str] = {}  # engine -> version (package metadata: ~1 ms to read)
        self.cache = cache
        self.script = script

    def for_segment(self, seg: Segment) -> Voice:
        if seg.role == QUOTE:
            return self.cast.get(seg.speaker or "", self.quote)
        return self.narrator

    def prepare(self, synth: Synthesizer) -> None:
        """Level every voice of this render up front, in parallel when some are not cached yet."""
        voices = list(dict.fromkeys([self.narrator, self.quote, *self.cast.values()]))
        todo = [v for v in voices if cached_calibration(self.cache, v, self.target, self.ceiling) is None]
        if todo and synth.parallel:
            # Level the voices in the engines' worker pools (the parent never loads a neural model);
            # the workers then stay ready for the synthesis that follows.
            load = Counter()
            for seg in self.script.segments:
                load[self.for_segment(seg).engine] += len(seg.speech)
            load[self.narrator.engine] += 1
            synth.plan([*load.items(), *((v.engine, 1) for v in todo)])
            synth.start(list(dict.fromkeys(v.engine for v in todo)))
        for voice, gain in zip(todo, synth.calibrate(todo, self.target, self.ceiling)):
            self._gains[voice] = gain

    def gain(self, voice: Voice) -> float:
        if voice not in self._gains:
            self._gains[voice] = calibrate(self.cache, voice, self.target, self.ceiling)
        return self._gains[voice]

    def job(self, voice: Voice, text: str) -> Job:
        if voice.engine not in self._versions:
            self._versions[voice.engine] = get_engine(voice.engine).version()
        return Job(voice.engine, self._versions[voice.engine], voice, text, self.gain(voice), self.ceiling,
                   self.target)

    def ids(self) -> dict[str, str]:
        """Role (narrator, quote, cast:Name) -> voice id, for the manifest."""
        return {"narrator": self.narrator.id, "quote": self.quote.id, **{f"cast:{k}": v.id for k, v in self.cast.items()}}

    def engines(self) -> dict[str, str]:
        """Role -> the engine that speaks it, for the manifest."""
        return {"narrator": self.narrator.engine, "quote": self.quote.engine,
                **{f"cast:{k}": v.engine for k, v in self.cast.items()}}
