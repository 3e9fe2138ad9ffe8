"""Every installed engine end to end (synthesize, level, render), the natural default voices
(narrator and quote voice are different people), --rate, and no network at run time."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from audiogen import tts
from conftest import REPO, decode, ebur128, ebur128_pcm, ffmpeg, invoke, median_f0

SENTENCE = "The morning ferry left the harbour on time, carrying fourteen passengers and a crate of oranges."
ENGINES = ("hibari", "piper", "pyttsx3")

ARTICLE = """# Harbour Notes

The harbour wall will be finished before the winter storms arrive, the council said on Monday.

“We have waited long enough for this wall, and the town deserves an answer,” said Mara Quint, the mayor. “The storms last winter broke the old stones in three places. Nobody should have to sandbag their front door every November.”

Work starts in March.
"""


def _speech_seconds(audio: tts.Audio) -> float:
    x = np.abs(audio.samples.astype(np.float32)) / 32768
    loud = np.flatnonzero(x > 10 ** (-40 / 20))
    return (loud[-1] - loud[0]) / audio.rate if len(loud) else 0.0


def _float(audio: tts.Audio) -> np.ndarray:
    return audio.samples.astype(np.float32) / 32768


@pytest.mark.parametrize("name", ENGINES)
def test_engine_synthesizes_a_sentence(name):
    engine = tts.get_engine(name)
    voice = engine.resolve(None, role="narrator", language="en")
    assert voice.engine == name
    audio = engine.synthesize(SENTENCE, voice)
    assert audio.samples.dtype == np.int16 and audio.rate > 8000
    assert 2.5 < _speech_seconds(audio) < 9.0  # 16 words at about 175 words per minute
    assert np.abs(audio.samples).max() > 2000


@pytest.mark.parametrize("name", ENGINES)
def test_rate_is_honoured(name):
    """--rate for each engine (for Piper: its length-scale table, unit-tested in test_piper)."""
    engine = tts.get_engine(name)
    slow = _speech_seconds(engine.synthesize(SENTENCE, engine.resolve(None, rate=120)))
    normal = _speech_seconds(engine.synthesize(SENTENCE, engine.resolve(None, rate=175)))
    fast = _speech_seconds(engine.synthesize(SENTENCE, engine.resolve(None, rate=240)))
    assert fast < 0.9 * normal < 0.9 * slow, (slow, normal, fast)
    assert 1.5 < slow / fast < 2.6, (slow, fast)  # 2x the words per minute: about half the time


def test_default_english_voices_are_natural_and_two_different_people():
    narrator = tts.resolve_voice("auto", None, role="narrator", language="en")
    quote = tts.resolve_voice("auto", None, role="quote", language="en")
    assert (narrator.engine, narrator.id) == ("hibari", "heart")
    assert (quote.engine, quote.id) == ("piper", "en_US-joe-medium")
    assert tts.spec(narrator.engine).natural and tts.spec(quote.engine).natural
    a_n = tts.get_engine(narrator.engine).synthesize(SENTENCE, narrator)
    a_q = tts.get_engine(quote.engine).synthesize(SENTENCE, quote)
    f_n, f_q = median_f0(_float(a_n), a_n.rate), median_f0(_float(a_q), a_q.rate)
    # A female narrator and a male quote voice: more than five semitones apart, each in its range.
    assert 150 < f_n < 300 and 70 < f_q < 160, (f_n, f_q)
    assert f_n > 1.35 * f_q, (f_n, f_q)
    # Not one voice pitched: both speak the sentence at a similar pace.
    assert 0.7 < _speech_seconds(a_q) / _speech_seconds(a_n) < 1.4


def test_hibari_never_downloads_its_other_voices():
    engine = tts.get_engine("hibari")
    with pytest.raises(tts.EngineError, match="one voice"):
        engine.resolve("fenrir")
    import hibari.voices

    with pytest.raises(tts.EngineError, match="download"):
        hibari.voices.voice_path("fenrir")  # the downloader is disabled once the engine is loaded


def _levels_by_role(mp3: Path, cues: list[dict]) -> dict[str, dict[str, float]]:
    """Loudness of each role's speech, measured by ffmpeg on the decoded episode."""
    audio = decode(mp3)[:, 0]
    out = {}
    for role in ("narrator", "quote"):
        parts = [audio[int(c["start"] * 44100):int(c["end"] * 44100)] for c in cues if c["role"] == role]
        pcm = (np.concatenate(parts) * 32767).astype("<i2").tobytes()
        wav = mp3.with_name(f"{role}.wav")
        subprocess.run([ffmpeg(), "-v", "error", "-y", "-f", "s16le", "-ar", "44100", "-ac", "1", "-i", "-",
                        str(wav)], input=pcm, check=True)
        out[role] = ebur128(wav)
    return out


