"""The malformed-request corpus (issue 4): what the reference server must refuse, and how.

Every case in :data:`REFUSED` is sent as raw bytes on its own connection, followed by a
valid ``GET /hello`` (the would-be smuggled request), and must get exactly one complete
error response (the status RFC 9112 names, a Content-Length, ``Connection: close``),
after which the server closes the connection; the trailing request is never answered,
and the application is never called (unless the fault is in a body: bodies stream, so
the application may be reading when it shows, and its read fails).  :data:`ACCEPTED` holds the valid edge cases a strict
parser must not refuse.  Then the limits and timeouts, with small values given as flags,
and the defaults.

Categories follow the issue, extended from reading the public corpora of gunicorn
(``tests/requests/invalid``), llhttp (``test/request/*.md``) and h11.  Cases where the
server misbehaves today are ``xfail(strict=True)`` with the observed behaviour in
:data:`KNOWN_BAD`; the fix removes the entry.

One server process with small limits and timeouts serves the whole module
(``tests.malformed.app``: the serving test app plus a call counter at ``/calls``);
a second one with the defaults checks the default limits and the listen backlog.
"""

from __future__ import annotations

import re
import select
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from harness import Server, ours, read_until_close, serve
from tests.apps.serving import HELLO
from wsgitypes.server import Limits, Timeouts

LIMIT_REQUEST_LINE = 200
LIMIT_HEADER_LINE = 100
LIMIT_HEADER_BYTES = 600
LIMIT_HEADERS = 10
LIMIT_BODY = 1000
SMALL_FLAGS = (
    "--timeout-header", "1", "--timeout-keepalive", "1", "--timeout-body", "1",
    "--limit-request-line", str(LIMIT_REQUEST_LINE), "--limit-header-line", str(LIMIT_HEADER_LINE),
    "--limit-header-bytes", str(LIMIT_HEADER_BYTES), "--limit-headers", str(LIMIT_HEADERS),
    "--limit-body", str(LIMIT_BODY),
)  # fmt: skip
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


# --- building requests ------------------------------------------------------------------

HOST = b"Host: example.test"
CHUNKED = b"Transfer-Encoding: chunked"
FOLLOW = b"GET /hello HTTP/1.1\r\nHost: example.test\r\n\r\n"
"""Sent right after every refused request, on the same connection: must never be answered."""


def request(start: bytes, *lines: bytes, body: bytes = b"", host: bool = True) -> bytes:
    head = [start, *([HOST] if host else []), *lines]
    return b"".join(line + b"\r\n" for line in head) + b"\r\n" + body


def get(*lines: bytes, target: bytes = b"/environ", version: bytes = b"HTTP/1.1", host: bool = True) -> bytes:
    return request(b"GET " + target + b" " + version, *lines, host=host)


def post(*lines: bytes, body: bytes = b"", version: bytes = b"HTTP/1.1", host: bool = True) -> bytes:
    return request(b"POST /upload " + version, *lines, body=body, host=host)


def chunked(wire_body: bytes, *lines: bytes) -> bytes:
    return post(CHUNKED, *lines, body=wire_body)


# --- the corpus: refused ----------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    raw: bytes
    status: tuple[int, ...]  # any of these is right
    in_body: bool = False
    """The fault is in the body: the head was good, so the application may already be
    reading it (the body streams); its read fails and the client still gets the error."""


def case(id: str, raw: bytes, *status: int) -> Case:
    return Case(id, raw, status or (400,))


def body_case(id: str, raw: bytes, *status: int) -> Case:
    return Case(id, raw, status or (400,), in_body=True)


HELLO_CHUNKS = b"5\r\nhello\r\n0\r\n\r\n"

