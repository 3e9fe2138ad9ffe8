"""Joining separately encoded MP3 chunks: exact timeline, one valid Info header, checked by
decoding with ffmpeg and reading the header with mutagen."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from mutagen.mp3 import MP3, BitrateMode

from audiogen.audio import mix
from audiogen.audio.mp3join import FRAME_SAMPLES, Joiner, crc16, crc16_combine, read_chunk
from audiogen.errors import AudioError
from conftest import ffmpeg

R = 44100


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300), st.binary(max_size=300))
def test_crc16_combine_equals_crc_of_the_concatenation(a: bytes, b: bytes) -> None:
    assert crc16_combine(crc16(a), crc16(b), len(b)) == crc16(a + b)


def _burst_chunk(n: int, onset: int, channels: int) -> np.ndarray:
    x = np.zeros((n, channels), np.int16)
    t = np.arange(R // 10)
    x[onset:onset + R // 10] = (9000 * np.sin(2 * np.pi * 440 * t / R)).astype(np.int16)[:, None]
    return x


def _encode(tmp: Path, name: str, pcm: np.ndarray, channels: int) -> Path:
    raw = tmp / f"{name}.raw"
    raw.write_bytes(pcm.tobytes())
    enc = mix.ChunkEncode(raw, tmp / f"{name}.mp3", channels, 64 * channels)
    enc.result()
    return enc.out


@pytest.mark.parametrize("channels", [1, 2])
def test_joined_chunks_decode_to_the_predicted_timeline(tmp_path: Path, channels: int) -> None:
    specs = [(3 * R + 123, 1000), (2 * R + 777, 0), (4 * R + 5, 500), (R // 2, 10)]
    parts = [_encode(tmp_path, f"c{i}", _burst_chunk(n, on, channels), channels) for i, (n, on) in enumerate(specs)]
    out = tmp_path / "joined.mp3"
    expected_onsets = []
    with open(out, "wb") as fh:
        joiner = Joiner(fh)
        for path, (_, onset) in zip(parts, specs):
            expected_onsets.append(joiner.offset_samples() + onset)
            joiner.add(read_chunk(path))
        total = joiner.finish()
    proc = subprocess.run([ffmpeg(), "-v", "error", "-i", str(out), "-f", "s16le", "-ac", "1", "-"],
                          capture_output=True)
    assert proc.returncode == 0 and proc.stderr == b"", proc.stderr
    x = np.frombuffer(proc.stdout, np.int16)
    assert len(x) == total
    # the last chunk ends exactly at the end of the decoded stream
    assert total == expected_onsets[-1] - specs[-1][1] + specs[-1][0]
    loud = np.flatnonzero(np.abs(x) > 3000)
    found = [loud[0]] + [loud[i] for i in range(1, len(loud)) if loud[i] - loud[i - 1] > R // 2]
    assert len(found) == len(specs)
    for got, want in zip(found, expected_onsets):
        assert abs(int(got) - want) < 0.002 * R, (found, expected_onsets)
    # nothing audible where the chunks meet
    for i in range(1, len(specs)):
        start = expected_onsets[i] - specs[i][1]
        assert np.abs(x[start - 2000:start + min(specs[i][1], 200)]).max() < 1000
    info = MP3(out).info
    assert info.bitrate_mode == BitrateMode.CBR and info.sample_rate == R and info.channels == channels
    head = out.read_bytes()[:512]
    k = head.find(b"Info")
    assert int.from_bytes(head[k + 8:k + 12], "big") * FRAME_SAMPLES == total + 576 + 529 + \
        (int.from_bytes(head[k + 141:k + 144], "big") & 0xFFF) - 529
    assert int.from_bytes(head[k + 12:k + 16], "big") == out.stat().st_size
    assert int.from_bytes(head[k + 154:k + 156], "big") == crc16(head[:k + 154])


def test_incomplete_chunk_is_refused(tmp_path: Path) -> None:
    path = _encode(tmp_path, "a", _burst_chunk(R, 0, 1), 1)
    with open(path, "r+b") as fh:
        fh.truncate(os.path.getsize(path) - 100)
    with pytest.raises(AudioError, match="incomplete"):
        read_chunk(path)
    (tmp_path / "b.mp3").write_bytes(b"ID3\x03" + bytes(400))
    with pytest.raises(AudioError, match="not MPEG"):
        read_chunk(tmp_path / "b.mp3")


def test_chunks_of_different_kinds_are_not_joined(tmp_path: Path) -> None:
    mono = _encode(tmp_path, "m", _burst_chunk(R, 0, 1), 1)
    stereo = _encode(tmp_path, "s", _burst_chunk(R, 0, 2), 2)
    with open(tmp_path / "j.mp3", "wb") as fh:
        joiner = Joiner(fh)
        joiner.add(read_chunk(mono))
        with pytest.raises(AudioError, match="do not match"):
            joiner.add(read_chunk(stereo))
