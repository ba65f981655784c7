"""The validator inside real servers: gunicorn (sync, gthread) and waitress, as subprocesses.

Each server loads ``tests.apps.validated:<framework>_app``: the deployment recipe of
a module-level ``application = validator(app)``, in raise mode.  A violation raised
into the server is logged there with its traceback (and answered with a 500); report
mode logs it through the ``wsgitypes.validate`` logger.  Either way it reaches the
server's stderr, which every test reads: no ``WSGIViolation`` may appear in it, during
the requests or after the server has shut down.

Requests: hello (GET and HEAD), a 1 MiB JSON echo, a streamed body, a file (GET and
HEAD, through the server's ``wsgi.file_wrapper``), and a ``Transfer-Encoding:
chunked`` request body.  :mod:`harness` starts each server on a free port of
127.0.0.1; every wait is bounded and each server's process group is ended in the
fixture's teardown.
"""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import harness
from harness import WORKER, Command, gunicorn, ours, waitress
from tests.apps import FRAMEWORKS
from tests.apps.common import FILE_CONTENT, FILE_ENV, HELLO, STREAM_CHUNKS
from wsgitypes.rules import RULES

REQUEST_TIMEOUT = 20.0

_GUNICORN = ("--workers", "1", "--timeout", "20", "--graceful-timeout", "2", "--no-control-socket", "--log-level", "info")
SERVERS: dict[str, Callable[[str], Command]] = {
    "gunicorn-sync": lambda app: gunicorn(app, *_GUNICORN),
    "gunicorn-gthread": lambda app: gunicorn(app, *_GUNICORN, "--threads", "4", worker="gthread"),
    "waitress": lambda app: waitress(app, "--threads=4"),
    # ours, checks on (the app is validated twice), and our engine inside gunicorn
    "wsgitypes": lambda app: ours(app, "--threads", "4", "--timeout-graceful", "2"),
    "wsgitypes-gunicorn": lambda app: gunicorn(app, *_GUNICORN, "--threads", "4", worker=WORKER),
}
# What a violation looks like in a log: the exception's name (raise mode, in a traceback) or
# its message "[rule-id] party LEVEL: ..." (report mode; gunicorn leaves Python logging
# unconfigured, so the last-resort handler prints the bare message).
_VIOLATION = re.compile(
    r"WSGIViolation|wsgitypes\.validate|\[(?:" + "|".join(map(re.escape, RULES)) + r")\] (?:server|application) "
)

# Frameworks that cannot read a chunked request body as gunicorn and wsgitypes pass it on:
# decoded, with wsgi.input_terminated set and no CONTENT_LENGTH.  (waitress buffers the whole
# body and sets CONTENT_LENGTH, so every framework reads it there.)  Not a PEP 3333 matter:
# PEP 3333 says nothing about chunked input.
CHUNKED_UNSUPPORTED: dict[str, str] = {
    "django": "Django sizes the body by CONTENT_LENGTH only: a chunked body reads as empty (500 on json.loads)",
    "falcon": "Falcon's bounded_stream uses CONTENT_LENGTH or 0 and ignores wsgi.input_terminated (400, empty body)",
    "bottle": "under gunicorn Bottle sees HTTP_TRANSFER_ENCODING: chunked and decodes the chunks again, "
    "though the server already did (400); wsgitypes drops that header, and Bottle then reads no body "
    "without CONTENT_LENGTH",
}
STREAMING_INPUT = ("gunicorn-sync", "gunicorn-gthread", "wsgitypes", "wsgitypes-gunicorn")


@dataclass
class Served:
    """One of :data:`SERVERS` serving one application."""

    name: str
    framework: str
    server: harness.Server

    def log(self) -> str:
        return self.server.log()

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.server.host, self.server.port, timeout=REQUEST_TIMEOUT)

    def request(
        self, method: str, path: str, body: object = None, headers: dict[str, str] | None = None, **options: bool
    ) -> tuple[http.client.HTTPResponse, bytes]:
        connection = self.connect()
        try:
            connection.request(method, path, body=body, headers=headers or {}, **options)  # type: ignore[arg-type]
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        self.assert_no_violation(f"{method} {path}")
        return response, data

    def assert_no_violation(self, what: str) -> None:
        log = self.log()
        if _VIOLATION.search(log):
            pytest.fail(f"{self.name} serving {self.framework}, {what}: the server logged a violation:\n{log}", pytrace=False)


