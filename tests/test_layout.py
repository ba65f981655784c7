"""How the tests and tools are put together (issue 10), checked on their source.

* No file under ``tests/``, ``conformance/``, ``benchmarks/``, ``harness/`` or ``tools/``
  changes ``sys.path``: pytest's ``pythonpath`` option puts the repository root on it, and
  the scripts that need :mod:`harness` run from the root as ``python -m ...``.
* Only :mod:`harness` starts a process that keeps running while the caller goes on
  (``subprocess.Popen``, ``os.fork``, ``os.spawn*``, ``os.exec*``, ``os.posix_spawn``,
  ``multiprocessing``, asyncio subprocesses), and it does so once, in
  :func:`harness.start`: every server goes through it.  ``subprocess.run`` (mypy, pyright,
  a command line that must fail at once) returns only when its process has ended.  A
  server's own workers are its business, not the caller's: :mod:`benchmarks.floor`, a
  server that ``harness.start`` runs, forks its workers as the servers beside it do.
* :mod:`harness` is not part of the distribution.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from harness import REPO_ROOT

CHECKED = ["tests", "conformance", "benchmarks", "harness", "tools"]
PREFORK_SERVER = "benchmarks/floor.py"  # a server (run by harness.start) that forks its own workers
SYS_PATH_METHODS = {"insert", "append", "extend", "remove", "pop", "clear", "__setitem__", "__delitem__"}
STARTS_A_PROCESS = {
    "Popen", "fork", "forkpty", "posix_spawn", "posix_spawnp", "Process", "Pool",
    "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe",
    "execl", "execle", "execlp", "execlpe", "execv", "execve", "execvp", "execvpe",
    "create_subprocess_exec", "create_subprocess_shell",
}  # fmt: skip


def sources() -> list[Path]:
    return sorted(path for folder in CHECKED for path in (REPO_ROOT / folder).rglob("*.py"))


def sys_path_edits(tree: ast.AST) -> list[int]:
    """Lines that assign to ``sys.path`` (or an item of it), call a method that changes it,
    or call ``site.addsitedir``; ``sys`` and ``sys.path`` under any name they are imported as."""
    modules, paths = {"sys"}, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.asname or alias.name for alias in node.names if alias.name == "sys"}
        elif isinstance(node, ast.ImportFrom) and node.module == "sys":
            paths |= {alias.asname or alias.name for alias in node.names if alias.name == "path"}

    def is_sys_path(node: ast.expr) -> bool:
        if isinstance(node, ast.Subscript):
            node = node.value
        if isinstance(node, ast.Name):
            return node.id in paths
        return isinstance(node, ast.Attribute) and node.attr == "path" and isinstance(node.value, ast.Name) and node.value.id in modules

    lines = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.Delete)) and any(is_sys_path(target) for target in node.targets):
            lines.append(node.lineno)
        if isinstance(node, (ast.AugAssign, ast.AnnAssign)) and is_sys_path(node.target):
            lines.append(node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if (node.func.attr in SYS_PATH_METHODS and is_sys_path(node.func.value)) or node.func.attr == "addsitedir":
                lines.append(node.lineno)
    return lines


def process_starts(tree: ast.AST) -> list[int]:
    """Lines that call one of :data:`STARTS_A_PROCESS` (by attribute or by a name imported)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id if isinstance(node.func, ast.Name) else ""
            if name in STARTS_A_PROCESS:
                lines.append(node.lineno)
    return lines


def _parsed(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def test_the_checks_see_what_they_look_for() -> None:
    edits = (
        "import sys, site\nsys.path.insert(0, 'x')\nsys.path = []\nsys.path[:0] = ['y']\nsys.path += ['z']\n"
        "site.addsitedir('w')\nprint(sys.path, 'x' in sys.path)\nimport sys as s\ns.path.append('v')\n"
        "from sys import path as p\np.extend(['u'])\n"
    )
    assert sorted(sys_path_edits(ast.parse(edits))) == [2, 3, 4, 5, 6, 9, 11]
    starts = "import os, subprocess\nfrom subprocess import Popen\nsubprocess.Popen(['x'])\nPopen(['y'])\nos.fork()\nsubprocess.run(['z'])\nos.execv('a', [])\n"
    assert sorted(process_starts(ast.parse(starts))) == [3, 4, 5, 7]


def test_no_sys_path_edits() -> None:
    assert sources()
    found = [f"{path.relative_to(REPO_ROOT)}:{line}" for path in sources() for line in sys_path_edits(_parsed(path))]
    assert found == [], "sys.path changed (pytest's pythonpath and `python -m` from the root make it unnecessary)"


def test_only_harness_starts_processes() -> None:
    found = {
        f"{path.relative_to(REPO_ROOT)}:{line}" for path in sources() for line in process_starts(_parsed(path))
    }
    launcher = REPO_ROOT / "harness" / "process.py"
    in_harness = {where for where in found if where.startswith("harness/")}
    workers = {where for where in found if where.startswith(f"{PREFORK_SERVER}:")}
    assert len(workers) == 1, workers  # (the one os.fork of its workers)
    assert found - in_harness - workers == set(), "start servers with harness.start / harness.serve, not a process of your own"
    assert len(in_harness) == 1 and next(iter(in_harness)).startswith(str(launcher.relative_to(REPO_ROOT)) + ":"), in_harness


def test_harness_is_not_distributed() -> None:
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    included = config["tool"]["setuptools"]["packages"]["find"]["include"]
    assert included and all(pattern.startswith("wsgitypes") for pattern in included), included
    assert "." in config["tool"]["pytest"]["ini_options"]["pythonpath"]
