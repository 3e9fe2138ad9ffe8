"""Rendered audio checked with independent readers: chapter positions found in the
decoded MP3, loudness and true peak measured by ffmpeg's ebur128. Renders with the real
default voices where loudness is measured (a property of speech); the timing logic with the
fake engine."""

from __future__ import annotations

import dataclasses
import subprocess

import numpy as np
import pytest

from audiogen.audio.episode import render
from audiogen.script import NARRATOR, QUOTE, Chapter, Script, Segment
from audiogen.settings import Pauses, RenderSettings
from conftest import decode, ebur128, ffmpeg, ffmpeg_chapters


def _seg(role, text, end=True):
    return Segment(role, text, text, paragraph_end=end)


SCRIPT = Script(
    title="Signals at Sea",
    author="Lee Varga",
    chapters=(
        Chapter("Signals at Sea", (
            _seg(NARRATOR, "Lighthouses once used clockwork to turn their lamps, and keepers wound them by hand.", False),
            _seg(QUOTE, "You learned the rhythm of every light on the coast before you learned to read a chart.", False),
            _seg(NARRATOR, "an old keeper remembered."),
            _seg(NARRATOR, "Today most of the lamps run on their own, watched from a control room far inland."),
        )),
        Chapter("Fog Horns", (
            _seg(NARRATOR, "In thick fog the light is useless, so the horn takes over, sounding every thirty seconds."),
            _seg(QUOTE, "On a bad night it would go from dusk until the sun came up, and nobody on the island slept."),
        )),
        Chapter("The Last Keepers", (
            _seg(NARRATOR, "The last keepers left the rock in the spring, and the door was locked behind them."),
        )),
    ),
)


def _onsets(audio: np.ndarray, min_gap_s: float, threshold_db: float = -65.0) -> list[float]:
    """Times where sound starts after at least ``min_gap_s`` of silence."""
    env = np.abs(audio).max(axis=1)
    loud = np.flatnonzero(env > 10 ** (threshold_db / 20))
    gaps = np.flatnonzero(np.diff(loud) > min_gap_s * 44100)
    return [loud[i + 1] / 44100 for i in gaps]


@pytest.fixture(scope="module")
def mono(tmp_path_factory):
    # long section pauses make each chapter start an unmistakable onset after silence
    settings = RenderSettings(stingers=False, pauses=Pauses(section=2.5, paragraph=0.6, title=1.0))
    return render(SCRIPT, tmp_path_factory.mktemp("mono"), settings)


def test_chapter_starts_match_decoded_audio_within_30ms(mono):
    chapters = ffmpeg_chapters(mono.mp3)
    assert [c["title"] for c in chapters] == ["Intro", "Signals at Sea", "Fog Horns", "The Last Keepers", "Outro"]
    audio = decode(mono.mp3)
    onsets = _onsets(audio, min_gap_s=2.0)
    # chapters 2..4 each begin with a heading read after a 2.5 s section pause; the outro too
    for chap in chapters[2:]:
        nearest = min(onsets, key=lambda t: abs(t - chap["start"]))
        assert abs(nearest - chap["start"]) < 0.030, (chap, nearest)
    # the first sound is the title read at the very start of the Intro chapter
    first = np.flatnonzero(np.abs(audio[:, 0]) > 10 ** (-65 / 20))[0] / 44100
    assert first - chapters[0]["start"] < 0.030


def test_cues_match_decoded_audio(mono):
    audio = decode(mono.mp3)
    env = np.abs(audio[:, 0])
    for cue in mono.cues:
        a, b = int(cue.start * 44100), int(cue.end * 44100)
        assert env[a:b].max() > 0.05, cue
        before = env[max(0, a - 2000):max(0, a - 900)]
        assert before.size == 0 or before.max() < 0.01, cue  # silence right before each cue


def test_mono_loudness_and_true_peak(mono):
    m = ebur128(mono.mp3)
    assert m["integrated"] == pytest.approx(-19.0, abs=1.0)
    assert m["true_peak"] <= -1.0
    assert mono.loudness["integrated"] == pytest.approx(m["integrated"], abs=0.5)
    # the report's true peak is read from the PCM, the MP3's after LAME: close, not equal
    assert mono.loudness["true_peak"] == pytest.approx(m["true_peak"], abs=1.0)


