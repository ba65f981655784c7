"""The package's rooms and what each may import (docs/architecture.md), checked on the source.

* No import circles between the package's modules.
* Each room imports only what the table below allows: the types at the bottom, the rule
  catalogue on them, the enforcers (validator, server, plugin, probe) on the catalogue,
  and nothing back down the stack.
* The server's sans-IO core (request, chunked, response, settings) does no I/O: it
  imports no socket, select, threading or os module, so it runs in-process in tests.
* No rule decision outside the catalogue: the enforcers compile no regular expression
  for a value PEP 3333 or HTTP rules on, except where listed with the reason.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "wsgitypes"

# room -> the rooms it may import (a room is a module, or a package given with a trailing ".")
ALLOWED: dict[str, set[str]] = {
    "wsgitypes.types": set(),
    "wsgitypes.environ": {"wsgitypes.types"},
    "wsgitypes.streams": {"wsgitypes.types"},
    "wsgitypes.rules": {"wsgitypes.environ"},
    "wsgitypes": {"wsgitypes.types", "wsgitypes.environ", "wsgitypes.rules", "wsgitypes.streams"},
    "wsgitypes.validate.": {"wsgitypes.types", "wsgitypes.rules", "wsgitypes.streams", "wsgitypes.validate."},
    "wsgitypes.server.": {"wsgitypes", "wsgitypes.types", "wsgitypes.rules", "wsgitypes.environ", "wsgitypes.validate",
                          "wsgitypes.server."},
    "wsgitypes.mypy": {"wsgitypes.rules", "wsgitypes.environ"},
    "wsgitypes.probe.": {"wsgitypes.types", "wsgitypes.rules", "wsgitypes.streams", "wsgitypes.probe."},
    "wsgitypes.gunicorn": {"wsgitypes.types", "wsgitypes.validate", "wsgitypes.server."},
    "wsgitypes.pytest": {"wsgitypes.types", "wsgitypes.rules", "wsgitypes.validate."},
    # the command line: its version from the package, its settings' other sources from wsgitypes.config
    "wsgitypes.cli": {"wsgitypes", "wsgitypes.config", "wsgitypes.types", "wsgitypes.rules", "wsgitypes.server.", "wsgitypes.probe."},
    # settings from a TOML file and the environment, for any argparse parser: the standard library only
    "wsgitypes.config": set(),
    # entry points: ``python -m wsgitypes`` and ``python -m wsgitypes.probe`` are the one command line
    "wsgitypes.__main__": {"wsgitypes.cli"},
    "wsgitypes.probe.__main__": {"wsgitypes.cli"},
}
SANS_IO = {"wsgitypes.server.request", "wsgitypes.server.chunked", "wsgitypes.server.response", "wsgitypes.server.settings"}
IO_MODULES = {"socket", "select", "selectors", "threading", "os", "ssl", "subprocess", "signal"}
# regular expressions outside rules.py that decide something about a request or a value, and why they are not rules
OWN_GRAMMARS = {
    "wsgitypes.server.request": "RFC 9112 request-target and Host syntax, which only the server's parser checks",
    "wsgitypes.server.chunked": "RFC 9112 §7.1 chunked-coding grammar, which only the server's parser checks",
    "wsgitypes.server.accesslog": "the access-log format's %(atom)s fields and the characters a log line escapes, not a rule",
    "wsgitypes.rules": "the catalogue itself",
    "wsgitypes.probe.app": "the probe's own query parameters (tokens, events), not a rule",
    "wsgitypes.server.proxy": "RFC 7239 Forwarded syntax, which only the server reads",
    "wsgitypes.mypy": "none",
}


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, path: Path) -> set[str]:
    """The package's modules ``name`` imports, wherever in the file (function-level too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    known = modules()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            submodules = {f"{base}.{alias.name}" for alias in node.names} & known.keys()
            found |= submodules
            if len(submodules) < len(node.names):  # names defined by the module itself
                found.add(base)
    return {module for module in found if module in known and module != name}


def room(module: str) -> str:
    for candidate in sorted(ALLOWED, key=len, reverse=True):
        if module == candidate or (candidate.endswith(".") and (module + ".").startswith(candidate)):
            return candidate
    return module


def allowed(importer: str, imported: str) -> bool:
    rooms = ALLOWED[room(importer)]
    return imported in rooms or room(imported) in rooms or any(r.endswith(".") and (imported + ".").startswith(r) for r in rooms)


def test_every_module_has_a_room() -> None:
    assert [module for module in modules() if room(module) not in ALLOWED] == []


def test_imports_follow_the_rooms() -> None:
    wrong = [(importer, imported) for importer, path in modules().items() for imported in sorted(imports(importer, path))
             if not allowed(importer, imported)]
    assert wrong == [], "imports outside docs/architecture.md's table"


def test_no_import_circles() -> None:
    graph = {name: imports(name, path) for name, path in modules().items()}
    # a package's __init__ importing its own submodules is how it hands names on: not a circle
    graph = {name: {other for other in targets if not other.startswith(name + ".")} for name, targets in graph.items()}
    state: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for other in sorted(graph[name]):
            if state.get(other) == 1:
                circles.append(trail[trail.index(other):] + [other] if other in trail else [name, other])
            elif other not in state:
                visit(other, trail + [other])
        state[name] = 2

    for name in graph:
        if name not in state:
            visit(name, [name])
    assert circles == []


@pytest.mark.parametrize("module", sorted(SANS_IO))
def test_the_sans_io_core_does_no_io(module: str) -> None:
    tree = ast.parse(modules()[module].read_text(encoding="utf-8"))
    used = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    used |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert used & IO_MODULES == set()
    assert all(other in SANS_IO or not other.startswith("wsgitypes.server") for other in imports(module, modules()[module]))


def test_rule_grammars_live_in_the_catalogue() -> None:
    compiling = {name for name, path in modules().items() if re.search(r"\bre\.compile\(", path.read_text(encoding="utf-8"))}
    assert compiling <= set(OWN_GRAMMARS), compiling - set(OWN_GRAMMARS)
