"""pyttsx3 (eSpeak NG on Linux) behind the Engine protocol.

pyttsx3's sharp edges, all handled here and nowhere else:
- one engine per driver per process (a weak singleton): we keep one strong reference;
- ``runAndWait`` can return before the WAV file is complete, because the espeak
  driver runs eSpeak NG asynchronously and finishes each utterance on eSpeak's
  thread: we wait for pyttsx3's "finished-utterance" event and an idle engine
  before the next utterance (else the old thread can clear the new one's buffer),
  then for a whole file, and check the voice really took;
- rate and pitch set through pyttsx3 go through eSpeak's command queue and were
  sometimes lost: we send them inside the text as embedded commands instead;
- errors in queued commands are swallowed (sent to an "error" callback): we collect
  them and raise, and we check the voice really took;
- the espeak driver prints ``Audio saved to …`` on stdout: we silence it;
- unknown voice variants fall back silently: we validate names ourselves;
- ``runAndWait`` has no timeout and spins forever when eSpeak's callback fails: a watchdog
  proportional to the text's length ends it and raises EngineError.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import threading
import time
import wave
from importlib.metadata import version
from pathlib import Path

import numpy as np

from audiogen.cleanup import scratch_dir
from audiogen.errors import EngineError
from audiogen.tts import Audio, Voice, VoiceInfo, register
from audiogen.tts import espeak

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

DEFAULT_VOICES = {"narrator": "gmw/en-us", "quote": "gmw/en+f3"}
# Distinct, consistent voices handed out to recurring speakers with --cast.
CAST_VOICES = (
    "gmw/en-gb-x-rp+m3",
    "gmw/en-us+f4",
    "gmw/en-gb-scotland+m1",
    "gmw/en+f2",
    "gmw/en-us-nyc+m2",
    "gmw/en-029+f1",
    "gmw/en-gb-x-gbclan+m4",
)
# eSpeak variants that sound unlike the narrator (the plain voice) and the quote voice (+f3).
CAST_VARIANTS = ("m3", "f4", "m1", "f2", "m2", "f1", "m4")


STALL_BASE_S = 10.0  # watchdog of one utterance: base plus a time per character of text
STALL_PER_CHAR_S = 0.02


class Pyttsx3Engine:
    name = "pyttsx3"
    cost = 0.01  # CPU seconds per second of audio (eSpeak NG is a formant synthesizer)
    def __init__(self) -> None:
        espeak.ensure_espeak()
        try:
            import pyttsx3  # after ensure_espeak(): the driver needs eSpeak NG's library loaded first
        except Exception as exc:  # the driver raises RuntimeError when no library loads
            raise EngineError(f"pyttsx3 could not start eSpeak NG: {exc}") from None
        with contextlib.redirect_stdout(io.StringIO()):
            self._engine = pyttsx3.init("espeak")
        self._errors: list[BaseException] = []
        self._engine.connect("error", self._on_error)
        self._finished = threading.Event()
        self._engine.connect("finished-utterance", lambda name=None, completed=True: self._finished.set())

        self._tmpdir = scratch_dir("audiogen-tts-")  # removed when the process ends
        self._voices: list[VoiceInfo] | None = None
        self._current: str | None = None
        self._rate = 22050

    def _on_error(self, name=None, exception=None) -> None:
        self._errors.append(exception or RuntimeError("unknown pyttsx3 error"))

    def version(self) -> str:
        try:
            parts = [f"pyttsx3-{version('pyttsx3')}"]
            with contextlib.suppress(Exception):
                parts.append(f"espeakng-loader-{version('espeakng-loader')}")
            return "+".join(parts)
        except Exception:
            return "pyttsx3-unknown"

    def voices(self) -> list[VoiceInfo]:
        if self._voices is None:
            self._voices = [
                VoiceInfo(v.id, v.name, tuple(v.languages or ()), v.gender)
                for v in self._engine.getProperty("voices")
            ]
        return self._voices

    def languages(self) -> tuple[str, ...]:
        """Every language eSpeak NG has a voice for."""
        return tuple(dict.fromkeys(c.lower() for v in self.voices() for c in v.languages))

    def default_voice(self, role: str, language: str = "en") -> str:
        lang = (language or "en").lower()
        if lang.startswith("en"):
            return DEFAULT_VOICES.get(role, DEFAULT_VOICES["narrator"])
        base = self._voice_for_language(lang) or DEFAULT_VOICES["narrator"]
        return base + ("+f3" if role == "quote" else "")

    def _voice_for_language(self, lang: str) -> str | None:
        for v in self.voices():
            if any(code.lower() == lang for code in v.languages):
                return v.id
        short = lang.split("-")[0]
        # a bare "fr" means the language's home variety (fr-fr, not fr-be): the voice named after it
        for v in self.voices():
            if v.id.lower().rsplit("/", 1)[-1] == short or any(c.lower() == f"{short}-{short}" for c in v.languages):
                return v.id
        for v in self.voices():
            if any(code.lower().split("-")[0] == short for code in v.languages):
                return v.id
        return None

    def cast_voice(self, index: int, language: str = "en") -> str:
        """A distinct voice for the index-th recurring speaker, in the article's language."""
        if (language or "en").lower().startswith("en"):
            return CAST_VOICES[index % len(CAST_VOICES)]
        base = self._voice_for_language(language.lower().replace("_", "-")) or DEFAULT_VOICES["narrator"]
        return f"{base}+{CAST_VARIANTS[index % len(CAST_VARIANTS)]}"

    def resolve(
        self,
        voice: str | None,
        *,
        role: str = "narrator",
        rate: int = 175,
        pitch: int | None = None,
        language: str = "en",
    ) -> Voice:
        """Accept an id (gmw/en-us), a name (English (America)) or a language code (en-us),
        optionally with an eSpeak variant (+f3). Unknown names are an error."""
        wanted = (voice or self.default_voice(role, language)).strip()
        base, _, variant = wanted.partition("+")
        key = base.strip().lower()
        match = None
        for v in self.voices():
            if key in (v.id.lower(), v.name.lower()) or key in (c.lower() for c in v.languages):
                match = v
                break
        if match is None:
            raise EngineError(
                f"unknown voice {wanted!r} for the pyttsx3 engine; run 'audiogen voices' to list them"
            )
        vid = match.id
        if variant:
            if variant not in espeak.variants():
                raise EngineError(
                    f"unknown eSpeak variant '+{variant}' in voice {wanted!r}; "
                    f"known variants include: {', '.join(espeak.variants()[:12])}"
                )
            vid = f"{vid}+{variant}"
        return Voice(id=vid, rate=int(rate), pitch=pitch, name=match.name, engine=self.name)

    def _configure(self, voice: Voice) -> None:
        if voice.id == self._current:
            return
        self._engine.setProperty("voice", voice.id)
        self._current = voice.id

    @staticmethod
    def _embedded(text: str, voice: Voice) -> str:
        """Put rate and pitch in the text as eSpeak embedded commands (Ctrl-A).

        pyttsx3 sets them with espeak_SetParameter, which eSpeak queues on its own
        thread in retrieval mode; a change was sometimes lost or applied an utterance
        late. Commands inside the text apply to exactly that utterance.
        """
        text = _CONTROL.sub(" ", text)
        prefix = f"\x01{int(voice.rate)}S"
        if voice.pitch is not None:
            prefix += f"\x01{int(voice.pitch)}P"
        return f"{prefix} {text}"

    def synthesize(self, text: str, voice: Voice) -> Audio:
        """Speak ``text`` with ``voice``; return mono int16 PCM at the engine's rate."""
        if not text.strip():
            return Audio(np.zeros(0, dtype=np.int16), self._rate)
        for attempt in range(3):
            samples, rate, took = self._utter(text, voice)
            if took:
                self._rate = rate
                return Audio(samples, rate)
            self._current = None  # settings were lost to a race: set them again and redo
        raise EngineError(f"eSpeak NG did not keep the voice {voice.id!r}; try again")

    def _utter(self, text: str, voice: Voice) -> tuple[np.ndarray, int, bool]:
        self._configure(voice)
        # The folder may have been removed under us (a temp cleaner): eSpeak's callback would then
        # fail on its own thread and pyttsx3 would wait forever.
        self._tmpdir.mkdir(parents=True, exist_ok=True)
        target = self._tmpdir / f"clip-{os.getpid()}.wav"
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        self._errors.clear()
        self._finished.clear()
        # eSpeak speaks ~15 characters a second of audio at 50x real time or more when idle:
        # this allows for a machine hundreds of times slower than that before calling it a stall.
        timeout = STALL_BASE_S + STALL_PER_CHAR_S * len(text)
        # The callback prints after runAndWait returns: keep stdout redirected until it is done.
        with contextlib.redirect_stdout(io.StringIO()):
            self._engine.save_to_file(self._embedded(text, voice), str(target))
            self._run_and_wait(timeout)
            if not self._errors:
                if not self._finished.wait(timeout):
                    raise EngineError(f"eSpeak NG stalled: it did not finish speaking in {timeout:.0f} s")
                deadline = time.monotonic() + 2.0
                while self._engine.isBusy() and time.monotonic() < deadline:
                    time.sleep(0.0005)
                samples, rate = _read_complete_wav(target, timeout=timeout)
        if self._errors:
            self._current = None
            raise EngineError(f"eSpeak NG failed: {self._errors[0]}")
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        got_voice = (self._engine.getProperty("voice") or "").lower()
        took = got_voice == voice.id.lower()
        return samples, rate, took

    def _run_and_wait(self, timeout: float) -> None:
        """pyttsx3's ``runAndWait`` with a watchdog.

        The espeak driver spins until eSpeak's callback reports the end of the utterance; a
        callback that fails (its WAV file cannot be written) or an eSpeak that stalls never
        reports it, and ``runAndWait`` would never return. After ``timeout`` seconds the
        watchdog cancels eSpeak and ends the driver's loop, and the stall is an EngineError.
        """
        proxy = self._engine.proxy
        driver = proxy._driver
        stalled = threading.Event()

        def stop(cancel: bool = True) -> None:
            stalled.set()
            if cancel:  # not from inside eSpeak's own callback: Cancel() would wait for it forever
                with contextlib.suppress(Exception):
                    from pyttsx3.drivers import _espeak  # pyttsx3 only after ensure_espeak() (see __init__)

                    _espeak.Cancel()
            driver._speaking = False
            driver._looping = False

        def unraisable(info) -> None:
            # An exception in eSpeak's callback is "ignored" by ctypes: it is this utterance's error.
            if getattr(info.object, "__self__", None) is driver:
                self._errors.append(info.exc_value or RuntimeError("eSpeak's callback failed"))
                stop(cancel=False)
            else:
                previous(info)

        watchdog = threading.Timer(timeout, stop)
        watchdog.daemon = True
        previous, sys.unraisablehook = sys.unraisablehook, unraisable
        watchdog.start()
        try:
            self._engine.runAndWait()
        finally:
            watchdog.cancel()
            sys.unraisablehook = previous
        if stalled.is_set():
            # Leave pyttsx3 as a fresh runAndWait expects it: no queued command, an idle driver.
            proxy._queue.clear()
            driver._data_buffer = b""
            proxy.setBusy(False)
            self._current = None
            if self._errors:
                return  # the caller reports the callback's error
            raise EngineError(f"eSpeak NG stalled: no audio after {timeout:.0f} s "
                              f"(is the temp folder {self._tmpdir} writable?)")


def _read_complete_wav(path: Path, timeout: float) -> tuple[np.ndarray, int]:
    """Wait until pyttsx3 has written a whole WAV file at ``path``, then read it."""
    deadline = time.monotonic() + timeout
    delay = 0.001
    while True:
        try:
            size = path.stat().st_size
            if size >= 44:
                with wave.open(str(path), "rb") as wf:
                    n = wf.getnframes()
                    if wf.getsampwidth() == 2 and 44 + n * 2 * wf.getnchannels() <= size:
                        data = wf.readframes(n)
                        rate = wf.getframerate()
                        if len(data) == n * 2 * wf.getnchannels():
                            samples = np.frombuffer(data, dtype="<i2")
                            if wf.getnchannels() > 1:
                                samples = samples.reshape(-1, wf.getnchannels())[:, 0]
                            return samples.copy(), rate
        except (FileNotFoundError, EOFError, wave.Error):
            pass
        if time.monotonic() > deadline:
            raise EngineError("eSpeak NG produced no audio (the WAV file never completed)")
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


register("pyttsx3", Pyttsx3Engine, aliases=("espeak",), packages=("pyttsx3", "espeakng-loader"),
         description="eSpeak NG through pyttsx3: ~100 languages, clear but robotic (GPL-3.0)")
