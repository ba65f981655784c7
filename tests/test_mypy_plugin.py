"""The mypy plugin's own pieces: its checks are the catalogue's, its cache key follows
the catalogue, and its error codes obey ``--disable-error-code``.

What it reports on real code is tested line by line by ``typecheck_cases/plugin_*.py``
(``test_typecheck_cases.py``), with the latest and the lowest supported mypy.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy")

from typecheckers import REPO_ROOT, run_mypy, run_pyright

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
                                    plugin_module.HOP_BY_HOP_CODE, plugin_module.ENVIRON_KEY,
                                    plugin_module.ENVIRON_ABSENT, plugin_module.ENVIRON_TYPE)}
    assert codes == {"wsgi-status", "wsgi-header", "wsgi-hop-by-hop", "wsgi-environ-key",
                     "wsgi-environ-absent", "wsgi-environ-type"}


def test_messages_are_the_catalogues() -> None:
    """The check's detail, the rule's fix, the rule's id and source, in one sentence."""
    message = plugin_module.rule_problem(STATUS_FORMAT, "200")
    assert message == "'200' has no reason phrase; write it like '200 OK' (rule status-format, " \
        "PEP 3333, The start_response() Callable)"
    assert plugin_module.rule_problem(STATUS_FORMAT, "200 OK") is None
    hop = plugin_module.rule_problem(HOP_BY_HOP, "Connection")
    assert hop is not None and hop.startswith("'Connection' is a hop-by-hop header; " + HOP_BY_HOP.fix)


@pytest.mark.parametrize(
    "message",
    [
        plugin_module.rule_problem(STATUS_FORMAT, "2OO OK"),
        plugin_module.rule_problem(STATUS_CHARS, "200 OK\r\n"),
        plugin_module.rule_problem(HEADER_NAME, "Content Type"),
        plugin_module.rule_problem(HEADER_VALUE, "a\nb"),
        plugin_module.rule_problem(HOP_BY_HOP, "TE"),
        plugin_module.absent_key_problem("CONTENT_LENGTH"),
        plugin_module.environ_key_problem("HTTP_CONTENT_TYPE"),
        plugin_module.environ_key_problem("PATH_INF"),
        plugin_module.view_key_problem("myapp.user"),
        plugin_module.view_key_problem(None),
    ],
)
def test_every_message_is_one_sentence_with_a_fix(message: str | None) -> None:
    assert message is not None
    assert ". " not in message.replace("e.g. ", "") and "\n" not in message, message
    assert any(fix in message for fix in ("; ", "did you mean", "read it with", "read a computed")), message


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
        '"PATH_INF" is not an environ key PEP 3333 or CGI defines; did you mean "PATH_INFO"?'
    )
    assert plugin_module.environ_key_problem("REQUEST_URL") is not None
    assert plugin_module.environ_key_problem("PATH_INFO") is None
    assert plugin_module.environ_key_problem("HTTP_X_FORWARDED_SERVER") is None
    never_set = plugin_module.environ_key_problem("HTTP_CONTENT_LENGTH")
    assert never_set is not None and '"CONTENT_LENGTH"' in never_set and "environ-no-http-content" in never_set


def test_absent_key_problem_names_the_rule_and_the_fix() -> None:
    message = plugin_module.absent_key_problem("CONTENT_LENGTH")
    assert "KeyError" in message and '.get("CONTENT_LENGTH")' in message and "rule environ-required" in message


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


@pytest.mark.parametrize(("on_disk", "in_the_editor", "flagged"), [
    ("    print(environ['CONTENT_TYPE'])\n", "    if 'CONTENT_TYPE' in environ:\n        print(environ['CONTENT_TYPE'])\n", False),
    ("    if 'CONTENT_TYPE' in environ:\n        print(environ['CONTENT_TYPE'])\n", "    print(environ['CONTENT_TYPE'])\n", True),
])
def test_guards_are_read_from_the_text_mypy_checks(tmp_path: Path, on_disk: str, in_the_editor: str, flagged: bool) -> None:
    """``--shadow-file`` (an editor checking an unsaved buffer): the guards are the buffer's, not the file's."""
    head = "from wsgitypes import WSGIEnvironment\ndef app(environ: WSGIEnvironment) -> None:\n"
    source, shadow = tmp_path / "app.py", tmp_path / "buffer.py"
    source.write_text(head + on_disk, encoding="utf-8")
    shadow.write_text(head + in_the_editor, encoding="utf-8")
    errors = run_mypy([source], tmp_path / "cache", plugins=("wsgitypes.mypy",), extra_args=["--shadow-file", str(source), str(shadow)])
    codes = [error.code for found in errors.get(source.resolve(), {}).values() for error in found]
    assert codes == (["wsgi-environ-absent"] if flagged else []), errors


# --- the plugin's own configuration section --------------------------------------------

TYPED_READ = (
    "from wsgitypes import WSGIEnvironment\n"
    "def app(environ: WSGIEnvironment) -> None:\n"
    "    environ['wsgi.errors'].write(b'bytes')\n"
)


