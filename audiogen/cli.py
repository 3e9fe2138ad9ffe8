"""Command line: parse options, call the library, print. Heavy modules load lazily
so ``audiogen --help`` stays fast."""

from __future__ import annotations

import errno
import json
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from audiogen import __version__, tts
from audiogen.cleanup import on_interrupt, reset_interrupt, sweep_temp
from audiogen.cli_batch import COMMANDS as BATCH
from audiogen.cli_follow import COMMANDS as FOLLOW
from audiogen.cli_options import progress, render_options, resolve
from audiogen.cli_publish import COMMANDS as PUBLISH
from audiogen.errors import AudiogenError
from audiogen.fsutil import atomic_write_text, describe_os_error
from audiogen.read.language import normalize_tag
from audiogen.script import dumps_json, format_text
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


# ------------------------------------------------------------------ commands


def _render_and_report(source, opts: dict[str, Any], show, settings) -> None:
    """Render a loaded source (into the show when given), publish it, print the result."""
    from audiogen import pipeline  # the renderer (numpy, engines, parsers): not loaded for --help

    update, close = progress(opts.get("quiet", False))
    try:
        episode = pipeline.render(source, settings, opts.get("output"), show=show, cover=opts.get("cover"),
                                  progress=update)
    finally:
        if close:
            close()
    feed = None
    if show is not None:
        pipeline.publish(episode, show)
        feed = show.feed_path
    if opts.get("as_json"):
        click.echo(json.dumps(episode.summary(feed), ensure_ascii=False))
        return
    if not opts.get("quiet"):
        mins, secs = divmod(int(round(episode.duration)), 60)
        click.echo(f"{episode.title}: {mins}:{secs:02d}, {len(episode.chapters)} chapters", err=True)
        if feed:
            click.echo(f"feed updated: {feed}", err=True)
    click.echo(str(episode.mp3))


def _check_language(ctx, param, value):
    if value is None:
        return None

    tag = normalize_tag(value)
    if tag is None or len(value.strip()) > 35:
        raise click.BadParameter(f"{value!r} is not a language code such as de, fr or pt-BR")
    return tag


def _language_option(f):
    return click.option(
        "--language", "language", default=None, metavar="CODE", callback=_check_language,
        help="The article's language (de, fr, pt-BR...). Default: what the article declares, "
             "checked against its text, else detected from the text.")(f)


@cli.command()
@click.argument("article", type=click.Path(allow_dash=True, path_type=str))
@_language_option
@render_options
def episode(article: str, language: str | None = None, **opts: Any) -> None:
    """Turn ARTICLE (.txt, .md, .html, or - for stdin) into an MP3 episode.

    Prints the MP3's path as the last line (or one JSON object with --json).
    """
    from audiogen import pipeline  # not loaded for --help

    show, settings = resolve(opts)
    _render_and_report(pipeline.load_source(article, settings=settings, language=language), opts, show, settings)


@cli.command()
@click.argument("article", type=click.Path(allow_dash=True, path_type=str))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Editable text script, or the JSON shape other tools read.")
@click.option("--lexicon", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Pronunciation lexicon applied to the spoken forms.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the script to this file instead of stdout.")
@_language_option
def script(article: str, fmt: str, lexicon: Path | None, output: Path | None, language: str | None = None) -> None:
    """Print the narration script for ARTICLE (edit it, then 'audiogen render')."""
    from audiogen import pipeline  # not loaded for --help
    from audiogen.publish.show import resolve_settings  # not loaded for --help (Pillow)

    _, settings = resolve_settings(overrides={"lexicon": lexicon})
    s = pipeline.load_source(article, settings=settings, language=language).script
    text = dumps_json(s) if fmt == "json" else format_text(s)
    if output is not None:
        atomic_write_text(output, text)
        click.echo(str(output))
    else:
        click.echo(text, nl=False)


@cli.command()
@click.argument("script_file", metavar="SCRIPT", type=click.Path(allow_dash=True, path_type=str))
@render_options
def render(script_file: str, **opts: Any) -> None:
    """Render an edited narration SCRIPT (text or JSON) into an MP3 episode."""
    from audiogen import pipeline  # not loaded for --help

    show, settings = resolve(opts)
    source = pipeline.load_source(script_file, kind=pipeline.SCRIPT, settings=settings)
    if not opts.get("quiet"):
        for note in source.script.notes:
            click.echo(f"Note: {note}", err=True)
    _render_and_report(source, opts, show, settings)


@cli.command()
@click.option("--engine", type=click.Choice(engine_names(), case_sensitive=False), default="auto", show_default=True,
              help="List this engine's voices; 'auto' also says which engine speaks each language.")
@click.option("--language", default=None, help="Only voices for this language code (e.g. en, de).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def voices(engine: str, language: str | None, as_json: bool) -> None:
    """List the speech engines, which one speaks each language, and their voices."""

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


for _cmd in (*PUBLISH, *BATCH, *FOLLOW):
    cli.add_command(_cmd)


# ------------------------------------------------------------------ entry point


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; AudiogenError -> 'Error: …' and its exit code, never a traceback."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        reset_interrupt()

        # SIGTERM unwinds as Ctrl-C does. A shell starts `audiogen … &` with SIGINT ignored, and
        # Python then installs no handler: Ctrl-C or `kill -INT` must still stop the run cleanly.
        signal.signal(signal.SIGTERM, on_interrupt)
        signal.signal(signal.SIGINT, on_interrupt)
    except ValueError:  # not in the main thread (tests)
        pass
    try:
        sweep_temp()  # scratch folders of runs that were killed
        cli.main(args=argv, prog_name="audiogen", standalone_mode=False)
        sys.stdout.flush()  # a failed write to stdout is an error, not a success
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
    except OSError as exc:
        if exc.filename is not None or exc.errno not in _STDOUT_ERRNOS:
            _internal(exc, debug)
        try:  # a write to stdout failed (a full disk, /dev/full): say so; the exit flush must not fail again
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass

        click.echo(f"Error: {describe_os_error(exc, 'standard output')}", err=True)
        sys.exit(7)
    except Exception as exc:  # a bug: say so in one line, details with --debug
        _internal(exc, debug)


_STDOUT_ERRNOS = {errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT, errno.EBADF}


def _internal(exc: BaseException, debug: bool) -> None:
    if debug:
        traceback.print_exception(exc)
    click.echo(f"Error: internal error ({type(exc).__name__}: {exc}); run with --debug for details "
               "and report it", err=True)
    sys.exit(EXIT_INTERNAL)
