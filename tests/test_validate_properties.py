"""Property tests: whatever a server or an application does, only WSGIViolation escapes.

Hypothesis generates application behaviour (statuses, headers and bodies of random
types, write(), exc_info, extra start_response calls, reads of wsgi.input, writes
to wsgi.errors, its own exceptions) and server behaviour (environs with missing
keys, wrong types and non-Latin-1 text, odd input streams, a start_response that
returns junk or ignores exc_info, a server that never calls close()).  Everything
runs through ``validator(...)`` in raise mode, and the only exceptions allowed out
are :class:`WSGIViolation` and the application's own :class:`AppError`; nothing at
all escapes from ``__del__`` (watched through ``sys.unraisablehook``): a server that
never calls close() is reported there, never raised.
"""

from __future__ import annotations

import gc
import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from wsgiref.util import FileWrapper, setup_testing_defaults

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsgitypes.rules import WSGIViolation
from wsgitypes.validate import validator

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class AppError(Exception):
    """The generated application's own failure: allowed to escape."""


# --- values of every type ----------------------------------------------------------------

small_text = st.text(max_size=12)
odd_text = st.one_of(small_text, st.text(st.characters(min_codepoint=0x100), min_size=1, max_size=4))
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 300),
    st.floats(allow_nan=False),
    odd_text,
    st.binary(max_size=8),
    st.lists(st.integers(0, 9), max_size=2),
    st.tuples(st.integers(0, 9), st.integers(0, 9)),
    st.builds(bytearray, st.binary(max_size=4)),
)

# --- the application ---------------------------------------------------------------------

statuses = st.one_of(
    st.sampled_from(["200 OK", "404 Not Found", "204 No Content", "304 Not Modified", "500 Oops", "101 Switching"]),
    st.from_regex(r"[0-9]{3} [A-Za-z]{0,6}", fullmatch=True),
    junk,
)
header_names = st.one_of(
    st.sampled_from(["Content-Type", "Content-Length", "content-length", "ETag", "Connection", "X-Trace", "Bad Name"]),
    junk,
)
header_values = st.one_of(st.sampled_from(["text/plain", "0", "3", "5", "abc", '"v1"', "v1", "\u00b2", "a\r\nb"]), junk)
header = st.one_of(
    st.tuples(header_names, header_values),
    st.tuples(header_names),
    st.tuples(header_names, header_values, header_values),
    st.lists(header_names, min_size=2, max_size=2),
    junk,
)
header_lists = st.one_of(st.lists(header, max_size=4), st.lists(header, max_size=3).map(tuple), junk)
exc_infos = st.sampled_from(["none", "none", "real", "real-trapped", "junk", "short", "nones", "ints"])
body_items = st.one_of(st.binary(max_size=6), st.binary(max_size=6), junk)
sizes = st.one_of(st.none(), st.integers(-2, 12), junk)


@st.composite
def steps(draw: st.DrawFn) -> tuple[Any, ...]:
    kind = draw(st.sampled_from(["start", "start", "swallowed-start", "write", "raise", "input", "errors", "close-stream", "keywords"]))
    if kind in ("start", "swallowed-start"):
        return (kind, draw(statuses), draw(header_lists), draw(exc_infos))
    if kind == "write":
        return (kind, draw(st.lists(body_items, max_size=2)))
    if kind == "input":
        method = draw(st.sampled_from(["read", "readline", "readlines", "__iter__"]))
        return (kind, method, tuple(draw(st.lists(sizes, max_size=2))))
    if kind == "errors":
        return (kind, draw(st.sampled_from(["write", "writelines", "flush"])), draw(st.one_of(junk, st.lists(junk, max_size=2))))
    if kind == "close-stream":
        return (kind, draw(st.sampled_from(["wsgi.input", "wsgi.errors"])))
    return (kind, draw(statuses))


@dataclass
class AppPlan:
    call_steps: list[tuple[Any, ...]]
    body_kind: str
    body: list[Any]  # items (yielded) or ("step", step) inside a generator
    length: int = 0
    write_in_close: bool = False


@st.composite
def app_plans(draw: st.DrawFn) -> AppPlan:
    body_kind = draw(
        st.sampled_from(["list", "list", "tuple", "long-list", "generator", "generator", "sized", "closing", "file", "none", "str", "bytes", "int"])
    )
    body = draw(
        st.lists(
            st.one_of(body_items, body_items, steps().map(lambda step: ("step", step)) if body_kind == "generator" else st.nothing()),
            max_size=4,
        )
    )
    return AppPlan(
        call_steps=draw(st.lists(steps(), max_size=4)),
        body_kind=body_kind,
        body=body,
        length=draw(st.integers(0, 5)),
        write_in_close=draw(st.booleans()),
    )


def _exc_info(choice: str) -> Any:
    if choice == "junk":
        return "not exc_info"
    if choice == "short":
        return (AppError, AppError("x"))
    if choice == "nones":
        return (None, None, None)
    if choice == "ints":
        return (1, 2, 3)
    return None


