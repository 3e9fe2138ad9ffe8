"""Levelling and metering: the true peak read by audiogen against ffmpeg's ebur128 (peak=true)
on the same PCM, and the limiter's ceiling."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from audiogen.audio import mix
from conftest import ffmpeg


def ffmpeg_true_peak(x: np.ndarray, rate: int) -> float:
    """dBTP of int16 audio (frames, channels) by ffmpeg, after the encoder's own 2x upsampling."""
    ch = x.shape[1]
    resample = "aresample=44100," if rate != 44100 else ""
    err = subprocess.run([ffmpeg(), "-hide_banner", "-nostats", "-f", "s16le", "-ar", str(rate), "-ac", str(ch),
                          "-i", "-", "-af", f"{resample}ebur128=peak=true:framelog=quiet", "-f", "null", "-"],
                         input=x.astype("<i2").tobytes(), capture_output=True, check=True).stderr.decode()
    return float(re.findall(r"Peak:\s+(-?[\d.]+) dBFS", err)[-1])


def _pcm(x: np.ndarray) -> np.ndarray:
    x = x if x.ndim == 2 else x[:, None]
    return np.round(np.clip(x, -1, 32767 / 32768) * 32768).astype(np.int16)


def _speechlike(rate: int, seconds: float, seed: int) -> np.ndarray:
    """Bursts of band-limited noise with a few hot transients: peaks between samples."""
    rng = np.random.default_rng(seed)
    n = int(rate * seconds)
    noise = rng.standard_normal(n)
    spectrum = np.fft.rfft(noise)
    f = np.fft.rfftfreq(n, 1 / rate)
    spectrum *= 1 / (1 + (f / 2500) ** 2)
    x = np.fft.irfft(spectrum, n)
    envelope = np.repeat(rng.uniform(0, 1, int(seconds * 5)) ** 2, -(-n // int(seconds * 5)))[:n]
    x = x * envelope
    return 0.7 * x / np.abs(x).max()


@pytest.mark.parametrize("rate", [22050, 44100])
def test_true_peak_of_a_quarter_rate_sine_is_3_db_over_its_samples(rate):
    n = np.arange(rate)
    # faded in and out, as every clip is: a hard edge rings by an amount that depends on the filter
    x = _pcm(mix.fade_edges(0.4 * np.sin(2 * np.pi * (rate / 4) * n / rate + np.pi / 4), 0.05, rate))
    sample_peak = 20 * np.log10(np.abs(x).max() / 32768)
    ours = mix.true_peak(x, rate)
    assert ours == pytest.approx(20 * np.log10(0.4), abs=0.15)
    assert ours > sample_peak + 2.5
    assert ours == pytest.approx(ffmpeg_true_peak(x, rate), abs=0.2)


@pytest.mark.parametrize("rate,channels,seed", [(22050, 1, 1), (22050, 2, 2), (44100, 1, 3), (44100, 2, 4)])
def test_true_peak_agrees_with_ffmpeg(rate, channels, seed):
    x = np.stack([_speechlike(rate, 6, seed + 10 * c) for c in range(channels)], axis=1)
    x[:, -1] *= 1.3  # the loudest channel is the last one
    pcm = _pcm(x)
    assert mix.true_peak(pcm, rate) == pytest.approx(ffmpeg_true_peak(pcm, rate), abs=0.2)


def _full_interpolation_db(x: np.ndarray, rate: int) -> float:
    """The reference: every position between every two samples interpolated."""
    x = x.astype(np.float32) / (32768.0 if x.dtype == np.int16 else 1.0)
    kernels, _ = mix._tp_phases(round(4 * 44100 / rate))
    t = kernels.shape[0] // 2
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(x, (t - 1, t)), 2 * t)[: len(x)]
    return 20 * np.log10(max(np.abs(x).max(), np.abs(windows @ kernels).max()))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(-32768, 32767), min_size=1, max_size=300), st.sampled_from([22050, 44100]),
       st.sampled_from([5, 64, 1 << 20]))
