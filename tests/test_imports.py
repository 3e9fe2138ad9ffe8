"""The import graph: no cycles among audiogen's modules, and only the CLI (cli*) imports click."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import audiogen

PACKAGE = Path(audiogen.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("audiogen", *path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


@functools.cache
def _parsed(path: Path) -> tuple[str, ast.Module]:
    """The source of ``path`` and its syntax tree, parsed once for all the tests here."""
    source = path.read_text("utf-8")
    return source, ast.parse(source)


@functools.cache
def _imports(path: Path) -> frozenset[str]:
    """Every module ``path`` imports, at the top or inside a function (both run in the end)."""
    found: set[str] = set()
    for node in ast.walk(_parsed(path)[1]):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return frozenset(found)


def _is_cli(name: str) -> bool:
    return name.split(".")[-1].startswith("cli") or name == "audiogen.__main__"


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    graph = {}
    for name, path in mods.items():
        # A package naming its own submodules (an engine registry loading an engine) is not a
        # dependency of the package on them: the submodules depend on the package.
        graph[name] = {m for m in _imports(path) if m in mods and m != name and not m.startswith(name + ".")}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(v: str) -> list[str] | None:
        state[v] = 1
        path.append(v)
        for w in sorted(graph[v]):
            if state.get(w) == 1:
                return path[path.index(w):] + [w]
            if w not in state:
                found = visit(w)
                if found:
                    return found
        path.pop()
        state[v] = 2
        return None

    for v in sorted(graph):
        if v not in state:
            found = visit(v)
            if found:
                return found
    return None


def test_the_import_graph_has_no_cycle() -> None:
    graph = _graph()
    assert "audiogen.cli_options" in graph["audiogen.cli_batch"]  # the graph sees imports
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_only_the_cli_imports_click() -> None:
    users = sorted(name for name, path in _modules().items()
                   if any(m == "click" or m.startswith("click.") for m in _imports(path)))
    assert users, "the CLI imports click"
    assert all(_is_cli(name) for name in users), users


def test_the_library_does_not_import_the_cli() -> None:
    graph = _graph()
    for name, deps in graph.items():
        if not _is_cli(name):
            assert not any(_is_cli(d) for d in deps), (name, deps)


def _local_imports(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every import inside a function of ``path``."""
    source, tree = _parsed(path)
    lines = source.splitlines()
    found = set()
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    found.add((node.end_lineno, lines[node.end_lineno - 1].strip()))
    return sorted(found)


def test_every_function_local_import_says_why() -> None:
    """Imports go at the top; one inside a function (an optional dependency, a slow one kept off
    start-up or off ``--help``) carries a comment saying so."""
    silent = [f"{path.relative_to(PACKAGE)}:{line}: {text}" for path in sorted(PACKAGE.rglob("*.py"))
              for line, text in _local_imports(path) if "#" not in text]
    assert not silent, "\n".join(silent)


def test_every_third_party_import_is_a_declared_runtime_dependency():
    """What audiogen imports comes with ``pip install .`` (or its 'dask' extra): a module only
    the test extra installs (pyloudnorm, pytest...) would pass the tests and fail for users."""
    import re
    import sys
    from importlib.metadata import PackageNotFoundError, packages_distributions, requires

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    def name(req: str) -> str:
        return re.split(r"[<>=!~;\[ (]", req, maxsplit=1)[0].strip().lower().replace("_", "-")

    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text("utf-8"))["project"]
    todo = [name(d) for d in [*project["dependencies"], *project["optional-dependencies"]["dask"]]]
    allowed: set[str] = set()
    while todo:  # the declared packages and what they require in turn (not their extras)
        dist = todo.pop()
        if dist in allowed:
            continue
        allowed.add(dist)
        try:
            todo += [name(r) for r in requires(dist) or [] if "extra ==" not in r]
        except PackageNotFoundError:  # declared for another Python version (tomli)
            pass
    providers = packages_distributions()
    unexpected = {}
    for name, path in _modules().items():
        for mod in _imports(path):
            top = mod.split(".")[0]
            if top == "audiogen" or top in sys.stdlib_module_names or top == "__future__":
                continue
            dists = {d.lower().replace("_", "-") for d in providers.get(top, [top])}
            if not dists & allowed:
                unexpected.setdefault(top, set()).add(name)
    assert not unexpected, unexpected
