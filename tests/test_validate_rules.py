"""Rule by rule: the validator catches every rule of the catalogue.

For every rule id in :data:`wsgitypes.rules.RULES` there is a test named after it
(``test_catches_<id with underscores>``, listed in :data:`CATCHING_TESTS`) that builds
the smallest broken server or application, runs it through :func:`validator` and
checks the :class:`WSGIViolation`: its rule, and that its text names the rule id,
the offending value and the PEP 3333 section.  POLICY rules are never raised: their
tests show they are logged with ``http_policy=True`` and silent otherwise.

A "server" here is :class:`Server`: it builds an environ with
``wsgiref.util.setup_testing_defaults``, calls the application with its
``start_response``, iterates the response and closes it, as a real server does.
The rest of the module shows that correct applications pass untouched and that
the validator's options (report mode, sampling, ignore, file_wrapper pass-through,
``python -O``) do what they promise.
"""

from __future__ import annotations

import gc
import importlib.util
import inspect
import io
import logging
import subprocess
import sys
import textwrap
import types
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from wsgiref.util import FileWrapper, setup_testing_defaults

import pytest

from wsgitypes.rules import RULES, Rule, WSGIViolation
from wsgitypes.validate import validator
from wsgitypes.validate._report import Reporter

LOGGER = "wsgitypes.validate"
TEXT = [("Content-Type", "text/plain")]


class AppError(Exception):
    """The applications' own failure."""


# --- a tiny server ------------------------------------------------------------------


def make_environ(
    method: str = "GET", body: bytes | None = None, terminated: bytes | None = None, **overrides: Any
) -> dict[str, Any]:
    """A fresh, correct environ (``setup_testing_defaults``), then the overrides.

    ``body`` comes with its CONTENT_LENGTH; a ``terminated`` body has none and is
    marked ``wsgi.input_terminated`` (as a server does for a chunked request).
    """
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ["REQUEST_METHOD"] = method
    if body is not None:
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
    if terminated is not None:
        environ["wsgi.input"] = io.BytesIO(terminated)
        environ["wsgi.input_terminated"] = True
    environ.update(overrides)
    return environ


_DEFAULT = object()