def _check_levels(proc: subprocess.CompletedProcess, want: tuple[str, str]) -> None:
    """The render succeeded with the ``want`` (narrator, quote) engines; the whole episode and
    each voice's speech are at the programme loudness, the voices within 0.5 LU of each other."""
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    assert (data["engines"]["narrator"], data["engines"]["quote"]) == want
    assert data["voices"]["narrator"] and data["voices"]["quote"]
    mp3 = Path(data["mp3"])
    whole = ebur128(mp3)
    assert abs(whole["integrated"] - -19.0) <= 1.0, whole
    assert whole["true_peak"] <= -1.0, whole
    levels = _levels_by_role(mp3, data["cues"])
    for role, lv in levels.items():
        assert abs(lv["integrated"] - -19.0) <= 1.0, (role, lv)  # MP3 encoding takes ~0.4 LU off both
    # Every clip is levelled by BS.1770 as this measures it: the voices match on short passages too.
    assert abs(levels["narrator"]["integrated"] - levels["quote"]["integrated"]) <= 0.5, levels


def test_hibari_engine_speaks_as_the_default_does():
    """--engine hibari: hibari narrates and Piper's joe takes the quotations (hibari has one
    voice), the very voices of the default engine, whose render test_no_network_access_at_run_time
    checks end to end."""
    for role in ("narrator", "quote"):
        hibari = tts.resolve_voice("hibari", None, role=role, language="en")
        assert hibari == tts.resolve_voice("auto", None, role=role, language="en")
        assert hibari.engine == {"narrator": "hibari", "quote": "piper"}[role]


@pytest.mark.parametrize("engine", ["piper", "pyttsx3"])
def test_render_levels_both_voices(engine, tmp_path):
    """Each engine renders an article end to end; the voices are levelled to the programme loudness.
    (The default, auto, and hibari, which speaks with the same voices, are rendered by
    test_no_network_access_at_run_time.)"""
    article = tmp_path / "harbour.md"
    article.write_text(ARTICLE, encoding="utf-8")
    proc = invoke("episode", str(article), "-o", str(tmp_path / "o"), "--engine", engine, "--no-stingers", "--json",
                  "-q")
    _check_levels(proc, (engine, engine))


SITECUSTOMIZE = textwrap.dedent('''
    import os, socket
    _LOG = os.environ["AUDIOGEN_NET_LOG"]
    _orig_connect, _orig_connect_ex, _orig_sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto
    def _blocked(sock, what):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            with open(_LOG, "a") as fh:
                fh.write(f"{os.getpid()} {what}\\n")
            raise OSError("network access blocked by the test")
    def connect(self, addr):
        _blocked(self, f"connect {addr!r}")
        return _orig_connect(self, addr)
    def connect_ex(self, addr):
        _blocked(self, f"connect_ex {addr!r}")
        return _orig_connect_ex(self, addr)
    def sendto(self, *args):
        _blocked(self, "sendto")
        return _orig_sendto(self, *args)
    def getaddrinfo(host, *args, **kwargs):
        with open(_LOG, "a") as fh:
            fh.write(f"{os.getpid()} getaddrinfo {host!r}\\n")
        raise socket.gaierror("name resolution blocked by the test")
    socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = connect, connect_ex, sendto
    socket.getaddrinfo = getaddrinfo
''')


def test_no_network_access_at_run_time(tmp_path):
    """A render with the default engine from an empty HOME and a cache without clips, every process
    with sockets blocked, tries no network access (workers are separate processes: the block is
    installed by sitecustomize); its voices are levelled as test_render_levels_both_voices checks.
    The voices' levels come from the shared cache when measured there already: measuring them
    loads and runs the engines just as synthesizing the clips does, only for longer."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = tmp_path / "net.log"
    home = tmp_path / "home"
    home.mkdir()
    article = tmp_path / "harbour.md"
    article.write_text(ARTICLE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO), os.environ.get("PYTHONPATH", "")]),
           "AUDIOGEN_NET_LOG": str(log),
           "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "AUDIOGEN_CACHE_DIR": str(home / "cache"),
           "HF_HUB_OFFLINE": "0"}
    env.pop("HIBARI_HOME", None)
    (home / "cache").mkdir()
    shared = Path(os.environ["AUDIOGEN_CACHE_DIR"]) / "calibration.json"
    if shared.is_file():
        shutil.copy(shared, home / "cache" / "calibration.json")
    probe = subprocess.run([sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 9))"],
                           env=env, capture_output=True)
    assert probe.returncode != 0 and log.read_text().strip(), "the socket block is not in force"
    log.unlink()
    proc = subprocess.run([sys.executable, "-m", "audiogen", "episode", str(article), "-o", str(tmp_path / "o"),
                           "--json", "-q", "-j", "2"], env=env, capture_output=True, timeout=300)
    assert not log.exists(), log.read_text()
    _check_levels(proc, ("hibari", "piper"))  # the default engine (auto): its voices, levelled


def test_hibari_reads_names_that_are_not_english_with_their_own_vowels():
    """Names missing from hibari's lexicon and spelled in open syllables get a newsreader's reading
    (continental vowels, stress on the last syllable but one); English-looking ones keep the engine's."""
    from audiogen.tts.names import continental

    assert continental("Okafor") == "Okˈɑfɔɹ" and continental("Okafor’s") == "Okˈɑfɔɹz"
    assert continental("Nandakumar") == "nɑndɑkˈumɑɹ"
    assert continental("Takahashi") == "tɑkɑhˈɑʃi"
    for english in ("Wenham", "Brandt", "Ellery", "Pemberton", "Remington", "Amaker", "Whitmore", "Okafor-Smith",
                    "WCFR", "banana", "Priya"):
        assert continental(english) is None, english
    g2p = tts.get_engine("hibari")._model().g2p
    assert "kˈɑfɔɹ" in g2p("Marguerite Okafor read for nine hours.")
    assert "nˈɛnæm" in g2p("Wenham") or "wˈɛnæm" in g2p("Wenham")  # the engine's own reader still serves English