class _Sized:
    def __init__(self, items: list[Any], length: int) -> None:
        self.items, self.length = items, length

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def __len__(self) -> int:
        return self.length


class _Closing:
    def __init__(self, items: list[Any], on_close: Callable[[], Any]) -> None:
        self.items, self.on_close = items, on_close

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def close(self) -> None:
        self.on_close()


def make_app(plan: AppPlan) -> Callable[..., Any]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        state: dict[str, Any] = {}

        def run(step: tuple[Any, ...]) -> None:
            kind = step[0]
            if kind in ("start", "swallowed-start"):
                _, status, headers, exc_choice = step
                if exc_choice.startswith("real"):
                    try:
                        raise AppError("handled")
                    except AppError:
                        try:
                            state["write"] = start_response(status, headers, sys.exc_info())
                        except AppError:
                            if exc_choice != "real-trapped":
                                raise
                    return
                exc_info = _exc_info(exc_choice)
                args = (status, headers) if exc_info is None else (status, headers, exc_info)
                if kind == "swallowed-start":
                    try:
                        state["write"] = start_response(*args)
                    except WSGIViolation:
                        pass
                else:
                    state["write"] = start_response(*args)
            elif kind == "keywords":
                state["write"] = start_response(status=step[1], headers=[])
            elif kind == "write":
                if "write" in state and callable(state["write"]):
                    for data in step[1]:
                        state["write"](data)
            elif kind == "raise":
                raise AppError("the application failed")
            elif kind == "input":
                _, method, args = step
                stream = environ["wsgi.input"]
                if method == "__iter__":
                    list(stream)
                else:
                    getattr(stream, method)(*args)
            elif kind == "errors":
                _, method, arg = step
                stream = environ["wsgi.errors"]
                stream.flush() if method == "flush" else getattr(stream, method)(arg)
            elif kind == "close-stream":
                environ[step[1]].close()

        for step in plan.call_steps:
            run(step)
        items = [item for item in plan.body if not (type(item) is tuple and item[:1] == ("step",))]
        kind = plan.body_kind
        if kind == "list":
            return items
        if kind == "tuple":
            return tuple(items)
        if kind == "long-list":
            return items * 5
        if kind == "sized":
            return _Sized(items, plan.length)
        if kind == "closing":
            return _Closing(items, lambda: state["write"](b"late") if plan.write_in_close and "write" in state else None)
        if kind == "file":
            wrapper = environ.get("wsgi.file_wrapper")
            return wrapper(io.BytesIO(b"file body")) if callable(wrapper) else items
        if kind == "generator":

            def generate() -> Iterator[Any]:
                for item in plan.body:
                    if type(item) is tuple and item[:1] == ("step",):
                        run(item[1])
                    else:
                        yield item

            return generate()
        return {"none": None, "str": "text", "bytes": b"bytes", "int": 42}[kind]

    return app


# --- the server ----------------------------------------------------------------------------

_UNSET = object()


class _OddInput:
    """A wsgi.input whose methods return what the plan says, whatever they are asked."""

    def __init__(self, value: Any, lines: Any) -> None:
        self.value, self.lines = value, lines

    def read(self, *args: Any) -> Any:
        return self.value

    def readline(self, *args: Any) -> Any:
        return self.value

    def readlines(self, *args: Any) -> Any:
        return self.lines

    def __iter__(self) -> Any:
        return iter(self.lines) if isinstance(self.lines, list) else self.lines


def _file_wrapper_function(filelike: Any, blksize: int = 8192) -> Any:
    return FileWrapper(filelike, blksize)


ENVIRON_KEYS = [
    "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH",
    "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "HTTP_HOST", "HTTP_CONTENT_LENGTH", "HTTP_X_TRACE",
    "wsgi.version", "wsgi.url_scheme", "wsgi.input", "wsgi.errors", "wsgi.multithread", "wsgi.multiprocess",
    "wsgi.run_once", "wsgi.file_wrapper", "wsgi.input_terminated", "myserver.peer",
]  # fmt: skip


@dataclass
class ServerPlan:
    body: bytes = b""
    content_length: str | None = None
    changes: list[tuple[Any, Any]] = field(default_factory=list)  # (key, value or _UNSET to delete)
    input: str = "bytesio"
    input_value: Any = None
    input_lines: Any = None
    file_wrapper: str = "none"
    returns: Any = _UNSET
    reraise: bool = True
    close: bool = True