def test_true_peak_equals_a_full_interpolation(samples, rate, block):
    """Skipping the stretches that cannot rise above the sample peak, and reading a block at a
    time, changes nothing; and the true peak is never below the sample peak."""
    x = np.array(samples, dtype=np.int16)
    mix._TP_BLOCK, saved = block, mix._TP_BLOCK
    try:
        tp = mix.true_peak(x, rate)
    finally:
        mix._TP_BLOCK = saved
    if not x.any():
        assert tp is None
    else:
        assert tp == pytest.approx(_full_interpolation_db(x, rate), abs=1e-4)
        assert tp >= 20 * np.log10(np.abs(x.astype(np.int32)).max() / 32768) - 1e-6


def test_true_peak_of_speech_matches_a_full_interpolation():
    x = _speechlike(22050, 3, 7).astype(np.float32)
    assert mix.true_peak(x, 22050) == pytest.approx(_full_interpolation_db(x, 22050), abs=1e-4)


def test_silence_has_no_true_peak():
    assert mix.true_peak(np.zeros(1000, np.int16), 22050) is None
    assert mix.true_peak(np.zeros((0, 2), np.int16), 44100) is None


def test_limiter_keeps_the_ceiling():
    x = _speechlike(22050, 4, 9).astype(np.float32) * 2.0
    y = mix.limit(x, -3.0, rate=22050)
    assert np.abs(y).max() <= 10 ** (-3 / 20) + 1e-6
    quiet = np.abs(x) < 0.2 * 10 ** (-3 / 20)
    assert np.abs(y[quiet]).max() > 0  # only the overs are turned down, not the whole clip


def test_true_peak_is_the_same_read_a_block_at_a_time(monkeypatch):
    """Blocks overlap by the filter's reach: a peak between two blocks is found, nothing is doubled."""
    x = _speechlike(22050, 3, 11).astype(np.float32)
    whole = mix.true_peak(x, 22050)
    for block in (1000, 4096, 7):
        monkeypatch.setattr(mix, "_TP_BLOCK", block)
        assert mix.true_peak(x, 22050) == pytest.approx(whole, abs=1e-6)
        # the loudest spot right on a block boundary
        y = x.copy()
        y[block - 3: block + 3] = [0.2, -0.6, 0.95, 0.95, -0.6, 0.2]
        monkeypatch.setattr(mix, "_TP_BLOCK", 1 << 20)
        reference = mix.true_peak(y, 22050)
        monkeypatch.setattr(mix, "_TP_BLOCK", block)
        assert mix.true_peak(y, 22050) == pytest.approx(reference, abs=1e-6)
        assert reference > 20 * np.log10(0.95) + 0.1  # that spot does peak between its samples


@pytest.mark.parametrize("rate", [22050, 44100, 48000])
def test_k_weighting_is_pyloudnorms(rate):
    """Our K-weighting biquads equal pyloudnorm's (written here so that the levelling of every
    clip does not load pyloudnorm), and so does the gated loudness they give."""
    import pyloudnorm

    theirs = [(np.asarray(f.b) / f.a[0], np.asarray(f.a) / f.a[0]) for f in pyloudnorm.Meter(rate)._filters.values()]
    for (b, a), (tb, ta) in zip(mix.k_weighting(rate), theirs, strict=True):
        assert np.allclose(b, tb, rtol=1e-12) and np.allclose(a, ta, rtol=1e-12)
    rng = np.random.default_rng(3)
    x = rng.standard_normal(rate * 2) * np.sin(np.linspace(0, 40, rate * 2))  # 2 s of modulated noise
    x[: rate // 10] += 0.8  # a DC step: the 38 Hz high-pass's slow tail
    gated = pyloudnorm.Meter(rate).integrated_loudness(x * 0.1)
    assert mix.integrated_loudness(x * 0.1, rate) == pytest.approx(gated, abs=0.05)
    # Stereo: the channels' energies add up (left and right weigh 1 in BS.1770).
    stereo = np.stack([x * 0.1, np.roll(x, rate // 3) * 0.05], axis=1)
    gated = pyloudnorm.Meter(rate).integrated_loudness(stereo)
    assert mix.integrated_loudness(stereo, rate) == pytest.approx(gated, abs=0.05)
    assert mix.integrated_loudness(np.stack([x, x], axis=1) * 0.1, rate) == pytest.approx(
        mix.integrated_loudness(x * 0.1, rate) + 10 * np.log10(2), abs=1e-6)
