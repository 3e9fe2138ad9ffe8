"""Generate audiogen's bundled intro/outro stingers, music bed and default cover art.

Everything is synthesised here (numpy additive/FM tones, Pillow drawing) from a fixed
seed, and encoded with bit-exact ffmpeg flags, so rerunning reproduces the committed
files byte for byte on the same numpy/ffmpeg/zlib builds (and sample for sample
within 1 LSB elsewhere).

Usage: python scripts/make_assets.py [--out DIR]   (DIR defaults to ./assets of the repo)
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np

RATE = 44100
SEED = 20240611
PEAK_DBFS = -3.0
EDGE_FADE_S = 0.02  # master fades so every file starts and ends in silence
COVER_SIZE = 1400

INTRO_S = 3.5
OUTRO_S = 4.0
BED_S = 12.0  # 4 chords x 3 s: one musical phrase, looped end to start

Stereo = np.ndarray  # float64, shape (frames, 2)


# --- building blocks -------------------------------------------------------------------


def hz(midi: float) -> float:
    """Equal-tempered frequency of a MIDI note number (A4 = 69 = 440 Hz)."""
    return 440.0 * 2.0 ** ((midi - 69) / 12)


def frames(seconds: float) -> int:
    return int(round(seconds * RATE))


def ramp(n: int) -> np.ndarray:
    """Raised-cosine rise from 0 to 1 over n samples (zero slope at both ends: no clicks)."""
    if n <= 0:
        return np.ones(0)
    return 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, n))


def pan(mono: np.ndarray, position: float) -> Stereo:
    """Constant-power pan; position -1 (left) .. +1 (right)."""
    theta = (position + 1.0) * np.pi / 4
    return np.stack([mono * np.cos(theta), mono * np.sin(theta)], axis=1)


def add_at(buf: Stereo, sig: Stereo, start: int) -> None:
    """Mix ``sig`` into ``buf`` from frame ``start``, dropping whatever falls outside."""
    lo, hi = max(0, start), min(len(buf), start + len(sig))
    if hi > lo:
        buf[lo:hi] += sig[lo - start : hi - start]


def mallet(freq: float, dur: float, rng: np.random.Generator, *, brightness: float = 1.0) -> np.ndarray:
    """A soft FM electric-piano/mallet tone: 1:1 FM whose index decays, plus a faint octave.

    Attack is 12 ms (raised cosine), decay exponential (shorter for higher notes),
    release a 150 ms raised cosine at the end of ``dur``.
    """
    n = frames(dur)
    t = np.arange(n) / RATE
    phase = rng.uniform(0, 2 * np.pi)
    index = brightness * (0.25 + 1.3 * np.exp(-t / 0.18))
    body = np.sin(2 * np.pi * freq * t + phase + index * np.sin(2 * np.pi * freq * t))
    octave = 0.12 * np.sin(4 * np.pi * freq * t + 2 * phase) * np.exp(-t / 0.25)
    tau = 0.9 * (330.0 / freq) ** 0.35
    env = np.exp(-t / tau)
    env[: frames(0.012)] *= ramp(frames(0.012))
    env[n - frames(0.15) :] *= ramp(frames(0.15))[::-1]
    return (body + octave) * env


def pad_tone(freq: float, n: int, rng: np.random.Generator, *, width: float = 0.6) -> Stereo:
    """A warm sustained tone (harmonics falling at 12 dB/octave) with a detuned stereo chorus.

    A centre voice plus two quieter voices 4 cents sharp/flat panned apart: width in
    stereo, and only shallow beating when an episode is downmixed to mono.
    """
    t = np.arange(n) / RATE
    out = np.zeros((n, 2))
    for cents, gain, position in ((0.0, 1.0, 0.0), (-4.0, 0.5, -width), (4.0, 0.5, width)):
        f = freq * 2.0 ** (cents / 1200)
        mono = np.zeros(n)
        for k in range(1, 9):
            if k * f > 6000:
                break
            mono += np.sin(2 * np.pi * k * f * t + rng.uniform(0, 2 * np.pi)) / k**2
        out += pan(gain * mono, position)
    return out


def swell(n: int, attack: int, release: int) -> np.ndarray:
    """Envelope: raised-cosine attack, flat hold, raised-cosine release (sin/cos shaped pairs
    overlap as an equal-power crossfade)."""
    env = np.ones(n)
    env[:attack] = np.sin(np.linspace(0, np.pi / 2, attack)) ** 2 if attack else 1
    env[n - release :] = np.cos(np.linspace(0, np.pi / 2, release)) ** 2 if release else 1
    return env


def echo(sig: Stereo, delay_s: float, feedback: float, taps: int) -> Stereo:
    """Ping-pong echo: each repeat is quieter and alternates sides (adds space, mono-safe)."""
    d = frames(delay_s)
    mono = sig.mean(axis=1)
    out = sig.copy()
    for k in range(1, taps + 1):
        tap = np.zeros(len(sig))
        tap[k * d :] = mono[: len(sig) - k * d] * feedback**k
        out += pan(tap, -0.7 if k % 2 else 0.7)
    return out


def finish(sig: Stereo, fade_in_s: float, fade_out_s: float) -> np.ndarray:
    """Fade the edges to silence and peak-normalise to PEAK_DBFS; returns int16 frames."""
    sig = sig.copy()
    a, r = frames(fade_in_s), frames(fade_out_s)
    sig[:a] *= ramp(a)[:, None]
    sig[len(sig) - r :] *= ramp(r)[::-1, None]
    sig *= 10 ** (PEAK_DBFS / 20) / np.abs(sig).max()
    return np.round(sig * 32767).astype(np.int16)


# --- the three pieces (D major) ----------------------------------------------------------

D2, G2, A2, B2, D3, E3, Fs3, A3, B3 = 38, 43, 45, 47, 50, 52, 54, 57, 59  # MIDI note numbers
Cs4, D4, E4, Fs4, A4, Cs5, D5, E5, Fs5, A5 = 61, 62, 64, 66, 69, 73, 74, 76, 78, 81


def render_intro(rng: np.random.Generator) -> np.ndarray:
    """~3.5 s: a rising D-major-9 arpeggio over a swelling pad, landing on a bright D."""
    n = frames(INTRO_S)
    pad = np.zeros((n, 2))
    for note, gain in ((D3, 0.55), (A3, 0.45), (E4, 0.30), (Fs4, 0.35)):
        tone = pad_tone(hz(note), n, rng) * gain
        pad += tone * swell(n, frames(0.9), frames(1.6))[:, None]
    bass = pan(np.sin(2 * np.pi * hz(D2) * np.arange(n) / RATE) * swell(n, frames(0.5), frames(1.8)), 0.0)

    keys = np.zeros((n, 2))
    step = 0.2
    for i, note in enumerate((D4, Fs4, A4, Cs5, E5)):
        start = 0.08 + i * step
        keys += _placed(mallet(hz(note), INTRO_S - start - 0.1, rng), start, -0.45 + 0.22 * i, n)
    land = 0.08 + 5 * step + 0.08
    for note, gain, position in ((D5, 1.0, 0.1), (A5, 0.45, 0.35), (Fs5, 0.35, -0.3)):
        keys += _placed(gain * mallet(hz(note), INTRO_S - land - 0.05, rng, brightness=0.8), land, position, n)
    keys = echo(keys, 0.3, 0.28, 3)
    return finish(0.9 * keys + 0.55 * pad + 0.35 * bass, EDGE_FADE_S, 0.9)


def render_outro(rng: np.random.Generator) -> np.ndarray:
    """~4 s: the motif descending over an A major pad, resolving (V - I) to D major."""
    n = frames(OUTRO_S)
    change = frames(1.15)
    pad = np.zeros((n, 2))
    for note, gain in ((A2, 0.5), (E3, 0.4), (Cs4, 0.32), (E4, 0.3)):  # A major: leans home
        tone = pad_tone(hz(note), change + frames(0.5), rng) * gain
        pad[: len(tone)] += tone * swell(len(tone), frames(0.4), frames(0.5))[:, None]
    for note, gain in ((D3, 0.55), (A3, 0.4), (Fs4, 0.35), (D4, 0.3)):  # D major: home
        m = n - change
        tone = pad_tone(hz(note), m, rng) * gain
        pad[change:] += tone * swell(m, frames(0.5), frames(2.2))[:, None]
    bass = np.zeros((n, 2))
    bass[: change + frames(0.5)] += pan(
        np.sin(2 * np.pi * hz(A2 - 12) * np.arange(change + frames(0.5)) / RATE)
        * swell(change + frames(0.5), frames(0.3), frames(0.5)),
        0.0,
    )
    bass[change:] += pan(np.sin(2 * np.pi * hz(D2) * np.arange(n - change) / RATE) * swell(n - change, frames(0.5), frames(2.4)), 0.0)

    keys = np.zeros((n, 2))
    step = 0.2
    for i, note in enumerate((E5, Cs5, A4, E4)):
        start = 0.06 + i * step
        keys += _placed(mallet(hz(note), 1.6, rng), start, 0.45 - 0.25 * i, n)
    chord_at = 1.2
    for note, gain, position in ((D4, 0.8, -0.2), (Fs4, 0.55, 0.25), (A4, 0.55, -0.35), (D5, 0.7, 0.3)):
        keys += _placed(gain * mallet(hz(note), OUTRO_S - chord_at - 0.05, rng, brightness=0.7), chord_at, position, n)
    keys = echo(keys, 0.3, 0.25, 3)
    return finish(0.9 * keys + 0.55 * pad + 0.35 * bass, EDGE_FADE_S, 1.4)


def render_bed(rng: np.random.Generator) -> np.ndarray:
    """12 s soft pad, D - Bm7 - Gmaj7 - Asus2, one chord every 3 s, built to loop.

    Chords crossfade into one another (equal power, 1.2 s); the last chord breathes
    out to silence exactly where the first breathes in, so the file tiles end to start
    without a seam and also works played once. No attack is shorter than 0.6 s.
    """
    n = frames(BED_S)
    chord_len = n // 4
    chords = (
        (D3, A3, E4, Fs4, D2),
        (B2, Fs3, D4, A4, B2 - 12),
        (G2, D3, B3, Fs4, G2 - 12),
        (A2, E3, B3, E4, A2 - 12),
    )
    overlap = frames(1.2)
    out = np.zeros((n, 2))
    for i, notes in enumerate(chords):
        first, last = i == 0, i == len(chords) - 1
        start = 0 if first else i * chord_len - overlap // 2
        end = n if last else (i + 1) * chord_len + overlap // 2
        attack = frames(0.8) if first else overlap
        release = frames(1.3) if last else overlap
        m = end - start
        env = swell(m, attack, release)[:, None]
        for j, note in enumerate(notes):
            if j == len(notes) - 1:  # the root an octave down: a plain sine, centred
                tone = pan(0.5 * np.sin(2 * np.pi * hz(note) * np.arange(m) / RATE + rng.uniform(0, 6.28)), 0.0)
            else:
                tone = pad_tone(hz(note), m, rng, width=0.7) * (0.5 if j < 2 else 0.32)
            add_at(out, tone * env, start)
    return finish(out, EDGE_FADE_S, EDGE_FADE_S)


def _placed(mono: np.ndarray, start_s: float, position: float, n: int) -> Stereo:
    """A mono note panned and placed at ``start_s`` in an n-frame buffer."""
    buf = np.zeros((n, 2))
    add_at(buf, pan(mono, position), frames(start_s))
    return buf


def render_audio() -> dict[str, np.ndarray]:
    """All three pieces as int16 (frames, 2) arrays, from one seeded generator each."""
    return {
        "intro": render_intro(np.random.default_rng([SEED, 1])),
        "outro": render_outro(np.random.default_rng([SEED, 2])),
        "bed": render_bed(np.random.default_rng([SEED, 3])),
    }


# --- encoding --------------------------------------------------------------------------


def wav_bytes(pcm: np.ndarray) -> bytes:
    """int16 (frames, 2) -> a 44.1 kHz stereo 16-bit WAV file in memory."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.astype("<i2").tobytes())
    return buf.getvalue()


