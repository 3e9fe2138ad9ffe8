"""CLI command ``follow``: keep a show up to date from an RSS or Atom feed (registered by audiogen.cli).

A thin wrapper over :func:`audiogen.run.follow.follow`: options in, one line per item and a
summary (or one JSON object) out.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from audiogen.cli_options import render_options, resolve
from audiogen.errors import AudiogenError

_NOT_FOR_FOLLOW = {"output", "show", "cover", "config", "as_json", "quiet"}


def _follow_options(f):
    """``audiogen episode``'s voice and audio options (the show's [render] table is the base)."""
    def probe():
        pass

    render_options(probe)
    params = [p for p in probe.__click_params__ if p.name not in _NOT_FOR_FOLLOW]  # type: ignore[attr-defined]
    f.__click_params__ = params + list(getattr(f, "__click_params__", []))  # type: ignore[attr-defined]
    return f


def _since(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    from audiogen.run.follow import parse_since  # not loaded for --help (feedparser, the renderer)

    try:
        return parse_since(value)
    except AudiogenError as exc:
        raise click.BadParameter(str(exc).replace("--since ", "")) from None


@click.command("follow")
@click.argument("feed_url", metavar="FEED_URL")
@click.option("--show", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The show to publish into (made with 'audiogen init').")
@click.option("--limit", type=click.IntRange(0, None), default=None,
              help="Render at most the N newest new items; older new items are marked as seen, never rendered "
                   "(for a first run on a long feed).")
@click.option("--since", callback=_since, metavar="DATE",
              help="New items published before DATE (YYYY-MM-DD or ISO 8601) are marked as seen, never rendered.")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=None, metavar="SECONDS",
              help="Network timeout for connecting and for each read (default: 10 s to connect, 30 s to read).")
@_follow_options
@click.option("--cluster", metavar="ADDRESS", default=None,
              help="Render the items on a Dask cluster (e.g. tcp://10.0.0.5:8786; pip install 'audiogen[dask]'): "
                   "workers fetch and render, this machine publishes.")
@click.option("--store", metavar="URL", default=None,
              help="With --cluster: workers leave the episode files at this fsspec URL instead of sending them back.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors and the MP3 paths of new episodes.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object: each item's status (published/updated/unchanged/failed), paths, errors.")
def follow_cmd(feed_url: str, show: Path, limit: int | None, since: datetime | None, timeout: float | None,
               quiet: bool, as_json: bool, cluster: str | None, store: str | None, **opts: Any) -> None:
    """Render every new or changed item of the RSS/Atom feed FEED_URL into the show.

    \b
    Each item not seen before becomes an episode, read from the feed's full text
    (content:encoded, Atom content) or else from the page it links to, and is
    published with the item's title, date and author. What was seen is kept in
    the show's private state (SHOWDIR/.audiogen-follow/). Run it again (from cron
    or a systemd timer): with nothing new it renders nothing and says so in one
    line. An item whose text changed is rendered again and keeps its episode
    (same guid and number). A failing item is reported as 'Error: ITEM: message',
    the others still publish, and it is tried again on the next run.

    Exit code 0 when every item published (or nothing was new), 1 when an item
    failed, 3 when the feed itself cannot be fetched or read.
    """
    from audiogen.run import follow as follow_mod  # not loaded for --help

    if store is not None and cluster is None:
        raise click.UsageError("--store works with --cluster only")
    opts["show"] = show
    show_obj, settings = resolve(opts)
    assert show_obj is not None
    interactive = not quiet and not as_json

    def on_start(n: int, total: int, item) -> None:
        if interactive:
            click.echo(f"[{n}/{total}] rendering {item.label}", err=True)

    def on_result(result) -> None:
        if result.status == follow_mod.FAILED:
            click.echo(f"Error: {result.title}: {result.error}", err=True)
        elif interactive and result.status in (follow_mod.PUBLISHED, follow_mod.UPDATED):
            mins, secs = divmod(int(round(result.episode.duration)), 60)
            click.echo(f"{result.status}: {result.title} ({mins}:{secs:02d}) -> {result.slug}", err=True)

    runner = None
    if cluster is not None:
        from audiogen.run.cluster import follow_runner  # not loaded for --help

        runner = follow_runner(cluster, show_obj, settings, store=store)
    result = follow_mod.follow(show_obj.root, feed_url, settings, limit=limit, since=since, timeout=timeout,
                               runner=runner, on_start=on_start, on_result=on_result)
    failed = result.count(follow_mod.FAILED)
    if as_json:
        data = result.to_json()
        data["feed"] = str(show_obj.feed_path)
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        for r in result.items:
            if r.episode is not None and r.status != follow_mod.FAILED:
                click.echo(str(r.episode.mp3))
        if not quiet:
            click.echo(_summary(result, follow_mod), err=True)
    if failed:
        sys.exit(1)  # SystemExit passes audiogen.cli.main untouched


def _summary(result, mod) -> str:
    for key in result.duplicates if result.status != 304 else ():  # said once per change of the feed
        click.echo(f"Warning: the feed lists {key} more than once; the first one was used", err=True)
    if result.nothing_new:
        how = " (not modified)" if result.status == 304 else ""
        extra = f", {len(result.skipped)} left out by --limit/--since" if result.skipped else ""
        return f"Nothing new in {result.feed_url}{how}: {result.seen + result.count(mod.UNCHANGED)} items already published{extra}."
    parts = [f"{result.count(mod.PUBLISHED)} published", f"{result.count(mod.UPDATED)} updated",
             f"{result.count(mod.FAILED)} failed (retried next run)"]
    if result.skipped:
        parts.append(f"{len(result.skipped)} left out by --limit/--since")
    return ", ".join(parts) + "."


COMMANDS = (follow_cmd,)