def _cue_loudness(ep, role: str) -> float:
    """Loudness of all cues of one role, cut from the decoded MP3 and measured by ffmpeg."""
    audio = decode(ep.mp3)
    parts = [audio[int(c.start * 44100):int(c.end * 44100), 0] for c in ep.cues if c.role == role]
    pcm = (np.concatenate(parts) * 32767).astype("<i2").tobytes()
    err = subprocess.run([ffmpeg(), "-hide_banner", "-nostats", "-f", "s16le", "-ar", "44100", "-ac", "1",
                          "-i", "-", "-af", "ebur128=framelog=quiet", "-f", "null", "-"],
                         input=pcm, capture_output=True).stderr.decode()
    import re

    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", err)[-1])


def test_voices_level_matched(mono):
    assert abs(_cue_loudness(mono, NARRATOR) - _cue_loudness(mono, QUOTE)) <= 1.0


def test_stereo_with_stingers(tmp_path):
    ep = render(SCRIPT, tmp_path, RenderSettings(channels=2))  # real voices: loudness is a property of speech
    info = subprocess.run([ffmpeg(), "-hide_banner", "-i", str(ep.mp3)], capture_output=True, text=True).stderr
    assert "stereo" in info and "128 kb/s" in info and "44100 Hz" in info
    m = ebur128(ep.mp3)
    assert m["integrated"] == pytest.approx(-16.0, abs=1.0)
    assert m["true_peak"] <= -1.0
    # the intro stinger (before the title read) is level-matched to the speech
    audio = decode(ep.mp3, channels=2)
    title = next(c for c in ep.cues if c.role == "title")
    intro = audio[: int((title.start - 1.3) * 44100)]
    pcm = (intro * 32767).astype("<i2").tobytes()
    err = subprocess.run([ffmpeg(), "-hide_banner", "-nostats", "-f", "s16le", "-ar", "44100", "-ac", "2",
                          "-i", "-", "-af", "ebur128=framelog=quiet", "-f", "null", "-"],
                         input=pcm, capture_output=True).stderr.decode()
    import re

    intro_lufs = float(re.findall(r"I:\s+(-?[\d.]+) LUFS", err)[-1])
    assert intro_lufs == pytest.approx(-16.0, abs=1.0)


def test_sentence_pause_from_config_lengthens_multi_sentence_segments(tmp_path):
    script = Script(title="Two", chapters=(Chapter("Two", (
        _seg(NARRATOR, "The tide came in. The boats rose with it. Then the wind turned."),)),))
    plain = render(script, tmp_path / "a", RenderSettings(engine="fake", stingers=False))
    cfg = tmp_path / "podcast.toml"
    cfg.write_text('[render]\nengine = "fake"\nstingers = false\n\n[render.pauses]\nsentence = 0.8\n')
    from audiogen.publish.show import load_render_settings

    paused = render(script, tmp_path / "b", load_render_settings(cfg))
    def gaps(ep):
        cue = [c for c in ep.cues if c.role == NARRATOR][0]
        audio = decode(ep.mp3)[int(cue.start * 44100):int(cue.end * 44100), 0]
        loud = np.flatnonzero(np.abs(audio) > 10 ** (-60 / 20))
        return [g / 44100 for g in np.diff(loud) if g > 0.2 * 44100]

    # the engine's own sentence pause is shorter; with the setting, each of the two breaks is ~0.8 s of silence
    assert all(g < 0.6 for g in gaps(plain))
    assert [round(g, 1) for g in gaps(paused)] == [pytest.approx(0.8, abs=0.1)] * 2


def test_bad_config_names_line_and_key(tmp_path):
    from audiogen.errors import ConfigError
    from audiogen.publish.show import load_render_settings

    cfg = tmp_path / "podcast.toml"
    cfg.write_text("[render]\nrate = 175\nchannels = 5\n")
    with pytest.raises(ConfigError, match=r"line 3.*channels"):
        load_render_settings(cfg)


