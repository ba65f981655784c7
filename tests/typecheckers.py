"""Run mypy and pyright (strict) once over a set of files and collect their errors by line.

Shared by ``test_typecheck_cases.py`` and ``test_package_types.py``.  Both checkers run
with ``sys.executable`` (the interpreter running pytest, so the same environment) and
with the repository root as working directory; file paths are resolved from this
file, so the tests work from any working directory and with a non-editable install.
The checkers read ``wsgitypes`` from the repository (mypy: the working directory is on
its search path; pyright: ``extraPaths``), so it is always the working tree under test;
so is the mypy plugin (``python -m mypy`` puts the working directory on ``sys.path``).

``lowest_mypy_python()`` provides an interpreter with the lowest mypy release the plugin
supports (``LOWEST_MYPY``), so the plugin's cases run against both ends of the range.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON_VERSION = "3.11"
TIMEOUT = 240  # seconds per checker run

LOWEST_MYPY = "1.11.0"
"""The lowest mypy the plugin supports: keep in step with pyproject's ``mypy`` extra and
docs/mypy-plugin.md.  (1.10 loses the ``WSGIEnvironment`` alias on attributes such as
``self.environ``; 1.0 has no ``get_expression_type`` for plugins.)"""
# The repository's stub distributions (typeshed's layout, stubs/<distribution>/<module>/):
# both checkers search them ahead of the installed packages (mypy: MYPYPATH).
STUB_PATHS = sorted(str(path) for path in (REPO_ROOT / "stubs").iterdir() if path.is_dir())


@dataclass(frozen=True)
class Diagnostic:
    """One error a checker reported."""

    checker: str
    path: Path
    line: int  # 1-based
    code: str | None  # mypy error code / pyright rule, when the checker gives one
    message: str

    def __str__(self) -> str:
        code = f" [{self.code}]" if self.code else ""
        return f"{self.message}{code}"


# path -> line -> the errors reported on that line
Errors = dict[Path, dict[int, list[Diagnostic]]]


def _collect(diagnostics: Iterable[Diagnostic]) -> Errors:
    errors: Errors = {}
    for diag in diagnostics:
        errors.setdefault(diag.path, {}).setdefault(diag.line, []).append(diag)
    return errors


def _run(cmd: Sequence[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=False, env=env
    )


def _failure(name: str, proc: subprocess.CompletedProcess[str], why: str) -> RuntimeError:
    return RuntimeError(
        f"{name} {why} (exit {proc.returncode})\n"
        f"command: {' '.join(proc.args)}\n"
        f"--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-4000:]}"
    )


_MYPY_LINE = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+):(?:\d+:)? (?P<severity>error|warning|note): "
    r"(?P<message>.*?)(?:  \[(?P<code>[a-z0-9_-]+)\])?$"
)


def run_mypy(
    paths: Sequence[Path],
    cache_dir: Path,
    *,
    plugins: Sequence[str] = (),
    plugin_config: str = "",
    python: str | Path = sys.executable,
    extra_args: Sequence[str] = (),
) -> Errors:
    """``mypy --strict`` over ``paths`` in one process; only ``error:`` lines are kept.

    With ``plugins``, a config file naming them is written into ``cache_dir`` (and the
    project's ``[tool.mypy]`` is then not read: every other option is given here);
    ``plugin_config`` is added to it (a plugin's own section, e.g. ``[wsgitypes-mypy]``).
    ``python`` is the interpreter that runs mypy (see :func:`lowest_mypy_python`).
    """
    config: list[str] = []
    if plugins:
        cache_dir.mkdir(parents=True, exist_ok=True)
        config_file = cache_dir / "plugins.ini"
        config_file.write_text(f"[mypy]\nplugins = {', '.join(plugins)}\n{plugin_config}", encoding="utf-8")
        config = ["--config-file", str(config_file)]
    proc = _run(
        [
            str(python), "-m", "mypy",
            *config,
            *extra_args,
            "--strict",
            "--python-version", PYTHON_VERSION,
            "--cache-dir", str(cache_dir),
            "--show-absolute-path",
            "--show-column-numbers",
            "--show-error-codes",
            "--hide-error-context",
            "--no-pretty",
            "--no-error-summary",
            "--no-color-output",
            *map(str, paths),
        ],
        env={**os.environ, "MYPYPATH": os.pathsep.join(STUB_PATHS)},
    )
    diagnostics: list[Diagnostic] = []
    for text in proc.stdout.splitlines():
        match = _MYPY_LINE.match(text)
        if match is None:
            raise _failure("mypy", proc, f"printed a line the harness cannot parse: {text!r}")
        if match["severity"] == "error":
            diagnostics.append(
                Diagnostic("mypy", Path(match["path"]).resolve(), int(match["line"]),
                           match["code"], match["message"])
            )
    # 0: clean, 1: errors found; anything else (2) is a crash or a usage/config error.
    if proc.returncode not in (0, 1) or (proc.returncode == 1) != bool(diagnostics):
        raise _failure("mypy", proc, "did not run cleanly")
    return _collect(diagnostics)


class MypyUnavailable(Exception):
    """The lowest supported mypy could not be provided (no network, no venv module, ...)."""


def lowest_mypy_python() -> Path:
    """An interpreter that has mypy ``LOWEST_MYPY`` installed.

    ``$WSGITYPES_LOWEST_MYPY_PYTHON`` names one; otherwise a virtual environment is
    created once (``python -m venv`` + ``pip install mypy==LOWEST_MYPY``, about 20 s)
    in ``$XDG_CACHE_HOME`` (default ``~/.cache``) ``/wsgitypes-tests/`` and reused.
    Raises :class:`MypyUnavailable` when that fails.
    """
    if configured := os.environ.get("WSGITYPES_LOWEST_MYPY_PYTHON"):
        return Path(configured)
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    venv = cache_home / "wsgitypes-tests" / (
        f"mypy-{LOWEST_MYPY}-py{sys.version_info.major}{sys.version_info.minor}"
    )
    python = venv / "bin" / "python"
    ready = venv / "ready"  # written last: a build that was interrupted is redone
    if ready.is_file():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    for step in (
        [sys.executable, "-m", "venv", str(venv)],
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         f"mypy=={LOWEST_MYPY}"],
    ):
        try:
            proc = subprocess.run(step, capture_output=True, text=True, timeout=300, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise MypyUnavailable(f"{' '.join(step)}: {error}") from error
        if proc.returncode != 0:
            raise MypyUnavailable(f"{' '.join(step)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    ready.write_text(f"mypy=={LOWEST_MYPY}\n", encoding="utf-8")
    return python


def run_pyright(paths: Sequence[Path], config_dir: Path) -> Errors:
    """Strict pyright over ``paths`` in one process; only severity ``error`` is kept.

    The configuration is generated in ``config_dir`` so that no project file is involved;
    ``# type: ignore`` comments are not honoured (they are written for mypy).
    """
    config = {
        # pyright ignores absolute paths in "include": they are relative to the config file
        "include": [os.path.relpath(path, config_dir) for path in paths],
        "extraPaths": [str(REPO_ROOT), *STUB_PATHS],
        "pythonVersion": PYTHON_VERSION,
        "typeCheckingMode": "strict",
        "enableTypeIgnoreComments": False,
        "reportUnnecessaryTypeIgnoreComment": False,
    }
    config_file = config_dir / "pyrightconfig.json"
    config_file.write_text(json.dumps(config, indent=2), encoding="utf-8")
    proc = _run(
        [
            sys.executable, "-m", "pyright",
            "--outputjson",
            "--pythonpath", sys.executable,
            "--project", str(config_file),
        ]
    )
    if proc.returncode not in (0, 1):  # 2: fatal, 3: config error, 4: bad arguments
        raise _failure("pyright", proc, "did not run cleanly")
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise _failure("pyright", proc, "did not print a JSON report") from None
    analyzed = report["summary"]["filesAnalyzed"]
    if analyzed != len(paths):
        raise _failure("pyright", proc, f"analyzed {analyzed} files instead of {len(paths)}")
    return _collect(
        Diagnostic(
            "pyright",
            Path(diag["file"]).resolve(),
            diag["range"]["start"]["line"] + 1,
            diag.get("rule"),
            re.sub(r"\s*\n\s*", " / ", diag["message"]),
        )
        for diag in report["generalDiagnostics"]
        if diag["severity"] == "error"
    )