REFUSED: list[Case] = [
    # Content-Length together with Transfer-Encoding (RFC 9112 6.1: MAY reject; we must,
    # since any peer may frame it the other way)
    case("cl-te/cl-then-te", post(b"Content-Length: 5", CHUNKED, body=HELLO_CHUNKS)),
    case("cl-te/te-then-cl", post(CHUNKED, b"Content-Length: 5", body=HELLO_CHUNKS)),
    case("cl-te/lowercase-names", post(b"transfer-encoding: chunked", b"content-length: 5", body=HELLO_CHUNKS)),
    case("cl-te/uppercase-value", post(b"Content-Length: 5", b"Transfer-Encoding: CHUNKED", body=HELLO_CHUNKS)),
    case("cl-te/tab-before-chunked", post(b"Content-Length: 5", b"Transfer-Encoding:\tchunked", body=HELLO_CHUNKS)),
    case("cl-te/chunked-identity", post(b"Content-Length: 5", b"Transfer-Encoding: chunked, identity", body=HELLO_CHUNKS)),
    case("cl-te/identity", post(b"Transfer-Encoding: identity", b"Content-Length: 5", body=b"hello")),
    case("cl-te/content-length-zero", post(CHUNKED, b"Content-Length: 0", body=HELLO_CHUNKS)),
    case("cl-te/empty-te", post(b"Content-Length: 5", b"Transfer-Encoding:", body=b"hello")),
    case("cl-te/http10", post(b"Content-Length: 5", CHUNKED, body=b"hello", version=b"HTTP/1.0")),
    body_case("cl-te/cl-in-trailer", chunked(b"5\r\nhello\r\n0\r\nContent-Length: 5\r\n\r\n")),
    # Content-Length: duplicate, list or not a plain decimal
    case("content-length/duplicate-same", post(b"Content-Length: 5", b"Content-Length: 5", body=b"hello")),
    case("content-length/duplicate-different", post(b"Content-Length: 5", b"Content-Length: 6", body=b"hello!")),
    case("content-length/list-same", post(b"Content-Length: 5, 5", body=b"hello")),
    case("content-length/list-different", post(b"Content-Length: 5, 6", body=b"hello!")),
    case("content-length/plus", post(b"Content-Length: +5", body=b"hello")),
    case("content-length/minus-one", post(b"Content-Length: -1", body=b"hello")),
    case("content-length/minus-zero", post(b"Content-Length: -0", body=b"hello")),
    case("content-length/underscore", post(b"Content-Length: 1_0", body=b"helloworld")),
    case("content-length/hex", post(b"Content-Length: 0x5", body=b"hello")),
    case("content-length/exponent", post(b"Content-Length: 1e1", body=b"helloworld")),
    case("content-length/space-inside", post(b"Content-Length: 0 5", body=b"hello")),
    case("content-length/empty", post(b"Content-Length:", body=b"hello")),
    case("content-length/quoted", post(b'Content-Length: "5"', body=b"hello")),
    case("content-length/vertical-tab", post(b"Content-Length: \x0b5", body=b"hello")),
    case("content-length/arabic-digit", post("Content-Length: \u0665".encode(), body=b"hello")),
    case("content-length/overflow-2**64", post(b"Content-Length: 18446744073709551616", body=b"hello")),
    case("content-length/overflow-26-digits", post(b"Content-Length: 99999999999999999999999999", body=b"hello")),
    case("content-length/over-limit", post(b"Content-Length: %d" % (LIMIT_BODY + 1), body=b"hello"), 413),
    case("content-length/2**64-1", post(b"Content-Length: 18446744073709551615", body=b"hello"), 413, 400),
    # header syntax: obs-fold, whitespace around names, no colon
    case("header-syntax/obs-fold-space", get(b"X-A: a", b" b")),
    case("header-syntax/obs-fold-tab", get(b"X-A: a", b"\tb")),
    case("header-syntax/obs-fold-hides-content-length", post(b"X-A: a", b" Content-Length: 5", body=b"hello")),
    case("header-syntax/space-before-first-header", request(b"GET /environ HTTP/1.1", b" " + HOST, host=False)),
    case("header-syntax/space-before-colon", post(b"Content-Length : 5", body=b"hello")),
    case("header-syntax/tab-before-colon", post(b"Content-Length\t: 5", body=b"hello")),
    case("header-syntax/space-before-colon-te", post(b"Transfer-Encoding : chunked", body=HELLO_CHUNKS)),
    case("header-syntax/space-before-colon-host", request(b"GET /environ HTTP/1.1", b"Host : example.test", host=False)),
    case("header-syntax/space-in-name", get(b"X A: b")),
    case("header-syntax/no-colon", get(b"NoColon")),
    case("header-syntax/empty-name", get(b": value")),
    case("header-syntax/at-in-name", get(b"Fo@: b")),
    case("header-syntax/paren-in-name", get(b"X(A): b")),
    case("header-syntax/whitespace-only-line", get(b" ")),
    case("header-syntax/name-folded-onto-next-line", get(b"name", b" : value")),
    # control characters, DEL and raw high bytes in names; controls in values
    case("control-chars/nul-in-name", get(b"X\x00A: b")),
    case("control-chars/soh-in-name", get(b"X\x01A: b")),
    case("control-chars/del-in-name", get(b"X\x7fA: b")),
    case("control-chars/high-byte-in-name", get(b"X\xffA: b")),
    case("control-chars/high-byte-ending-name", post(b"Content-Length\xff: 3", b"Content-Length: 3", body=b"abc")),
    case("control-chars/nul-in-value", get(b"X-A: a\x00b")),
    case("control-chars/soh-in-value", get(b"X-A: a\x01b")),
    case("control-chars/esc-in-value", get(b"X-A: a\x1bb")),
    case("control-chars/vt-in-value", get(b"X-A: a\x0bb")),
    case("control-chars/ff-in-value", get(b"X-A: a\x0cb")),
    case("control-chars/del-in-value", get(b"X-A: a\x7fb")),
    case("control-chars/vt-before-chunked", post(b"Transfer-Encoding: \x0bchunked", body=HELLO_CHUNKS)),
    # line endings: bare CR, bare LF (llhttp's strict mode refuses both)
    case("line-endings/bare-cr-in-value", get(b"X-A: a\rb")),
    case("line-endings/bare-cr-between-headers", request(b"GET /environ HTTP/1.1", b"Foo: 1\rBar: 2", HOST, host=False)),
    case("line-endings/cr-cr-lf", get(b"X-A: b\r")),
    case("line-endings/bare-lf-everywhere", b"GET /environ HTTP/1.1\nHost: example.test\n\n"),
    case("line-endings/bare-lf-after-request-line", b"GET /environ HTTP/1.1\nHost: example.test\r\n\r\n"),
    case("line-endings/bare-lf-ends-head", b"GET /environ HTTP/1.1\r\nHost: example.test\r\n\n"),
    case("line-endings/bare-cr-everywhere", b"GET /environ HTTP/1.1\rHost: example.test\r\r"),
    case("line-endings/bare-cr-after-request-line", b"GET /environ HTTP/1.1\r\r\nHost: example.test\r\n\r\n"),
    case("line-endings/bare-lf-hides-te", post(b"X: x\nTransfer-Encoding: chunked", body=HELLO_CHUNKS)),
    case("line-endings/bare-lf-hides-content-length", get(b"Dummy: x\nContent-Length: 23")),
    case("line-endings/cr-then-garbage-ends-head", b"GET /environ HTTP/1.1\r\nHost: a\r\n\rZGET /evil HTTP/1.1\r\nHost: a\r\n\r\n"),
    # chunked framing
    body_case("chunked/size-0x-prefix", chunked(b"0x5\r\nhello\r\n0\r\n\r\n")),
    body_case("chunked/size-plus", chunked(b"+5\r\nhello\r\n0\r\n\r\n")),
    body_case("chunked/size-minus", chunked(b"-5\r\nhello\r\n0\r\n\r\n")),
    body_case("chunked/size-leading-space", chunked(b" 5\r\nhello\r\n0\r\n\r\n")),
    body_case("chunked/size-trailing-space", chunked(b"5 \r\nhello\r\n0\r\n\r\n")),
    body_case("chunked/size-underscore", chunked(b"5\r\nhello\r\n6_0\r\n world\r\n0\r\n\r\n")),
    body_case("chunked/size-not-hex", chunked(b"g\r\nhello\r\n0\r\n\r\n")),
    body_case("chunked/size-empty", chunked(b"\r\nhello\r\n0\r\n\r\n")),
    body_case("chunked/size-overflow", chunked(b"ffffffffffffffffff\r\nhello\r\n0\r\n\r\n")),
    body_case("chunked/size-2**64-1", chunked(b"ffffffffffffffff\r\nhello\r\n0\r\n\r\n"), 413, 400),
    body_case("chunked/size-over-limit", chunked(b"%x\r\nhello\r\n0\r\n\r\n" % (LIMIT_BODY + 1)), 413),
    body_case("chunked/no-crlf-after-data", chunked(b"5\r\nhello0\r\n\r\n")),
    body_case("chunked/data-longer-than-size", chunked(b"5\r\nhelloXX\r\n0\r\n\r\n")),
    body_case("chunked/data-shorter-than-size", chunked(b"5\r\nhel\r\n0\r\n\r\n")),
    body_case("chunked/bare-lf-lines", chunked(b"5\nhello\n0\n\n")),
    body_case("chunked/bare-lf-after-data", chunked(b"5\r\nhello\n0\r\n\r\n")),
    body_case("chunked/bare-cr-lines", chunked(b"5\rhello\r0\r\r")),
    body_case("chunked/extension-without-semicolon", chunked(b"5 ext\r\nhello\r\n0\r\n\r\n")),
    body_case("chunked/extension-empty", chunked(b"5;\r\nhello\r\n0\r\n\r\n")),
    body_case("chunked/extension-unbalanced-quote", chunked(b'5;a="b\r\nhello\r\n0\r\n\r\n')),
    body_case("chunked/extension-control-char", chunked(b"5;a=\x01\r\nhello\r\n0\r\n\r\n")),
    body_case("chunked/extension-nul", chunked(b"5;a\x00b\r\nhello\r\n0\r\n\r\n")),
    body_case("chunked/extension-bare-cr", chunked(b"5;a\rb\r\nhello\r\n0\r\n\r\n")),
    body_case("chunked/space-before-extension", chunked(b"5 ;a=b\r\nhello\r\n0\r\n\r\n")),
    body_case("chunked/trailer-without-colon", chunked(b"5\r\nhello\r\n0\r\nBad Trailer\r\n\r\n")),
    body_case("chunked/trailer-obs-fold", chunked(b"5\r\nhello\r\n0\r\nX: a\r\n b\r\n\r\n")),
    body_case("chunked/no-blank-line-after-last-chunk", chunked(b"5\r\nhello\r\n0\r\nGET /hello HTTP/1.1\r\n\r\n")),
    body_case("chunked/over-limit-one-chunk", chunked(b"%x\r\n%s\r\n0\r\n\r\n" % (LIMIT_BODY + 1, b"a" * (LIMIT_BODY + 1))), 413),
    body_case("chunked/over-limit-many-chunks", chunked((b"64\r\n" + b"a" * 100 + b"\r\n") * 11 + b"0\r\n\r\n"), 413),
    # Transfer-Encoding that does not end in chunked (400, RFC 9112 6.3), or is refused
    case("transfer-encoding/gzip", post(b"Transfer-Encoding: gzip", body=b"hello")),
    # RFC 9110 allows a trailing HTAB here, llhttp does not: refused before the app runs
    case("transfer-encoding/chunked-trailing-tab", post(b"Transfer-Encoding: chunked\t", body=HELLO_CHUNKS)),
    case("transfer-encoding/identity", post(b"Transfer-Encoding: identity", body=b"hello")),
    case("transfer-encoding/chunked-then-gzip", post(b"Transfer-Encoding: chunked, gzip", body=HELLO_CHUNKS)),
    case("transfer-encoding/chunked-then-identity", post(b"Transfer-Encoding: chunked, identity", body=HELLO_CHUNKS)),
    case("transfer-encoding/xchunked", post(b"Transfer-Encoding: xchunked", body=HELLO_CHUNKS)),
    case("transfer-encoding/quoted-chunked", post(b'Transfer-Encoding: "chunked"', body=HELLO_CHUNKS)),
    case("transfer-encoding/chunked-with-parameter", post(b"Transfer-Encoding: chunked;q=1", body=HELLO_CHUNKS)),
    case("transfer-encoding/trailing-comma", post(b"Transfer-Encoding: chunked,", body=HELLO_CHUNKS)),
    case("transfer-encoding/empty", post(b"Transfer-Encoding:", body=b"")),
    case("transfer-encoding/chunked-twice-one-line", post(b"Transfer-Encoding: chunked, chunked", body=HELLO_CHUNKS)),
    case("transfer-encoding/chunked-twice-two-lines", post(CHUNKED, CHUNKED, body=HELLO_CHUNKS)),
    case("transfer-encoding/chunked-then-identity-two-lines", post(CHUNKED, b"Transfer-Encoding: identity", body=HELLO_CHUNKS)),
    case("transfer-encoding/gzip-on-get", get(b"Transfer-Encoding: gzip", target=b"/hello")),
    body_case("transfer-encoding/in-trailer", chunked(b"0\r\nTransfer-Encoding: chunked\r\n\r\n")),
    # a coding we do not implement before chunked: 501 (RFC 9112 6.1), never passed on undecoded
    case("transfer-encoding/gzip-then-chunked", post(b"Transfer-Encoding: gzip, chunked", body=HELLO_CHUNKS), 501),
    case("transfer-encoding/gzip-then-chunked-two-lines", post(b"Transfer-Encoding: gzip", CHUNKED, body=HELLO_CHUNKS), 501),
    case("transfer-encoding/identity-then-chunked", post(b"Transfer-Encoding: identity, chunked", body=HELLO_CHUNKS), 501, 400),
    # Transfer-Encoding on HTTP/1.0 (RFC 9112 6.1)
    case("transfer-encoding/http10-chunked", post(CHUNKED, body=HELLO_CHUNKS, version=b"HTTP/1.0", host=False)),
    case("transfer-encoding/http10-gzip", post(b"Transfer-Encoding: gzip", body=b"hello", version=b"HTTP/1.0", host=False)),
    # Host (RFC 9112 3.2: exactly one, with a valid value)
    case("host/missing", get(host=False)),
    case("host/two-different", get(b"Host: other.test")),
    case("host/two-same", get(HOST)),
    case("host/absolute-form-without-host", get(target=b"http://example.test/environ", host=False)),
    case("host/space-in-value", get(b"Host: a b", host=False)),
    case("host/slash-in-value", get(b"Host: a/b", host=False)),
    case("host/userinfo-in-value", get(b"Host: user@a", host=False)),
    # method tokens: not a token is 400; a token we do not know is 501 (RFC 9110 9.1)
    case("method/paren", get().replace(b"GET", b"G(T", 1)),
    case("method/nul", get().replace(b"GET", b"GET\x00", 1)),
    case("method/del", get().replace(b"GET", b"GE\x7fT", 1)),
    case("method/high-byte", get().replace(b"GET", b"G\xc9T", 1)),
    case("method/empty", get().replace(b"GET", b"", 1)),
    case("method/tab-separated", get().replace(b"GET ", b"GET\t", 1)),
    case("method/quoted", get().replace(b"GET", b'"GET"', 1)),
    case("method/unknown-token", get().replace(b"GET", b"FOO", 1), 501),
    case("method/brew", get().replace(b"GET", b"BREW", 1), 501),
    case("method/lowercase-get", get().replace(b"GET", b"get", 1), 501),
    case("method/known-prefix", get().replace(b"GET", b"MKCOLA", 1), 501),
    case("method/long-token", get().replace(b"GET", b"X" * 100, 1), 501),
    # versions: well-formed but unsupported is 505; malformed is 400
    case("version/http2", get(version=b"HTTP/2.0"), 505),
    case("version/http3", get(version=b"HTTP/3.0"), 505),
    case("version/http09", get(version=b"HTTP/0.9"), 505),
    case("version/http5.6", get(version=b"HTTP/5.6"), 505),
    case("version/http1.2", get(version=b"HTTP/1.2"), 400, 505),
    case("version/h2-preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, 505),
    case("version/minor-x", get(version=b"HTTP/1.x")),
    case("version/leading-zero", get(version=b"HTTP/01.1")),
    case("version/two-digit-minor", get(version=b"HTTP/1.11")),
    case("version/lowercase", get(version=b"http/1.1")),
    case("version/trailing-space", get(version=b"HTTP/1.1 ")),
    case("version/missing", get(version=b"").replace(b"/environ \r\n", b"/environ\r\n", 1), 400, 505),
    case("version/ihttp", get(version=b"IHTTP/1.0")),
    case("version/rtsp", get(version=b"RTSP/1.0")),
    case("version/rtsp-1.1", get(version=b"RTSP/1.1")),
    case("version/ice-with-source", get(version=b"ICE/1.0").replace(b"GET", b"SOURCE", 1)),
    case("version/ice-with-get", get(version=b"ICE/1.0")),
    # request target
    case("target/space", get(target=b"/a b")),
    case("target/space-in-query", get(target=b"/?a b")),
    case("target/nul", get(target=b"/a\x00b")),
    case("target/soh", get(target=b"/a\x01b")),
    case("target/del", get(target=b"/a\x7fb")),
    case("target/tab", get(target=b"/a\tb")),
    case("target/raw-high-byte", get(target=b"/caf\xe9")),
    case("target/empty", get(target=b"")),
    case("target/relative", get(target=b"environ")),
    case("target/bad-scheme", get(target=b"ht!tp://example.test/")),
    case("target/authority-form-with-get", get(target=b"example.test:80")),
    case("target/asterisk-with-get", get(target=b"*")),
    case("target/fragment", get(target=b"/environ#fragment")),
    case("target/too-long", get(target=b"/" + b"a" * LIMIT_REQUEST_LINE), 414),
    # the head's limits (431, RFC 6585 5)
    case("head-limits/header-line", get(b"X-Long: " + b"a" * LIMIT_HEADER_LINE), 431),
    case("head-limits/header-count", get(*(b"X-%d: a" % n for n in range(LIMIT_HEADERS))), 431),
    case("head-limits/header-count-underscored", get(*(b"X_%d: a" % n for n in range(LIMIT_HEADERS))), 431),
    case("head-limits/head-bytes", get(*(b"X-%d: %s" % (n, b"a" * 90) for n in range(LIMIT_HEADER_BYTES // 90 + 1))), 431),
    # expectations we cannot meet (RFC 9110 10.1.1)
    case("expect/unknown", get(b"Expect: teapot"), 417),
]

# Exactly what the server does today where it is wrong; the fix deletes the entry.
_TE_AFTER_HEAD = (
    "400, but only after the application was called with the request: llhttp reports a Transfer-Encoding "
    "that does not end in chunked after on_headers_complete, which has already queued the request"
)
_ACCEPTED_AND_NEXT = "accepted (200), and the trailing request is served too"
_CHUNK_SIZE_TRUSTED = (
    "408 after the body timeout, the application called and reading: a chunk size beyond --limit-body "
    "is taken on trust; 413 comes only once that many bytes have arrived"
)
_PATH_STAR = "500: the application gets PATH_INFO '*', which the validator refuses (environ-path)"
_METHOD_OF_WRONG_REQUEST = (
    "[200, 501]: _method_error() looks at the first bytes of the chunk fed (the valid POST before), "
    "not at the broken request"
)
_LINE_BUFFERED = (
    "408 after the 1 s header timeout: httptools buffers a header name or value until its line ends, "
    "and the limits are checked only then (on_header), so memory is bounded by the timeout alone"
)
KNOWN_BAD: dict[str, str] = {
    "chunked/size-2**64-1": _CHUNK_SIZE_TRUSTED,
    "chunked/size-over-limit": _CHUNK_SIZE_TRUSTED,
}


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


@dataclass(frozen=True)
class Accepted:
    id: str
    raw: bytes
    body: bytes | None  # the first response's body, when it says something
    status: int = 200
    responses: int = 2  # how many responses, counting the closing GET /hello


LAST = b"GET /hello HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n"
"""Sent after every accepted case: answered too, then the connection closes."""


def echo(*lines: bytes, body: bytes = b"") -> bytes:
    return request(b"POST /echo HTTP/1.1", *lines, body=body)


ACCEPTED: list[Accepted] = [
    Accepted("chunk-extensions", echo(CHUNKED, body=b'5;a=b;c="d; e"\r\nhello\r\n6;flag\r\n world\r\n0;z\r\n\r\n'), b"hello world"),
    Accepted("lowercase-transfer-encoding", echo(b"transfer-encoding: chunked", body=HELLO_CHUNKS), b"hello"),
    Accepted("uppercase-chunked", echo(b"Transfer-Encoding: CHUNKED", body=HELLO_CHUNKS), b"hello"),
    Accepted("chunked-with-ows", echo(b"Transfer-Encoding: \tchunked  ", body=HELLO_CHUNKS), b"hello"),
    Accepted("uppercase-hex-size", echo(CHUNKED, body=b"A\r\n0123456789\r\n0\r\n\r\n"), b"0123456789"),
    Accepted("zero-padded-sizes", echo(CHUNKED, body=b"005\r\nhello\r\n000\r\n\r\n"), b"hello"),
    Accepted("trailers", echo(CHUNKED, body=b"5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Other: d\r\n\r\n"), b"hello"),
    Accepted("content-length-zero", echo(b"Content-Length: 0"), b""),
    Accepted("content-length-leading-zeros", echo(b"Content-Length: 005", body=b"hello"), b"hello"),
    Accepted("content-length-ows", echo(b"Content-Length: \t5 \t", body=b"hello"), b"hello"),
    Accepted("get-with-body", request(b"GET /echo HTTP/1.1", b"Content-Length: 5", body=b"hello"), b"hello"),
    Accepted("absolute-form", request(b"GET http://example.test/hello HTTP/1.1"), HELLO),
    Accepted("absolute-form-other-host", request(b"GET http://other.test/hello HTTP/1.1"), HELLO),
    # answered by the server itself (RFC 9110 §9.3.7: about the server, not a resource)
    Accepted("options-asterisk", request(b"OPTIONS * HTTP/1.1"), None, status=200),
    Accepted("http10-without-host", request(b"GET /hello HTTP/1.0", host=False), HELLO, responses=1),
    Accepted("http10-keep-alive", request(b"GET /hello HTTP/1.0", b"Connection: keep-alive", host=False), HELLO),
    Accepted("empty-host", request(b"GET /hello HTTP/1.1", b"Host:", host=False), HELLO),
    Accepted("host-with-port", request(b"GET /hello HTTP/1.1", b"Host: example.test:8080", host=False), HELLO),
    Accepted("obs-text-value", request(b"GET /environ HTTP/1.1", b"X-Obs: caf\xe9 \x80\xff"), None),
    Accepted("ows-around-value-stripped", request(b"GET /environ HTTP/1.1", b"X-Trim: \t b c \t"), None),
    Accepted("tab-inside-value", request(b"GET /hello HTTP/1.1", b"X-Tab: a\tb"), HELLO),
    Accepted("leading-empty-line", b"\r\n" + request(b"GET /hello HTTP/1.1"), HELLO),
    Accepted("pipelined", request(b"GET /hello HTTP/1.1") + echo(b"Content-Length: 3", body=b"abc") + echo(CHUNKED, body=HELLO_CHUNKS), HELLO, responses=4),
    Accepted("underscored-content-length-dropped", request(b"POST /upload HTTP/1.1", b"Content_Length: 5"), None),
    Accepted("underscored-transfer-encoding-dropped", request(b"POST /upload HTTP/1.1", b"Transfer_Encoding: chunked"), None),
    Accepted("percent-encoded-target", request(b"GET /%68ello HTTP/1.1"), HELLO),
]


@pytest.mark.parametrize("item", params([(f"accepted/{item.id}", item) for item in ACCEPTED]))
def test_accepted(server: Server, item: Accepted) -> None:
    before = app_calls(server)
    data, closed = server.exchange(item.raw + LAST, READ_TIMEOUT)
    called = app_calls(server) - before
    responses, rest = parse_responses(data)
    facts = describe(data, closed, called)
    assert closed and not rest, facts
    assert [response.status for response in responses] == [item.status] + [200] * (item.responses - 1), facts
    assert called == item.responses - (item.id == "options-asterisk"), facts
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

FIRST = request(b"POST /echo HTTP/1.1", b"Content-Length: 5", body=b"first")

PIPELINES: list[tuple[str, bytes, list[int]]] = [
    # the requests before the bad one are answered, in order; then the error, then the close
    ("pipeline/valid-then-invalid-method", FIRST + get().replace(b"GET", b"G(T", 1), [200, 400]),
    # where a request begins after another's body is not known to the server: 400, not 501
    ("pipeline/valid-then-unknown-method", FIRST + get().replace(b"GET", b"FOO", 1), [200, 400]),
    ("pipeline/valid-then-cl-te", FIRST + post(b"Content-Length: 5", CHUNKED, body=HELLO_CHUNKS), [200, 400]),
    ("pipeline/valid-then-nul", FIRST + b"\x00", [200, 400]),
    ("pipeline/two-valid-then-bad-version", FIRST + FIRST + get(version=b"HTTP/1.x"), [200, 200, 400]),
    # the last response closes the connection: whatever follows is ignored, never answered
    ("pipeline/connection-close-then-request", request(b"POST /echo HTTP/1.1", b"Connection: close", b"Content-Length: 5", body=b"first"), [200]),
    ("pipeline/http10-then-request", request(b"POST /echo HTTP/1.0", b"Content-Length: 5", body=b"first", host=False), [200]),
    # llhttp hands a body after an Upgrade head over as the new protocol: refused, not served empty
    ("pipeline/upgrade-then-request", request(b"POST /echo HTTP/1.1", b"Connection: upgrade", b"Upgrade: websocket", b"Content-Length: 5", body=b"first"), [501]),
]


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


def padded_headers(count: int, size: int) -> list[bytes]:
    """``count`` header fields whose name and value together are ``size`` bytes."""
    return [b"X-%02d: %s" % (n, b"a" * (size - 4)) for n in range(count)]


WITHIN_LIMITS: list[tuple[str, bytes, bytes]] = [
    ("within-limits/header-line", request(b"GET /hello HTTP/1.1", *padded_headers(1, LIMIT_HEADER_LINE)), HELLO),
    ("within-limits/header-count", request(b"GET /hello HTTP/1.1", *padded_headers(LIMIT_HEADERS - 1, 10)), HELLO),
    ("within-limits/head-bytes", request(b"GET /hello HTTP/1.1", *padded_headers(5, 95)), HELLO),
    ("within-limits/target", request(b"GET /hello?" + b"p" * (LIMIT_REQUEST_LINE - 7) + b" HTTP/1.1"), HELLO),
    ("within-limits/content-length", request(b"POST /echo HTTP/1.1", b"Content-Length: %d" % LIMIT_BODY, body=b"b" * LIMIT_BODY), b"b" * LIMIT_BODY),
    ("within-limits/chunked", request(b"POST /echo HTTP/1.1", CHUNKED, body=b"1f4\r\n" + b"c" * 500 + b"\r\n1f4\r\n" + b"c" * 500 + b"\r\n0\r\n\r\n"), b"c" * LIMIT_BODY),
]


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


UNTERMINATED: list[tuple[str, bytes, int]] = [
    # llhttp hands a header over only once its line ends; until then httptools buffers it
    ("limits/unterminated-header-value", b"GET /hello HTTP/1.1\r\nHost: example.test\r\nX-Long: " + b"a" * 20 * LIMIT_HEADER_LINE, 431),
    ("limits/unterminated-header-name", b"GET /hello HTTP/1.1\r\nHost: example.test\r\n" + b"X" * 20 * LIMIT_HEADER_LINE, 431),
    ("limits/unterminated-target", b"GET /" + b"a" * 20 * LIMIT_REQUEST_LINE, 414),
]


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
