"""Zero false positives: idiomatic apps of five frameworks, validated, over real sockets.

Each framework's app from :mod:`tests.apps` is wrapped in ``validator(app)`` (raise
mode, plus ``http_policy=True``, whose findings are logged and never raised) and
served by ``wsgiref.simple_server`` on 127.0.0.1 in a background thread.  Every
route is requested with :mod:`http.client`, and each test checks two things:

* the HTTP status, headers and body are what the framework means to send, and
* no :class:`~wsgitypes.WSGIViolation` happened anywhere during the request: not
  raised into wsgiref (which would answer 500), not swallowed by the framework's
  error handling, not reported from ``__del__`` (a missing ``close()``).

Violations are seen at the source: ``Reporter.seen`` is replaced for the duration of
the module, so each one is recorded before it is raised, whoever catches it.
"""

from __future__ import annotations

import gc
import http.client
import importlib
import io
import json
import threading
import traceback
from contextlib import contextmanager
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer, make_server

import pytest

from tests.apps import FRAMEWORKS
from tests.apps.common import ETAG, FILE_CONTENT, HELLO, JSON_DOC, STREAM_CHUNKS
from wsgitypes import WSGIViolation
from wsgitypes.validate import validator
from wsgitypes.validate._report import Reporter

TIMEOUT = 10.0

# HTTP practice beyond PEP 3333 that these framework versions do not follow.  These are
# POLICY findings: logged, never raised.  Anything else found here fails the module.
EXPECTED_POLICY: dict[str, dict[str, str]] = {
    "flask": {"stream-extension": "Werkzeug reads wsgi.input with readinto() where the stream has it (read() otherwise)"},
    "django": {"http-no-body-status": "HttpResponse(status=204) carries Content-Length: 0 (RFC 9110 §8.6 forbids it)"},
    "bottle": {"http-etag": "static_file() sends an unquoted ETag (RFC 9110 §8.8.3 wants a quoted string)"},
}


# --- wsgiref, quiet and observed ------------------------------------------------------


class _ServerHandler(ServerHandler):
    def log_exception(self, exc_info: Any) -> None:
        """Anything raised into wsgiref is recorded (wsgiref then answers 500)."""
        server: _Server = self.request_handler.server  # type: ignore[attr-defined]
        server.exceptions.append("".join(traceback.format_exception(*exc_info)))


class _RequestHandler(WSGIRequestHandler):
    """wsgiref's handler without logging, with our ServerHandler, telling when it is done."""

    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def get_stderr(self) -> io.StringIO:
        return self.server.errors  # wsgi.errors: bottle and falcon write /error tracebacks here

    def handle(self) -> None:  # WSGIRequestHandler.handle, with _ServerHandler
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536 or not self.parse_request():
                return
            handler = _ServerHandler(
                self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=False  # type: ignore[arg-type]
            )
            handler.request_handler = self  # type: ignore[attr-defined]
            handler.run(self.server.application)
        finally:
            self.server.handled.release()


class _Server(WSGIServer):
    application: Any
    exceptions: list[str]
    errors: io.StringIO
    handled: threading.Semaphore

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.exceptions.append(traceback.format_exc())


@dataclass
class Served:
    framework: str
    server: _Server
    violations: list[WSGIViolation]
    policy: list[WSGIViolation]
    base: str = field(init=False)

    def __post_init__(self) -> None:
        self.base = f"http://127.0.0.1:{self.server.server_port}"

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[http.client.HTTPResponse, bytes]:
        del self.violations[:]
        del self.server.exceptions[:]
        self.server.errors.seek(0)
        self.server.errors.truncate()
        connection = http.client.HTTPConnection("127.0.0.1", self.server.server_port, timeout=TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        # The server has finished the request (close() called, the exchange freed) before we judge it.
        assert self.server.handled.acquire(timeout=TIMEOUT), f"the server did not finish {method} {path}"
        self.assert_clean(f"{method} {path}")
        return response, data

    def assert_clean(self, what: str) -> None:
        problems = [str(violation) for violation in self.violations] + self.server.exceptions
        if problems:
            pytest.fail(
                f"{self.framework} {what}: {len(problems)} problem(s):\n" + "\n".join(problems)
                + f"\nwsgi.errors:\n{self.server.errors.getvalue()}",
                pytrace=False,
            )


@pytest.fixture(scope="module")
def violations_seen() -> Iterator[tuple[list[WSGIViolation], list[WSGIViolation]]]:
    """Record every violation at the source, raised or not, then pass it on unchanged."""
    violations: list[WSGIViolation] = []
    policy: list[WSGIViolation] = []

    def recording(self: Reporter, error: WSGIViolation) -> None:
        (policy if error.rule.level == "POLICY" else violations).append(error)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Reporter, "seen", recording)
        yield violations, policy


