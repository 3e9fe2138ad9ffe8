"""Command line: parse options, call the library, print. Heavy modules load lazily
so ``audiogen --help`` stays fast."""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from audiogen import __version__
from audiogen.errors import AudiogenError
from audiogen.tts import engine_names

EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 70


class _Group(click.Group):
    def list_commands(self, ctx):  # keep the order commands were added (pipeline order)
        return list(self.commands)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="audiogen")
@click.option("--debug", is_flag=True, help="Show a traceback when something fails.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Turn a written article into a podcast episode.

    \b
    Typical use:
      audiogen episode article.md -o output/     # article -> chaptered MP3
      audiogen script article.md > story.txt     # edit the narration script...
      audiogen render story.txt -o output/       # ...and render it
      audiogen init myshow/ && audiogen episode article.md --show myshow/
    """
    ctx.obj = {"debug": debug}


# ------------------------------------------------------------------ shared options


def _render_options(f):
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
        click.option("--bitrate", type=int, default=None, help="MP3 bitrate in kb/s (CBR)."),
        click.option("--cover", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Cover image (square JPEG/PNG) embedded in the MP3."),
        click.option("-j", "--workers", type=click.IntRange(1, 64), default=None,
                     help="Synthesis processes (default: one per CPU core)."),
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


def _settings(base, opts: dict[str, Any]):
    overrides = {
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
    return base.merged(overrides)


def _resolve(opts: dict[str, Any]):
    """(show or None, settings): defaults < --config or the show's [render] table < flags."""
    from audiogen.settings import RenderSettings

    show = None
    base = RenderSettings()
    if opts.get("show") is not None:
        from audiogen.show import load_show

        show = load_show(opts["show"])
        base = show.render
    if opts.get("config") is not None:
        from audiogen.show import load_render_settings

        base = load_render_settings(opts["config"])
    settings = _settings(base, opts)
    _check_inputs(settings)
    return show, settings


def _check_inputs(settings) -> None:
    from audiogen.errors import AudioError, ConfigError

    for name in ("intro", "outro", "bed"):
        path = getattr(settings, name)
        if path is not None and settings.stingers and not Path(path).is_file():
            raise AudioError(f"{name} file not found: {path}; give an audio file or use --no-stingers")
    if settings.lexicon is not None and not Path(settings.lexicon).is_file():
        raise ConfigError(f"lexicon file not found: {settings.lexicon}")


def _load_lexicon(settings):
    if settings.lexicon is None:
        return None
    from audiogen.speech import load_lexicon

    return load_lexicon(settings.lexicon)


def _progress(quiet: bool):
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


def _render_and_report(script, opts: dict[str, Any], source_sha256: str | None, source: str) -> None:
    from audiogen.episode import manifest_path, render

    show, settings = _resolve(opts)
    out_dir = opts.get("output") or Path("output")
    album = None
    slug = None
    if show is not None:
        slug = show.slug_for(script.title, source)
        out_dir = show.episode_dir(slug)
        album = show.config.title
    update, close = _progress(opts.get("quiet", False))
    fresh_folder = show is not None and not out_dir.exists()
    try:
        episode = render(script, out_dir, settings, slug=slug, source_sha256=source_sha256, source=source,
                         cover=opts.get("cover"), album=album, progress=update)
    except BaseException:
        if fresh_folder:  # a first render that failed leaves no empty episode folder in the show
            try:
                out_dir.rmdir()
            except OSError:
                pass
        raise
    finally:
        if close:
            close()
    feed = None
    if show is not None:
        from audiogen.publish import publish_episode

        publish_episode(show.root, manifest_path(episode))
        feed = str(show.feed_path)
    if opts.get("as_json"):
        data = episode.to_manifest()
        data["mp3"] = str(episode.mp3)
        data["manifest"] = str(manifest_path(episode))
        if feed:
            data["feed"] = feed
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        if not opts.get("quiet"):
            mins, secs = divmod(int(round(episode.duration)), 60)
            click.echo(f"{episode.title}: {mins}:{secs:02d}, {len(episode.chapters)} chapters", err=True)
            if feed:
                click.echo(f"feed updated: {feed}", err=True)
        click.echo(str(episode.mp3))


def _read_article_script(article_path: str, lexicon):
    from audiogen.article import load_article
    from audiogen.script_builder import build_script

    article = load_article(article_path)
    return build_script(article, lexicon)


# ------------------------------------------------------------------ commands


@cli.command()
@click.argument("article", type=click.Path(allow_dash=True, path_type=str))
@_render_options
def episode(article: str, **opts: Any) -> None:
    """Turn ARTICLE (.txt, .md, .html, or - for stdin) into an MP3 episode.

    Prints the MP3's path as the last line (or one JSON object with --json).
    """
    import hashlib

    _, settings = _resolve(opts)
    script = _read_article_script(article, _load_lexicon(settings))
    digest = None
    if article != "-":
        try:
            digest = hashlib.sha256(Path(article).read_bytes()).hexdigest()
        except OSError:
            digest = None
    _render_and_report(script, opts, digest, article if article == "-" else str(Path(article).resolve()))


@cli.command()
@click.argument("article", type=click.Path(allow_dash=True, path_type=str))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Editable text script, or the JSON shape other tools read.")
@click.option("--lexicon", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Pronunciation lexicon applied to the spoken forms.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the script to this file instead of stdout.")
def script(article: str, fmt: str, lexicon: Path | None, output: Path | None) -> None:
    """Print the narration script for ARTICLE (edit it, then 'audiogen render')."""
    from audiogen.script import dumps_json, format_text

    lex = None
    if lexicon is not None:
        from audiogen.speech import load_lexicon

        lex = load_lexicon(lexicon)
    s = _read_article_script(article, lex)
    text = dumps_json(s) if fmt == "json" else format_text(s)
    if output is not None:
        from audiogen.fsutil import atomic_write_text

        atomic_write_text(output, text)
        click.echo(str(output))
    else:
        click.echo(text, nl=False)


@cli.command()
@click.argument("script_file", metavar="SCRIPT", type=click.Path(allow_dash=True, path_type=str))
@_render_options
def render(script_file: str, **opts: Any) -> None:
    """Render an edited narration SCRIPT (text or JSON) into an MP3 episode."""
    import hashlib

    from audiogen.article import decode_bytes
    from audiogen.errors import InputError
    from audiogen.script import loads

    if script_file == "-":
        data = sys.stdin.buffer.read()
        name = "stdin"
    else:
        path = Path(script_file)
        if path.is_dir():
            raise InputError(f"{path} is a folder; give a script file made by 'audiogen script'")
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"script not found: {path}") from None
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}") from None
        name = str(path)
    text = decode_bytes(data, name)
    s = loads(text, name)
    _render_and_report(s, opts, hashlib.sha256(data).hexdigest(),
                       script_file if script_file == "-" else str(Path(script_file).resolve()))


