"""Every file in ``typecheck_cases/`` gets exactly the errors its markers announce.

A line is either clean in both checkers or ends with a marker comment:

* ``# E``            both mypy and pyright report an error on this line;
* ``# E[mypy]``      only mypy does (pyright must be silent);
* ``# E[pyright]``   only pyright does (mypy must be silent);
* ``# E[mypy:code]`` only mypy does, and one of its errors there has error code ``code``.

A marker may be followed by `` -- reason``.  Lines are compared, not diagnostics: pyright
often reports several on one line.  mypy and pyright each run once (strict) over all
the case files; one test per case file names the file that fails.

A case that needs an optional distribution says so in a comment line
``# requires: <distribution>``; without it installed the case is skipped and left out
of both checker runs.

``plugin_*.py`` files are the cases of the mypy plugin (``wsgitypes.mypy``): mypy checks
them in a run of their own with the plugin enabled, pyright checks them unchanged (it
has no plugins), so a line only the plugin flags is marked ``# E[mypy:wsgi-...]``, which
also proves pyright silent there.  ``plugin_typed_*.py`` files get a run of their own
with the plugin's ``typed_environ_reads = true``.  They are checked a second time by the lowest mypy the
plugin supports (``LOWEST_MYPY``), which the tests install into a cached virtual
environment when it is missing; outside CI the lowest-mypy tests are skipped if that
cannot be done.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import sys
import tokenize
from collections.abc import Mapping
from pathlib import Path

import pytest

from typecheckers import (
    LOWEST_MYPY,
    REPO_ROOT,
    Errors,
    MypyUnavailable,
    lowest_mypy_python,
    run_mypy,
    run_pyright,
)

CHECKERS = ("mypy", "pyright")

# checker -> required error code (None: any error will do)
Expectation = dict[str, str | None]

_MARKER = re.compile(
    r"""
    \#\s*E
    (?:\[
        (?: (?P<mypy>mypy) (?::(?P<code>[a-z0-9_-]+))?   # E[mypy] or E[mypy:code]
          | (?P<pyright>pyright) )                      # E[pyright]
    \])?
    (?:\s+--(?:\s.*)?)?                                 # optional " -- reason"
    \s*$
    """,
    re.VERBOSE,
)
_MARKER_LIKE = re.compile(r"#\s*E\b")


def parse_markers(path: Path) -> dict[int, Expectation]:
    """Line number -> which checkers must report an error there (and the mypy code, if given)."""
    markers: dict[int, Expectation] = {}
    with path.open("rb") as source:
        for token in tokenize.tokenize(source.readline):
            if token.type != tokenize.COMMENT or not _MARKER_LIKE.search(token.string):
                continue
            match = _MARKER.search(token.string)
            line = token.start[0]
            if match is None:
                raise ValueError(f"{path.name}:{line}: malformed marker comment {token.string!r}")
            checker = match["mypy"] or match["pyright"]
            if checker is None:
                markers[line] = dict.fromkeys(CHECKERS)
            else:
                markers[line] = {checker: match["code"]}
    return markers


CASES_DIR = REPO_ROOT / "typecheck_cases"
CASE_FILES = sorted(CASES_DIR.glob("case_*.py"))
PLUGIN_CASE_FILES = sorted(CASES_DIR.glob("plugin_*.py"))
PLUGINS = ("wsgitypes.mypy",)
_REQUIRES = re.compile(r"^# requires: (?P<dist>\S+)\s*$", re.MULTILINE)


def missing_requirement(path: Path) -> str | None:
    """The first distribution a case file declares with ``# requires:`` that is not installed."""
    for match in _REQUIRES.finditer(path.read_text(encoding="utf-8")):
        try:
            importlib.metadata.distribution(match["dist"])
        except importlib.metadata.PackageNotFoundError:
            return match["dist"]
    return None


CHECKED_FILES = [path for path in CASE_FILES if missing_requirement(path) is None]
CHECKED_PLUGIN_FILES = [path for path in PLUGIN_CASE_FILES if missing_requirement(path) is None]
TYPED_READS_CONFIG = "[wsgitypes-mypy]\ntyped_environ_reads = true\n"


def typed_reads(path: Path) -> bool:
    """A case of the plugin with ``typed_environ_reads = true``."""
    return path.name.startswith("plugin_typed_")


def run_plugin_cases(paths: list[Path], cache: Path, python: str | Path = sys.executable) -> Errors:
    """The plugin's cases: one mypy run for the default options, one for typed reads."""
    default = [path for path in paths if not typed_reads(path)]
    typed = [path for path in paths if typed_reads(path)]
    errors = run_mypy(default, cache / "default", plugins=PLUGINS, python=python)
    if typed:
        errors |= run_mypy(typed, cache / "typed", plugins=PLUGINS, plugin_config=TYPED_READS_CONFIG, python=python)
    return errors


# the lowest mypy's environment has mypy alone: no third-party packages to import
LOWEST_MYPY_FILES = [path for path in PLUGIN_CASE_FILES if not _REQUIRES.search(path.read_text(encoding="utf-8"))]


@pytest.fixture(scope="session")
def reported(tmp_path_factory: pytest.TempPathFactory) -> Mapping[str, Errors]:
    """Each checker's errors over all case files; each checker runs once per session
    (mypy twice: the ``case_`` files plain, the ``plugin_`` files with the plugin)."""
    plain = run_mypy(CHECKED_FILES, tmp_path_factory.mktemp("mypy-cache"))
    with_plugin = run_plugin_cases(CHECKED_PLUGIN_FILES, tmp_path_factory.mktemp("mypy-plugin-cache"))
    return {
        "mypy": {**plain, **with_plugin},
        "pyright": run_pyright([*CHECKED_FILES, *CHECKED_PLUGIN_FILES], tmp_path_factory.mktemp("pyright")),
    }


