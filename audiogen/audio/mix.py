"""Assembly and encoding: master-format PCM, levelling, MP3 chunk encoding and loudness.

Episodes are 44.1 kHz, 16-bit, mono or stereo. Speech clips keep the engines' 22.05 kHz
and are levelled in the synthesis workers (gain, lookahead limiter, edge fades); the
parent only joins bytes into chunk files, each upsampled (exactly 2x), measured and
encoded by its own ffmpeg/LAME process, several at once, so memory stays flat and every
core works. Chunks with music are assembled at 44.1 kHz. Times are counted in samples,
never in pydub's rounded milliseconds.
"""

from __future__ import annotations

import errno
import functools
import re
import subprocess
from pathlib import Path

import numpy as np

from audiogen.audio import ffmpeg
from audiogen.audio.segment import MASTER_RATE, SPEECH_RATE, to_pcm  # noqa: F401  (to_pcm used as mix.to_pcm)
from audiogen.cleanup import child_kwargs, raise_if_interrupted
from audiogen.errors import AudioError, OutputError
from audiogen.fsutil import describe_os_error

STEREO_OFFSET_DB = 10 * np.log10(2)  # identical channels read 3.01 LU louder than mono

# Half-sample interpolation kernel for 2x upsampling (Kaiser-windowed sinc, 32 taps).
_TAPS = 16
_j = np.arange(-_TAPS + 1, _TAPS + 1)
_HALF = (np.sinc(0.5 - _j) * np.kaiser(2 * _TAPS, 8.0)).astype(np.float32)
_HALF /= _HALF.sum()


def to_master(samples: np.ndarray, rate: int) -> np.ndarray:
    """Mono int16 (or float) audio -> float32 mono at 44.1 kHz (music mixes, tests)."""
    x = samples.astype(np.float32) / 32768.0 if samples.dtype == np.int16 else samples.astype(np.float32)
    if rate == MASTER_RATE:
        return x
    if rate * 2 == MASTER_RATE:
        padded = np.pad(x, (_TAPS - 1, _TAPS))
        odd = np.correlate(padded, _HALF, mode="valid")[: len(x)]
        out = np.empty(2 * len(x), dtype=np.float32)
        out[0::2] = x
        out[1::2] = odd
        return out
    return _interp(x, rate, MASTER_RATE)


def to_speech(samples: np.ndarray, rate: int) -> np.ndarray:
    """Mono int16 engine output -> float32 mono at the clips' rate (22.05 kHz)."""
    x = samples.astype(np.float32) / 32768.0
    return x if rate == SPEECH_RATE else _interp(x, rate, SPEECH_RATE)


def _interp(x: np.ndarray, rate: int, to: int) -> np.ndarray:
    """Linear interpolation, for engines with an unusual rate (the bundled ones produce 22.05 kHz)."""
    n_out = int(round(len(x) * to / rate))
    t = np.arange(n_out, dtype=np.float64) * (rate / to)
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


def limit(x: np.ndarray, ceiling_db: float, lookahead_s: float = 0.004, rate: int = MASTER_RATE) -> np.ndarray:
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
    h = max(1, int(lookahead_s * rate))
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


def integrated_loudness(x: np.ndarray, rate: int) -> float | None:
    """BS.1770-4 gated loudness (LUFS) of float audio, (frames,) or (frames, channels), as
    ffmpeg's ebur128 reads it (K-weighted; the channels' energies summed, as BS.1770 weighs
    left and right; 400 ms blocks 100 ms apart, gated as in loudness_from_blocks); None when
    it is shorter than one block or silent."""
    block, hop = int(0.4 * rate), int(0.1 * rate)
    if len(x) < block:
        return None
    y = np.asarray(x, dtype=np.float64)
    y = k_weighted(y if y.ndim == 1 else y.T, rate)  # sosfilt filters along the last axis
    hops = y.shape[-1] // hop
    frames = y[..., :hops * hop].reshape(-1, hops, hop)
    per_hop = np.einsum("cij,cij->i", frames, frames)  # energy of each 100 ms, all channels
    n = block // hop
    blocks = sum(per_hop[k:hops - n + 1 + k] for k in range(n))  # 400 ms blocks, 100 ms apart
    with np.errstate(divide="ignore"):
        momentary = -0.691 + 10 * np.log10(blocks / (n * hop))
    return loudness_from_blocks(momentary, [], [])["integrated"]