@st.composite
def server_plans(draw: st.DrawFn, broken: bool = True) -> ServerPlan:
    body = draw(st.binary(max_size=10))
    plan = ServerPlan(
        body=body,
        content_length=draw(st.sampled_from([None, str(len(body)), "0", "3"])),
        file_wrapper=draw(st.sampled_from(["none", "class", "function"])),
    )
    if not broken:
        return plan
    plan.changes = draw(
        st.lists(
            st.tuples(
                st.one_of(st.sampled_from(ENVIRON_KEYS), small_text, st.integers(), st.binary(max_size=3)),
                st.one_of(junk, st.just(_UNSET), st.sampled_from(["GET", "HEAD", "/x", "", "80", "http", "\u20ac"])),
            ),
            max_size=3,
        )
    )
    plan.input = draw(st.sampled_from(["bytesio", "bytesio", "stringio", "odd"]))
    plan.input_value = draw(junk)
    plan.input_lines = draw(st.one_of(junk, st.lists(junk, max_size=2)))
    plan.file_wrapper = draw(st.sampled_from(["none", "class", "function", "junk"]))
    plan.returns = draw(st.one_of(st.just(_UNSET), st.just(_UNSET), junk))
    plan.reraise = draw(st.booleans())
    plan.close = draw(st.booleans())
    return plan


def make_environ(plan: ServerPlan) -> dict[Any, Any]:
    environ: dict[Any, Any] = {}
    setup_testing_defaults(environ)
    environ["wsgi.input"] = {
        "bytesio": lambda: io.BytesIO(plan.body),
        "stringio": lambda: io.StringIO(plan.body.decode("latin-1")),
        "odd": lambda: _OddInput(plan.input_value, plan.input_lines),
    }[plan.input]()
    if plan.content_length is not None:
        environ["CONTENT_LENGTH"] = plan.content_length
    wrapper = {"class": FileWrapper, "function": _file_wrapper_function, "junk": "sendfile"}.get(plan.file_wrapper)
    if wrapper is not None:
        environ["wsgi.file_wrapper"] = wrapper
    for key, value in plan.changes:
        if value is _UNSET:
            environ.pop(key, None)
        else:
            environ[key] = value
    return environ


class Server:
    def __init__(self, plan: ServerPlan) -> None:
        self.plan = plan
        self.headers_sent = False
        self.chunks: list[Any] = []

    def start_response(self, status: Any, headers: Any, exc_info: Any = None) -> Any:
        if exc_info is not None:
            try:
                if self.headers_sent and self.plan.reraise:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        return self.write if self.plan.returns is _UNSET else self.plan.returns

    def write(self, data: Any) -> None:
        if data:
            self.headers_sent = True
        self.chunks.append(data)

    def run(self, app: Callable[..., Any], environ: dict[Any, Any]) -> None:
        result = app(environ, self.start_response)
        try:
            for data in result:
                self.write(data)
        finally:
            if self.plan.close and hasattr(result, "close"):
                result.close()


# --- the properties ---------------------------------------------------------------------------


@contextmanager
def unraisable(generation: int) -> Iterator[list[BaseException | None]]:
    """What escapes from __del__ (a server that never called close()): must be nothing.

    The stand-in for a closable response often sits in a reference cycle (through
    the write callable the application kept), so the collector runs before leaving:
    the young generation after each example (cheap), everything once per test.
    """
    found: list[BaseException | None] = []
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: found.append(unraisable.exc_value)
    try:
        yield found
        gc.collect(generation)
    finally:
        sys.unraisablehook = hook


def only_violations_escape(app_plan: AppPlan, server_plan: ServerPlan) -> None:
    with unraisable(generation=0) as reported:
        try:
            Server(server_plan).run(validator(make_app(app_plan)), make_environ(server_plan))
        except (WSGIViolation, AppError):
            pass
    assert reported == []


@SETTINGS
@given(app_plan=app_plans(), server_plan=server_plans(broken=False))
def _any_application_behind_a_correct_server(app_plan: AppPlan, server_plan: ServerPlan) -> None:
    only_violations_escape(app_plan, server_plan)


@SETTINGS
@given(app_plan=app_plans(), server_plan=server_plans())
def _any_application_behind_any_server(app_plan: AppPlan, server_plan: ServerPlan) -> None:
    only_violations_escape(app_plan, server_plan)


def _hello(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]


@SETTINGS
@given(server_plan=server_plans())
def _a_correct_application_behind_any_server(server_plan: ServerPlan) -> None:
    with unraisable(generation=0) as reported:
        try:
            Server(server_plan).run(validator(_hello), make_environ(server_plan))
        except WSGIViolation as error:
            assert error.rule.party == "server", str(error)  # a correct application is never blamed
    assert reported == []


# Each property runs inside one more watch with a full collection at the end, for
# stand-ins that outlived their example.


def test_any_application_behind_a_correct_server() -> None:
    with unraisable(generation=2) as reported:
        _any_application_behind_a_correct_server()
    assert reported == []


def test_any_application_behind_any_server() -> None:
    with unraisable(generation=2) as reported:
        _any_application_behind_any_server()
    assert reported == []


def test_a_correct_application_behind_any_server() -> None:
    with unraisable(generation=2) as reported:
        _a_correct_application_behind_any_server()
    assert reported == []