@dataclass
class Server:
    """Calls an application as a server does.  Its knobs make it break PEP 3333.

    * ``returns``: what start_response returns instead of ``write``;
    * ``reraise=False``: start_response ignores exc_info after the headers were sent;
    * ``close=False``: the response's close() is never called.
    """

    returns: Any = _DEFAULT
    reraise: bool = True
    close: bool = True
    status: str | None = None
    headers: list[tuple[str, str]] | None = None
    headers_sent: bool = False
    chunks: list[bytes] = field(default_factory=list)
    result: Any = None

    def start_response(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if exc_info is not None:
            try:
                if self.headers_sent and self.reraise:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        self.status, self.headers = status, headers
        return self.write if self.returns is _DEFAULT else self.returns

    def write(self, data: bytes) -> None:
        if data:
            self.headers_sent = True
        self.chunks.append(data)

    def run(self, app: Callable[..., Any], environ: dict[str, Any] | None = None) -> Server:
        environ = make_environ() if environ is None else environ
        result = app(environ, self.start_response)
        self.result = result
        try:
            for data in result:
                self.write(data)
        finally:
            if self.close and hasattr(result, "close"):
                result.close()
        return self

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


def serve(app: Callable[..., Any], environ: dict[str, Any] | None = None, **server: Any) -> Server:
    return Server(**server).run(app, environ)


def check_violation(error: BaseException, rule_id: str, *fragments: str) -> WSGIViolation:
    """``error`` is a WSGIViolation of ``rule_id`` whose text names the id, the section and each fragment."""
    assert isinstance(error, WSGIViolation), repr(error)
    assert error.rule.id == rule_id, str(error)
    assert error.rule is RULES[rule_id]
    text = str(error)
    assert f"[{rule_id}]" in text
    assert RULES[rule_id].source in text
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in {text!r}"
    return error


def catches(
    rule_id: str,
    app: Callable[..., Any],
    *fragments: str,
    environ: dict[str, Any] | None = None,
    **server: Any,
) -> WSGIViolation:
    """Serve ``app`` through the validator: it must raise a violation of ``rule_id``."""
    with pytest.raises(WSGIViolation) as caught:
        serve(validator(app), environ, **server)
    return check_violation(caught.value, rule_id, *fragments)


def hello(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]


def reader(*calls: tuple[str, tuple[Any, ...]]) -> Callable[..., Any]:
    """An application that makes the given wsgi.input calls, then answers."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        stream = environ["wsgi.input"]
        for method, args in calls:
            result = getattr(stream, method)(*args)
            if method == "__iter__":
                list(result)
        start_response("200 OK", TEXT)
        return [b"ok"]

    return app


# --- server side: how the application is called -------------------------------------


def test_catches_server_call() -> None:
    with pytest.raises(WSGIViolation) as caught:
        validator(hello)(make_environ())  # type: ignore[call-arg]
    check_violation(caught.value, "server-call", "called with 1 positional arguments")
    with pytest.raises(WSGIViolation) as caught:
        validator(hello)(environ=make_environ(), start_response=Server().start_response)  # type: ignore[call-arg]
    check_violation(caught.value, "server-call", "['environ', 'start_response']")


class _EnvironSubclass(dict):  # type: ignore[type-arg]
    pass


def test_catches_environ_dict() -> None:
    catches("environ-dict", hello, "got _EnvironSubclass", environ=_EnvironSubclass(make_environ()))
    catches("environ-dict", hello, "got mappingproxy", environ=types.MappingProxyType(make_environ()))  # type: ignore[arg-type]


def test_catches_environ_required() -> None:
    environ = make_environ()
    del environ["SERVER_PROTOCOL"], environ["wsgi.run_once"]
    catches("environ-required", hello, "missing SERVER_PROTOCOL, wsgi.run_once", environ=environ)


def test_catches_environ_key_str() -> None:
    environ = make_environ()
    environ[b"HTTP_X_TRACE"] = "1"  # type: ignore[index]
    catches("environ-key-str", hello, "key b'HTTP_X_TRACE' is bytes", environ=environ)


def test_catches_environ_cgi_str() -> None:
    catches("environ-cgi-str", hello, "environ['QUERY_STRING'] is bytes: b'a=1'", environ=make_environ(QUERY_STRING=b"a=1"))
    catches("environ-cgi-str", hello, "environ['SERVER_PORT'] is int: 80", environ=make_environ(SERVER_PORT=80))


def test_catches_environ_latin1() -> None:
    catches("environ-latin1", hello, "environ['PATH_INFO']", "'/caf€'", "U+20AC", environ=make_environ(PATH_INFO="/caf\u20ac"))


def test_catches_environ_latin1_in_a_learned_shape() -> None:
    # The fast path learns an environ's shape (its keys); a later environ of the same
    # shape with a non-Latin-1 value in an extension key must still be caught.
    serve(validator(hello), make_environ(**{"myserver.peer": "10.0.0.1"}))
    serve(validator(hello), make_environ(**{"myserver.peer": "10.0.0.1"}))
    catches("environ-latin1", hello, "'myserver.peer'", "U+2603", environ=make_environ(**{"myserver.peer": "\u2603"}))


def test_catches_environ_method() -> None:
    catches("environ-method", hello, "REQUEST_METHOD is 'GE T'", environ=make_environ(method="GE T"))
    catches("environ-method", hello, "REQUEST_METHOD is ''", environ=make_environ(method=""))


def test_catches_environ_path() -> None:
    catches("environ-path", hello, "PATH_INFO is 'index.html'", environ=make_environ(PATH_INFO="index.html"))
    catches("environ-path", hello, "SCRIPT_NAME is '/'", environ=make_environ(SCRIPT_NAME="/"))


def test_catches_environ_server() -> None:
    catches("environ-server", hello, "SERVER_PORT is 'eighty'", environ=make_environ(SERVER_PORT="eighty"))
    catches("environ-server", hello, "SERVER_NAME is ''", environ=make_environ(SERVER_NAME=""))


def test_catches_environ_content_length(caplog: pytest.LogCaptureFixture) -> None:
    # PEP 3333 passes the header through as it is; refusing the request is HTTP's rule
    # (RFC 9112 §6.3), so this is POLICY, and its message says what to make of it.
    environ = make_environ(CONTENT_LENGTH="invalid")
    _policy(caplog, "environ-content-length", hello, "CONTENT_LENGTH is 'invalid'", "refuse", environ=environ)
    _policy(caplog, "environ-content-length", hello, "CONTENT_LENGTH is '-5'", environ=make_environ(CONTENT_LENGTH="-5"))


def test_catches_environ_no_http_content() -> None:
    environ = make_environ(HTTP_CONTENT_LENGTH="5")
    catches("environ-no-http-content", hello, "environ has HTTP_CONTENT_LENGTH", environ=environ)


def test_catches_environ_version() -> None:
    catches("environ-version", hello, "wsgi.version is (1, 1)", environ=make_environ(**{"wsgi.version": (1, 1)}))


def test_catches_environ_url_scheme() -> None:
    catches("environ-url-scheme", hello, "wsgi.url_scheme is 'ftp'", environ=make_environ(**{"wsgi.url_scheme": "ftp"}))
    # An unhashable value is a violation too, not a TypeError from a set lookup.
    catches("environ-url-scheme", hello, "wsgi.url_scheme is ['http']", environ=make_environ(**{"wsgi.url_scheme": ["http"]}))


class _NoReadlines:
    def read(self, size: int = -1) -> bytes:
        return b""

    def readline(self, size: int = -1) -> bytes:
        return b""

    def __iter__(self) -> Iterator[bytes]:
        return iter(())

    def __repr__(self) -> str:
        return "<_NoReadlines>"


class _BrokenIter(_NoReadlines):
    def readlines(self, hint: int = -1) -> list[bytes]:
        return []

    def __iter__(self) -> Any:
        return [b"a list, not an iterator"]


def test_catches_environ_input() -> None:
    catches("environ-input", hello, "wsgi.input is <_NoReadlines>", environ=make_environ(**{"wsgi.input": _NoReadlines()}))
    # Has every method, but iter() on it fails.
    environ = make_environ(**{"wsgi.input": _BrokenIter()})
    catches("environ-input", reader(("__iter__", ())), "iter(wsgi.input) failed", "non-iterator", environ=environ)


class _WriteOnly:
    def write(self, text: str) -> None:
        pass

    def __repr__(self) -> str:
        return "<_WriteOnly>"


def test_catches_environ_errors() -> None:
    catches("environ-errors", hello, "wsgi.errors is <_WriteOnly>", environ=make_environ(**{"wsgi.errors": _WriteOnly()}))


def test_catches_environ_file_wrapper() -> None:
    environ = make_environ(**{"wsgi.file_wrapper": "sendfile"})
    catches("environ-file-wrapper", hello, "wsgi.file_wrapper is 'sendfile'", environ=environ)


# --- server side: the input stream --------------------------------------------------


class _Stream:
    """A wsgi.input over ``data`` whose methods can misbehave."""

    def __init__(self, data: Any, ignore_size: bool = False) -> None:
        self.data = data
        self.ignore_size = ignore_size

    def read(self, size: int = -1) -> Any:
        if self.ignore_size or size is None or size < 0:
            data, self.data = self.data, self.data[:0]
        else:
            data, self.data = self.data[:size], self.data[size:]
        return data

    def readline(self, size: int = -1) -> Any:
        return self.read(size)

    def readlines(self, hint: int = -1) -> list[Any]:
        return [self.read()]

    def __iter__(self) -> Iterator[Any]:
        return iter([self.read()])


def test_catches_input_bytes() -> None:
    for method, args in (("read", ()), ("readline", (10,)), ("readlines", ()), ("__iter__", ())):
        environ = make_environ(CONTENT_LENGTH="3", **{"wsgi.input": _Stream("abc")})
        error = catches("input-bytes", reader((method, args)), "returned str: 'abc'", environ=environ)
        assert ("iteration" if method == "__iter__" else method) in str(error)
    stream = _Stream(b"abc")
    stream.readlines = lambda hint=-1: None  # type: ignore[method-assign]
    environ = make_environ(CONTENT_LENGTH="3", **{"wsgi.input": stream})
    catches("input-bytes", reader(("readlines", ())), "readlines returned NoneType: None", environ=environ)


def test_catches_input_eof() -> None:
    environ = make_environ(CONTENT_LENGTH="3", **{"wsgi.input": io.BytesIO(b"abcdefgh")})
    catches("input-eof", reader(("read", ())), "8 bytes read, CONTENT_LENGTH is 3", environ=environ)


def test_catches_input_size() -> None:
    environ = make_environ(CONTENT_LENGTH="5", **{"wsgi.input": _Stream(b"hello", ignore_size=True)})
    catches("input-size", reader(("read", (2,))), "read(2) returned 5 bytes", environ=environ)
    environ = make_environ(CONTENT_LENGTH="5", **{"wsgi.input": _Stream(b"hello", ignore_size=True)})
    catches("input-size", reader(("readline", (1,))), "readline(1) returned 5 bytes", environ=environ)


# --- server side: start_response and close ------------------------------------------


def test_catches_start_response_write() -> None:
    catches("start-response-write", hello, "start_response returned None", returns=None)
    catches("start-response-write", hello, "start_response returned 'write'", returns="write")


def _error_after_body(trap: bool) -> Callable[..., Any]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        write = start_response("200 OK", TEXT)
        write(b"partial")
        try:
            raise AppError("disk on fire")
        except AppError:
            try:
                start_response("500 Internal Server Error", TEXT, sys.exc_info())
            except AppError:
                if not trap:
                    raise
        return [b""]

    return app


def test_catches_exc_info_reraise() -> None:
    catches("exc-info-reraise", _error_after_body(trap=False), "AppError('disk on fire')", "headers were sent", reraise=False)


def _unclosed_generator_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
    start_response("200 OK", TEXT)
    yield b"hello"


def test_catches_close_called(caplog: pytest.LogCaptureFixture) -> None:
    checked = validator(_unclosed_generator_app)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        server = serve(checked, close=False)
        assert server.body == b"hello"
        assert checked.open_responses() == 1  # the server still holds it: not a finding yet
        assert checked.unclosed() == []
        del server  # ...and drops it without close()
        gc.collect()  # the generator holds start_response, which holds the exchange: a cycle
    assert checked.open_responses() == 0
    [dropped] = checked.unclosed()
    assert dropped == "GET /: the server never called close() on generator"
    assert checked.unclosed() == []  # asked once, forgotten
    [record] = [record for record in caplog.records if record.name == LOGGER]
    check_violation(WSGIViolation(RULES["close-called"], dropped), "close-called")
    assert "[close-called]" in record.getMessage() and dropped in record.getMessage()


@pytest.mark.parametrize("mode", ["raise", "report"])
def test_close_called_is_never_raised_from_del(mode: Literal["raise", "report"], monkeypatch: pytest.MonkeyPatch) -> None:
    # Under filterwarnings=error, anything raised from __del__ became a failure of
    # whichever test the collector happened to run in.  Nothing may escape __del__.
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    checked = validator(_unclosed_generator_app, mode=mode, report_to=("wsgi.errors",))
    environ = make_environ()
    errors = environ["wsgi.errors"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        server = serve(checked, environ, close=False)
        errors.close()  # even with nowhere left to write the report
        del server, environ  # the environ's wsgi.input wrapper refers to the exchange too
        gc.collect()
    assert unraisable == []
    assert len(checked.unclosed()) == 1


def test_close_called_is_silent_when_the_server_closes(caplog: pytest.LogCaptureFixture) -> None:
    checked = validator(_unclosed_generator_app)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        serve(checked)
        gc.collect()
    assert checked.unclosed() == [] and checked.open_responses() == 0
    assert [record for record in caplog.records if record.name == LOGGER] == []


# --- application side: start_response -----------------------------------------------


def _starts(*args: Any, **kwargs: Any) -> Callable[..., Any]:
    """An application that calls start_response(*args, **kwargs) and answers b'hi'."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response(*args, **kwargs)
        return [b"hi"]

    return app


def test_catches_start_response_args() -> None:
    catches("start-response-args", _starts("200 OK"), "called with 1 positional")
    catches("start-response-args", _starts("200 OK", TEXT, None, "extra"), "called with 4 positional")
    catches("start-response-args", _starts(status="200 OK", headers=TEXT), "keywords ['headers', 'status']")


def test_catches_status_str() -> None:
    catches("status-str", _starts(b"200 OK", TEXT), "status b'200 OK' is bytes")
    catches("status-str", _starts(200, TEXT), "status 200 is int")


def test_catches_status_format() -> None:
    catches("status-format", _starts("200OK", TEXT), "'200OK' has no space after its code")
    catches("status-format", _starts("200 ", TEXT), "'200 ' has no reason phrase")
    catches("status-format", _starts("2000 OK", TEXT), "'2000 OK'")
    catches("status-format", _starts("099 Low", TEXT), "'099 Low' does not start with a three-digit code from 100 to 999")
    catches("status-format", _starts("OK 200", TEXT), "'OK 200'")


@pytest.mark.parametrize("status", ["999 Unknown", "700 Falcon Extension", "600 Out Of Range", "100 Continue"])
def test_status_codes_up_to_999_are_accepted(status: str) -> None:
    # PEP 3333 asks for "a three-digit code"; Bottle sends "999 Unknown", Falcon has HTTP_7xx.
    server = serve(validator(_starts(status, TEXT)))
    assert server.status == status


def test_catches_status_chars() -> None:
    catches("status-chars", _starts("200 OK\r\nX-Injected: 1", TEXT), "'200 OK\\r\\nX-Injected: 1'", "'\\r'")


def test_catches_status_latin1() -> None:
    catches("status-latin1", _starts("200 \u2713", TEXT), "'200 ✓'", "U+2713")


def test_catches_headers_list() -> None:
    catches("headers-list", _starts("200 OK", tuple(TEXT)), "response_headers is tuple: (('Content-Type', 'text/plain'),)")
    catches("headers-list", _starts("200 OK", dict(TEXT)), "response_headers is dict")


def test_catches_header_tuple() -> None:
    catches("header-tuple", _starts("200 OK", ["Content-Type: text/plain"]), "'Content-Type: text/plain'")
    catches("header-tuple", _starts("200 OK", [["Content-Type", "text/plain"]]), "['Content-Type', 'text/plain']")
    catches("header-tuple", _starts("200 OK", [("Content-Length", 5)]), "('Content-Length', 5) holds str, int")
    catches("header-tuple", _starts("200 OK", [(b"X-A", "1")]), "(b'X-A', '1') holds bytes, str")


def test_catches_header_name() -> None:
    catches("header-name", _starts("200 OK", [("Content Type", "text/plain")]), "'Content Type' has ' '")
    catches("header-name", _starts("200 OK", [("", "x")]), "the header name is empty")


def test_catches_header_value() -> None:
    catches("header-value", _starts("200 OK", [("X-A", "a\r\nSet-Cookie: x")]), "'a\\r\\nSet-Cookie: x'")
    catches("header-value", _starts("200 OK", [("X-A", "caf\u20ac")]), "U+20AC")


def test_catches_hop_by_hop() -> None:
    catches("hop-by-hop", _starts("200 OK", [("Connection", "close")]), "'Connection' is a hop-by-hop header")
    catches("hop-by-hop", _starts("200 OK", [("transfer-encoding", "chunked")]), "'transfer-encoding'")


def test_catches_exc_info_tuple() -> None:
    def app(exc_info: Any) -> Callable[..., Any]:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
            start_response("200 OK", TEXT)
            start_response("500 Internal Server Error", TEXT, exc_info)
            return [b""]

        return app

    catches("exc-info-tuple", app("oops"), "exc_info is 'oops'")
    catches("exc-info-tuple", app((1, 2)), "exc_info is (1, 2)")
    catches("exc-info-tuple", app((1, 2, 3)), "exc_info is (1, 2, 3)")
    catches("exc-info-tuple", app((None, None, None)), "exc_info is (None, None, None)")


def test_catches_start_response_once() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", TEXT)
        start_response("404 Not Found", TEXT)
        return [b""]

    catches("start-response-once", app, "second call ('404 Not Found') after '200 OK' without exc_info")


def test_catches_exc_info_not_trapped() -> None:
    catches("exc-info-not-trapped", _error_after_body(trap=True), "AppError")


def test_catches_exc_info_not_trapped_in_a_generator() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        start_response("200 OK", TEXT)
        yield b"partial"
        try:
            raise AppError("late")
        except AppError:
            try:
                start_response("500 Internal Server Error", TEXT, sys.exc_info())
            except AppError:
                pass
        yield b"more"

    catches("exc-info-not-trapped", app, "AppError")


# --- application side: the response body --------------------------------------------


def _returns(result: Any, status: str | None = "200 OK", headers: list[Any] = TEXT) -> Callable[..., Any]:
    """An application that starts the response and returns ``result`` (a lambda: what it makes, afresh)."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if status is not None:
            start_response(status, headers)
        return result() if isinstance(result, types.LambdaType) and result.__name__ == "<lambda>" else result

    return app


def test_catches_response_iterable() -> None:
    catches("response-iterable", _returns(None), "returned NoneType: None")
    catches("response-iterable", _returns("hello"), "returned str: 'hello'")
    catches("response-iterable", _returns(b"hello"), "returned bytes: b'hello'")
    catches("response-iterable", _returns(42), "returned int: 42")


class _BadIter:
    def __iter__(self) -> Any:
        return [b"not an iterator"]

    def __repr__(self) -> str:
        return "<_BadIter>"


def test_catches_response_iterable_whose_iter_is_broken() -> None:
    catches("response-iterable", _returns(_BadIter()), "<_BadIter>")


def test_catches_body_bytes() -> None:
    catches("body-bytes", _returns(["hello"]), "item 1 is str: 'hello'")
    catches("body-bytes", _returns(iter([b"a", 7])), "item 2 is int: 7")
    catches("body-bytes", _returns([bytearray(b"hello")]), "item 1 is bytearray: bytearray(b'hello')")
    catches("body-bytes", _returns((b"a", memoryview(b"b"))), "item 2 is memoryview")


def test_catches_start_before_body() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        yield b"early"
        start_response("200 OK", TEXT)

    catches("start-before-body", app, "5 body bytes came before start_response")


def test_catches_start_called() -> None:
    catches("start-called", _returns([], status=None), "start_response was never called", "(list)")
    catches("start-called", _returns(iter([b""]), status=None), "(list_iterator)")


class _Sized:
    """An iterable whose len() is ``length`` whatever it yields."""

    def __init__(self, items: list[bytes], length: int) -> None:
        self.items, self.length = items, length

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.items)

    def __len__(self) -> int:
        return self.length


def test_catches_response_len() -> None:
    catches("response-len", _returns(_Sized([b"a", b"b"], 3)), "len() said 3, the iterable yielded 2 items")


def test_catches_content_length_match() -> None:
    short = [("Content-Type", "text/plain"), ("Content-Length", "10")]
    catches("content-length-match", _returns([b"hello"], headers=short), "the body has 5 bytes, Content-Length is 10")
    catches("content-length-match", _returns(iter([b"hello"]), headers=short), "the body has 5 bytes, Content-Length is 10")
    long = [("Content-Type", "text/plain"), ("Content-Length", "2")]
    catches("content-length-match", _returns(iter([b"hello"]), headers=long), "5 bytes sent so far, Content-Length is 2")


def test_catches_write_bytes() -> None:
    def app(data: Any) -> Callable[..., Any]:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
            start_response("200 OK", TEXT)(data)
            return []

        return app

    catches("write-bytes", app("hello"), "write('hello'): got str")
    catches("write-bytes", app(bytearray(b"x")), "got bytearray")


def test_catches_write_not_in_iterable() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        write = start_response("200 OK", TEXT)
        yield b"a"
        write(b"b")

    catches("write-not-in-iterable", app, "write() was called while the server iterated the response")


def test_catches_write_after_start() -> None:
    class Body:
        def __init__(self, write: Callable[[bytes], Any]) -> None:
            self.write = write

        def __iter__(self) -> Iterator[bytes]:
            return iter([b"done"])

        def close(self) -> None:
            self.write(b"late")  # the response is over

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Body:
        return Body(start_response("200 OK", TEXT))

    catches("write-after-start", app, "write(b'late')", "after the response ended")

    def generator_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        write = start_response("200 OK", TEXT)
        try:
            yield b"first"
            yield b"second"
        finally:
            write(b"cleanup")  # runs when the server closes the generator early

    class StopsEarly(Server):
        def run(self, app: Callable[..., Any], environ: dict[str, Any] | None = None) -> Server:
            result = app(make_environ() if environ is None else environ, self.start_response)
            try:
                self.write(next(iter(result)))
            finally:
                result.close()
            return self

    with pytest.raises(WSGIViolation) as caught:
        StopsEarly().run(validator(generator_app))
    check_violation(caught.value, "write-after-start", "write(b'cleanup')")


def _file_wrapper_function(filelike: Any, blksize: int = 8192) -> FileWrapper:
    return FileWrapper(filelike, blksize)


def test_catches_file_wrapper_started() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return environ["wsgi.file_wrapper"](io.BytesIO(b"file"))

    for wrapper in (FileWrapper, _file_wrapper_function):
        catches(
            "file-wrapper-started",
            app,
            "a wsgi.file_wrapper response was returned before start_response",
            environ=make_environ(**{"wsgi.file_wrapper": wrapper}),
        )


# --- application side: the streams -------------------------------------------------


def test_catches_read_past_length() -> None:
    catches("read-past-length", reader(("read", (3,)), ("read", (1,))), "read(1) after all 3 bytes", environ=make_environ(body=b"abc"))
    catches("read-past-length", reader(("read", ()), ("readline", ())), "readline() after all 3 bytes", environ=make_environ(body=b"abc"))


def test_catches_input_args() -> None:
    catches("input-args", reader(("read", ("5",))), "read('5'): the size is str", environ=make_environ(body=b"abc"))
    catches("input-args", reader(("readline", (1.5,))), "readline(1.5): the size is float", environ=make_environ(body=b"abc"))
    catches("input-args", reader(("read", (1, 2))), "read(1, 2)", environ=make_environ(body=b"abc"))


def test_catches_errors_str() -> None:
    def app(call: Callable[[Any], Any]) -> Callable[..., Any]:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
            call(environ["wsgi.errors"])
            start_response("200 OK", TEXT)
            return [b""]

        return app

    catches("errors-str", app(lambda errors: errors.write(b"oops")), "write(b'oops'): got bytes")
    catches("errors-str", app(lambda errors: errors.writelines(["ok", b"oops"])), "an item is bytes: b'oops'")
    catches("errors-str", app(lambda errors: errors.writelines(5)), "writelines(5)")


def test_catches_stream_not_closed() -> None:
    def app(stream: str) -> Callable[..., Any]:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
            environ[stream].close()
            start_response("200 OK", TEXT)
            return [b""]

        return app

    catches("stream-not-closed", app("wsgi.input"), "wsgi.input.close() was called")
    catches("stream-not-closed", app("wsgi.errors"), "wsgi.errors.close() was called")


def _rereads_after_seek(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Reads the body, seeks back (as WebOb does once it has made the body seekable), reads it again."""
    stream = environ["wsgi.input"]
    first = stream.read()
    stream.seek(0)
    again = stream.read(int(environ["CONTENT_LENGTH"]))
    start_response("200 OK", TEXT)
    return [first + b"|" + again]


def test_catches_stream_extension(caplog: pytest.LogCaptureFixture) -> None:
    environ = make_environ(body=b"abc")
    _policy(caplog, "stream-extension", _rereads_after_seek, "wsgi.input.seek", "BytesIO", environ=environ)

    def asks_errors(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        environ["wsgi.errors"].isatty()
        start_response("200 OK", TEXT)
        return [b""]

    _policy(caplog, "stream-extension", asks_errors, "wsgi.errors.isatty", "StringIO")


@pytest.mark.parametrize("mode", ["raise", "report"])
def test_stream_extensions_keep_working(mode: Literal["raise", "report"], caplog: pytest.LogCaptureFixture) -> None:
    # An extension the server's stream really has is passed through, in both modes, and
    # seek() moves what the CONTENT_LENGTH checks count from: no input-eof, no read-past-length.
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        for _ in range(2):
            server = serve(validator(_rereads_after_seek, mode=mode), make_environ(body=b"abc"))
            assert server.body == b"abc|abc"
    assert [record for record in caplog.records if record.name == LOGGER] == []
    with pytest.raises(AttributeError, match="fileno"):  # one the stream lacks fails as it would unwrapped
        serve(validator(reader(("fileno", ())), mode=mode), make_environ(body=b"abc", **{"wsgi.input": _Stream(b"abc")}))


# --- POLICY rules: logged with http_policy=True, never raised --------------------------


def _policy(caplog: pytest.LogCaptureFixture, rule_id: str, app: Callable[..., Any], *fragments: str, environ: dict[str, Any] | None = None) -> None:
    """``app`` breaks the POLICY rule ``rule_id``: logged only with http_policy, never raised."""
    modes: tuple[Literal["raise", "report"], ...] = ("raise", "report")
    for mode in modes:
        for policy in (True, False):
            caplog.clear()
            with caplog.at_level(logging.DEBUG, logger=LOGGER):
                server = serve(validator(app, mode=mode, http_policy=policy), None if environ is None else dict(environ))
            assert server.status is not None  # the response reached the server
            records = [record for record in caplog.records if record.name == LOGGER]
            if not policy:
                assert records == [], [record.getMessage() for record in records]
                continue
            assert len(records) == 1, [record.getMessage() for record in records]
            assert records[0].levelno == logging.WARNING
            text = records[0].getMessage()
            assert f"[{rule_id}]" in text and "POLICY" in text and RULES[rule_id].section in text
            for fragment in fragments:
                assert fragment in text, text


def test_catches_http_content_type(caplog: pytest.LogCaptureFixture) -> None:
    _policy(caplog, "http-content-type", _returns([b"hello"], headers=[]), "'200 OK' response has 5 body bytes")
    _policy(caplog, "http-content-type", _returns(lambda: iter([b"hello"]), headers=[("X-A", "1")]), "no Content-Type")


def test_catches_http_no_body_status(caplog: pytest.LogCaptureFixture) -> None:
    _policy(caplog, "http-no-body-status", _returns([b"oops"], "204 No Content", TEXT), "a '204 No Content' response has 4 body bytes")
    _policy(caplog, "http-no-body-status", _returns(lambda: iter([]), "204 No Content", [("Content-Length", "0")]), "has Content-Length")


def test_catches_http_etag(caplog: pytest.LogCaptureFixture) -> None:
    headers = [("Content-Type", "text/plain"), ("ETag", "v1")]
    for _ in range(2):  # the second time too: a learned header must not skip the policy check
        _policy(caplog, "http-etag", _returns([b"x"], headers=headers), "ETag 'v1' is not a quoted string")


def test_catches_http_status_code(caplog: pytest.LogCaptureFixture) -> None:
    _policy(caplog, "http-status-code", _returns([b"x"], "999 Unknown", TEXT), "'999' is outside HTTP's 100-599")


@pytest.mark.parametrize("value", ["five", "\u00b2", "+2", "1_0", "-1", " 5", "5, 5", "0x10", ""])
def test_catches_content_length_header(value: str) -> None:
    # Each of these would reach int() or a proxy's parser differently: framing-critical.
    headers = [("Content-Type", "text/plain"), ("Content-Length", value)]
    catches("content-length-header", _returns([b"hello"], headers=headers), f"Content-Length {value!r} is not a decimal number")


def test_catches_content_length_header_twice() -> None:
    headers = [("Content-Length", "5"), ("Content-Type", "text/plain"), ("content-length", "5")]
    catches("content-length-header", _returns([b"hello"], headers=headers), "a second Content-Length ('5', then '5')")


# --- the catalogue is covered -----------------------------------------------------------

CATCHING_TESTS: dict[str, str] = {
    "server-call": "test_catches_server_call",
    "environ-dict": "test_catches_environ_dict",
    "environ-required": "test_catches_environ_required",
    "environ-key-str": "test_catches_environ_key_str",
    "environ-cgi-str": "test_catches_environ_cgi_str",
    "environ-latin1": "test_catches_environ_latin1",
    "environ-method": "test_catches_environ_method",
    "environ-path": "test_catches_environ_path",
    "environ-server": "test_catches_environ_server",
    "environ-content-length": "test_catches_environ_content_length",
    "environ-no-http-content": "test_catches_environ_no_http_content",
    "environ-version": "test_catches_environ_version",
    "environ-url-scheme": "test_catches_environ_url_scheme",
    "environ-input": "test_catches_environ_input",
    "environ-errors": "test_catches_environ_errors",
    "environ-file-wrapper": "test_catches_environ_file_wrapper",
    "input-bytes": "test_catches_input_bytes",
    "input-eof": "test_catches_input_eof",
    "input-size": "test_catches_input_size",
    "start-response-write": "test_catches_start_response_write",
    "exc-info-reraise": "test_catches_exc_info_reraise",
    "close-called": "test_catches_close_called",
    "start-response-args": "test_catches_start_response_args",
    "status-str": "test_catches_status_str",
    "status-format": "test_catches_status_format",
    "status-chars": "test_catches_status_chars",
    "status-latin1": "test_catches_status_latin1",
    "headers-list": "test_catches_headers_list",
    "header-tuple": "test_catches_header_tuple",
    "header-name": "test_catches_header_name",
    "header-value": "test_catches_header_value",
    "hop-by-hop": "test_catches_hop_by_hop",
    "exc-info-tuple": "test_catches_exc_info_tuple",
    "start-response-once": "test_catches_start_response_once",
    "exc-info-not-trapped": "test_catches_exc_info_not_trapped",
    "response-iterable": "test_catches_response_iterable",
    "body-bytes": "test_catches_body_bytes",
    "start-before-body": "test_catches_start_before_body",
    "start-called": "test_catches_start_called",
    "response-len": "test_catches_response_len",
    "content-length-match": "test_catches_content_length_match",
    "write-bytes": "test_catches_write_bytes",
    "write-not-in-iterable": "test_catches_write_not_in_iterable",
    "write-after-start": "test_catches_write_after_start",
    "file-wrapper-started": "test_catches_file_wrapper_started",
    "read-past-length": "test_catches_read_past_length",
    "input-args": "test_catches_input_args",
    "errors-str": "test_catches_errors_str",
    "stream-not-closed": "test_catches_stream_not_closed",
    "stream-extension": "test_catches_stream_extension",
    "http-content-type": "test_catches_http_content_type",
    "http-no-body-status": "test_catches_http_no_body_status",
    "http-etag": "test_catches_http_etag",
    "http-status-code": "test_catches_http_status_code",
    "content-length-header": "test_catches_content_length_header",
}
"""For every catalogue rule, the test that proves the validator catches it (docs/rules.md lists them)."""


def test_every_rule_has_a_catching_test() -> None:
    assert sorted(CATCHING_TESTS) == sorted(RULES), "CATCHING_TESTS and RULES disagree"
    module = sys.modules[__name__]
    for rule_id, name in CATCHING_TESTS.items():
        assert rule_id.replace("-", "_") in name, f"{name} does not name {rule_id}"
        assert callable(getattr(module, name, None)), f"{name} is not a test in this module"


@pytest.mark.parametrize("rule_id", list(CATCHING_TESTS))
def test_catching_test_fails_when_the_validator_misses_its_rule(
    rule_id: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each catching test can fail: with the validator blind to its rule, it does."""
    see = Reporter.wants

    def blind(self: Reporter, rule: Rule) -> bool:
        return rule.id != rule_id and see(self, rule)

    monkeypatch.setattr(Reporter, "wants", blind)
    test = globals()[CATCHING_TESTS[rule_id]]
    fixtures: dict[str, Any] = {"caplog": caplog, "monkeypatch": monkeypatch}
    # The test fails: an assertion, "DID NOT RAISE", or the error the validator no longer names.
    with pytest.raises((Exception, pytest.fail.Exception)):
        test(**{name: fixtures[name] for name in inspect.signature(test).parameters})


def test_rules_doc_is_up_to_date() -> None:
    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("gen_rules_doc", root / "tools" / "gen_rules_doc.py")
    assert spec is not None and spec.loader is not None
    gen_rules_doc = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen_rules_doc)
    assert gen_rules_doc.load_catching_tests() == CATCHING_TESTS
    expected = gen_rules_doc.render(RULES, CATCHING_TESTS)
    current = (root / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == expected, "docs/rules.md is out of date: run python tools/gen_rules_doc.py"


# --- correct applications pass untouched ------------------------------------------------


def _generator_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "11")])
    yield b"hello "
    yield b""
    yield b"world"


def _lazy_generator_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
    yield b""  # empty bytestrings may come before start_response
    start_response("200 OK", TEXT)
    yield b"lazy"


def _write_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    write = start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "11")])
    write(b"hello ")
    write(b"world")
    return []


def _write_and_iterable_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    write = start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "11")])
    write(b"hello ")
    return [b"world"]


def _exc_info_before_headers_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", TEXT)
    try:
        raise AppError("failed before any body")
    except AppError:
        start_response("500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info())
    return [b"error"]


def _exc_info_reraised_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
    start_response("200 OK", TEXT)
    yield b"partial"
    try:
        raise AppError("failed after the headers")
    except AppError:
        start_response("500 Internal Server Error", TEXT, sys.exc_info())  # re-raises: let it go
    yield b"never"


def _head_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "1234")])
    return [] if environ["REQUEST_METHOD"] == "HEAD" else [b"x" * 1234]


def _no_body_app(status: str, length: str) -> Callable[..., Any]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response(status, [("Content-Type", "text/plain"), ("Content-Length", length)])
        return [b""]

    return app


def _echo_app(*calls: tuple[str, tuple[Any, ...]]) -> Callable[..., Any]:
    """Reads the request body with the given wsgi.input calls and echoes it."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        stream = environ["wsgi.input"]
        parts = []
        for method, args in calls:
            got = getattr(stream, method)(*args)
            parts.append(b"".join(got) if isinstance(got, list) or method == "__iter__" else got)
        environ["wsgi.errors"].write("read the body\n")
        environ["wsgi.errors"].writelines(["a\n", "b\n"])
        environ["wsgi.errors"].flush()
        start_response("200 OK", TEXT)
        return [b"".join(parts)]

    return app


def _terminated_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    parts = []
    while chunk := environ["wsgi.input"].read(3):  # no CONTENT_LENGTH: read to end-of-file
        parts.append(chunk)
    start_response("200 OK", TEXT)
    return [b"".join(parts)]


class _ClosingBody:
    def __init__(self) -> None:
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        return iter([b"a", b"b"])

    def __len__(self) -> int:
        return 2

    def close(self) -> None:
        self.closed = True


CORRECT: list[tuple[str, Callable[..., Any], dict[str, Any], bytes]] = [
    ("hello", hello, {}, b"hello"),
    ("generator", _generator_app, {}, b"hello world"),
    ("lazy generator", _lazy_generator_app, {}, b"lazy"),
    ("write", _write_app, {}, b"hello world"),
    ("write and iterable", _write_and_iterable_app, {}, b"hello world"),
    ("exc_info before headers", _exc_info_before_headers_app, {}, b"error"),
    ("long list", _returns([b"x"] * 20), {}, b"x" * 20),
    ("tuple", _returns((b"a", b"b")), {}, b"ab"),
    ("sized", _returns(_Sized([b"a", b"b"], 2)), {}, b"ab"),
    ("HEAD with Content-Length", _head_app, {"method": "HEAD"}, b""),
    ("GET with Content-Length", _head_app, {}, b"x" * 1234),
    ("204 with Content-Length", _no_body_app("204 No Content", "0"), {}, b""),
    ("304 with Content-Length", _no_body_app("304 Not Modified", "1234"), {}, b""),
    ("read()", _echo_app(("read", ())), {"body": b"abc\ndef"}, b"abc\ndef"),
    ("read(-1)", _echo_app(("read", (-1,))), {"body": b"abc\ndef"}, b"abc\ndef"),
    ("read(size)", _echo_app(("read", (2,)), ("read", (5,))), {"body": b"abc\ndef"}, b"abc\ndef"),
    ("read(0) at the end", _echo_app(("read", (7,)), ("read", (0,))), {"body": b"abc\ndef"}, b"abc\ndef"),
    ("readline(size)", _echo_app(("readline", (2,)), ("readline", (10,)), ("readline", (10,))), {"body": b"abc\ndef"}, b"abc\ndef"),
    ("readline()", _echo_app(("readline", ()), ("read", ())), {"body": b"abc\ndef"}, b"abc\ndef"),
    ("readlines()", _echo_app(("readlines", ())), {"body": b"abc\ndef"}, b"abc\ndef"),
    ("iteration", _echo_app(("__iter__", ())), {"body": b"abc\ndef"}, b"abc\ndef"),
    ("empty body", _echo_app(("read", ())), {"body": b""}, b""),
    (
        "wsgi.input_terminated",
        _terminated_app,
        {"terminated": b"chunked body"},
        b"chunked body",
    ),
]


@pytest.mark.parametrize(("name", "app", "environ", "body"), CORRECT, ids=[case[0] for case in CORRECT])
@pytest.mark.parametrize("mode", ["raise", "report"])
def test_correct_apps_raise_nothing(
    caplog: pytest.LogCaptureFixture, name: str, app: Callable[..., Any], environ: dict[str, Any], body: bytes, mode: str
) -> None:
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        for _ in range(3):  # the first request takes the slow path, the later ones the learned fast path
            server = serve(validator(app, mode=mode), make_environ(**environ))  # type: ignore[arg-type]
            assert server.body == body
            assert server.status is not None
    assert [record.getMessage() for record in caplog.records if record.name == LOGGER] == []


def test_correct_app_with_exc_info_after_headers_passes_the_servers_error_on() -> None:
    with pytest.raises(AppError, match="failed after the headers"):
        serve(validator(_exc_info_reraised_app))


def test_correct_app_is_closed_and_keeps_its_len() -> None:
    body = _ClosingBody()
    server = serve(validator(_returns(body)))
    assert body.closed
    assert len(server.result) == 2
    assert server.body == b"ab"


def test_correct_apps_with_http_policy_log_nothing(caplog: pytest.LogCaptureFixture) -> None:
    apps = [hello, _generator_app, _write_app, _returns([b"x"], headers=[("Content-Type", "text/plain"), ("ETag", 'W/"1"')])]
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        for app in apps:
            serve(validator(app, http_policy=True))
            serve(validator(app, http_policy=True), make_environ(method="HEAD"))
    assert [record.getMessage() for record in caplog.records if record.name == LOGGER] == []


# --- the validator's options ------------------------------------------------------------


def test_report_mode_logs_and_carries_on(caplog: pytest.LogCaptureFixture) -> None:
    app = _returns([b"hi"], status="200OK")
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        server = serve(validator(app, mode="report"))
    assert server.status == "200OK" and server.body == b"hi"  # the response still reached the server
    messages = [record.getMessage() for record in caplog.records if record.name == LOGGER]
    assert len(messages) == 1 and "[status-format]" in messages[0] and "'200OK'" in messages[0]


def test_report_mode_carries_on_after_many_violations(caplog: pytest.LogCaptureFixture) -> None:
    environ = make_environ(QUERY_STRING=b"q")
    del environ["REQUEST_METHOD"]

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[Any]:
        start_response(b"200 OK", (("Connection", "close"),))
        yield "text"
        yield b"bytes"

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        server = serve(validator(app, mode="report"), environ)
    assert server.chunks == ["text", b"bytes"]
    ids = {record.getMessage().split("]")[0][1:] for record in caplog.records if record.name == LOGGER}
    assert {"environ-required", "environ-cgi-str", "status-str", "headers-list", "hop-by-hop", "body-bytes"} <= ids


def test_report_mode_reports_each_rule_once_per_request_with_a_count(caplog: pytest.LogCaptureFixture) -> None:
    # A 500-character str body breaks body-bytes 500 times: one report, and one count.
    checked = validator(_returns(lambda: "x" * 500), mode="report")
    for _ in range(2):  # per request: the second request reports its own
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            server = serve(checked)
        assert server.chunks == ["x"] * 500  # the request carried on untouched
        messages = [record.getMessage() for record in caplog.records if record.name == LOGGER]
        assert len(messages) == 3, messages
        iterable, first, count = messages
        assert iterable.startswith("[response-iterable]") and "returned str" in iterable
        assert first.startswith("[body-bytes]") and "item 1 is str: 'x'" in first
        assert count.startswith("[body-bytes]") and "broken 500 times in this request" in count


def test_report_mode_hands_back_a_short_body_with_a_bad_item_as_it_is(caplog: pytest.LogCaptureFixture) -> None:
    # WebOb's test_response returns ['OK']: WebOb looks inside a one-item list instead of
    # iterating it, so a stand-in for the list changed what its own test saw.
    for body in (["OK"], [b"a", bytearray(b"b")], ("x", b"y")):
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            returned = validator(_returns(body), mode="report")(make_environ(), Server().start_response)
        assert returned is body
        assert any(record.getMessage().startswith("[body-bytes] ") for record in caplog.records if record.name == LOGGER)
        caplog.clear()


def test_report_mode_counts_repeats_from_the_streams(caplog: pytest.LogCaptureFixture) -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        for _ in range(50):
            try:
                environ["wsgi.errors"].write(b"bytes, not text")
            except TypeError:  # from the server's StringIO, after the report
                pass
        start_response("200 OK", TEXT)
        return [b"ok"]

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert serve(validator(app, mode="report")).body == b"ok"
    messages = [record.getMessage() for record in caplog.records if record.name == LOGGER]
    assert [message[:12] for message in messages] == ["[errors-str]", "[errors-str]"]
    assert "broken 50 times" in messages[1]


def test_report_mode_writes_to_wsgi_errors(caplog: pytest.LogCaptureFixture) -> None:
    app = _returns([b"hi"], status="200OK")
    environ = make_environ()
    errors = environ["wsgi.errors"]
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        server = serve(validator(app, mode="report", report_to=("wsgi.errors",)), environ)
    assert server.body == b"hi"
    assert "[status-format]" in errors.getvalue() and "'200OK'" in errors.getvalue()
    assert [record for record in caplog.records if record.name == LOGGER] == []


def test_report_mode_writes_server_problems_to_wsgi_errors() -> None:
    environ = make_environ(PATH_INFO="no-slash")
    errors = environ["wsgi.errors"]
    serve(validator(hello, mode="report", report_to=("wsgi.errors",)), environ)
    assert "[environ-path]" in errors.getvalue()


def test_sample_zero_checks_nothing() -> None:
    body = ["not bytes"]
    server = serve(validator(_returns(body, status="bad status", headers=("not", "a list")), sample=0.0))  # type: ignore[arg-type]
    assert server.result is body
    assert server.status == "bad status"


def test_ignore_skips_that_rule_only() -> None:
    server = serve(validator(_returns([b"hi"], status="200OK"), ignore={"status-format"}))
    assert server.status == "200OK" and server.body == b"hi"
    with pytest.raises(WSGIViolation) as caught:
        serve(validator(_returns(["hi"], status="200OK"), ignore={"status-format"}))
    check_violation(caught.value, "body-bytes")


def test_ignore_rejects_unknown_ids() -> None:
    with pytest.raises(ValueError, match="status-fromat"):
        validator(hello, ignore={"status-fromat"})
    with pytest.raises(ValueError, match=r"'hop_by_hop' \(did you mean 'hop-by-hop'\?\)"):
        validator(hello, ignore={"hop_by_hop"})
    with pytest.raises(ValueError):
        validator(hello, sample=1.5)
    with pytest.raises(ValueError):
        validator(hello, mode="warn")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="report_to"):
        validator(hello, report_to="wsgi.errors")  # a str, not a collection of sinks
    with pytest.raises(ValueError, match="report_to"):
        validator(hello, report_to=("stderr",))


def _serves_file(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "4")])
    result = environ["wsgi.file_wrapper"](io.BytesIO(b"file"), 2)
    environ["test.made"] = result
    return result