def k_weighting(rate: int) -> list[tuple[list[float], list[float]]]:
    """The two K-weighting stages of BS.1770 at ``rate`` as biquads (b, a), a[0] = 1: a 4 dB
    high shelf at 1.5 kHz and a high-pass at 38 Hz, by the Audio EQ Cookbook's formulas with
    pyloudnorm's parameters (tests check they equal pyloudnorm's)."""
    stages = []
    for kind, gain_db, q, fc in (("shelf", 4.0, 1 / np.sqrt(2), 1500.0), ("high_pass", 0.0, 0.5, 38.0)):
        a_ = 10 ** (gain_db / 40.0)
        w0 = 2.0 * np.pi * fc / rate
        cos, alpha = np.cos(w0), np.sin(w0) / (2.0 * q)
        if kind == "shelf":
            root = 2 * np.sqrt(a_) * alpha
            b = [a_ * ((a_ + 1) + (a_ - 1) * cos + root), -2 * a_ * ((a_ - 1) + (a_ + 1) * cos),
                 a_ * ((a_ + 1) + (a_ - 1) * cos - root)]
            a = [(a_ + 1) - (a_ - 1) * cos + root, 2 * ((a_ - 1) - (a_ + 1) * cos), (a_ + 1) - (a_ - 1) * cos - root]
        else:
            b = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2]
            a = [1 + alpha, -2 * cos, 1 - alpha]
        stages.append(([float(v / a[0]) for v in b], [float(v / a[0]) for v in a]))
    return stages


@functools.lru_cache(maxsize=8)
def _k_sos(rate: int) -> np.ndarray:
    return np.array([[*b, *a] for b, a in k_weighting(rate)])


def k_weighted(x: np.ndarray, rate: int) -> np.ndarray:
    """``x`` (float64) through the K-weighting filter, from rest. (Filtering by FFT instead,
    which spares importing scipy.signal, cost ten times sosfilt's time per clip.)"""
    from scipy.signal import sosfilt  # slow (scipy.signal, ~0.8 CPU-s): only processes that level clips

    return sosfilt(_k_sos(rate), x)


def fade_edges(x: np.ndarray, fade_s: float = 0.005, rate: int = MASTER_RATE) -> np.ndarray:
    """Short raised-cosine fades at both ends so joins never click."""
    n = min(len(x) // 2, int(fade_s * rate))
    if n < 2:
        return x
    ramp = (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, n, dtype=np.float32))).astype(np.float32)
    if x.ndim > 1:
        ramp = ramp[:, None]
    y = x.copy()
    y[:n] *= ramp
    y[-n:] *= ramp[::-1]
    return y


# True peak (ITU-R BS.1770-4 annex 2): the signal between its samples, read on a 176.4 kHz grid
# (4x at 44.1 kHz, 8x at 22.05 kHz) through a Kaiser-windowed sinc of 16 taps per phase.
_TP_TAPS = 8
_TP_GRID = 4 * MASTER_RATE
_TP_BATCH = 2048
_TP_BLOCK = 1 << 20  # samples read at once: memory stays flat however long a chunk is


