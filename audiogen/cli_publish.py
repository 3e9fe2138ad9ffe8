"""CLI commands for shows: ``init``, ``feed`` and ``serve`` (registered by audiogen.cli).

Thin wrappers: parse options, call the library, print. Errors are AudiogenError
subclasses; the main group turns them into ``Error: ...`` and an exit code.
"""

from __future__ import annotations

import ipaddress
import json
import sys
from pathlib import Path
from typing import Any

import click

from audiogen.errors import ConfigError

_PROMPTS = {"title": "Show title", "author": "Author (shown as the podcast's artist)", "base_url": "Public base URL of the show folder (https://...)"}


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


@click.command("init")
@click.argument("showdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", help="Show title.")
@click.option("--author", help="Author / artist name shown by podcast apps.")
@click.option("--description", help="What the show is about (up to 4000 bytes).")
@click.option("--language", help="Language code, e.g. en or en-us.  [default: en]")
@click.option("--category", help="Apple Podcasts category, e.g. Technology.  [default: Society & Culture]")
@click.option("--subcategory", help="Apple Podcasts subcategory of --category.")
@click.option("--explicit/--clean", default=None, help="Whether the show contains explicit material.  [default: clean]")
@click.option("--base-url", help="Public URL where the show folder will be hosted (https://...).")
@click.option("--link", help="The show's website, if not the base URL.")
@click.option("--owner-name", help="Owner name for directories.  [default: author]")
@click.option("--owner-email", help="Owner email for directories (Apple uses it to verify ownership).")
@click.option("--cover", type=click.Path(dir_okay=False, path_type=Path), help="Square JPEG/PNG cover, 1400-3000 px. Generated from the title when omitted.")
@click.option("--locked/--unlocked", default=None, help="Ask other hosting platforms not to import the feed (podcast:locked).  [default: unlocked]")
@click.option("--force", is_flag=True, help="Overwrite an existing podcast.toml.")
@click.option("--json", "as_json", is_flag=True, help="Print the resulting show config as JSON.")
def init_cmd(showdir: Path, cover: Path | None, force: bool, as_json: bool, **fields: Any) -> None:
    """Create a show folder SHOWDIR: podcast.toml, a cover and episodes/.

    Flags give the values; when stdin is a terminal, missing required values
    (title, author, base URL) are asked for.
    """
    from audiogen.publish import rebuild  # not loaded for --help (feedgen, the renderer)
    from audiogen.publish.show import init_show  # not loaded for --help (Pillow)

    for key, label in _PROMPTS.items():
        if not fields.get(key) and _stdin_is_tty():
            fields[key] = click.prompt(label)
    missing = [k for k in _PROMPTS if not fields.get(k)]
    if missing:
        flags = ", ".join(f"--{k.replace('_', '-')}" for k in missing)
        raise ConfigError(f"missing {flags}; pass them as options (or run in a terminal to be asked)")
    show = init_show(showdir, force=force, cover=cover, **fields)
    rebuild(show.root)  # an (empty) feed.xml and index.html, so the folder is servable at once
    c = show.config
    if as_json:
        click.echo(json.dumps({
            "show_dir": str(show.root), "config": str(show.config_path), "title": c.title, "author": c.author,
            "base_url": c.base_url, "feed_url": c.feed_url, "cover": str(c.cover), "category": c.category,
            "subcategory": c.subcategory, "language": c.language, "explicit": c.explicit, "locked": c.locked,
            "podcast_guid": c.podcast_guid,
        }, indent=2))
        return
    click.echo(f"Created show {c.title!r} in {show.root}")
    click.echo(f"  config: {show.config_path}")
    click.echo(f"  cover:  {c.cover}")
    click.echo(f"  feed:   {c.feed_url}")
    click.echo(f"Next: audiogen episode ARTICLE --show {showdir}")


@click.command("feed")
@click.argument("showdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print what was published as JSON.")
@click.option("--list-public", is_flag=True,
              help="Then print the show's public files (what to upload), one per line, for rsync --files-from=-.")
def feed_cmd(showdir: Path, as_json: bool, list_public: bool) -> None:
    """Rebuild feed.xml, transcripts, chapters and the site of SHOWDIR from its episodes."""
    from audiogen.publish import rebuild  # not loaded for --help
    from audiogen.publish.show import public_files  # not loaded for --help

    result = rebuild(showdir)
    if list_public:
        for rel in public_files(result.show.root):
            click.echo(rel.as_posix())
        return
    if as_json:
        click.echo(json.dumps({
            "feed": str(result.feed_path),
            "feed_url": result.show.config.feed_url,
            "episodes": [
                {"slug": e.slug, "number": e.record.episode, "guid": e.record.guid,
                 "pub_date": e.record.pub_date.isoformat(), "enclosure_url": e.record.enclosure_url, "bytes": e.length}
                for e in result.episodes
            ],
            "skipped": [{"slug": s, "reason": r} for s, r in result.skipped],
            "changed": [str(p) for p in result.written],
        }, indent=2))
        return
    for slug, reason in result.skipped:
        click.echo(f"Warning: {slug} left out of the feed: {reason}", err=True)
    n = len(result.episodes)
    state = "updated" if result.written else "unchanged"
    click.echo(f"Feed {state}: {result.feed_path} ({n} episode{'s' if n != 1 else ''})")


@click.command("serve")
@click.argument("showdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="TCP port (0 = any free port).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; only loopback unless you mean to share it.")
@click.option("--quiet", is_flag=True, help="Do not log requests.")
def serve_cmd(showdir: Path, port: int, host: str, quiet: bool) -> None:
    """Serve SHOWDIR over HTTP (with Range support) to try it in a browser or podcast app."""
    from audiogen.publish.serve import make_server  # not loaded for --help
    from audiogen.publish.show import load_show  # not loaded for --help

    show = load_show(showdir)
    server = make_server(show.root, host=host, port=port, quiet=quiet)
    bound_host, bound_port = server.server_address[:2]
    try:
        loopback = ipaddress.ip_address(bound_host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        click.echo(f"Warning: serving on {bound_host}, reachable from other machines", err=True)
    url = f"http://{bound_host}:{bound_port}"
    click.echo(f"Serving {show.root} at {url}/  (feed: {url}/feed.xml; Ctrl-C to stop)")
    click.echo(f"Note: the feed's links point at {show.config.base_url}/", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        server.server_close()


COMMANDS = (init_cmd, feed_cmd, serve_cmd)
