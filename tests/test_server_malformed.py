"""The malformed-request corpus (:mod:`tests.malformed.corpus`) against a real server process.

Every case in :data:`REFUSED` is sent as raw bytes on its own connection, followed by a
valid ``GET /hello`` (the would-be smuggled request), and must get exactly one complete
error response (the status RFC 9112 names, a Content-Length, ``Connection: close``),
after which the server closes the connection; the trailing request is never answered,
and the application is never called (unless the fault is in a body: bodies stream, so
the application may be reading when it shows, and its read fails).  :data:`ACCEPTED` holds the valid edge cases a strict
parser must not refuse.  Then the limits and timeouts, with small values given as flags,
and the defaults.

The same corpus runs in-process against the sans-IO parser in ``test_server_core.py``.
Cases where the server misbehaves today are ``xfail(strict=True)`` with the observed behaviour in
:data:`KNOWN_BAD`; the fix removes the entry.

One server process with small limits and timeouts serves the whole module
(``tests.malformed.app``: the serving test app plus a call counter at ``/calls``);
a second one with the defaults checks the default limits and the listen backlog.
"""

from __future__ import annotations

import re
import select
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from harness import Server, ours, read_until_close, serve
from tests.apps.serving import HELLO
from tests.malformed.corpus import (
    ACCEPTED,
    CHUNKED,
    FOLLOW,
    LAST,
    LIMIT_REQUEST_LINE,
    PIPELINES,
    REFUSED,
    SMALL_FLAGS,
    UNTERMINATED,
    WITHIN_LIMITS,
    Accepted,
    Case,
    padded_headers,
    request,
)
from wsgitypes.server import Limits, Timeouts

APP = "tests.malformed.app:app"
F = TypeVar("F", bound=Callable[..., Any])
READ_TIMEOUT = 6.0  # no case may keep a connection open longer (the server's timeouts are 1 s)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with serve(ours(APP, "--threads", "4", *SMALL_FLAGS)) as running:
        yield running
        assert "internal error" not in running.log(), running.log()  # a bug of ours, whatever the request


@pytest.fixture(scope="module")
def default_server() -> Iterator[Server]:
    with serve(ours(APP, "--threads", "2")) as running:
        yield running


# --- talking to the server --------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]  # lower-case names, in order
    body: bytes

    def header(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key == name]
        return ", ".join(values) if values else None


_STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3}) [^\r\n]*")


def parse_responses(data: bytes) -> tuple[list[Response], bytes]:
    """The complete responses at the start of ``data`` (1xx skipped), and the bytes after them."""
    responses: list[Response] = []
    while data:
        head, found, rest = data.partition(b"\r\n\r\n")
        if not found:
            break
        status_line, *lines = head.split(b"\r\n")
        matched = _STATUS_LINE.fullmatch(status_line)
        if not matched:
            break
        status = int(matched[1])
        headers = []
        for line in lines:
            name, _, value = line.decode("latin-1").partition(":")
            headers.append((name.strip().lower(), value.strip()))
        response = Response(status, headers, b"")
        if status < 200:
            data = rest
            continue
        length = response.header("content-length")
        if status in (204, 304):
            pass
        elif length is not None:
            if len(rest) < int(length):
                break
            response.body, rest = rest[: int(length)], rest[int(length) :]
        elif (response.header("transfer-encoding") or "").lower() == "chunked":
            body = []
            while True:
                size_line, found, after = rest.partition(b"\r\n")
                if not found:
                    return responses, data
                size = int(size_line.split(b";")[0], 16)
                if size == 0:
                    _, found, rest = after.partition(b"\r\n")  # no trailers in our responses
                    break
                body.append(after[:size])
                rest = after[size + 2 :]
            response.body = b"".join(body)
        else:
            response.body, rest = rest, b""
        responses.append(response)
        data = rest
    return responses, data


def app_calls(server: Server) -> int:
    data, _ = server.exchange(b"GET /calls HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", READ_TIMEOUT)
    responses, _ = parse_responses(data)
    assert len(responses) == 1 and responses[0].status == 200, data
    return int(responses[0].body)