@functools.lru_cache(maxsize=4)
def _tp_phases(factor: int) -> tuple[np.ndarray, float]:
    """Interpolation kernels (taps x positions p/factor, p = 1 .. factor-1) and the largest sum
    of |taps|: no interpolated value can exceed that many times its window's peak."""
    j = np.arange(-_TP_TAPS + 1, _TP_TAPS + 1)
    h = np.stack([np.sinc(p / factor - j) * np.kaiser(2 * _TP_TAPS, 8.0) for p in range(1, factor)])
    h /= h.sum(axis=1, keepdims=True)
    return h.T.astype(np.float32), float(np.abs(h).sum(axis=1).max())


def true_peak(x: np.ndarray, rate: int) -> float | None:
    """True peak in dBTP of int16 or float audio, (frames,) or (frames, channels); None for silence.

    Exact for the interpolator above, yet cheap: only the stretches where a window holds a
    sample within reach of the sample peak (|x| * sum|taps| > peak) can rise above it, so
    only those are interpolated (a few percent of speech).
    """
    if x.ndim == 1:
        x = x[:, None]
    scale = 1 / 32768.0 if x.dtype == np.int16 else 1.0
    peak = 0.0
    for c in range(x.shape[1]):
        peak = max(peak, _channel_true_peak(x[:, c], rate))
    return 20 * np.log10(peak * scale) if peak > 0 else None


def _channel_true_peak(x: np.ndarray, rate: int) -> float:
    """The peak of one channel in its own units, a block at a time (``x`` may be a memmap)."""
    n = len(x)
    if n == 0:
        return 0.0
    kernels, reach = _tp_phases(max(2, round(_TP_GRID / rate)))
    peak = max(float(x.max()), -float(x.min()))
    if peak == 0.0:
        return 0.0
    floor = peak / reach
    t = _TP_TAPS
    taps = np.arange(2 * t)
    for b0 in range(0, n, _TP_BLOCK):
        # The value between samples k and k+1 reads x[k-T+1 .. k+T]; for k in [b0, b1) that is
        # x[lo:hi], zeros beyond the ends.
        b1 = min(n, b0 + _TP_BLOCK)
        lo, hi = b0 - t + 1, b1 + t
        seg = np.pad(x[max(lo, 0):min(hi, n)], (max(0, -lo), max(0, hi - n)))
        hot = np.flatnonzero((seg > floor) | (seg < -floor)) + lo
        if len(hot) == 0:
            continue
        # Worth computing: every k within T of a hot sample. Merge those ranges into runs, list their k.
        breaks = np.flatnonzero(np.diff(hot) > 2 * t)
        start = np.maximum(hot[np.concatenate(([0], breaks + 1))] - t, b0)
        end = np.minimum(hot[np.concatenate((breaks, [len(hot) - 1]))] + t - 1, b1 - 1)
        lengths = np.maximum(end - start + 1, 0)
        ks = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths) + np.repeat(start, lengths)
        # Small batches keep OpenBLAS on this thread (it spreads a product over threads only above
        # 65,536 x 4 multiply-adds): its threads would spin against the encoders for the same cores.
        for s in range(0, len(ks), _TP_BATCH):
            windows = seg[(ks[s:s + _TP_BATCH] - b0)[:, None] + taps].astype(np.float32)
            peak = max(peak, float(np.abs(windows @ kernels).max()))
    return peak


def silence(seconds: float, channels: int, rate: int = MASTER_RATE) -> bytes:
    return bytes(2 * channels * int(round(seconds * rate)))


def frames_in(pcm: bytes, channels: int) -> int:
    return len(pcm) // (2 * channels)


# ------------------------------------------------------------------ chunked encoding

_BLOCK_RE = re.compile(rb"\bt:\s*([\d.]+)\s+TARGET:\S+ LUFS\s+M:\s*(-?[\d.]+|-inf)\s+S:\s*(-?[\d.]+|-inf)")


