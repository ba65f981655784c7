"""The ``wsgitypes`` package itself type-checks cleanly under strict mypy and strict pyright."""

from __future__ import annotations

from pathlib import Path

import pytest

from typecheckers import REPO_ROOT, Errors, run_mypy, run_pyright

PACKAGE = REPO_ROOT / "wsgitypes"


def _listing(errors: Errors) -> str:
    return "\n".join(
        f"{path.relative_to(REPO_ROOT)}:{line} ({error.checker}): {error}"
        for path, by_line in sorted(errors.items())
        for line, line_errors in sorted(by_line.items())
        for error in line_errors
    )


def test_mypy_strict(tmp_path: Path) -> None:
    errors = run_mypy([PACKAGE], cache_dir=tmp_path)
    if errors:
        pytest.fail("mypy --strict reports errors in wsgitypes:\n" + _listing(errors), pytrace=False)


def test_pyright_strict(tmp_path: Path) -> None:
    sources = sorted([*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.pyi")])
    if not sources:
        pytest.fail(f"no sources found under {PACKAGE}")
    errors = run_pyright(sources, config_dir=tmp_path)
    if errors:
        pytest.fail("pyright (strict) reports errors in wsgitypes:\n" + _listing(errors), pytrace=False)
