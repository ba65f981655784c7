"""The conformance probe: its app, its driver, its report, against real servers.

* ``wsgiref.simple_server`` (in a thread): its real failures are reported (input past
  CONTENT_LENGTH, chunked bodies passed on undecoded, HTTP/1.0, a body after HEAD).
* ``wsgiref.simple_server`` made conformant (its ``wsgi.input`` limited to
  CONTENT_LENGTH) passes every rule; then, for every server-side rule of the catalogue,
  a middleware posing as the server breaks exactly that rule, and the probe reports it.
* waitress and gunicorn (sync, gthread), as subprocesses on 127.0.0.1: no rule fails.
* The judges: a table entry for every server-side rule of the catalogue and nothing else;
  the observations they judge are frozen.
* The command line: JSON shape, text table with each rule's level, exit codes, and a clear
  one-line message for an unreachable URL, a server that is not the probe, garbage, a
  malformed response, a server that dies, and a missing h11.  Over our server in a
  subprocess: ``python -m wsgitypes probe`` and ``python -m wsgitypes.probe`` take the same
  options and give the same report, and a closed pipe (``| head``) ends quietly.
* The client's response framing (h11): HEAD, 1xx, HTTP/1.0, chunked, cut short, refused.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import json
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from harness import REPO_ROOT, Command, Server, free_port, gunicorn, ours, serve, waitress
from wsgitypes.cli import main as wsgitypes_main
from wsgitypes.probe import CHECKS, Report, app, probe, server_rules
from wsgitypes.probe.app import MARKER
from wsgitypes.probe.battery import send_battery
from wsgitypes.probe.client import RawResponse, build_request, send_raw
from wsgitypes.probe.judges import CHECK_JUDGES, RULE_JUDGES, NotRevealable, Verdict, verdict
from wsgitypes.probe.observations import Observations
from wsgitypes.rules import RULES

STALL = 0.5  # how long an input test waits before half-closing; short, for the blocking wsgiref cases

pytestmark = pytest.mark.timeout(120)

App = Callable[[dict[str, Any], Any], Iterable[bytes]]


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _QuietServer(WSGIServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that half-closed or went away: not the test's business


class Served:
    def __init__(self, application: App) -> None:
        self.server = make_server("127.0.0.1", 0, application, server_class=_QuietServer, handler_class=_Quiet)
        self.server.timeout = 0.2
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> Served:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def main(argv: list[str]) -> int:
    """``python -m wsgitypes probe ARGV``, in-process."""
    return wsgitypes_main(["probe", *argv])


def _by_id(report: Report) -> dict[str, tuple[str, str]]:
    return {result.rule: (result.status, result.detail) for result in [*report.rules, *report.checks]}


def _failed(report: Report) -> set[str]:
    return {result.rule for result in report.failures}


# --- wsgiref as it is ------------------------------------------------------------------


@pytest.fixture(scope="module")
def wsgiref_observations() -> Observations:
    with Served(app) as served:
        return send_battery(served.url, timeout=10, stall=STALL)


@pytest.fixture(scope="module")
def wsgiref_report(wsgiref_observations: Observations) -> Report:
    return Report.judge(wsgiref_observations)


def test_every_server_rule_is_reported_in_catalogue_order(wsgiref_report: Report) -> None:
    ids = [result.rule for result in wsgiref_report.rules]
    assert ids == server_rules()
    assert len(ids) == len([rule for rule in RULES.values() if rule.party == "server"]) >= 20
    assert [result.rule for result in wsgiref_report.checks] == list(CHECKS)
    # Every server rule is revealable over HTTP: none is skipped.
    assert [result.rule for result in wsgiref_report.rules if result.status == "skip"] == []


def test_wsgiref_real_failures(wsgiref_report: Report) -> None:
    results = _by_id(wsgiref_report)
    # wsgi.input is the raw socket file: reads run on into the next request's bytes.
    assert _failed(wsgiref_report) == {"input-eof"}
    detail = results["input-eof"][1]
    assert "read(64) after CONTENT_LENGTH returned 64 more bytes" in detail
    assert "GET /probe/ping?pipelined=1" in detail
    # Chunked bodies reach the application undecoded; HTTP/1.0 answers; the body after HEAD.
    assert results["input-chunked"][0] == "fail" and "raw chunked framing" in results["input-chunked"][1]
    assert results["http-1.1"] == ("fail", "an HTTP/1.1 request was answered with HTTP/1.0")
    assert results["head-no-body"][0] == "fail"
    assert results["input-readline-size"][0] == "fail"  # the size is honoured, but readline runs past the body
    for passing in ("exc-info-reraise", "close-called", "start-response-write", "environ-latin1", "environ-path",
                    "file-wrapper-output", "exc-info-replace", "error-after-headers", "query-string", "input-methods"):
        assert results[passing][0] == "pass", (passing, results[passing])
    assert "'/probe/env/a/b c/caf\\xc3\\xa9'" in results["environ-path"][1]
    assert wsgiref_report.server.startswith("WSGIServer/")


# --- a conformant wsgiref, and one broken rule at a time ------------------------------


class LimitedInput:
    """wsgi.input cut at CONTENT_LENGTH: what wsgiref leaves out."""

    def __init__(self, stream: Any, length: int) -> None:
        self.stream, self.left = stream, length

    def read(self, size: int | None = -1) -> bytes:
        size = self.left if size is None or size < 0 else min(size, self.left)
        data: bytes = self.stream.read(size) if size else b""
        self.left -= len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        size = self.left if size is None or size < 0 else min(size, self.left)
        data: bytes = self.stream.readline(size) if size else b""
        self.left -= len(data)
        return data

    def readlines(self, hint: int = -1) -> list[bytes]:
        return list(self)

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line


def conformant(application: App) -> App:
    def fixed(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH") or "0"
        environ["wsgi.input"] = LimitedInput(environ["wsgi.input"], int(length) if length.isdigit() else 0)
        return application(environ, start_response)

    return fixed


class _NoReadlines:
    def __init__(self, stream: Any) -> None:
        self.read, self.readline, self.stream = stream.read, stream.readline, stream

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.stream)


class _NoWritelines:
    def __init__(self, stream: Any) -> None:
        self.write, self.flush = stream.write, stream.flush


class _StrInput(LimitedInput):
    def read(self, size: int | None = -1) -> Any:
        return super().read(size).decode("latin-1")


class _OneMore(LimitedInput):
    def read(self, size: int | None = -1) -> bytes:
        return super().read(size + 1 if size is not None and size >= 0 else size)


def _environ(change: Callable[[dict[str, Any]], object]) -> Callable[[App], App]:
    def breaker(application: App) -> App:
        def broken(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            change(environ)
            return application(environ, start_response)

        return broken

    return breaker


def _bytes_key(environ: dict[Any, Any]) -> None:
    environ[b"HTTP_X_BYTES"] = "bytes key"


def _keywords(application: App) -> App:
    def broken(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        by_keyword: Any = application
        result: Iterable[bytes] = by_keyword(environ=environ, start_response=start_response)
        return result

    return broken


def _subclass(application: App) -> App:
    class Environ(dict[str, Any]):
        pass

    def broken(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return application(Environ(environ), start_response)

    return broken


def _write_none(application: App) -> App:
    def broken(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        def no_write(*args: Any) -> None:
            start_response(*args)

        return application(environ, no_write)

    return broken


def _swallow_exc_info(application: App) -> App:
    def broken(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        started: list[Any] = []

        def lenient(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if exc_info is not None and started:
                return started[0]  # pretends the headers were not sent
            started.append(start_response(status, headers, exc_info))
            return started[0]

        return application(environ, lenient)

    return broken


def _drop_close(application: App) -> App:
    def broken(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return (chunk for chunk in application(environ, start_response))

    return broken


def _raw_input(application: App) -> App:
    return application  # wsgiref's own stream, not cut at CONTENT_LENGTH


def _wrap_input(kind: type[LimitedInput]) -> Callable[[dict[str, Any]], None]:
    def change(environ: dict[str, Any]) -> None:
        limited: LimitedInput = environ["wsgi.input"]
        environ["wsgi.input"] = kind(limited.stream, limited.left)

    return change


BREAKERS: dict[str, Callable[[App], App]] = {
    "server-call": _keywords,
    "environ-dict": _subclass,
    "environ-required": _environ(lambda environ: environ.pop("wsgi.run_once")),
    "environ-key-str": _environ(lambda environ: _bytes_key(environ)),
    "environ-cgi-str": _environ(lambda environ: environ.__setitem__("REMOTE_PORT", 1234)),
    "environ-latin1": _environ(lambda environ: environ.__setitem__("HTTP_X_EURO", "\u20ac")),
    "environ-method": _environ(lambda environ: environ.__setitem__("REQUEST_METHOD", "G T")),
    "environ-path": _environ(lambda environ: environ.__setitem__("SCRIPT_NAME", "/")),
    "environ-server": _environ(lambda environ: environ.__setitem__("SERVER_PORT", "eighty")),
    "environ-content-length": _environ(lambda environ: environ.__setitem__("CONTENT_LENGTH", " 5")
                                       if environ.get("CONTENT_LENGTH") == "5" else None),
    "environ-no-http-content": _environ(lambda environ: environ.__setitem__("HTTP_CONTENT_TYPE", "text/plain")),
    "environ-version": _environ(lambda environ: environ.__setitem__("wsgi.version", [1, 0])),
    "environ-url-scheme": _environ(lambda environ: environ.__setitem__("wsgi.url_scheme", "ftp")),
    "environ-input": _environ(lambda environ: environ.__setitem__("wsgi.input", _NoReadlines(environ["wsgi.input"]))),
    "environ-errors": _environ(lambda environ: environ.__setitem__("wsgi.errors", _NoWritelines(environ["wsgi.errors"]))),
    "environ-file-wrapper": _environ(lambda environ: environ.__setitem__("wsgi.file_wrapper", "sendfile")),
    "input-bytes": _environ(_wrap_input(_StrInput)),
    "input-eof": _raw_input,
    "input-size": _environ(_wrap_input(_OneMore)),
    "start-response-write": _write_none,
    "exc-info-reraise": _swallow_exc_info,
    "close-called": _drop_close,
}
# A broken rule that, by its nature, shows in another rule's results too.
ALSO_FAILS: dict[str, set[str]] = {
    "environ-content-length": {"environ-content-length"},
    "input-bytes": {"input-eof", "input-size"},  # a str read is not the bytes expected
}


def test_breakers_cover_every_server_rule() -> None:
    assert sorted(BREAKERS) == sorted(server_rules())


# --- the judges ------------------------------------------------------------------------


def test_judges_table_holds_every_server_rule_and_nothing_else() -> None:
    server_side = {rule.id for rule in RULES.values() if rule.party == "server"}
    assert {"input-eof", "environ-content-length", "environ-no-http-content"} <= server_side  # SHOULD, POLICY too
    assert set(RULE_JUDGES) == server_side
    assert set(RULE_JUDGES) <= set(RULES)
    assert list(CHECK_JUDGES) == list(CHECKS)
    assert not set(CHECKS) & set(RULES)  # a check is what the catalogue does not hold
    assert all(check.party == "server" and check.id == check_id for check_id, check in CHECKS.items())


def test_unrevealable_and_broken_judges_give_skip(wsgiref_observations: Observations) -> None:
    assert verdict(NotRevealable("the server's threads are not visible"), wsgiref_observations) == Verdict(
        "skip", "not revealable over HTTP: the server's threads are not visible")

    def broken(seen: Observations) -> Verdict:
        raise KeyError("gone")

    assert verdict(broken, wsgiref_observations) == Verdict("skip", "could not judge: KeyError: 'gone'")


def test_observations_are_frozen(wsgiref_observations: Observations) -> None:
    seen = wsgiref_observations
    with pytest.raises(dataclasses.FrozenInstanceError):
        seen.ping = seen.head  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        seen.head.response.status = 204  # type: ignore[misc]
    with pytest.raises(TypeError):
        seen.inputs["eof"] = seen.head  # type: ignore[index]
    assert seen.env_get.answer is not None and seen.env_get.answer.environ is not None
    assert seen.env_get.answer.environ.text("QUERY_STRING") == "x=1&y=%C3%A9+z"
    assert len(seen.replies) >= 20 and seen.replies[0] is seen.ping


def test_conformant_wsgiref_passes_every_rule() -> None:
    with Served(conformant(app)) as served:
        report = probe(served.url, timeout=10, stall=STALL)
    assert report.failures == [], report.to_text()
    assert all(result.status == "pass" for result in report.rules), report.to_text()
    assert len(report.rules) >= 20


@pytest.mark.parametrize("rule_id", sorted(BREAKERS))
def test_each_broken_rule_is_reported(rule_id: str) -> None:
    breaker = BREAKERS[rule_id]
    # The server side runs outermost: wsgiref, its input cut at CONTENT_LENGTH, then the breaker.
    application = breaker(app) if rule_id == "input-eof" else conformant(breaker(app))
    with Served(application) as served:
        report = probe(served.url, timeout=10, stall=STALL)
    failed = _failed(report)
    assert rule_id in failed, report.to_text()
    assert failed <= {rule_id} | ALSO_FAILS.get(rule_id, set()), report.to_text()
    detail = _by_id(report)[rule_id][1]
    assert detail and len(detail) < 2000


def test_broken_rule_details_say_what_was_seen() -> None:
    with Served(conformant(BREAKERS["environ-latin1"](app))) as served:
        report = probe(served.url, timeout=10, stall=STALL)
    status, detail = _by_id(report)["environ-latin1"]
    assert status == "fail"
    assert "HTTP_X_EURO" in detail and "U+20AC" in detail


# --- real servers in subprocesses -----------------------------------------------------

PROBE_APP = "wsgitypes.probe:app"
_GUNICORN = ("--workers", "2", "--timeout", "20", "--graceful-timeout", "2", "--no-control-socket", "--log-level", "info")
SERVERS: dict[str, Command] = {
    "waitress": waitress(PROBE_APP, "--threads=4"),
    "gunicorn-sync": gunicorn(PROBE_APP, *_GUNICORN),
    "gunicorn-gthread": gunicorn(PROBE_APP, *_GUNICORN, "--threads", "4", worker="gthread"),
}


@pytest.mark.parametrize("name", sorted(SERVERS))
def test_real_server_breaks_no_rule(name: str, tmp_path: Path, start_server: Callable[..., Server]) -> None:
    server = start_server(SERVERS[name], env={"WSGITYPES_PROBE_STATE": str(tmp_path / "state")})
    report = probe(server.url, timeout=10, stall=2.0)
    server.stop()
    assert report.failures == [], report.to_text()
    results = _by_id(report)
    assert results["exc-info-reraise"][0] == "pass" and results["close-called"][0] == "pass"
    assert results["input-chunked"][0] == "pass", results["input-chunked"]
    # The deliberate exc_info error reached the server's log: the application did not trap it.
    assert "deliberate error for the exc_info test" in server.log()


@pytest.fixture(scope="module")
def our_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Our server (``python -m wsgitypes serve``) serving the probe app in a subprocess: its URL."""
    state = tmp_path_factory.mktemp("our-server") / "state"
    with serve(ours(PROBE_APP), env={"WSGITYPES_PROBE_STATE": str(state)}) as server:
        yield server.url


