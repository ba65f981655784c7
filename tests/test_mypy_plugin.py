"""The mypy plugin's own pieces: its checks are the catalogue's, its cache key follows
the catalogue, and its error codes obey ``--disable-error-code``.

What it reports on real code is tested line by line by ``typecheck_cases/plugin_*.py``
(``test_typecheck_cases.py``), with the latest and the lowest supported mypy.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

pytest.importorskip("mypy")

from typecheckers import REPO_ROOT, run_mypy

import wsgitypes.types
from wsgitypes import mypy as plugin_module
from wsgitypes.environ import WELL_KNOWN_KEYS
from wsgitypes.rules import HEADER_NAME, HEADER_VALUE, HOP_BY_HOP, STATUS_CHARS, STATUS_FORMAT, STATUS_LATIN1


def test_entry_point() -> None:
    assert plugin_module.plugin("2.4.1") is plugin_module.WSGIPlugin


def test_version_follows_the_catalogue() -> None:
    digest = hashlib.sha256()
    for name in ("rules.py", "environ.py"):
        digest.update((REPO_ROOT / "wsgitypes" / name).read_bytes())
    assert plugin_module.__version__ == f"1+{digest.hexdigest()[:12]}"


def test_error_codes() -> None:
    codes = {code.code for code in (plugin_module.WSGI_STATUS, plugin_module.WSGI_HEADER,
                                    plugin_module.HOP_BY_HOP_CODE, plugin_module.ENVIRON_KEY)}
    assert codes == {"wsgi-status", "wsgi-header", "wsgi-hop-by-hop", "wsgi-environ-key"}


def test_messages_are_the_catalogues() -> None:
    message = plugin_module.rule_problem(STATUS_FORMAT, "200")
    assert message is not None
    assert STATUS_FORMAT.check is not None and message.startswith(STATUS_FORMAT.check("200") or "?")
    assert "status-format" in message and STATUS_FORMAT.section in message
    assert plugin_module.rule_problem(STATUS_FORMAT, "200 OK") is None


@pytest.mark.parametrize(
    ("status", "rule"),
    [("200 OK", None), ("200", STATUS_FORMAT), ("200 OK\r\n", STATUS_CHARS), ("200\r\n", STATUS_CHARS),
     ("200 \u2014", STATUS_LATIN1)],
)
def test_status_problem(status: str, rule: object) -> None:
    problem = plugin_module.status_problem(status)
    assert (problem[0] if problem else None) is rule  # control characters first, the format last


@pytest.mark.parametrize(
    ("name", "value", "rules"),
    [
        ("Content-Type", "text/plain", []),
        ("Connection", "close", [HOP_BY_HOP]),
        ("X Bad", "a\r\nb", [HEADER_NAME, HEADER_VALUE]),
        ("Connection:", "close", [HEADER_NAME]),  # a malformed name is not also called hop-by-hop
        (None, "a\nb", [HEADER_VALUE]),  # None: not known statically
        ("TE", None, [HOP_BY_HOP]),
    ],
)
def test_header_problems(name: str | None, value: str | None, rules: list[object]) -> None:
    assert [rule for rule, _ in plugin_module.header_problems(name, value)] == rules


def test_environ_key_problem() -> None:
    assert plugin_module.environ_key_problem("PATH_INF") == (
        '"PATH_INF" is not a well-known environ key; did you mean "PATH_INFO"?'
    )
    assert plugin_module.environ_key_problem("PATH_INFO") is None
    assert plugin_module.environ_key_problem("HTTP_X_FORWARDED_SERVER") is None


def test_every_value_type_is_known_to_the_plugin() -> None:
    """A type name the plugin cannot resolve would silently leave a key ``Any``."""
    for key, name in WELL_KNOWN_KEYS.items():
        assert (
            name in plugin_module._BUILTIN_TYPES  # pyright: ignore[reportPrivateUsage]
            or name == "tuple[int, int]"
            or (name in wsgitypes.types.__all__ and isinstance(getattr(wsgitypes.types, name), type))
        ), f"{key}: {name}"


def test_disable_error_code_on_the_command_line(tmp_path: Path) -> None:
    source = tmp_path / "app.py"
    source.write_text(
        "from wsgitypes import StartResponse\n"
        "def app(start_response: StartResponse) -> None:\n"
        "    start_response('200', [('Connection', 'close')])\n",
        encoding="utf-8",
    )
    errors = run_mypy([source], tmp_path / "cache", plugins=("wsgitypes.mypy",),
                      extra_args=["--disable-error-code", "wsgi-status"])
    assert [error.code for error in errors[source.resolve()][3]] == ["wsgi-hop-by-hop"]
