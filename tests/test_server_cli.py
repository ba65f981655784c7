"""``python -m wsgitypes serve``: the demo app, app loading, and one-line errors for mistakes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness import REPO_ROOT, ours, serve
from test_server_http import split_response

ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}


def run_cli(*arguments: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wsgitypes", *arguments], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=30, check=False)


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["serve", "no_such_module:app"], "cannot import 'no_such_module'"),
        (["serve", "tests.apps.serving:nope"], "has no attribute 'nope'"),
        (["serve", "tests.apps.serving:HELLO"], "is a bytes, not a WSGI application"),
        (["serve", "tests.apps.serving:"], "is not MODULE:APP"),
        (["serve", ":app"], "is not MODULE:APP"),
        (["serve", "tests.apps.serving:app-x"], "is not an attribute path"),
        (["serve", "tests.apps.serving:HELLO()"], "is not callable, so it cannot be a factory"),
        (["serve", "tests.apps.cli_broken_module:app"], "importing 'tests.apps.cli_broken_module' failed: SyntaxError"),
        (["serve", "--port", "abc"], "invalid port value: 'abc'"),
        (["serve", "--port", "70000"], "invalid port value: '70000'"),
        (["serve", "--workers", "0"], "invalid positive integer value: '0'"),
        (["serve", "--threads", "-1"], "invalid positive integer value: '-1'"),
        (["serve", "--timeout-body", "0"], "invalid seconds value: '0'"),
        (["serve", "--bogus"], "unrecognized option: --bogus"),
        # the misspelt option alone is blamed, not the application after it (issue 14)
        (["serve", "--bnd", "127.0.0.1:0", "tests.apps.serving:app"], "unrecognized option: --bnd (did you mean --bind?)"),
        (["serve", "tests.apps.serving:app", "--wokers=2"], "unrecognized option: --wokers (did you mean --workers?)"),
        (["serve", "tests.apps.serving:app", "other:app"], "unrecognized arguments: other:app"),
        (["serve", "--bind", "127.0.0.1:http"], "argument -b/--bind: '127.0.0.1:http' has no valid port (0 to 65535)"),
        (["serve", "--bind", "::1:8000"], "put an IPv6 address in brackets, as in [::1]:8000"),
        (["serve", "--bind", "[::1:8000"], "'[::1:8000' is not [IPV6]:PORT"),
        (["serve", "--bind", "unix:"], "'unix:' has no path"),
        (["serve", "-w", "none"], "argument -w/--workers: invalid positive integer value: 'none'"),
        (["serve", "--max-requests", "-1"], "argument --max-requests: invalid non-negative integer value: '-1'"),
        (["serve", "--access-log-format", "%(h)s %(zz)s"], "unknown atom %(zz)s"),
        (["serve", "--access-log-format", "%(h)"], "is not a format of %(atom)s fields"),
        (["serve", "--log-config", "no-such-logging.json"], "--log-config no-such-logging.json: No such file or directory"),
        (["serve", "--config", "no-such-config.toml"], "no-such-config.toml: no such file"),
        (["serve", "--reload", "tests.apps.serving:"], "is not MODULE:APP"),
        (["serve", "--host", "no.such.host.invalid"], "cannot resolve host"),
        (["serve", "--script-name", "app/"], "--script-name: SCRIPT_NAME is 'app/', which does not start with '/'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "the following arguments are required"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(arguments: list[str], expected: str, tmp_path: Path) -> None:
    broken = REPO_ROOT / "tests" / "apps" / "cli_broken_module.py"
    broken.write_text("def app(:\n")
    try:
        result = run_cli(*arguments)
    finally:
        broken.unlink()
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wsgitypes: ") and expected in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_port_in_use_is_one_line() -> None:
    with serve(ours("tests.apps.serving:app")) as server:
        result = run_cli("serve", "tests.apps.serving:app", "--port", str(server.port))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert f"cannot listen on 127.0.0.1:{server.port}: Address already in use" in result.stderr


def test_missing_factory_failure_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "factory_app.py").write_text("def make():\n    raise ValueError('no config')\n")
    result = run_cli("serve", "factory_app:make()", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "wsgitypes: the factory factory_app:make() failed: ValueError: no config"


@pytest.mark.parametrize("spec", ["plain_app", "plain_app:application", "plain_app:holder.app", "plain_app:make()"])
def test_app_specs_load_from_the_working_directory(spec: str, tmp_path: Path) -> None:
    (tmp_path / "plain_app.py").write_text(
        "def application(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'plain']\n"
        "class holder:\n    app = staticmethod(application)\n"
        "def make():\n    return application\n"
    )
    with serve(ours(spec), env={"PYTHONPATH": str(REPO_ROOT)}, cwd=tmp_path) as server:
        raw, _ = server.exchange(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert split_response(raw)[2].endswith(b"plain")


def test_demo_app_is_served_when_no_app_is_named() -> None:
    with serve(ours()) as server:
        raw, _ = server.exchange(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        status, headers, body = split_response(raw)
        assert status == 200 and headers["content-type"].startswith("text/plain")
        assert b"PATH_INFO" in body and b"PEP 3333 checks: on" in body
        raw, _ = server.exchange(b"GET / HTTP/1.1\r\nHost: t\r\nAccept: text/html\r\nConnection: close\r\n\r\n")
        status, headers, body = split_response(raw)
        assert headers["content-type"].startswith("text/html") and b"<table>" in body and b"environ-required" in body
        raw, _ = server.exchange(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nConnection: close\r\n\r\nping")
        assert split_response(raw)[2].endswith(b"ping")
        for page in (b"/stream", b"/write"):
            raw, _ = server.exchange(b"GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" % page)
            assert split_response(raw)[0] == 200
        raw, _ = server.exchange(b"GET /broken HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        assert split_response(raw)[0] == 500
    assert "[status-format]" in server.log()


def test_access_log_is_common_log_format() -> None:
    with serve(ours("tests.apps.serving:app", "--access-log")) as server:
        server.exchange(b"GET /hello?x=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        server.stop()
    line = next(line for line in server.log().splitlines() if "GET /hello" in line)
    assert line.startswith("127.0.0.1 - - [") and line.endswith('] "GET /hello?x=1 HTTP/1.1" 200 13'), line


def test_console_script_is_installed() -> None:
    script = shutil.which("wsgitypes", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the wsgitypes script is not installed next to this interpreter")
    result = subprocess.run([script, "serve", "--help"], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0 and "--no-check" in result.stdout