def describe(data: bytes, closed: bool, calls: int) -> str:
    responses, rest = parse_responses(data)
    statuses = [response.status for response in responses]
    return f"statuses {statuses}, {'closed' if closed else 'left open'}, app called {calls}x, {len(rest)} stray bytes; got {data[:300]!r}"


# Exactly what the server does today where it is wrong; the fix deletes the entry.
KNOWN_BAD: dict[str, str] = {}


def known_bad(id: str) -> list[pytest.MarkDecorator]:
    return [pytest.mark.xfail(strict=True, raises=AssertionError, reason=KNOWN_BAD[id])] if id in KNOWN_BAD else []


ALL_IDS: set[str] = set()  # every case id in the module, to check KNOWN_BAD names real ones


def params(ids_and_values: list[tuple[str, object]]) -> list[object]:
    ids = [id for id, _ in ids_and_values]
    assert len(ids) == len(set(ids)) and not ALL_IDS & set(ids), "duplicate case ids"
    ALL_IDS.update(ids)
    return [pytest.param(*(value if isinstance(value, tuple) else (value,)), id=id, marks=known_bad(id)) for id, value in ids_and_values]


@pytest.mark.parametrize("item", params([(item.id, item) for item in REFUSED]))
def test_refused(server: Server, item: Case) -> None:
    assert_refused(server, item.raw, item.status, app_may_run=item.in_body)


def assert_refused(server: Server, raw: bytes, statuses: tuple[int, ...], *, app_may_run: bool = False) -> Response:
    """``raw`` (then :data:`FOLLOW`) gets exactly one complete error response, then the close."""
    before = app_calls(server)
    data, closed = server.exchange(raw + FOLLOW, READ_TIMEOUT)
    called = app_calls(server) - before
    responses, rest = parse_responses(data)
    facts = describe(data, closed, called)
    assert len(responses) == 1 and not rest, f"want exactly one response: {facts}"
    response = responses[0]
    assert response.status in statuses, f"want {statuses}: {facts}"
    assert closed, f"want the connection closed: {facts}"
    assert response.header("content-length") == str(len(response.body)), f"want a Content-Length: {facts}"
    assert (response.header("connection") or "").lower() == "close", f"want Connection: close: {facts}"
    assert response.body.startswith(b"%d " % response.status), f"not the server's error page: {facts}"
    assert HELLO not in data, f"the trailing request was answered: {facts}"
    if not app_may_run:
        assert called == 0, f"the application was called: {facts}"
    return response


# --- the corpus: accepted ---------------------------------------------------------------


@pytest.mark.parametrize("item", params([(f"accepted/{item.id}", item) for item in ACCEPTED]))
def test_accepted(server: Server, item: Accepted) -> None:
    before = app_calls(server)
    data, closed = server.exchange(item.raw + LAST, READ_TIMEOUT)
    called = app_calls(server) - before
    responses, rest = parse_responses(data)
    facts = describe(data, closed, called)
    assert closed and not rest, facts
    assert [response.status for response in responses] == [item.status] + [200] * (item.responses - 1), facts
    assert called == item.responses - item.id.startswith("options-"), facts
    first = responses[0]
    if item.body is not None:
        assert first.body == item.body, facts
    if item.id == "obs-text-value":
        assert '"HTTP_X_OBS": "caf\\u00e9 \\u0080\\u00ff"' in first.body.decode(), facts
    if item.id == "ows-around-value-stripped":
        assert '"HTTP_X_TRIM": "b c"' in first.body.decode(), facts
    if item.id.startswith("underscored"):
        assert first.body.startswith(b'{"size": 0,'), facts
    if item.responses > 1:
        assert responses[-1].body == HELLO, facts


# --- pipelining: a bad request after good ones, and data after the last response ----------

@pytest.mark.parametrize(("raw", "statuses"), params([(id, (raw, statuses)) for id, raw, statuses in PIPELINES]))
def test_pipeline(server: Server, raw: bytes, statuses: list[int]) -> None:
    before = app_calls(server)
    data, closed = server.exchange(raw + FOLLOW, READ_TIMEOUT)
    called = app_calls(server) - before
    responses, rest = parse_responses(data)
    facts = describe(data, closed, called)
    assert [response.status for response in responses] == statuses and not rest, facts
    assert closed, facts
    assert called == statuses.count(200), facts
    assert all(response.body == b"first" for response in responses if response.status == 200), facts
    last = responses[-1]
    assert (last.header("connection") or "").lower() == "close", facts
    assert HELLO not in data, facts