def _mypy(tmp_path: Path, config: str, name: str = "mypy.ini", source: str = TYPED_READ,
          cache: str = "cache") -> subprocess.CompletedProcess[str]:
    (tmp_path / "app.py").write_text(source, encoding="utf-8")
    (tmp_path / name).write_text(config, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(tmp_path / name), "--cache-dir", str(tmp_path / cache),
         "--no-error-summary", "--show-error-codes", "--hide-error-context", str(tmp_path / "app.py")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.mark.parametrize(
    ("name", "config", "typed"),
    [
        ("mypy.ini", "[mypy]\nplugins = wsgitypes.mypy\n", False),
        ("mypy.ini", "[mypy]\nplugins = wsgitypes.mypy\n\n[wsgitypes-mypy]\ntyped_environ_reads = True\n", True),
        ("setup.cfg", "[mypy]\nplugins = wsgitypes.mypy\n[wsgitypes-mypy]\ntyped_environ_reads = yes\n", True),
        ("pyproject.toml", '[tool.mypy]\nplugins = ["wsgitypes.mypy"]\n', False),
        ("pyproject.toml", '[tool.mypy]\nplugins = ["wsgitypes.mypy"]\n[tool.wsgitypes-mypy]\n'
         "typed_environ_reads = true\n", True),
    ],
)
def test_typed_environ_reads_option(tmp_path: Path, name: str, config: str, typed: bool) -> None:
    """Off by default: the read stays Any; on: an ErrorStream, whose write takes str."""
    proc = _mypy(tmp_path, config, name)
    assert proc.returncode == (1 if typed else 0), proc.stdout + proc.stderr
    assert ('incompatible type "bytes"; expected "str"  [arg-type]' in proc.stdout) is typed


def test_changing_the_option_invalidates_the_cache(tmp_path: Path) -> None:
    plain = "[mypy]\nplugins = wsgitypes.mypy\n"
    assert _mypy(tmp_path, plain).returncode == 0
    typed = _mypy(tmp_path, plain + "[wsgitypes-mypy]\ntyped_environ_reads = true\n")
    assert typed.returncode == 1, typed.stdout  # same cache directory: the module was re-checked
    assert _mypy(tmp_path, plain).returncode == 0


@pytest.mark.parametrize(
    ("name", "config", "problem"),
    [
        ("mypy.ini", "[mypy]\nplugins = wsgitypes.mypy\n[wsgitypes-mypy]\ntyped_environ_reads = maybe\n",
         "typed_environ_reads = 'maybe' is not a boolean (true or false)"),
        ("mypy.ini", "[mypy]\nplugins = wsgitypes.mypy\n[wsgitypes-mypy]\ntyped_reads = true\n",
         "unknown option 'typed_reads' (known: typed_environ_reads)"),
        ("pyproject.toml", '[tool.mypy]\nplugins = ["wsgitypes.mypy"]\n[tool.wsgitypes-mypy]\ntyped_environ_reads = 1\n',
         "typed_environ_reads = 1 is not a boolean (true or false)"),
    ],
)
def test_a_bad_option_is_one_line(tmp_path: Path, name: str, config: str, problem: str) -> None:
    proc = _mypy(tmp_path, config, name)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.strip() == f"{tmp_path / name}: [wsgitypes-mypy]: {problem}"


# --- what Environ's rejected keys say --------------------------------------------------

VIEW_READS = (
    "from wsgitypes import WSGIEnvironment, environ_view\n"
    "def app(environ: WSGIEnvironment) -> None:\n"
    "    env = environ_view(environ)\n"
    "    print(env['PATH_INF'])\n"
    "    print(env['CONTENT_LENGTH'])\n"
)


def test_view_rejections_are_one_sentence_with_the_plugin(tmp_path: Path) -> None:
    """mypy alone lists every overload; with the plugin, one line says what to do."""
    alone = _mypy(tmp_path, "[mypy]\n", source=VIEW_READS, cache="alone")
    assert alone.stdout.count("note:") >= 10 and "Possible overload variants" in alone.stdout
    plugged = _mypy(tmp_path, "[mypy]\nplugins = wsgitypes.mypy\n", source=VIEW_READS, cache="plugged")
    lines = plugged.stdout.splitlines()
    assert [line.split(": ", 2)[1:] for line in lines] == [
        ["error", '"PATH_INF" is not an environ key PEP 3333 or CGI defines; did you mean "PATH_INFO"?  [call-overload]'],
        ["error", plugin_module.absent_key_problem("CONTENT_LENGTH") + "  [call-overload]"],
    ], plugged.stdout


def test_view_rejections_in_pyright_name_what_the_view_takes(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(VIEW_READS, encoding="utf-8")
    errors = run_pyright([tmp_path / "app.py"], tmp_path)[(tmp_path / "app.py").resolve()]
    for line in (4, 5):
        messages = " ".join(error.message for error in errors[line])
        assert '"AlwaysPresentKey"' in messages and '"Never"' not in messages, messages