@contextmanager
def serve(framework: str, app: Any, seen: tuple[list[WSGIViolation], list[WSGIViolation]]) -> Iterator[Served]:
    """Serve ``validator(app)`` with wsgiref in a background thread."""
    server = make_server(
        "127.0.0.1", 0, validator(app, http_policy=True), server_class=_Server, handler_class=_RequestHandler
    )
    assert isinstance(server, _Server)
    server.exceptions, server.errors, server.handled = [], io.StringIO(), threading.Semaphore(0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    violations, policy = seen
    del violations[:], policy[:]
    try:
        yield Served(framework, server, violations, policy)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)


@pytest.fixture(scope="module", params=FRAMEWORKS)
def served(request: pytest.FixtureRequest, violations_seen: Any) -> Iterator[Served]:
    framework: str = request.param
    with serve(framework, importlib.import_module(f"tests.apps.{framework}_app").app, violations_seen) as served:
        yield served


# --- the routes ---------------------------------------------------------------------

FORM_BODY = "a=1&b=hello+world&c=%C3%A9".encode()
FORM_FIELDS = {"a": "1", "b": "hello world", "c": "é"}
UPLOAD_DOC = {"text": "é ü ✓", "nested": {"list": [1, 2.5, None, True]}, "empty": ""}


@dataclass(frozen=True)
class Route:
    id: str
    method: str
    path: str
    check: Callable[[Served, http.client.HTTPResponse, bytes], None]
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _content_type(response: http.client.HTTPResponse) -> str:
    return (response.getheader("Content-Type") or "").split(";")[0].strip().lower()


def check_hello(s: Served, response: http.client.HTTPResponse, body: bytes) -> None:
    assert (response.status, body) == (200, HELLO.encode())
    assert _content_type(response) == "text/plain"


def check_hello_head(s: Served, response: http.client.HTTPResponse, body: bytes) -> None:
    assert (response.status, body) == (200, b"")
    assert response.getheader("Content-Length") == str(len(HELLO))


def check_json(s: Served, response: http.client.HTTPResponse, body: bytes) -> None:
    assert response.status == 200
    assert _content_type(response) == "application/json"
    assert json.loads(body) == JSON_DOC


def check_empty(s: Served, response: http.client.HTTPResponse, body: bytes) -> None:
    assert (response.status, body) == (204, b"")


def check_redirect(s: Served, response: http.client.HTTPResponse, body: bytes) -> None:
    assert response.status == 302
    location = response.getheader("Location")
    assert location is not None and urljoin(s.base + "/redirect", location) == s.base + "/"
    if s.framework != "pyramid":  # WebOb makes every Location absolute when it serves the response
        assert location == "/"


def check_stream(s: Served, response: http.client.HTTPResponse, body: bytes) -> None:
    assert (response.status, body) == (200, b"".join(STREAM_CHUNKS))
    assert response.getheader("Content-Length") is None  # really streamed, not buffered into one item


def check_file(s: Served, response: http.client.HTTPResponse, body: bytes) -> None:
    assert response.status == 200
    assert body == FILE_CONTENT
    assert response.getheader("Content-Length") == str(len(FILE_CONTENT))


