"""Every command and option is in ``--help`` and in the README's tables, and the README lists
nothing the CLI does not have."""

from __future__ import annotations

import re

import click
from click.testing import CliRunner
from conftest import REPO

from audiogen.cli import cli


def _options(cmd: click.Command) -> dict[str, click.Option]:
    return {o: p for p in cmd.params if isinstance(p, click.Option) for o in (*p.opts, *p.secondary_opts)}


def _readme_tables() -> tuple[dict[str, str], dict[str, set[str]]]:
    """(command name -> its row, option -> the commands its row names)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    commands: dict[str, str] = {}
    options: dict[str, set[str]] = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if len(cells) >= 2 and (m := re.match(r"`audiogen ([a-z-]+)", cells[0])):
            commands.setdefault(m.group(1), line)
        if len(cells) == 3 and cells[0].startswith("`-"):
            for opt in re.findall(r"`(-[^`]+)`", cells[0]):
                options.setdefault(opt, set()).update(c.strip() for c in cells[1].split(","))
    return commands, options


def test_every_command_and_option_is_in_help_and_the_readme() -> None:
    commands, options = _readme_tables()
    runner = CliRunner()
    top = runner.invoke(cli, ["--help"])
    assert top.exit_code == 0
    for name, cmd in cli.commands.items():
        assert re.search(rf"^\s+{name}\s", top.output, re.M), f"{name} missing from 'audiogen --help'"
        assert name in commands, f"README's command table has no row for 'audiogen {name}'"
        out = runner.invoke(cli, [name, "--help"], terminal_width=200)
        assert out.exit_code == 0, out.output
        for opt, param in _options(cmd).items():
            if param.hidden or opt in ("-h", "--help"):
                continue
            assert re.search(rf"(^|[\s,/]){re.escape(opt)}([\s,/=]|$)", out.output, re.M), \
                f"{opt} missing from 'audiogen {name} --help'"
            assert name in options.get(opt, set()), f"README's options table does not list {opt} for {name}"


def test_the_top_level_options_are_in_help_and_the_readme() -> None:
    """``audiogen --debug``, ``--version``: the options before the command (row "audiogen")."""
    _, options = _readme_tables()
    top = CliRunner().invoke(cli, ["--help"], terminal_width=200)
    assert top.exit_code == 0
    opts = [o for o, p in _options(cli).items() if not p.hidden and o not in ("-h", "--help")]
    assert {"--debug", "--version"} <= set(opts)
    for opt in opts:
        assert re.search(rf"^\s+{re.escape(opt)}\s", top.output, re.M), f"{opt} missing from 'audiogen --help'"
        assert "audiogen" in options.get(opt, set()), f"README's options table does not list {opt} for audiogen"


def test_the_readme_lists_nothing_the_cli_lacks() -> None:
    commands, options = _readme_tables()
    assert set(commands) <= set(cli.commands), set(commands) - set(cli.commands)
    for opt, names in options.items():
        for name in names:
            cmd = cli if name == "audiogen" else cli.commands.get(name)
            assert cmd is not None and opt in _options(cmd), f"README: {name} has no {opt}"