def _run_cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *argv], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)


def test_wsgitypes_server_passes_every_rule_via_the_cli(our_server: str) -> None:
    """The issue's demonstration: ``python -m wsgitypes probe URL --json`` against our server."""
    done = _run_cli("wsgitypes", "probe", our_server, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    out = json.loads(done.stdout)
    statuses = [entry["status"] for entry in out["rules"]]
    assert len(statuses) >= 20 and statuses.count("fail") == 0, json.dumps(out, indent=1)


def test_both_entry_points_take_the_same_options(our_server: str) -> None:
    """``python -m wsgitypes probe`` and ``python -m wsgitypes.probe``: one command, the same report."""
    options = ("--timeout", "5", "--stall", "0.5")
    by_command = _run_cli("wsgitypes", "probe", our_server, *options)
    by_module = _run_cli("wsgitypes.probe", our_server, *options)
    assert (by_command.returncode, by_module.returncode) == (0, 0), by_command.stderr + by_module.stderr
    rows = re.compile(r"^  (\S+) +(MUST|SHOULD|POLICY) +(PASS|FAIL|SKIP) ", re.M)
    assert rows.findall(by_command.stdout) == rows.findall(by_module.stdout)
    levels = {rule: level for rule, level, _ in rows.findall(by_command.stdout)}
    assert levels == {**{rule_id: RULES[rule_id].level for rule_id in server_rules()},
                      **{check_id: check.level for check_id, check in CHECKS.items()}}
    helps = [_run_cli("wsgitypes", "probe", "--help").stdout, _run_cli("wsgitypes.probe", "--help").stdout]
    assert helps[0] == helps[1] and "--timeout" in helps[0] and "--stall" in helps[0], helps[0]
    for entry_point in (("wsgitypes", "probe"), ("wsgitypes.probe",)):
        bad = _run_cli(*entry_point, our_server, "--stall", "soon")
        assert bad.returncode == 2 and bad.stdout == "", bad
        assert bad.stderr == "wsgitypes: argument --stall: invalid seconds value: 'soon'\n"


def test_closed_pipe_ends_quietly(our_server: str) -> None:
    """The report's reader has gone before it is printed: no BrokenPipeError, exit status 141 (SIGPIPE)."""
    command = f"{sys.executable} -m wsgitypes probe {our_server} --json --stall 0.5"
    # head -c 0 reads nothing and exits at once; PIPESTATUS[0] is the probe's own exit status
    done = subprocess.run(["bash", "-c", f"{command} | head -c 0; echo ${{PIPESTATUS[0]}} >&2"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert (done.stdout, done.stderr) == ("", "141\n")


def test_piped_into_head_ends_quietly(our_server: str) -> None:
    done = subprocess.run(f"{sys.executable} -m wsgitypes probe {our_server} --stall 0.5 | head -3", shell=True,
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.stderr == "" and done.returncode == 0
    assert done.stdout.splitlines() == [f"wsgitypes probe of {our_server}", done.stdout.splitlines()[1], ""]
    assert done.stdout.splitlines()[1].startswith("server: wsgitypes")


# --- the command line -----------------------------------------------------------------


def test_cli_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    with Served(conformant(app)) as served:
        code = main([served.url, "--json", "--stall", str(STALL)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert isinstance(out["server"], str) and out["server"].startswith("WSGIServer/")
    assert [entry["rule"] for entry in out["rules"]] == server_rules()
    for entry in out["rules"] + out["checks"]:
        assert set(entry) == {"rule", "level", "status", "detail"}
        assert entry["status"] in ("pass", "fail", "skip") and isinstance(entry["detail"], str)
    assert [entry["level"] for entry in out["rules"]] == [RULES[rule_id].level for rule_id in server_rules()]
    assert [entry["level"] for entry in out["checks"]] == [check.level for check in CHECKS.values()]
    assert out["summary"]["rules"] == {"pass": len(server_rules()), "fail": 0, "skip": 0}


def test_cli_text_table_and_failure_exit(capsys: pytest.CaptureFixture[str]) -> None:
    with Served(app) as served:
        code = main([served.url, "--stall", str(STALL)])
    out = capsys.readouterr().out
    assert code == 1
    for rule_id in server_rules():
        assert re.search(rf"^  {re.escape(rule_id)} +{RULES[rule_id].level} +(PASS|FAIL|SKIP) ", out, re.M), rule_id
    for check_id, check in CHECKS.items():
        assert re.search(rf"^  {re.escape(check_id)} +{check.level} +(PASS|FAIL|SKIP) ", out, re.M), check_id
    assert re.search(r"^  input-eof +SHOULD +FAIL +", out, re.M)
    assert re.search(r"^  environ-content-length +POLICY +PASS +", out, re.M)
    assert "21 pass, 1 fail, 0 skip" in out


def test_cli_policy_failure_is_reported_but_not_fatal(capsys: pytest.CaptureFixture[str]) -> None:
    """environ-content-length is HTTP policy (RFC 9112), not PEP 3333: shown as FAIL, exit status 0."""
    with Served(conformant(BREAKERS["environ-content-length"](app))) as served:
        code = main([served.url, "--stall", str(STALL)])
    out = capsys.readouterr().out
    assert re.search(r"^  environ-content-length +POLICY +FAIL +POST env: CONTENT_LENGTH is ' 5', not a number", out, re.M), out
    assert code == 0


def _one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    return captured.err


def test_cli_unreachable(capsys: pytest.CaptureFixture[str]) -> None:
    err = _one_line_error(capsys, [f"http://127.0.0.1:{free_port()}"])
    assert "cannot connect to 127.0.0.1" in err and "refused" in err.lower()


def test_cli_bad_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert "http:// URL" in _one_line_error(capsys, ["https://127.0.0.1:1"])


def test_cli_not_the_probe(capsys: pytest.CaptureFixture[str]) -> None:
    def other(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"nothing here"]

    with Served(other) as served:
        err = _one_line_error(capsys, [served.url])
    assert "answered 404 Not Found but not as the probe application" in err
    assert "wsgitypes.probe:app" in err


class _RawServer:
    """Answers each connection with ``answers[i]`` (bytes), then stops listening."""

    def __init__(self, answers: list[bytes]) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.answers = answers
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        for number, answer in enumerate(self.answers, 1):
            connection, _ = self.sock.accept()
            with connection:
                connection.recv(65536)
                if number == len(self.answers):
                    self.sock.close()  # before answering: the next connection is refused
                connection.sendall(answer)


def test_cli_garbage(capsys: pytest.CaptureFixture[str]) -> None:
    server = _RawServer([b"garbage, not HTTP\r\n\r\n"])
    err = _one_line_error(capsys, [f"http://127.0.0.1:{server.port}"])
    assert "not an HTTP response: b'garbage, not HTTP" in err


def test_cli_malformed_response(capsys: pytest.CaptureFixture[str]) -> None:
    server = _RawServer([b"HTTP/1.1 200 OK\r\nNot a header\r\n\r\n"])
    err = _one_line_error(capsys, [f"http://127.0.0.1:{server.port}"])
    assert "malformed response head: b'HTTP/1.1 200 OK" in err and "(h11: " in err


def test_cli_needs_h11(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> Any:
        return None if name == "h11" else real_find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    err = _one_line_error(capsys, ["http://127.0.0.1:1"])
    assert err == "wsgitypes probe: the probe needs h11: pip install 'wsgitypes[probe]'\n"


def _answer(answer: bytes, method: str = "GET") -> RawResponse:
    server = _RawServer([answer])
    framing = [("Content-Length", "0")] if method == "POST" else []
    request = build_request(method, b"/", "x")
    return send_raw("127.0.0.1", server.port, request, method=method, framing=framing, timeout=5, linger=0.2)


def test_send_raw_frames_responses_with_h11() -> None:
    # a body sent in answer to HEAD is extra, not body
    response = _answer(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "HEAD")
    assert (response.status, response.body, response.extra, response.complete) == (200, b"", b"hello", True)
    assert response.header("content-length") == "5"
    # interim responses are skipped; bytes after the end are kept
    response = _answer(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Made\r\nContent-Length: 2\r\n\r\nokNEXT", "POST")
    assert (response.status, response.reason, response.body, response.extra) == (201, "Made", b"ok", b"NEXT")
    # HTTP/1.0, close-delimited
    response = _answer(b"HTTP/1.0 200 OK\r\nServer: old\r\n\r\nall of it")
    assert (response.version, response.body, response.complete, response.closed) == ("HTTP/1.0", b"all of it", True, True)
    # chunked, decoded; a chunked response cut short is incomplete, not malformed
    response = _answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
    assert (response.body, response.complete, response.extra) == (b"hello", True, b"")
    response = _answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
    assert (response.body, response.complete, response.protocol_error, response.ok) == (b"hello", False, "", True)
    assert response.describe_failure() == "incomplete response (5 body bytes, connection closed)"
    # refused by h11: what was seen is kept, with h11's message
    response = _answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n")
    assert (response.status, response.body, response.ok) == (200, b"hello", False)
    assert response.protocol_error and response.raw.endswith(b"zz\r\n")
    assert response.describe_failure().startswith("malformed response after 5 body bytes (h11: ")


def test_cli_server_dies_mid_run(capsys: pytest.CaptureFixture[str]) -> None:
    body = json.dumps({"probe": MARKER, "route": "ping", "call": {"positional": 2, "keywords": []},
                       "state": "x", "software": None}).encode()
    ping = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    server = _RawServer([ping])  # answers the first request, then is gone
    err = _one_line_error(capsys, [f"http://127.0.0.1:{server.port}"])
    assert "the server stopped accepting connections" in err and "GET env" in err


def test_probe_app_survives_odd_environs() -> None:
    """Called directly with junk, the probe app answers instead of raising."""
    seen: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        seen.append(status)
        return lambda data: None

    for environ in ({"PATH_INFO": "/probe/env", "wsgi.input": object()},
                    {"PATH_INFO": "/probe/input", "QUERY_STRING": "mode=eof", "CONTENT_LENGTH": "3", "wsgi.input": io.StringIO("abc")},
                    {"PATH_INFO": "/probe/errors"},
                    {"PATH_INFO": "/probe/file-wrapper"},
                    {"PATH_INFO": "/nowhere"}):
        body = b"".join(app(environ, start_response))
        assert body.startswith(b"{"), body
    assert seen == ["200 OK", "200 OK", "200 OK", "501 Not Implemented", "404 Not Found"]