# --- limits (the small values given as flags) -----------------------------------------------


def flagged(id: str) -> Callable[[F], F]:
    """Register a one-off test's case id, and mark it when :data:`KNOWN_BAD` names it."""
    ALL_IDS.add(id)

    def apply(function: F) -> F:
        for mark in known_bad(id):
            function = mark(function)
        return function

    return apply


@pytest.mark.parametrize(("raw", "body"), params([(id, (raw, body)) for id, raw, body in WITHIN_LIMITS]))
def test_within_limits(server: Server, raw: bytes, body: bytes) -> None:
    assert len(raw.split(b"\r\n")[0].split(b" ")[1]) <= LIMIT_REQUEST_LINE
    data, closed = server.exchange(raw + LAST, READ_TIMEOUT)
    responses, rest = parse_responses(data)
    assert [response.status for response in responses] == [200, 200] and not rest and closed, data[:300]
    assert responses[0].body == body


@flagged("limits/body-over-limit-arriving-later")
def test_chunked_body_over_limit_arriving_after_the_head(server: Server) -> None:
    """The application is reading when the limit is crossed: it gets an error, the client a 413."""
    with server.connect(READ_TIMEOUT) as sock:
        sock.sendall(request(b"POST /upload HTTP/1.1", CHUNKED))
        time.sleep(0.2)
        try:
            for _ in range(15):
                sock.sendall(b"64\r\n" + b"d" * 100 + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        data, closed = read_until_close(sock, READ_TIMEOUT)
    responses, rest = parse_responses(data)
    assert [response.status for response in responses] == [413] and not rest and closed, data[:300]
    assert (responses[0].header("connection") or "").lower() == "close"


def first_answer_time(server: Server, raw: bytes, timeout: float = 4.0) -> tuple[float, bytes, bool]:
    """Send ``raw`` and nothing more: how long until the server answers, what it said, and
    whether it closed."""
    with server.connect(timeout) as sock:
        started = time.monotonic()
        try:
            sock.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data, closed = read_until_close(sock, timeout)
        return time.monotonic() - started, data, closed


@pytest.mark.parametrize(("raw", "status"), params([(id, (raw, status)) for id, raw, status in UNTERMINATED]))
def test_limit_crossed_mid_line_is_refused_at_once(server: Server, raw: bytes, status: int) -> None:
    """A limit is a bound on memory: crossing it is refused then, not when the line ends
    (or when the header timeout strikes)."""
    elapsed, data, closed = first_answer_time(server, raw)
    responses, _ = parse_responses(data)
    facts = f"after {elapsed:.2f} s: {describe(data, closed, 0)}"
    assert [response.status for response in responses] == [status] and closed, facts
    assert elapsed < 0.8, facts


# --- timeouts (1 s each, given as flags; the server checks them once a second) -------------


def test_idle_connection_is_closed_after_the_keepalive_timeout(server: Server) -> None:
    elapsed, data, closed = first_answer_time(server, b"", timeout=5.0)
    assert closed and data == b"", data
    assert 0.8 <= elapsed <= 3.0, elapsed


def test_idle_keepalive_connection_is_closed_after_a_response(server: Server) -> None:
    with server.connect(5.0) as sock:
        sock.sendall(request(b"GET /hello HTTP/1.1"))
        data = b""
        while not parse_responses(data)[0]:
            data += sock.recv(65536)
        started = time.monotonic()
        rest, closed = read_until_close(sock, 5.0)
        elapsed = time.monotonic() - started
    assert parse_responses(data)[0][0].body == HELLO
    assert closed and rest == b"", rest
    assert 0.5 <= elapsed <= 3.0, elapsed


def test_trickling_head_gets_408_within_the_header_timeout(server: Server) -> None:
    before = app_calls(server)
    head = request(b"GET /hello HTTP/1.1", b"X-Slow: " + b"s" * 80)
    with server.connect(5.0) as sock:
        started = time.monotonic()
        sent = 0
        data = b""
        while time.monotonic() - started < 5.0 and sent < len(head) - 1:  # never the last byte
            readable, _, _ = select.select([sock], [], [], 0.1)
            if readable:
                break
            try:
                sock.sendall(head[sent : sent + 1])
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 1
        data, closed = read_until_close(sock, 5.0)
        elapsed = time.monotonic() - started
    responses, rest = parse_responses(data)
    facts = f"after {elapsed:.2f} s and {sent} bytes: {describe(data, closed, 0)}"
    assert [response.status for response in responses] == [408] and not rest and closed, facts
    assert (responses[0].header("connection") or "").lower() == "close", facts
    assert 0.8 <= elapsed <= 3.5, facts
    assert app_calls(server) == before


def test_incomplete_head_gets_408(server: Server) -> None:
    elapsed, data, closed = first_answer_time(server, b"GET /hello HTTP/1.1\r\nHost: example.test\r\n", timeout=5.0)
    responses, rest = parse_responses(data)
    assert [response.status for response in responses] == [408] and not rest and closed, data
    assert 0.8 <= elapsed <= 3.5, elapsed


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(request(b"POST /upload HTTP/1.1", b"Content-Length: 10", body=b"abc"), id="content-length"),
        pytest.param(request(b"POST /upload HTTP/1.1", CHUNKED, body=b"5\r\nhel"), id="chunked"),
    ],
)
def test_stalled_body_gets_408_and_the_close(server: Server, raw: bytes) -> None:
    elapsed, data, closed = first_answer_time(server, raw, timeout=5.0)
    responses, rest = parse_responses(data)
    assert [response.status for response in responses] == [408] and not rest and closed, data
    assert (responses[0].header("connection") or "").lower() == "close"
    assert 0.8 <= elapsed <= 3.5, elapsed


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"GET /hello HTTP/1.1\r\nHost: example.test\r\n", id="head"),
        pytest.param(b"GET /hel", id="request-line"),
        pytest.param(request(b"POST /upload HTTP/1.1", b"Content-Length: 10", body=b"abc"), id="content-length-body"),
        pytest.param(request(b"POST /upload HTTP/1.1", CHUNKED, body=b"5\r\nhel"), id="chunked-body"),
    ],
)
def test_a_request_cut_short_by_a_half_close_gets_400_at_once(server: Server, raw: bytes) -> None:
    """The client says it is done sending (FIN) with the request unfinished: a 400 that says
    so, then the close; not the silence, or the 408 the timeouts would give much later."""
    before = app_calls(server)
    with server.connect(timeout=READ_TIMEOUT) as sock:
        started = time.monotonic()
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        data, closed = read_until_close(sock, READ_TIMEOUT)
        elapsed = time.monotonic() - started
    responses, rest = parse_responses(data)
    facts = describe(data, closed, app_calls(server) - before)
    assert [response.status for response in responses] == [400] and not rest and closed, facts
    assert b"stopped sending before the end of the request" in responses[0].body, facts
    assert elapsed < 0.8, f"answered after {elapsed:.1f} s: {facts}"
    assert app_calls(server) == before, facts