def _stall_test_voice(monkeypatch):
    from audiogen.tts import pyttsx3_engine

    monkeypatch.setattr(pyttsx3_engine, "STALL_BASE_S", 0.5)
    monkeypatch.setattr(pyttsx3_engine, "STALL_PER_CHAR_S", 0.0)
    engine = tts.get_engine("pyttsx3")
    return engine, engine.resolve(None)


def test_pyttsx3_stall_becomes_an_error_and_the_engine_recovers(monkeypatch):
    """eSpeak that never reports the end of an utterance must not hang a render (pyttsx3's loop
    would spin forever): the watchdog ends runAndWait, the stall is an EngineError, the next
    utterance works."""
    import time

    engine, voice = _stall_test_voice(monkeypatch)
    driver = engine._engine.proxy._driver
    monkeypatch.setattr(driver, "endLoop", lambda: None)  # the end of the loop never comes
    t0 = time.monotonic()
    with pytest.raises(tts.EngineError, match="stalled"):
        engine.synthesize(SENTENCE, voice)
    assert time.monotonic() - t0 < 20
    monkeypatch.undo()
    assert _speech_seconds(engine.synthesize(SENTENCE, voice)) > 2.5


def test_pyttsx3_failing_callback_is_an_error_at_once(monkeypatch, capfd):
    """eSpeak's callback failing to write its WAV (ctypes only prints such errors) is this
    utterance's error, raised at once, with nothing printed."""
    import time
    import pyttsx3.drivers.espeak as driver_module

    engine, voice = _stall_test_voice(monkeypatch)
    monkeypatch.setattr(driver_module.wave, "open", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    t0 = time.monotonic()
    with pytest.raises(tts.EngineError, match="disk full"):
        engine.synthesize(SENTENCE, voice)
    assert time.monotonic() - t0 < 20
    monkeypatch.undo()
    assert _speech_seconds(engine.synthesize(SENTENCE, voice)) > 2.5
    assert "Traceback" not in capfd.readouterr().err


STALL_SITECUSTOMIZE = textwrap.dedent('''
    from audiogen.tts import espeak, pyttsx3_engine as _engine
    espeak.ensure_espeak()
    import pyttsx3.drivers.espeak as _driver
    _engine.STALL_BASE_S, _engine.STALL_PER_CHAR_S = 0.5, 0.0
    _driver.EspeakDriver.endLoop = lambda self: None  # pyttsx3's loop never ends
''')


def test_cli_reports_an_espeak_stall_in_one_line(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(STALL_SITECUSTOMIZE)
    article = tmp_path / "harbour.md"
    article.write_text(ARTICLE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO), os.environ.get("PYTHONPATH", "")]),
           "AUDIOGEN_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-m", "audiogen", "episode", str(article), "-o", str(tmp_path / "o"),
                           "--engine", "pyttsx3", "-q"], env=env, capture_output=True, timeout=240)
    err = proc.stderr.decode().strip()
    assert proc.returncode != 0 and err.startswith("Error:") and "stalled" in err, err
    assert len(err.splitlines()) == 1, err


def test_each_clip_is_levelled_to_the_target_as_ffmpeg_measures_it():
    """mix.integrated_loudness reads what ffmpeg's ebur128 reads; clip_gain brings a quiet and a
    loud clip of one voice to the same loudness (the voice's gain alone would leave them apart)."""
    from audiogen.audio import mix
    from audiogen.audio.segment import SPEECH_RATE
    from audiogen.tts.synth import Job, master, speak

    engine = tts.get_engine("piper")
    voice = engine.resolve(None)
    x = speak(Job("piper", engine.version(), voice, SENTENCE, 0.0, -2.5))
    ours = mix.integrated_loudness(x, SPEECH_RATE)
    theirs = ebur128_pcm(mix.to_pcm(x, 1), SPEECH_RATE)["integrated"]
    assert abs(ours - theirs) <= 0.15, (ours, theirs)
    assert mix.integrated_loudness(x[:1000], SPEECH_RATE) is None  # shorter than one 400 ms block
    voice_gain = -19.0 - ours  # what the voice's calibration would give
    for scale in (0.6, 1.0, 1.6):  # -4.4 dB, as spoken, +4.1 dB
        y = x * np.float32(scale)
        pause = bytes(2 * int(0.15 * SPEECH_RATE))  # measured between pauses, as in an episode
        pcm = pause + master(y, voice_gain, -2.5, -19.0) + pause
        got = ebur128_pcm(pcm, SPEECH_RATE)["integrated"]
        assert abs(got - -19.0) <= 0.3, (scale, got)