def check_file_head(s: Served, response: http.client.HTTPResponse, body: bytes) -> None:
    assert (response.status, body) == (200, b"")
    assert response.getheader("Content-Length") == str(len(FILE_CONTENT))


def check_form(s: Served, response: http.client.HTTPResponse, body: bytes) -> None:
    assert response.status == 200, body
    assert json.loads(body) == FORM_FIELDS


def check_upload(s: Served, response: http.client.HTTPResponse, body: bytes) -> None:
    assert response.status == 200, body
    assert json.loads(body) == UPLOAD_DOC


def check_error(s: Served, response: http.client.HTTPResponse, body: bytes) -> None:
    assert response.status == 500
    assert body  # the framework's own error page, not wsgiref's
    assert b"A server error occurred.  Please contact the administrator." not in body


def check_fresh(s: Served, response: http.client.HTTPResponse, body: bytes) -> None:
    assert (response.status, body) == (200, b"fresh\n")
    assert response.getheader("ETag") == f'"{ETAG}"'


def check_not_modified(s: Served, response: http.client.HTTPResponse, body: bytes) -> None:
    assert (response.status, body) == (304, b"")
    assert response.getheader("ETag") == f'"{ETAG}"'


ROUTES = [
    Route("hello", "GET", "/", check_hello),
    Route("hello-head", "HEAD", "/", check_hello_head),
    Route("json", "GET", "/json", check_json),
    Route("empty-204", "GET", "/empty", check_empty),
    Route("redirect", "GET", "/redirect", check_redirect),
    Route("stream", "GET", "/stream", check_stream),
    Route("file", "GET", "/file", check_file),
    Route("file-head", "HEAD", "/file", check_file_head),
    Route("form-post", "POST", "/form", check_form, FORM_BODY, {"Content-Type": "application/x-www-form-urlencoded"}),
    Route(
        "json-post", "POST", "/upload", check_upload,
        json.dumps(UPLOAD_DOC).encode(), {"Content-Type": "application/json"},
    ),
    Route("error-500", "GET", "/error", check_error),
    Route("etag-fresh", "GET", "/notmodified", check_fresh),
    Route("etag-304", "GET", "/notmodified", check_not_modified, headers={"If-None-Match": f'"{ETAG}"'}),
]


@pytest.mark.parametrize("route", ROUTES, ids=[route.id for route in ROUTES])
def test_route(served: Served, route: Route) -> None:
    response, body = served.request(route.method, route.path, route.body, route.headers)
    route.check(served, response, body)


def test_no_late_violations(served: Served) -> None:
    """Nothing surfaces later either: a response freed by the garbage collector without close()."""
    gc.collect()
    served.assert_clean("(after garbage collection)")


def test_http_policy_findings(served: Served) -> None:
    """``http_policy=True`` findings are only logged; these are the ones each framework earns."""
    del served.policy[:]
    for route in ROUTES:
        served.request(route.method, route.path, route.body, route.headers)
    found = {violation.rule.id for violation in served.policy}
    expected = EXPECTED_POLICY.get(served.framework, {})
    assert found == set(expected), "\n".join(str(violation) for violation in served.policy)


# --- the harness itself: it must see a violation, wherever it is caught --------------


def _str_body(environ: dict[str, Any], start_response: Any) -> list[Any]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return ["not bytes"]


def _swallows(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    stream = environ["wsgi.input"]
    stream.read(int(environ.get("CONTENT_LENGTH") or 0))
    try:
        stream.read(1)  # past CONTENT_LENGTH; the app hides the violation
    except Exception:
        pass
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


@pytest.mark.parametrize(
    ("app", "rule_id"), [(_str_body, "body-bytes"), (_swallows, "read-past-length")], ids=["raised", "swallowed"]
)
def test_harness_sees_violations(violations_seen: Any, app: Any, rule_id: str) -> None:
    with serve("broken", app, violations_seen) as served:
        with pytest.raises(pytest.fail.Exception, match=rf"\[{rule_id}\]"):
            served.request("POST", "/", b"abc", {"Content-Type": "text/plain"})