def test_a_body_after_100_continue_cut_short_by_a_half_close_gets_400(server: Server) -> None:
    """The same where a thread reads the body (the application asked for it, with 100 Continue)."""
    with server.connect(timeout=READ_TIMEOUT) as sock:
        sock.sendall(request(b"POST /upload HTTP/1.1", b"Content-Length: 10", b"Expect: 100-continue"))
        interim = sock.recv(100)
        sock.sendall(b"abc")
        sock.shutdown(socket.SHUT_WR)
        data, closed = read_until_close(sock, READ_TIMEOUT)
    responses, rest = parse_responses(data)
    assert interim.startswith(b"HTTP/1.1 100 "), interim
    assert [response.status for response in responses] == [400] and not rest and closed, data
    assert b"stopped sending before the end of the request body, after 3 bytes" in responses[0].body, data


def test_a_complete_request_then_a_half_close_is_answered(server: Server) -> None:
    with server.connect(timeout=READ_TIMEOUT) as sock:
        sock.sendall(b"GET /hello HTTP/1.1\r\nHost: example.test\r\n\r\n")
        sock.shutdown(socket.SHUT_WR)
        data, closed = read_until_close(sock, READ_TIMEOUT)
    responses, rest = parse_responses(data)
    assert [response.status for response in responses] == [200] and responses[0].body == HELLO and not rest and closed, data


