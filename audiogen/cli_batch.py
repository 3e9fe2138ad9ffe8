"""CLI command ``batch``: render many articles, skip finished ones, rebuild the feed once.

Registered by audiogen.cli (``COMMANDS``). The render options are the ones
``audiogen episode`` takes, except that ``-j`` counts articles rendered at once
(synthesis processes per article are ``--workers``).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from audiogen.cli_options import render_options, resolve
from audiogen.errors import AudiogenError


def _batch_options(f):
    """``audiogen episode``'s render options, with -j/--workers replaced by batch's own."""
    def probe():
        pass

    render_options(probe)
    params = [p for p in probe.__click_params__ if p.name != "workers"]  # type: ignore[attr-defined]
    for p in params:
        if p.name == "as_json":
            p.help = "Print one JSON object: each article's status (rendered/skipped/failed), paths and errors."
        elif p.name == "quiet":
            p.help = "No progress bar and no summary (errors are still printed)."
        elif p.name == "show":
            p.help = "Render into a show folder; its feed is rebuilt once at the end."
        elif p.name == "output":
            p.help = "Folder for the episode files (default: output/); ignored with --show."
    f.__click_params__ = params + list(getattr(f, "__click_params__", []))  # type: ignore[attr-defined]
    f = click.option("--force", is_flag=True, help="Render every article, even unchanged ones.")(f)
    f = click.option("--store", metavar="URL", default=None,
                     help="With --cluster: workers leave the episode files at this fsspec URL (e.g. file:///mnt/shared "
                          "or s3://bucket/tmp) instead of sending them back; the client publishes them.")(f)
    f = click.option("--cluster", metavar="ADDRESS", default=None,
                     help="Render on a Dask cluster (e.g. tcp://10.0.0.5:8786; pip install 'audiogen[dask]'): one "
                          "task per article, this machine publishes. -j is then ignored.")(f)
    f = click.option("--workers", type=click.IntRange(1, 64), default=None,
                     help="Synthesis processes per article (default: CPU cores / -j).")(f)
    f = click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
                     help="Articles rendered at once (each in its own process).")(f)
    return f


@click.command("batch")
@click.argument("articles", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@_batch_options
def batch(articles: tuple[str, ...], jobs: int, force: bool, cluster: str | None, store: str | None,
          **opts: Any) -> None:
    """Render many ARTICLES into episodes; unchanged ones are skipped.

    An article is skipped when its episode exists for the same article bytes and
    the same settings (--force renders anyway). A failing article is reported as
    'Error: FILE: message' and the others still render. With --show the feed and
    site are rebuilt once at the end.

    Prints each episode's MP3 path (or one JSON object with --json). Exit code 0
    when every article rendered or was skipped, 1 when any failed.
    """
    from audiogen.run.batch import FAILED, RENDERED, SKIPPED, run_batch  # the renderer: not loaded for --help

    if store is not None and cluster is None:
        raise click.UsageError("--store works with --cluster only")
    t0 = time.perf_counter()
    quiet = opts.get("quiet", False)
    as_json = opts.get("as_json", False)
    show, settings = resolve(opts)
    out_dir = None if show is not None else (opts.get("output") or Path("output"))

    bar = None
    if not quiet and sys.stdout.isatty():
        bar = click.progressbar(length=len(articles), label="Rendering articles", file=sys.stderr, show_pos=True)
        bar.__enter__()

    def on_result(result) -> None:
        if result.status == FAILED:
            if bar is not None:
                click.echo("", err=True)
            click.echo(f"Error: {result.article}: {result.error}", err=True)
        if bar is not None:
            bar.update(1)

    common = dict(out_dir=out_dir, show_dir=show.root if show else None, album=show.config.title if show else None,
                  cover=opts.get("cover"), force=force, on_result=on_result)
    try:
        if cluster is not None:
            from audiogen.run.cluster import run_cluster_batch  # not loaded for --help

            results = run_cluster_batch(articles, settings, address=cluster, store=store, **common)
        else:
            results = run_batch(articles, settings, jobs=jobs, **common)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)

    feed = None
    feed_error = None
    if show is not None:
        from audiogen.publish import rebuild  # not loaded for --help

        try:
            built = rebuild(show.root)
            feed = str(built.feed_path)
            for slug, reason in built.skipped:
                click.echo(f"Warning: {slug} left out of the feed: {reason}", err=True)
        except AudiogenError as exc:
            feed_error = str(exc)
            click.echo(f"Error: feed: {feed_error}", err=True)

    counts = {s: sum(r.status == s for r in results) for s in (RENDERED, SKIPPED, FAILED)}
    if as_json:
        data: dict[str, Any] = {"articles": [r.to_json() for r in results], **counts,
                                "seconds": round(time.perf_counter() - t0, 2)}
        if show is not None:
            data["feed"] = feed
            if feed_error:
                data["feed_error"] = feed_error
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        for r in results:
            if r.mp3:
                click.echo(r.mp3)
        if not quiet:
            click.echo(f"{counts[RENDERED]} rendered, {counts[SKIPPED]} skipped (unchanged), "
                       f"{counts[FAILED]} failed", err=True)
            if feed:
                click.echo(f"feed updated: {feed}", err=True)
    if counts[FAILED] or feed_error:
        sys.exit(1)  # SystemExit passes audiogen.cli.main untouched; click's Exit would be swallowed there


COMMANDS = (batch,)