def encoder_args(channels: int, kbps: int, quality: int = 5) -> list[str]:
    """The LAME settings of every episode (CBR, 44.1 kHz, Info header; tags come later)."""
    return ["-c:a", "libmp3lame", "-b:a", f"{kbps}k", "-compression_level", str(quality), "-ar", str(MASTER_RATE),
            "-write_xing", "1", "-id3v2_version", "0", "-write_id3v1", "0", "-map_metadata", "-1", "-f", "mp3"]


class ChunkEncode:
    """One ffmpeg process: a raw s16le PCM file in, an MP3 chunk out, measured on the way.

    The audio passes through ebur128 on its way to LAME, which logs its 100 ms blocks,
    so the episode's loudness is known without another pass and a cached chunk keeps
    its measurements. The true peak is read by ``true_peak`` instead: ebur128's
    (a 192 kHz resampler) would cost a fifth of the encoder's time.
    """

    def __init__(self, raw: Path, out: Path, channels: int, kbps: int, rate: int = MASTER_RATE):
        self.out = out
        self.log = out.with_suffix(".log")
        # Speech chunks come at 22.05 kHz: ffmpeg's resampler doubles the rate exactly (2n samples,
        # each at twice its index), more cheaply than numpy could; the meter hears what LAME gets.
        resample = f"aresample={MASTER_RATE}," if rate != MASTER_RATE else ""
        cmd = [ffmpeg.ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info",
               "-f", "s16le", "-ar", str(rate), "-ac", str(channels), "-i", str(raw),
               "-af", f"{resample}ebur128=framelog=info", *encoder_args(channels, kbps), "-y", str(out)]
        try:
            with open(self.log, "wb") as log:
                self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                                             start_new_session=True, **child_kwargs())
        except OSError as exc:
            raise AudioError(f"could not start ffmpeg: {exc}") from None
        try:
            raise_if_interrupted()
        except KeyboardInterrupt:
            self.abort()
            raise

    def done(self) -> bool:
        return self.proc.poll() is not None

    def result(self) -> dict:
        """Wait; return the chunk's loudness blocks: momentary and short-term LUFS."""
        rc = self.proc.wait()
        try:
            err = self.log.read_bytes()
        except OSError:
            err = b""
        finally:
            self.log.unlink(missing_ok=True)
        if rc != 0:
            line = ffmpeg.last_error_line(err)
            if "No space left on device" in line:
                raise OutputError(describe_os_error(OSError(errno.ENOSPC, line), self.out))
            raise AudioError(f"MP3 encoding failed: {line}")
        m, s = [], []
        for _t, mv, sv in _BLOCK_RE.findall(err):
            m.append(-120.0 if mv == b"-inf" else float(mv))
            s.append(-120.0 if sv == b"-inf" else float(sv))
        return {"momentary": m, "short": s}

    def abort(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.unlink(missing_ok=True)


def loudness_from_blocks(momentary: list[float], short: list[float], peaks: list[float | None]
                         ) -> dict[str, float | None]:
    """Integrated loudness (BS.1770-4 gating over ebur128's 400 ms blocks, 100 ms apart),
    loudness range (EBU Tech 3342 over its 3 s blocks) and true peak, for chunks measured apart."""
    def power(lufs: np.ndarray) -> np.ndarray:
        return 10 ** ((lufs + 0.691) / 10)

    def loud(p: float) -> float:
        return -0.691 + 10 * np.log10(p)

    out: dict[str, float | None] = {"integrated": None, "range": None, "true_peak": None}
    m = np.asarray(momentary, dtype=np.float64)
    m = m[m > -70]
    if m.size:
        rel = loud(power(m).mean()) - 10
        out["integrated"] = float(loud(power(m[m > rel]).mean()))
    s = np.asarray(short, dtype=np.float64)
    s = s[s > -70]
    if s.size:
        rel = loud(power(s).mean()) - 20
        s = s[s > rel]
        out["range"] = float(np.percentile(s, 95) - np.percentile(s, 10)) if s.size else 0.0
    real = [p for p in peaks if p is not None]
    out["true_peak"] = max(real) if real else None
    return out