# --- the defaults ---------------------------------------------------------------------------


def test_default_limits_and_timeouts_are_sane() -> None:
    limits, timeouts = Limits(), Timeouts()
    assert 4094 <= limits.max_request_line <= 65536
    assert 4094 <= limits.max_header_line <= 65536
    assert limits.max_header_line <= limits.max_header_bytes <= 1 << 20
    assert 50 <= limits.max_headers <= 1000
    assert 1 << 20 <= limits.max_body <= 1 << 32
    assert 1 <= timeouts.keepalive <= 75
    assert 1 <= timeouts.header <= 60
    assert 1 <= timeouts.body <= 300


DEFAULT = Limits()
DEFAULT_LIMIT_CASES: list[tuple[str, bytes, int]] = [
    ("defaults/header-line-at-limit", request(b"GET /hello HTTP/1.1", *padded_headers(1, DEFAULT.max_header_line)), 200),
    ("defaults/header-line-over", request(b"GET /hello HTTP/1.1", *padded_headers(1, DEFAULT.max_header_line + 1)), 431),
    ("defaults/header-count-at-limit", request(b"GET /hello HTTP/1.1", *padded_headers(DEFAULT.max_headers - 1, 10)), 200),
    ("defaults/header-count-over", request(b"GET /hello HTTP/1.1", *padded_headers(DEFAULT.max_headers, 10)), 431),
    ("defaults/head-bytes-over", request(b"GET /hello HTTP/1.1", *padded_headers(DEFAULT.max_header_bytes // 8000 + 1, 8000)), 431),
    ("defaults/target-at-limit", request(b"GET /hello?" + b"p" * (DEFAULT.max_request_line - 7) + b" HTTP/1.1"), 200),
    ("defaults/target-over", request(b"GET /hello?" + b"p" * (DEFAULT.max_request_line - 6) + b" HTTP/1.1"), 414),
    ("defaults/body-declared-over", request(b"POST /upload HTTP/1.1", b"Content-Length: %d" % (DEFAULT.max_body + 1)), 413),
]


@pytest.mark.parametrize(("raw", "status"), params([(id, (raw, status)) for id, raw, status in DEFAULT_LIMIT_CASES]))
def test_default_limits(default_server: Server, raw: bytes, status: int) -> None:
    data, closed = default_server.exchange(raw + LAST, READ_TIMEOUT)
    responses, rest = parse_responses(data)
    statuses = [response.status for response in responses]
    assert statuses == ([200, 200] if status == 200 else [status]) and not rest and closed, data[:300]


def test_default_listen_backlog_is_at_least_1024(default_server: Server) -> None:
    if shutil.which("ss") is None:
        pytest.skip("ss (iproute2) is not installed: the backlog of a listening socket is not visible otherwise")
    somaxconn = int(open("/proc/sys/net/core/somaxconn").read())
    if somaxconn < 1024:
        pytest.skip(f"net.core.somaxconn is {somaxconn}: the kernel caps every backlog below 1024")
    output = subprocess.run(["ss", "-ltn"], capture_output=True, text=True, timeout=10, check=True).stdout
    # State Recv-Q Send-Q Local-Address:Port Peer: for a listening socket Send-Q is the backlog
    rows = [line.split() for line in output.splitlines()]
    backlogs = [int(row[2]) for row in rows if len(row) >= 4 and row[0] == "LISTEN" and row[3].endswith(f":{default_server.port}")]
    assert backlogs, output
    assert min(backlogs) >= 1024, output


def test_known_bad_names_real_cases() -> None:
    assert set(KNOWN_BAD) <= ALL_IDS, set(KNOWN_BAD) - ALL_IDS
