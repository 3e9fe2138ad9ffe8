#!/usr/bin/env python3
"""The straightforward way to narrate an article, kept as a reference for scripts/bench.py.

pyttsx3 per paragraph into a WAV file, pydub ``+=`` to join, ``export`` to MP3
(64 kb/s mono 44.1 kHz). The whole episode is held in memory and encoded after
synthesis, so this is what audiogen's streaming renderer is measured against.
Not used by audiogen itself.

    python scripts/naive_render.py ARTICLE.md OUT.mp3
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
import tempfile
import time
import wave
from pathlib import Path


def paragraphs(text: str) -> list[str]:
    """Blank-line separated blocks, with Markdown heading/quote markers dropped."""
    out = []
    for block in re.split(r"\n\s*\n", text):
        block = re.sub(r"^\s*(#+|>)\s*", "", block.strip(), flags=re.M)
        block = " ".join(block.split())
        if block:
            out.append(block)
    return out


def _wait_for_wav(path: Path, timeout: float = 30.0) -> None:
    """pyttsx3's runAndWait can return before eSpeak has finished writing the file."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with wave.open(str(path), "rb") as wf:
                if 44 + wf.getnframes() * wf.getsampwidth() * wf.getnchannels() <= path.stat().st_size:
                    return
        except (FileNotFoundError, EOFError, wave.Error):
            pass
        time.sleep(0.005)
    raise RuntimeError(f"eSpeak never finished {path}")


def render(article: Path, out: Path) -> None:
    from audiogen.tts.espeak import ensure_espeak

    ensure_espeak()
    import pyttsx3
    from pydub import AudioSegment
    from audiogen.audio.ffmpeg import ffmpeg_exe

    AudioSegment.converter = ffmpeg_exe()
    with contextlib.redirect_stdout(io.StringIO()):
        engine = pyttsx3.init("espeak")
    engine.setProperty("rate", 175)
    episode = AudioSegment.silent(duration=500, frame_rate=22050)
    with tempfile.TemporaryDirectory(prefix="naive-") as tmp:
        for i, para in enumerate(paragraphs(article.read_text(encoding="utf-8"))):
            wav = Path(tmp) / f"p{i}.wav"
            with contextlib.redirect_stdout(io.StringIO()):
                engine.save_to_file(para, str(wav))
                engine.runAndWait()
                _wait_for_wav(wav)
            episode += AudioSegment.from_wav(str(wav))
            episode += AudioSegment.silent(duration=700, frame_rate=episode.frame_rate)
            os.unlink(wav)
    episode.export(str(out), format="mp3", bitrate="64k", parameters=["-ac", "1", "-ar", "44100"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("article", type=Path)
    ap.add_argument("out", type=Path)
    args = ap.parse_args(argv)
    render(args.article, args.out)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