class _SendfileMarker:
    """What a function-style file_wrapper might return: something only the server knows."""

    def __init__(self, filelike: Any, blksize: int = 8192) -> None:
        self.filelike, self.blksize = filelike, blksize

    def __iter__(self) -> Iterator[bytes]:
        return iter(lambda: self.filelike.read(self.blksize), b"")


def _marker_function(filelike: Any, blksize: int = 8192) -> _SendfileMarker:
    return _SendfileMarker(filelike, blksize)


@pytest.mark.parametrize("wrapper", [FileWrapper, _file_wrapper_function, _marker_function])
def test_file_wrapper_result_reaches_the_server_as_is(wrapper: Any) -> None:
    for _ in range(2):
        environ = make_environ(**{"wsgi.file_wrapper": wrapper})
        server = serve(validator(_serves_file), environ)
        assert server.result is environ["test.made"]
        assert server.body == b"file"


def test_function_file_wrapper_does_not_hide_other_responses() -> None:
    def generator_file_wrapper(filelike: Any, blksize: int = 8192) -> Iterator[bytes]:
        yield from iter(lambda: filelike.read(blksize), b"")

    checked = validator(_serves_file)
    environ = make_environ(**{"wsgi.file_wrapper": generator_file_wrapper})
    server = Server().run(checked, environ)
    assert server.result is environ["test.made"]

    def text_generator(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[Any]:
        start_response("200 OK", TEXT)
        yield "text"

    # The same validator, the same kind of file_wrapper: a generator the app made itself is still checked.
    checked.app = text_generator  # type: ignore[attr-defined]
    with pytest.raises(WSGIViolation) as caught:
        Server().run(checked, make_environ(**{"wsgi.file_wrapper": generator_file_wrapper}))
    check_violation(caught.value, "body-bytes", "'text'")


def _swallowing(result: Callable[[], Any]) -> Callable[..., Any]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        try:
            start_response("200OK", TEXT)
        except WSGIViolation:
            pass  # the application hides the violation...
        start_response("200 OK", TEXT)
        return result()

    return app


def test_swallowed_violations_still_reach_the_server() -> None:
    catches("status-format", _swallowing(lambda: [b"hi"]), "'200OK'")
    catches("status-format", _swallowing(lambda: iter([b"hi"])), "'200OK'")


def test_swallowed_violations_reach_the_server_from_a_generator() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        try:
            start_response("200 OK", [("Bad Header", "x")])
        except WSGIViolation:
            pass
        start_response("200 OK", TEXT)
        yield b"hi"

    catches("header-name", app, "'Bad Header'")


def test_swallowed_violations_reach_the_server_with_a_file_wrapper() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        try:
            start_response("200OK", TEXT)
        except WSGIViolation:
            start_response("200 OK", TEXT)
        return environ["wsgi.file_wrapper"](io.BytesIO(b"file"))

    for wrapper in (FileWrapper, _file_wrapper_function):
        catches("status-format", app, "'200OK'", environ=make_environ(**{"wsgi.file_wrapper": wrapper}))


def test_swallowed_violation_wins_over_the_apps_own_error() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        try:
            start_response("200 OK", [("Connection", "close")])
        except WSGIViolation:
            raise AppError("something else") from None
        return [b"not reached"]

    catches("hop-by-hop", app, "'Connection'")


def test_server_violation_swallowed_by_the_app_still_reaches_the_server() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        try:
            start_response("200 OK", TEXT)
        except WSGIViolation:
            pass
        return [b"hi"]

    catches("start-response-write", app, "start_response returned None", returns=None)


def test_checks_survive_python_O() -> None:
    script = textwrap.dedent(
        """
        import sys
        from wsgiref.util import setup_testing_defaults
        from wsgitypes.validate import validator
        from wsgitypes.rules import WSGIViolation
        assert False, "asserts are on"  # vanishes under -O
        def app(environ, start_response):
            start_response("200OK", [("Content-Type", "text/plain")])
            return [b"hi"]
        environ = {}
        setup_testing_defaults(environ)
        try:
            validator(app)(environ, lambda status, headers, exc_info=None: None)
        except WSGIViolation as error:
            print(sys.flags.optimize, error.rule.id)
        """
    )
    done = subprocess.run([sys.executable, "-O", "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "status-format"]


def test_iterable_result_types_pass_through_unchanged() -> None:
    # Validating must not change what a correct server sees: bodies, len(), close().
    results: list[Iterable[bytes]] = [[b"a"], (b"a",), [b"a"] * 9, iter([b"a"]), _Sized([b"a"], 1)]
    for result in results:
        server = serve(validator(_returns(result)))
        assert server.body.startswith(b"a")
