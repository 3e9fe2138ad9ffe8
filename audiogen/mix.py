"""Assembly and encoding: master-format PCM, levelling, and a streaming MP3 encoder.

The master format is 44.1 kHz, 16-bit, mono or stereo. Speech clips are brought
into it in the synthesis workers (upsampled, gain, lookahead limiter, edge fades);
the parent only joins bytes and feeds one ffmpeg/LAME process, so memory stays
flat and synthesis overlaps encoding. Times are counted in samples, never in
pydub's rounded milliseconds.
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path
from typing import IO

import numpy as np

from audiogen import ffmpeg
from audiogen.audio import MASTER_RATE
from audiogen.errors import AudiogenError, AudioError, OutputError

# Half-sample interpolation kernel for 2x upsampling (Kaiser-windowed sinc, 32 taps).
_TAPS = 16
_j = np.arange(-_TAPS + 1, _TAPS + 1)
_HALF = (np.sinc(0.5 - _j) * np.kaiser(2 * _TAPS, 8.0)).astype(np.float32)
_HALF /= _HALF.sum()


def to_master(samples: np.ndarray, rate: int) -> np.ndarray:
    """Mono int16 engine output -> float32 mono at 44.1 kHz."""
    x = samples.astype(np.float32) / 32768.0
    if rate == MASTER_RATE:
        return x
    if rate * 2 == MASTER_RATE:
        padded = np.pad(x, (_TAPS - 1, _TAPS))
        odd = np.correlate(padded, _HALF, mode="valid")[: len(x)]
        out = np.empty(2 * len(x), dtype=np.float32)
        out[0::2] = x
        out[1::2] = odd
        return out
    # Any other rate: linear interpolation (engines here produce 22.05 kHz).
    n_out = int(round(len(x) * MASTER_RATE / rate))
    t = np.arange(n_out, dtype=np.float64) * (rate / MASTER_RATE)
    return np.interp(t, np.arange(len(x)), x).astype(np.float32)


def _running_min(x: np.ndarray, w: int) -> np.ndarray:
    """min(x[i-h .. i+h]) for window w = 2h+1, in O(n) (van Herk / Gil-Werman)."""
    h = w // 2
    n = len(x)
    pad_right = (-(n + 2 * h)) % w
    p = np.pad(x, (h, h + pad_right), constant_values=np.inf).reshape(-1, w)
    prefix = np.minimum.accumulate(p, axis=1).ravel()
    suffix = np.minimum.accumulate(p[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.minimum(suffix[:n], prefix[w - 1 : w - 1 + n])


def limit(x: np.ndarray, ceiling_db: float, lookahead_s: float = 0.004) -> np.ndarray:
    """Lookahead peak limiter: gain never lets |x| exceed the ceiling, and moves smoothly.

    Only the blocks around overs are processed (speech is mostly under the ceiling).
    """
    if len(x) == 0:
        return x
    ceiling = np.float32(10 ** (ceiling_db / 20))
    peak = np.abs(x) if x.ndim == 1 else np.abs(x).max(axis=1)
    over = peak > ceiling
    if not over.any():
        return x
    h = max(1, int(lookahead_s * MASTER_RATE))
    block = 4 * h
    nblocks = -(-len(x) // block)
    hot = np.zeros(nblocks + 2, dtype=bool)
    hot[1:-1] = np.pad(over, (0, nblocks * block - len(x))).reshape(nblocks, block).any(axis=1)
    hot = hot[:-2] | hot[1:-1] | hot[2:]  # one block of margin each side (> 2h)
    y = x.copy()
    edges = np.flatnonzero(np.diff(np.concatenate(([0], hot.astype(np.int8), [0]))))
    for start_b, end_b in zip(edges[::2], edges[1::2]):
        a, b = start_b * block, min(len(x), end_b * block)
        g = _gain_curve(peak[a:b], ceiling, h)
        y[a:b] *= g if x.ndim == 1 else g[:, None]
    return y


def _gain_curve(peak: np.ndarray, ceiling: np.float32, h: int) -> np.ndarray:
    """Smooth gain <= ceiling/peak everywhere: centred min filter, then a box average of the same half-width."""
    need = np.minimum(np.float32(1.0), ceiling / np.maximum(peak, np.float32(1e-9)))
    gmin = _running_min(need, 2 * h + 1)
    c = np.concatenate(([0.0], np.cumsum(np.pad(gmin, (h, h), mode="edge"), dtype=np.float64)))
    return ((c[2 * h + 1 :] - c[: -(2 * h + 1)]) / (2 * h + 1)).astype(np.float32)


def fade_edges(x: np.ndarray, fade_s: float = 0.005) -> np.ndarray:
    """Short raised-cosine fades at both ends so joins never click."""
    n = min(len(x) // 2, int(fade_s * MASTER_RATE))
    if n < 2:
        return x
    ramp = (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, n, dtype=np.float32))).astype(np.float32)
    if x.ndim > 1:
        ramp = ramp[:, None]
    y = x.copy()
    y[:n] *= ramp
    y[-n:] *= ramp[::-1]
    return y


def to_pcm(x: np.ndarray, channels: int) -> bytes:
    """float32 (frames,) or (frames, ch) -> interleaved s16le bytes with ``channels``."""
    if x.ndim == 1:
        x = x[:, None]
    if x.shape[1] != channels:
        x = np.repeat(x[:, :1], channels, axis=1) if channels > 1 else x.mean(axis=1, keepdims=True)
    return (np.clip(x, -1.0, 32767 / 32768) * 32768.0).astype("<i2").tobytes()


def silence(seconds: float, channels: int) -> bytes:
    return bytes(2 * channels * int(round(seconds * MASTER_RATE)))


def frames_in(pcm: bytes, channels: int) -> int:
    return len(pcm) // (2 * channels)


class Encoder:
    """One ffmpeg/LAME process fed s16le PCM on stdin, writing CBR MP3 with a Xing/Info header.

    A second, optional ffmpeg process measures the same PCM with ebur128 (true peak)
    so a loudness report needs no second pass over the file.
    """

    def __init__(self, out_path: Path, channels: int, kbps: int, *, measure: bool = True, quality: int = 5):
        self.channels = channels
        self.out_path = out_path
        self.frames = 0
        common = ["-hide_banner", "-nostdin", "-nostats", "-f", "s16le", "-ar", str(MASTER_RATE),
                  "-ac", str(channels), "-i", "pipe:0"]
        cmd = [ffmpeg.ffmpeg_exe(), *common, "-loglevel", "error", "-c:a", "libmp3lame", "-b:a", f"{kbps}k",
               "-compression_level", str(quality), "-ar", str(MASTER_RATE), "-write_xing", "1",
               "-id3v2_version", "0", "-write_id3v1", "0", "-map_metadata", "-1", "-f", "mp3", "-y", str(out_path)]
        self._enc = self._spawn(cmd)
        self._meter = None
        self._meter_err: bytes = b""
        if measure:
            mcmd = [ffmpeg.ffmpeg_exe(), *common, "-af", "ebur128=framelog=quiet:peak=true", "-f", "null", "-"]
            self._meter = self._spawn(mcmd)
            self._meter_thread = threading.Thread(target=self._drain_meter, daemon=True)
            self._meter_thread.start()
        self._enc_err: bytes = b""
        self._enc_thread = threading.Thread(target=self._drain_enc, daemon=True)
        self._enc_thread.start()

    @staticmethod
    def _spawn(cmd: list[str]) -> subprocess.Popen:
        try:
            # Own session: a Ctrl-C reaches audiogen only, which then stops the encoder cleanly.
            return subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    start_new_session=True)
        except OSError as exc:
            raise AudioError(f"could not start ffmpeg: {exc}") from None

    def _drain_enc(self) -> None:
        self._enc_err = self._enc.stderr.read()

    def _drain_meter(self) -> None:
        assert self._meter is not None
        self._meter_err = self._meter.stderr.read()

    def write(self, pcm: bytes) -> None:
        if not pcm:
            return
        self.frames += frames_in(pcm, self.channels)
        for proc in (self._enc, self._meter):
            if proc is None:
                continue
            try:
                proc.stdin.write(pcm)
            except BrokenPipeError:
                self.abort()
                if proc is self._enc:
                    raise self._encoder_error() from None
                raise AudioError(f"the loudness meter stopped: {ffmpeg.last_error_line(self._meter_err)}") from None

    def _encoder_error(self) -> AudiogenError:
        if self._enc_thread.is_alive():
            self._enc_thread.join(timeout=5)
        line = ffmpeg.last_error_line(self._enc_err)
        if "No space left on device" in line:
            return OutputError(f"no space left on the device to write the episode in {self.out_path.parent}; "
                               "free some space and run again")
        return AudioError(f"MP3 encoding failed: {line}")

    def finish(self) -> dict[str, float | None] | None:
        """Close the input, wait for the encoder; return the loudness report (or None)."""
        for proc in (self._enc, self._meter):
            if proc is not None:
                _close(proc.stdin)
        rc = self._enc.wait()
        self._enc_thread.join()
        if rc != 0:
            raise self._encoder_error()
        if self._meter is None:
            return None
        self._meter.wait()
        self._meter_thread.join()
        return ffmpeg.parse_ebur128(self._meter_err.decode("utf-8", "replace"))

    def abort(self) -> None:
        for proc in (self._enc, self._meter):
            if proc is not None and proc.poll() is None:
                proc.kill()
                _close(proc.stdin)
                proc.wait()


def _close(stream: IO[bytes] | None) -> None:
    if stream is None:
        return
    try:
        stream.close()
    except OSError:
        pass
