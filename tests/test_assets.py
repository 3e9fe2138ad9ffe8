"""The bundled assets are what the project promises: format, length, level, clean edges,
a loopable bed, a store-ready cover, a demo article, and a generator that reproduces them."""

from __future__ import annotations

import importlib.util
import re
import subprocess
from functools import lru_cache
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from mutagen.flac import FLAC
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
RATE = 44100
EDGE = int(0.005 * RATE)  # 5 ms

# name -> (shortest, longest) duration in seconds
DURATIONS = {"intro": (3.0, 4.0), "outro": (3.5, 4.5), "bed": (11.0, 13.0)}


def dbfs(x: np.ndarray) -> float:
    peak = float(np.abs(x).max()) / 32768
    return 20 * np.log10(peak) if peak > 0 else -np.inf


@lru_cache(maxsize=None)
def decode(name: str) -> np.ndarray:
    """The committed FLAC decoded by ffmpeg to int16 frames (frames, channels)."""
    path = ASSETS / f"{name}.flac"
    info = FLAC(path).info
    out = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", str(path),
         "-f", "s16le", "-c:a", "pcm_s16le", "pipe:1"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    pcm = np.frombuffer(out, dtype="<i2").reshape(-1, info.channels)
    assert len(pcm) == info.total_samples, "ffmpeg and the FLAC header disagree on length"
    return pcm


@lru_cache(maxsize=1)
def generator():
    spec = importlib.util.spec_from_file_location("make_assets", ROOT / "scripts" / "make_assets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", sorted(DURATIONS))
def test_flac_is_44k1_stereo_16bit_and_small(name):
    path = ASSETS / f"{name}.flac"
    info = FLAC(path).info
    assert (info.sample_rate, info.channels, info.bits_per_sample) == (44100, 2, 16)
    assert path.stat().st_size < 700_000
    assert decode(name).shape[1] == 2


@pytest.mark.parametrize("name", sorted(DURATIONS))
def test_duration_in_range(name):
    shortest, longest = DURATIONS[name]
    assert shortest <= len(decode(name)) / RATE <= longest


@pytest.mark.parametrize("name", sorted(DURATIONS))
def test_peak_normalised_near_minus_3_dbfs(name):
    assert -12.0 < dbfs(decode(name)) <= -2.0


@pytest.mark.parametrize("name", sorted(DURATIONS))
def test_edges_are_silent_so_joins_never_click(name):
    pcm = decode(name)
    assert dbfs(pcm[:EDGE]) < -50
    assert dbfs(pcm[-EDGE:]) < -50


@pytest.mark.parametrize("name", sorted(DURATIONS))
def test_both_channels_carry_sound_with_some_width(name):
    pcm = decode(name).astype(np.float64)
    left, right = pcm[:, 0], pcm[:, 1]
    assert 0.5 < np.corrcoef(left, right)[0, 1] < 0.99  # stereo, yet safe to downmix
    assert abs(20 * np.log10(np.std(left) / np.std(right))) < 3  # balanced


def test_bed_loops_without_a_seam():
    pcm = decode("bed").astype(np.float64)
    looped = np.concatenate([pcm, pcm])
    seam = len(pcm)
    around = looped[seam - 4 * EDGE : seam + 4 * EDGE]
    assert np.abs(np.diff(around, axis=0)).max() < 64  # no step at the loop point
    middle = pcm[len(pcm) // 4 : 3 * len(pcm) // 4]
    assert dbfs(middle) > -12  # but the bed is not silent in between


def onset_rises(name: str) -> np.ndarray:
    """dB rise of treble energy (first difference = crude high-pass) between 20 ms blocks,
    where the previous block is audible: note attacks show up here, slow swells do not."""
    pcm = np.diff(decode(name).astype(np.float64) / 32768, axis=0)
    win = int(0.02 * RATE)
    blocks = len(pcm) // win
    rms = np.sqrt((pcm[: blocks * win] ** 2).reshape(blocks, win, 2).mean(axis=(1, 2)))
    rms = np.maximum(rms, 1e-7)
    audible = rms[:-1] > 1e-3  # -60 dBFS
    return 20 * np.log10(rms[1:][audible] / rms[:-1][audible])


def test_bed_has_no_strong_transients():
    assert onset_rises("bed").max() < 3.0


def test_intro_notes_are_struck_more_sharply_than_anything_in_the_bed():
    rises = np.sort(onset_rises("intro"))[::-1]
    assert rises[3] > onset_rises("bed").max()  # at least four note attacks


def test_cover_is_store_ready():
    path = ASSETS / "cover.png"
    with Image.open(path) as im:
        assert im.format == "PNG"
        assert im.mode == "RGB"
        width, height = im.size
        pixels = np.asarray(im)
    assert width == height and 1400 <= width <= 3000
    assert path.stat().st_size < 300_000
    assert pixels.std() > 20  # a design, not a flat fill


def test_sample_article_has_the_promised_features():
    text = (ASSETS / "sample-article.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("# ")
    assert any(re.fullmatch(r"By [A-Z][\w.’' -]+", ln) for ln in lines[:6])
    assert len([ln for ln in lines if ln.startswith("## ")]) >= 3
    assert text.count("“") == text.count("”") >= 8
    assert '"' not in text  # curly quotes only
    assert re.search(r"“[^”]+,” (?:she|he) said, “", text)  # a quote interrupted by attribution
    for feature in ("’90s", "rock ’n’ roll", "$3.50", "%", "Dr. ", "1950s"):
        assert feature in text
    assert 600 <= len(re.findall(r"[\w’$.,%-]+", text)) <= 850


def test_generator_reproduces_the_committed_assets():
    """Regenerating gives the same samples (within 1 LSB across platforms) and the same cover."""
    gen = generator()
    for name, pcm in gen.render_audio().items():
        committed = decode(name)
        assert pcm.shape == committed.shape, name
        assert np.abs(pcm.astype(np.int32) - committed).max() <= 1, name
    with Image.open(ASSETS / "cover.png") as im:
        committed = np.asarray(im).astype(np.int16)
    fresh = np.asarray(gen.render_cover()).astype(np.int16)
    assert np.abs(fresh - committed).mean() < 0.5