def write_flac(pcm: np.ndarray, path: Path) -> None:
    """Encode with the bundled ffmpeg; bitexact flags keep version strings out of the file."""
    import imageio_ffmpeg

    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "wav", "-i", "pipe:0",
        "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact",
        "-c:a", "flac", "-compression_level", "8", str(path),
    ]  # fmt: skip
    proc = subprocess.run(cmd, input=wav_bytes(pcm), capture_output=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"ffmpeg could not write {path}: {proc.stderr.decode(errors='replace').strip()}")


# --- cover ------------------------------------------------------------------------------


def render_cover(size: int = COVER_SIZE):
    """Square RGB cover: night-blue to plum gradient, warm sound-wave bars, the word 'audiogen'.

    Shapes and text are drawn at 2x and scaled down for clean edges; the gradient is
    drawn at 1x so the PNG stays small.
    """
    from PIL import Image, ImageDraw, ImageFont

    yy, xx = np.mgrid[0:size, 0:size] / (size - 1)
    mix = np.clip(0.65 * yy + 0.35 * xx, 0, 1)[..., None]
    top, bottom = np.array([16, 22, 46]), np.array([70, 30, 92])
    background = Image.fromarray(np.round(top + (bottom - top) * mix).astype(np.uint8), "RGB")

    s = 2 * size
    layer = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    bars = 23
    bar_w, gap = s * 0.022, s * 0.014
    x0 = (s - (bars * bar_w + (bars - 1) * gap)) / 2
    mid_y = s * 0.40
    warm_a, warm_b = np.array([255, 122, 110]), np.array([255, 196, 92])
    for i in range(bars):
        u = i / (bars - 1)
        shape = np.sin(np.pi * u) ** 1.2 * (0.3 + 0.7 * np.abs(np.sin(9.1 * u + 0.6)))
        h = s * (0.035 + 0.32 * shape)
        x = x0 + i * (bar_w + gap)
        colour = tuple(int(c) for c in np.round(warm_a + (warm_b - warm_a) * u)) + (255,)
        draw.rounded_rectangle((x, mid_y - h / 2, x + bar_w, mid_y + h / 2), radius=bar_w / 2, fill=colour)

    font = ImageFont.load_default(size=int(s * 0.135))
    word = "audiogen"
    left, _, right, _ = draw.textbbox((0, 0), word, font=font)
    draw.text(((s - (right - left)) / 2 - left, s * 0.63), word, font=font, fill=(246, 242, 236, 255))
    small = ImageFont.load_default(size=int(s * 0.032))
    tag = "articles, read aloud"
    left, _, right, _ = draw.textbbox((0, 0), tag, font=small)
    draw.text(((s - (right - left)) / 2 - left, s * 0.795), tag, font=small, fill=(246, 242, 236, 150))

    layer = layer.resize((size, size), Image.LANCZOS)
    return Image.alpha_composite(background.convert("RGBA"), layer).convert("RGB")


def write_cover(path: Path) -> None:
    render_cover().save(path, format="PNG", optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "assets")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, pcm in render_audio().items():
        path = args.out / f"{name}.flac"
        write_flac(pcm, path)
        print(f"{path}: {len(pcm) / RATE:.2f} s, {path.stat().st_size // 1024} KB")
    cover = args.out / "cover.png"
    write_cover(cover)
    print(f"{cover}: {COVER_SIZE}x{COVER_SIZE}, {cover.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
