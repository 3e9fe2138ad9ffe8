"""Options shared by the render commands (``episode``, ``render``, ``batch``): click options,
flags -> settings overrides, and the progress bar. Decisions live in audiogen.pipeline."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from audiogen.settings import MP3_BITRATES
from audiogen.tts import engine_names



class _Bitrate(click.ParamType):
    """An MP3 bitrate; a bad one is a usage error (exit 2), like any other bad option."""

    name = "kbps"

    def convert(self, value, param, ctx):
        try:
            kbps = int(value)
        except (TypeError, ValueError):
            kbps = None
        if kbps not in MP3_BITRATES:
            self.fail(f"{value!r} is not an MP3 bitrate; use one of {', '.join(map(str, MP3_BITRATES))}", param, ctx)
        return kbps


_BITRATE = _Bitrate()


def render_options(f):
    opts = [
        click.option("--engine", type=click.Choice(engine_names(), case_sensitive=False), default=None,
                     help="Speech engine (default: auto = natural voices where installed for the language, "
                          "eSpeak NG through pyttsx3 for the others)."),
        click.option("--voice", default=None, metavar="VOICE", help="Narrator voice (see 'audiogen voices')."),
        click.option("--quote-voice", default=None, metavar="VOICE", help="Voice for quotations."),
        click.option("--rate", type=click.IntRange(80, 450), default=None, help="Speaking rate, words per minute."),
        click.option("--pitch", type=click.IntRange(0, 99), default=None, help="Narrator pitch 0-99 (50 = the voice's own)."),
        click.option("--cast", is_flag=True, default=None, help="Give each recurring speaker their own voice."),
        click.option("--lexicon", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Pronunciation lexicon (PLS XML or 'written = spoken' lines)."),
        click.option("--intro", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Intro stinger audio file."),
        click.option("--outro", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Outro stinger audio file."),
        click.option("--no-stingers", "no_stingers", is_flag=True, help="No intro/outro music."),
        click.option("--stereo/--mono", "stereo", default=None,
                     help="Stereo 128 kb/s at -16 LUFS, or mono 64 kb/s at -19 LUFS (default)."),
        click.option("--bitrate", type=_BITRATE, default=None, metavar="KBPS",
                     help="MP3 bitrate in kb/s (CBR): 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320."),
        click.option("--cover", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Cover image (square JPEG/PNG) embedded in the MP3."),
        click.option("-j", "--workers", type=click.IntRange(1, 64), default=None,
                     help="Synthesis processes (default: one per CPU core); with 1 the render stays on one core."),
        click.option("--no-cache", "no_cache", is_flag=True,
                     help="Do not reuse or keep synthesized clips and encoded chunks."),
        click.option("-o", "--output", "output", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Folder for the episode files (default: output/)."),
        click.option("--show", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Render into a show folder and update its feed."),
        click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Take render defaults from the [render] table of this podcast.toml."),
        click.option("-q", "--quiet", is_flag=True, help="No progress bar."),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON object describing the episode."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def overrides(opts: dict[str, Any]) -> dict[str, Any]:
    """The render flags given on the command line, as settings overrides (None = not given)."""
    return {
        "engine": opts.get("engine"),
        "voice": opts.get("voice"),
        "quote_voice": opts.get("quote_voice"),
        "rate": opts.get("rate"),
        "pitch": opts.get("pitch"),
        "cast": True if opts.get("cast") else None,
        "lexicon": opts.get("lexicon"),
        "intro": opts.get("intro"),
        "outro": opts.get("outro"),
        "stingers": False if opts.get("no_stingers") else None,
        "channels": None if opts.get("stereo") is None else (2 if opts["stereo"] else 1),
        "bitrate": opts.get("bitrate"),
        "workers": opts.get("workers"),
        "cache": False if opts.get("no_cache") else None,
    }


def resolve(opts: dict[str, Any]):
    """(show or None, settings) for the render flags in ``opts``."""
    from audiogen.publish.show import resolve_settings  # not loaded for --help (Pillow)

    return resolve_settings(show=opts.get("show"), config=opts.get("config"), overrides=overrides(opts))


def progress(quiet: bool):
    """A click progress bar on stderr when stdout is a terminal, else nothing."""
    if quiet or not sys.stdout.isatty():
        return None, None
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = click.progressbar(length=total, label="Synthesizing", file=sys.stderr, show_pos=True)
            bar.__enter__()
            state["bar"] = bar
        bar.update(done - bar.pos)

    def close() -> None:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)

    return update, close