def test_edit_one_paragraph_reencodes_one_chunk_and_chapters_stay_exact(tmp_path):
    """Chunks are encoded apart and cached: an edit re-makes only its own chunk, and the joined
    MP3 still has every chapter where the decoded audio says."""
    settings = RenderSettings(engine="fake", stingers=False, pauses=Pauses(section=2.5, paragraph=0.6, title=1.0))
    cache = tmp_path / "cache"
    first = render(SCRIPT, tmp_path / "a", settings, cache_dir=cache)
    before = {p.name for p in (cache / "chunks").glob("*/*.mp3")}
    assert len(before) >= 4  # intro, one per chapter, outro
    chapters = list(SCRIPT.chapters)
    fog = chapters[1]
    chapters[1] = Chapter(fog.title, (fog.segments[0], _seg(QUOTE, "On a bad night it sounded until dawn.")))
    edited = render(dataclasses.replace(SCRIPT, chapters=tuple(chapters)), tmp_path / "b", settings,
                    cache_dir=cache)
    after = {p.name for p in (cache / "chunks").glob("*/*.mp3")}
    assert len(after - before) == 1
    assert edited.duration < first.duration
    audio = decode(edited.mp3)
    assert abs(len(audio) / 44100 - edited.duration) < 0.002
    onsets = _onsets(audio, min_gap_s=2.0)
    read = ffmpeg_chapters(edited.mp3)
    assert [c["title"] for c in read] == ["Intro", "Signals at Sea", "Fog Horns", "The Last Keepers", "Outro"]
    for chap in read[2:]:
        nearest = min(onsets, key=lambda t: abs(t - chap["start"]))
        assert abs(nearest - chap["start"]) < 0.030, (chap, nearest)
    # unchanged chapters sound the same, only shifted
    last_a = next(c for c in first.chapters if c.title == "The Last Keepers")
    last_b = next(c for c in edited.chapters if c.title == "The Last Keepers")
    a, b = decode(first.mp3)[:, 0], audio[:, 0]
    sa, sb = round(last_a.start * 44100), round(last_b.start * 44100)
    n = round((last_a.end - last_a.start) * 44100) - 200
    # chapter times are rounded to the millisecond (each up to 22 samples off): find the exact
    # alignment within 100 samples either way
    err = min(np.abs(a[sa + 100:sa + 100 + n] - b[sb + 100 + lag:sb + 100 + lag + n]).max()
              for lag in range(-100, 101))
    assert err < 1e-3


def test_sentence_clips_are_timed_in_the_cue_and_time_the_captions(tmp_path):
    """With a sentence pause, each sentence's clip span is recorded (in samples) and lines up
    with the decoded audio; the captions of that segment start and end with those spans."""
    from audiogen.publish import transcripts

    script = Script(title="Two", chapters=(Chapter("Two", (
        _seg(NARRATOR, "The tide came in. The boats rose with it. Then the wind turned."),)),))
    settings = RenderSettings(engine="fake", stingers=False, pauses=Pauses(sentence=0.8))
    ep = render(script, tmp_path, settings)
    cue = [c for c in ep.cues if c.role == NARRATOR][0]
    assert len(cue.parts) == 3 and cue.parts[0][0] == cue.start and cue.parts[-1][1] == cue.end
    env = np.abs(decode(ep.mp3)[:, 0])
    for (_, end), (start, _) in zip(cue.parts, cue.parts[1:]):
        assert start - end == pytest.approx(0.8, abs=0.01)
        assert env[int(end * 44100) + 300:int(start * 44100) - 300].max() < 0.01  # the pause is silent
        assert env[int(start * 44100):int(start * 44100) + 4410].max() > 0.05  # and speech starts on time
    caps = [c for c in transcripts.captions(ep.to_manifest()) if c.start >= cue.start and c.end <= cue.end]
    assert [(c.text, c.start, c.end) for c in caps] == [
        (t, a, b) for t, (a, b) in zip(["The tide came in.", "The boats rose with it.", "Then the wind turned."],
                                        cue.parts)]


def test_prepare_levels_the_voices_and_loads_the_stingers_without_rendering(tmp_path, monkeypatch):
    """A cluster worker's warm-up: after prepare(), a render finds its voices levelled in the cache
    and its stingers loaded, and prepare itself wrote no episode."""
    from audiogen.audio import music
    from audiogen.audio.episode import prepare
    from audiogen.tts.synth import ClipCache, cached_calibration
    from audiogen.tts.voices import RenderVoices

    script = SCRIPT
    settings = RenderSettings(engine="fake", workers=1)
    cache = ClipCache(tmp_path / "cache")
    voices = RenderVoices(settings, script, cache)
    monkeypatch.setattr(music, "_LEVELLED", {})
    prepare(script, settings, cache_dir=tmp_path / "cache")
    for v in (voices.narrator, voices.quote):
        assert cached_calibration(cache, v, voices.target, voices.ceiling) is not None, v
    assert len(music._LEVELLED) == 3  # intro, outro and bed, levelled for this process's renders
    assert not list(tmp_path.rglob("*.mp3")) and not list(tmp_path.rglob("*.manifest.json"))
    # With caching off, the levels go with the render's own folder: nothing is left in the cache.
    prepare(script, dataclasses.replace(settings, cache=False), cache_dir=tmp_path / "other")
    assert not (tmp_path / "other").exists()