@pytest.fixture(scope="session")
def reported_lowest(tmp_path_factory: pytest.TempPathFactory) -> Mapping[str, Errors]:
    """The lowest supported mypy's errors over the plugin cases, plugin enabled."""
    try:
        python = lowest_mypy_python()
    except MypyUnavailable as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"mypy {LOWEST_MYPY} could not be installed ({error}); set WSGITYPES_LOWEST_MYPY_PYTHON")
    cache = tmp_path_factory.mktemp("mypy-lowest-cache")
    return {"mypy": run_plugin_cases(LOWEST_MYPY_FILES, cache, python=python)}


def compare(
    path: Path,
    markers: Mapping[int, Expectation],
    reported: Mapping[str, Errors],
    checkers: tuple[str, ...] = CHECKERS,
) -> list[str]:
    """Every difference between the markers of ``path`` and what the checkers reported."""
    lines = path.read_text(encoding="utf-8").splitlines()
    problems: list[str] = []
    candidates = set(markers).union(*(reported[checker].get(path, {}) for checker in checkers))
    for line in sorted(candidates):
        where = f"{path.relative_to(REPO_ROOT)}:{line}"
        expected = markers.get(line, {})
        for checker in checkers:
            errors = reported[checker].get(path, {}).get(line, [])
            if checker in expected and not errors:
                problems.append(f"{where} ({checker}): missed error, checker is silent on: {lines[line - 1].strip()}")
            elif errors and checker not in expected:
                problems.append(f"{where} ({checker}): unexpected error: {'; '.join(map(str, errors))}")
            elif (code := expected.get(checker)) and all(error.code != code for error in errors):
                problems.append(
                    f"{where} ({checker}): expected an error with code [{code}], got: {'; '.join(map(str, errors))}"
                )
    return problems


def test_enough_cases() -> None:
    assert len(CASE_FILES) >= 40, f"only {len(CASE_FILES)} case files in {CASES_DIR}"


ALL_CASE_FILES = [*CASE_FILES, *PLUGIN_CASE_FILES]


def test_enough_plugin_cases() -> None:
    assert len(PLUGIN_CASE_FILES) >= 6, f"only {len(PLUGIN_CASE_FILES)} plugin case files in {CASES_DIR}"


@pytest.mark.parametrize("path", ALL_CASE_FILES, ids=[path.name for path in ALL_CASE_FILES])
def test_case(path: Path, reported: Mapping[str, Errors]) -> None:
    if (dist := missing_requirement(path)) is not None:
        pytest.skip(f"{dist} is not installed")
    source = path.read_text(encoding="utf-8")
    assert source.lstrip().startswith('"""'), f"{path.name} has no module docstring"
    problems = compare(path, parse_markers(path), reported)
    if problems:
        pytest.fail("\n".join([f"{len(problems)} disagreement(s) with the markers:", *problems]), pytrace=False)


@pytest.mark.parametrize("path", LOWEST_MYPY_FILES, ids=[path.name for path in LOWEST_MYPY_FILES])
def test_plugin_case_lowest_mypy(path: Path, reported_lowest: Mapping[str, Errors]) -> None:
    """The plugin cases give the same mypy errors with the lowest supported mypy."""
    problems = compare(path, parse_markers(path), reported_lowest, checkers=("mypy",))
    if problems:
        pytest.fail("\n".join([f"mypy {LOWEST_MYPY}: {len(problems)} disagreement(s) with the markers:", *problems]),
                    pytrace=False)


def test_lowest_mypy_no_errors_outside_cases(reported_lowest: Mapping[str, Errors]) -> None:
    stray = [
        f"{path}:{line}: {error}"
        for path, by_line in reported_lowest["mypy"].items()
        if path not in LOWEST_MYPY_FILES
        for line, errors in by_line.items()
        for error in errors
    ]
    assert not stray, "\n".join(stray)


def test_no_errors_outside_cases(reported: Mapping[str, Errors]) -> None:
    """Errors in files other than the cases (e.g. in wsgitypes itself) would go unnoticed."""
    cases = {*CHECKED_FILES, *CHECKED_PLUGIN_FILES}
    stray = [
        f"{path}:{line} ({checker}): {error}"
        for checker in CHECKERS
        for path, by_line in reported[checker].items()
        if path not in cases
        for line, errors in by_line.items()
        for error in errors
    ]
    assert not stray, "\n".join(stray)


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("x = 1  # E", {"mypy": None, "pyright": None}),
        ("x = 1  # E -- bytes status", {"mypy": None, "pyright": None}),
        ("x = 1  # E[mypy]", {"mypy": None}),
        ("x = 1  # E[pyright] -- pyright narrows the declared type", {"pyright": None}),
        ("x = 1  # E[mypy:wsgi-status] -- plugin code", {"mypy": "wsgi-status"}),
        ("x = '# E'  # Every line", None),
        ("x = 1", None),
    ],
)
def test_parse_markers(tmp_path: Path, comment: str, expected: Expectation | None) -> None:
    case = tmp_path / "case.py"
    case.write_text(comment + "\n", encoding="utf-8")
    assert parse_markers(case) == ({} if expected is None else {1: expected})


@pytest.mark.parametrize("comment", ["# E[mpy]", "# E [mypy]", "# E[pyright:code]", "# E: reason"])
def test_parse_markers_rejects_malformed(tmp_path: Path, comment: str) -> None:
    case = tmp_path / "case.py"
    case.write_text(f"x = 1  {comment}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="malformed marker"):
        parse_markers(case)
