"""pydub at arm's length: decoding files into the master format, fades, PCM bytes.

pydub's sharp edges are kept here: it warns at import when no ffmpeg is on PATH
(we point it at ours and silence that), its ``from_file`` needs ffprobe for
non-WAV input (we decode with ffmpeg to WAV first), ``silent()`` defaults to
11,025 Hz and ``append()`` crossfades 100 ms (neither is used), ``+`` copies
(clips are joined once, as bytes, by the caller) and ``len()`` is rounded to
milliseconds (we count samples).
"""

from __future__ import annotations

import io
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np

from audiogen.audio import ffmpeg
from audiogen.errors import AudioError
from audiogen.limits import MAX_AUDIO_BYTES, MAX_STINGER_SECONDS, describe_bytes

MASTER_RATE = 44100  # every episode
SPEECH_RATE = 22050  # speech clips: eSpeak NG's and Piper's own rate; ffmpeg upsamples them when encoding


@lru_cache(maxsize=1)
def _pydub():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        import pydub  # imported once, here: its no-ffmpeg warning silenced, ours set as converter
    pydub.AudioSegment.converter = ffmpeg.ffmpeg_exe()
    return pydub


def load_clip(path: Path | str, channels: int, rate: int = MASTER_RATE, fade_ms: int = 10,
              max_seconds: float = MAX_STINGER_SECONDS, what: str = "audio file"):
    """Decode any audio file into a pydub AudioSegment in the master format, with edge fades.

    The file may hold at most ``MAX_AUDIO_BYTES`` and ``max_seconds`` of audio; ffmpeg stops
    decoding just past that, so a small file holding hours of silence costs no memory.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{what} not found: {path}; check the path or use --no-stingers")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise AudioError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if size > MAX_AUDIO_BYTES:
        raise AudioError(f"{what} {path} is larger than the {describe_bytes(MAX_AUDIO_BYTES)} limit; "
                         "choose a shorter file or use --no-stingers")
    proc = ffmpeg.run(
        ["-i", str(path), "-vn", "-t", f"{max_seconds + 0.05:.3f}", "-ac", str(channels), "-ar", str(rate),
         "-sample_fmt", "s16", "-f", "wav", "pipe:1"],
        what=f"reading {path.name}",
    )
    AudioSegment = _pydub().AudioSegment
    try:
        seg = AudioSegment.from_file(io.BytesIO(proc.stdout), format="wav")
    except Exception as exc:
        raise AudioError(f"cannot read audio file {path}: {exc}") from None
    if seg.frame_count() < 1:
        raise AudioError(f"audio file {path} has no audio in it")
    if seg.frame_count() > max_seconds * rate:
        raise AudioError(f"{what} {path} is longer than the {max_seconds:g} s limit; "
                         "choose a shorter file or use --no-stingers")
    seg = seg.set_frame_rate(rate).set_channels(channels).set_sample_width(2)
    fade = min(fade_ms, len(seg) // 4)
    return seg.fade_in(fade).fade_out(fade)


def to_pcm(x: np.ndarray, channels: int) -> bytes:
    """float32 (frames,) or (frames, ch) -> interleaved s16le bytes with ``channels``."""
    if x.ndim == 1:
        x = x[:, None]
    if x.shape[1] != channels:
        x = np.repeat(x[:, :1], channels, axis=1) if channels > 1 else x.mean(axis=1, keepdims=True)
    return (np.clip(x, -1.0, 32767 / 32768) * 32768.0).astype("<i2").tobytes()


def segment_to_array(seg) -> np.ndarray:
    """float32 samples shaped (frames, channels), in [-1, 1]."""
    data = np.frombuffer(seg.raw_data, dtype="<i2").astype(np.float32) / 32768.0
    return data.reshape(-1, seg.channels)


def load_array(path: Path | str, channels: int, rate: int = MASTER_RATE,
               max_seconds: float = MAX_STINGER_SECONDS, what: str = "audio file") -> np.ndarray:
    return segment_to_array(load_clip(path, channels, rate, max_seconds=max_seconds, what=what))


# ------------------------------------------------------------------ intro and outro music


def segment(x: np.ndarray, channels: int, rate: int = MASTER_RATE):
    """float32 samples (frames,) or (frames, ch) -> a 16-bit AudioSegment with ``channels``."""
    return _pydub().AudioSegment(data=to_pcm(x, channels), sample_width=2, frame_rate=rate, channels=channels)


def _join(parts: list):
    """One AudioSegment from several, copied once (pydub's ``+`` copies both sides every time)."""
    return parts[0]._spawn(b"".join(p.raw_data for p in parts))


def _frames(ms: int, rate: int) -> int:
    frames = ms * rate / 1000
    if frames != int(frames):  # pydub cuts and places at whole milliseconds: keep them whole samples
        raise ValueError(f"{ms} ms is not a whole number of samples at {rate} Hz")
    return int(frames)


def voice_over_bed(voice, bed, *, alone_db: float, under_voice_db: float, lead_ms: int = 1200, tail_ms: int = 2000,
                   ramp_ms: int = 300, fade_out_ms: int = 1500):
    """The title read over the music bed: the bed comes in (fade), plays at ``alone_db``, dips to
    ``under_voice_db`` in ``ramp_ms`` before the voice (``gain_during_overlay`` holds it there while
    the voice plays), comes back up after it and fades out. Both segments in the same format.

    Returns the mix and the frame where the voice starts. pydub slices, fades and overlays at
    whole milliseconds of ``len()`` (a rounded figure): every piece handed to it here is a whole
    number of 10 ms steps (whole samples at 44.1 kHz), the voice padded with silence to the next
    one, so the mix is exactly lead + padded voice + tail samples long and the voice lands on
    its sample.
    """
    rate = bed.frame_rate
    lead, tail, ramp, step = (_frames(ms, rate) for ms in (lead_ms, tail_ms, ramp_ms, 10))
    pad = -int(voice.frame_count()) % step
    voice = _join([voice, voice._spawn(b"\0" * (pad * voice.frame_width))])  # not silent(): 11,025 Hz
    n = lead + int(voice.frame_count()) + tail
    looped = bed * -(-n // int(bed.frame_count()))  # whole loops of the bed, cut to length below
    under = looped.get_sample_slice(0, n).apply_gain(alone_db)
    v0, v1 = lead, n - tail
    duck = under_voice_db - alone_db
    return _join([
        under.get_sample_slice(0, v0 - ramp).fade_in(ramp_ms),
        under.get_sample_slice(v0 - ramp, v0).fade(to_gain=duck, start=0, end=ramp_ms),  # the dip
        under.get_sample_slice(v0, v1).overlay(voice, gain_during_overlay=duck),  # held down under the voice
        under.get_sample_slice(v1, v1 + ramp).fade(from_gain=duck, to_gain=0, start=0, end=ramp_ms),
        under.get_sample_slice(v1 + ramp, n).fade_out(fade_out_ms),
    ]), v0
