"""The title read over the music bed, mixed by pydub (audio.voice_over_bed), read back as samples."""

from __future__ import annotations

import numpy as np
import pytest

from audiogen.audio.segment import MASTER_RATE, segment, segment_to_array, voice_over_bed

LEAD, TAIL = int(1.2 * MASTER_RATE), int(2.0 * MASTER_RATE)


def _tone(seconds: float, amp: float = 0.5, freq: float = 220.0) -> np.ndarray:
    t = np.arange(int(seconds * MASTER_RATE)) / MASTER_RATE
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _db(x: np.ndarray, ref: float) -> float:
    return 20 * np.log10(np.sqrt(np.mean(x.astype(np.float64) ** 2)) / ref)


def _mix(voice: np.ndarray, bed: np.ndarray, channels: int = 1):
    mixed, start = voice_over_bed(segment(voice, channels), segment(bed, channels), alone_db=-10.0,
                                  under_voice_db=-20.0)
    return segment_to_array(mixed), start


@pytest.mark.parametrize("channels", [1, 2])
def test_length_and_voice_start_are_exact_to_the_sample(channels: int) -> None:
    voice = np.zeros(44113, dtype=np.float32)  # not a whole number of milliseconds
    voice[[0, 1234, 44112]] = [0.5, -0.25, 0.125]
    out, start = _mix(voice, np.zeros(MASTER_RATE, dtype=np.float32), channels)
    padded = -(-len(voice) // 441) * 441  # to the next 10 ms: pydub works in whole milliseconds
    assert out.shape == (LEAD + padded + TAIL, channels)
    assert start == LEAD
    # Over a silent bed the mix is the voice itself, sample for sample, where it was placed.
    assert np.array_equal(out[start:start + len(voice), 0], voice)
    assert not out[:start].any() and not out[start + len(voice):].any()


def test_bed_alone_ducked_under_the_voice_and_faded() -> None:
    amp = 0.5
    ref = amp / np.sqrt(2)  # RMS of the undimmed bed
    voice = np.zeros(MASTER_RATE, dtype=np.float32)  # a silent voice leaves the bed to measure
    out, start = _mix(voice, _tone(0.7, amp))  # a short bed loops under a longer mix
    x = out[:, 0]
    end = start + len(voice)
    s = MASTER_RATE // 10  # 100 ms
    assert abs(x[0]) < 1e-3  # faded in
    assert _db(x[4 * s:8 * s], ref) == pytest.approx(-10.0, abs=0.3)  # alone, before the dip
    assert _db(x[start + s:end - s], ref) == pytest.approx(-20.0, abs=0.3)  # ducked under the voice
    assert _db(x[end + 4 * s:end + 5 * s], ref) == pytest.approx(-10.0, abs=0.3)  # back up
    ramp = x[start - 3 * s:start]
    assert _db(ramp[:s], ref) > _db(ramp[-s:], ref) + 3  # the dip is a ramp before the voice
    assert _db(x[-s // 10:], ref) < -40  # faded out


def test_voice_is_heard_over_the_ducked_bed() -> None:
    voice = _tone(1.0, 0.3, 880.0)
    out, start = _mix(voice, _tone(0.7, 0.5))
    x = out[start:start + len(voice), 0]
    spectrum = np.abs(np.fft.rfft(x))
    freqs = np.fft.rfftfreq(len(x), 1 / MASTER_RATE)
    voice_peak = spectrum[np.argmin(abs(freqs - 880))]
    bed_peak = spectrum[np.argmin(abs(freqs - 220))]
    # 0.3 vs 0.5 at -20 dB = 0.05: the voice stands 15.6 dB above the bed
    assert 20 * np.log10(voice_peak / bed_peak) == pytest.approx(15.6, abs=0.5)
