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

from audiogen import ffmpeg
from audiogen.errors import AudioError
from audiogen.limits import MAX_AUDIO_BYTES, MAX_STINGER_SECONDS, describe_bytes

MASTER_RATE = 44100  # every episode
SPEECH_RATE = 22050  # speech clips: eSpeak NG's and Piper's own rate; ffmpeg upsamples them when encoding


@lru_cache(maxsize=1)
def _pydub():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        import pydub
        from pydub import AudioSegment
    AudioSegment.converter = ffmpeg.ffmpeg_exe()
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


def segment_to_array(seg) -> np.ndarray:
    """float32 samples shaped (frames, channels), in [-1, 1]."""
    data = np.frombuffer(seg.raw_data, dtype="<i2").astype(np.float32) / 32768.0
    return data.reshape(-1, seg.channels)


def load_array(path: Path | str, channels: int, rate: int = MASTER_RATE,
               max_seconds: float = MAX_STINGER_SECONDS, what: str = "audio file") -> np.ndarray:
    return segment_to_array(load_clip(path, channels, rate, max_seconds=max_seconds, what=what))