def start(
    name: str, framework: str, tmp: Path, mode: str = "raise", module: str = "validated", report_to: str = "logging"
) -> Served:
    """Start server ``name`` on ``tests.apps.<module>:<framework>_app``, or ``:application`` for ``""``."""
    env = {FILE_ENV: str(tmp / "data.bin"), "WSGITYPES_VALIDATOR_MODE": mode, "WSGITYPES_VALIDATOR_REPORT_TO": report_to}
    app = f"tests.apps.{module}:{f'{framework}_app' if framework else 'application'}"
    return Served(name, framework or module, harness.start(SERVERS[name](app), env=env))


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("servers")
    (tmp / "data.bin").write_bytes(FILE_CONTENT)
    return tmp


@pytest.fixture(scope="module", params=[(s, f) for s in SERVERS for f in FRAMEWORKS], ids=lambda p: f"{p[0]}-{p[1]}")
def server(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[Served]:
    name, framework = request.param
    served = start(name, framework, data_dir)
    try:
        yield served
    finally:
        served.server.stop()


# --- the requests -------------------------------------------------------------------


def test_hello(server: Served) -> None:
    response, body = server.request("GET", "/")
    assert (response.status, body) == (200, HELLO.encode())


def test_hello_head(server: Served) -> None:
    response, body = server.request("HEAD", "/")
    assert (response.status, body) == (200, b"")
    assert response.getheader("Content-Length") == str(len(HELLO))


def test_keep_alive(server: Served) -> None:
    """Three requests on one connection (gunicorn sync closes it; http.client reconnects)."""
    connection = server.connect()
    try:
        for path in ("/", "/json", "/"):
            connection.request("GET", path)
            response = connection.getresponse()
            assert response.status == 200
            response.read()
    finally:
        connection.close()
    server.assert_no_violation("keep-alive")


def test_post_echo_1mib(server: Served) -> None:
    document = {"data": "x" * (1 << 20), "text": "é ✓"}
    payload = json.dumps(document).encode()
    response, body = server.request("POST", "/upload", payload, {"Content-Type": "application/json"})
    assert response.status == 200, body[:500]
    assert json.loads(body) == document


def test_stream(server: Served) -> None:
    response, body = server.request("GET", "/stream")
    assert (response.status, body) == (200, b"".join(STREAM_CHUNKS))


def test_file(server: Served) -> None:
    response, body = server.request("GET", "/file")
    assert response.status == 200
    assert body == FILE_CONTENT


def test_file_head(server: Served) -> None:
    response, body = server.request("HEAD", "/file")
    assert (response.status, body) == (200, b"")
    assert response.getheader("Content-Length") == str(len(FILE_CONTENT))


def test_chunked_request_body(server: Served) -> None:
    document = {"chunked": True, "data": "y" * 50_000}
    payload = json.dumps(document).encode()
    parts = (payload[i : i + 8192] for i in range(0, len(payload), 8192))
    response, body = server.request(
        "POST", "/upload", parts,
        {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}, encode_chunked=True,
    )
    if server.name in STREAMING_INPUT and server.framework in CHUNKED_UNSUPPORTED:
        assert response.status >= 400 or json.loads(body) != document, CHUNKED_UNSUPPORTED[server.framework]
    else:
        assert response.status == 200, body[:500]
        assert json.loads(body) == document


def test_stderr_clean_after_shutdown(server: Served) -> None:
    """Last: stop the server, so that anything logged late (a missing close()) is in the log."""
    server.server.stop()
    assert server.server.process.returncode is not None
    server.assert_no_violation("shutdown")


# --- the checks above would see a violation ------------------------------------------


@pytest.mark.parametrize(
    ("mode", "report_to"), [("raise", "logging"), ("report", "logging"), ("report", "wsgi.errors")],
    ids=["raise", "report-logging", "report-wsgi.errors"],
)
@pytest.mark.parametrize("name", list(SERVERS))
def test_violation_reaches_the_log(name: str, mode: str, report_to: str, data_dir: Path) -> None:
    """An app sending its headers as lists: raise mode answers 500, report mode logs and goes on.

    The servers send ``wsgi.errors`` to their stderr (gunicorn: its error log), so both
    report sinks end up in the same place here.  The wsgitypes servers check every request
    themselves (raise mode) around the recipe's validator, so they answer 500 either way.
    """
    served = start(name, "", data_dir, mode, module="broken", report_to=report_to)
    try:
        connection = served.connect()
        try:
            connection.request("GET", "/")
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
    finally:
        served.server.stop()
    log = served.log()
    assert "[header-tuple] application MUST" in log, log
    assert _VIOLATION.search(log)
    if mode == "raise" or name.startswith("wsgitypes"):
        assert response.status == 500 and "WSGIViolation" in log, log
    else:
        assert (response.status, body) == (200, b"ok\n"), log