@cli.command()
@click.option("--engine", type=click.Choice(engine_names(), case_sensitive=False), default="auto", show_default=True,
              help="List this engine's voices; 'auto' also says which engine speaks each language.")
@click.option("--language", default=None, help="Only voices for this language code (e.g. en, de).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def voices(engine: str, language: str | None, as_json: bool) -> None:
    """List the speech engines, which one speaks each language, and their voices."""
    from audiogen import tts

    engine = tts.canonical(engine)
    names = [s.name for s in tts.specs()] if engine == tts.AUTO else [engine]
    installed = [n for n in names if tts.available(n)]
    if engine != tts.AUTO and not installed:
        tts.get_engine(engine)  # raises the engine's own "not installed" error
    languages = [language.lower()] if language else sorted(
        {c.split("-")[0] for n in installed if tts.spec(n).natural for c in tts.get_engine(n).languages()} or {"en"})
    table = tts.language_table(languages, engine)
    listing = []
    for n in installed:
        for v in tts.get_engine(n).voices():
            if language and not any(c.lower().startswith(language.lower()) for c in v.languages):
                continue
            listing.append({"engine": n, "id": v.id, "name": v.name, "languages": list(v.languages),
                            "gender": v.gender})
    if as_json:
        click.echo(json.dumps({
            "engines": [{"name": s.name, "aliases": list(s.aliases), "natural": s.natural,
                         "installed": s.name in installed, "description": s.description}
                        for s in tts.specs() if s.name in names],
            "languages": table,
            "fallback": tts.FALLBACK if engine == tts.AUTO else None,
            "voices": listing,
        }, ensure_ascii=False))
        return
    click.echo("Who speaks which language (--engine %s):" % engine)
    for row in table:
        parts = []
        for role in tts.ROLES:
            r = row[role]
            parts.append(f"{role} {r['voice']} ({r['engine']})" if "voice" in r else f"{role}: {r['error']}")
        click.echo(f"  {row['language']:8} " + ", ".join(parts))
    if engine == tts.AUTO:
        click.echo(f"  {'other':8} eSpeak NG ({tts.FALLBACK}), the voice for the language")
    for n in installed:
        click.echo(f"\n{n}: {tts.spec(n).description}")
        for v in listing:
            if v["engine"] == n:
                click.echo(f"  {v['id']:28} {v['name']:36} {','.join(v['languages'])}")
    missing = [n for n in names if n not in installed]
    if missing:
        click.echo(f"\nnot installed: {', '.join(missing)}")
    if tts.FALLBACK in installed:
        click.echo("\neSpeak variants can be added to any eSpeak voice, e.g. gmw/en-us+f3 (female), gmw/en+m3.", err=True)


def _register_commands() -> None:
    from audiogen.cli_batch import COMMANDS as BATCH
    from audiogen.cli_publish import COMMANDS as PUBLISH

    for cmd in (*PUBLISH, *BATCH):
        cli.add_command(cmd)


_register_commands()


# ------------------------------------------------------------------ entry point


def _on_sigterm(signum, frame):  # turn SIGTERM into the same clean unwind as Ctrl-C
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; AudiogenError -> 'Error: …' and its exit code, never a traceback."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not in the main thread (tests)
        pass
    try:
        cli.main(args=argv, prog_name="audiogen", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("Interrupted: nothing was changed; run the command again to finish.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except AudiogenError as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        os._exit(0)
    except Exception as exc:  # a bug: say so in one line, details with --debug
        if debug:
            traceback.print_exc()
        click.echo(f"Error: internal error ({type(exc).__name__}: {exc}); run with --debug for details "
                   "and report it", err=True)
        sys.exit(EXIT_INTERNAL)
