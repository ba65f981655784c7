"""The malformed-request corpus: raw requests a strict HTTP/1.1 server must refuse, the valid
edge cases it must accept, pipelines, and requests at and over the limits.

Used twice: in-process against the sans-IO request parser (``tests/test_server_core.py``)
and over real sockets against a server subprocess (``tests/test_server_malformed.py``), so
a case that the parser handles right but the server mishandles (or the reverse) shows.

Categories follow the issue, extended from reading the public corpora of gunicorn
(``tests/requests/invalid``), llhttp (``test/request/*.md``) and h11.  The limits are the
small values the subprocess gets as flags (:data:`SMALL_FLAGS`, :data:`SMALL_LIMITS`).
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.apps.serving import HELLO
from wsgitypes.server.settings import Limits

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
SMALL_LIMITS = Limits(
    max_request_line=LIMIT_REQUEST_LINE, max_header_line=LIMIT_HEADER_LINE, max_header_bytes=LIMIT_HEADER_BYTES,
    max_headers=LIMIT_HEADERS, max_body=LIMIT_BODY,
)
"""The same limits, for the parser in-process."""


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
    body_case("chunked/size-overflow", chunked(b"ffffffffffffffffff\r\nhello\r\n0\r\n\r\n"), 413, 400),
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
    case("host/two-in-http10", get(b"Host: other.test", version=b"HTTP/1.0")),  # (any version: §3.2)
    # an http(s) URI with an empty host is invalid (RFC 9110 §4.2.1), whatever Host says
    case("host/absolute-form-empty-host", get(target=b"http:///environ")),
    case("host/absolute-form-port-only", get(target=b"http://:80/environ")),
    case("host/absolute-form-https-query-only", get(target=b"https://?x")),
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
    # the request line: single spaces, nothing before it (RFC 9112 §3; llhttp is lenient here, h11 is not)
    case("request-line/two-spaces-after-method", get().replace(b"GET ", b"GET  ", 1)),
    case("request-line/two-spaces-before-version", get().replace(b" HTTP/1.1", b"  HTTP/1.1", 1)),
    case("request-line/leading-bare-cr", b"\r" + get()),
    case("request-line/leading-bare-crs-then-options", b"\r\r" + request(b"OPTIONS * HTTP/1.1")),
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
    # llhttp leaves out the whitespace before a value: the limits count the bytes as sent
    case("head-limits/padded-line", get(b"X-Pad:" + b" " * (LIMIT_REQUEST_LINE + 40) + b"v"), 431),
    case("head-limits/padded-head", get(*(b"X-%d:%sv" % (n, b" " * 90) for n in range(LIMIT_HEADER_BYTES // 90 + 1))), 431),
    # expectations we cannot meet (RFC 9110 10.1.1)
    case("expect/unknown", get(b"Expect: teapot"), 417),
]

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
    # RFC 9112 §7.1.1 allows BWS around ";" and "=", and RFC 9110 §5.6.3 says a recipient MUST accept it
    Accepted("chunk-extension-bws", echo(CHUNKED, body=b"5 ; a=b\r\nhello\r\n6\t;\tflag = \"x\"\r\n world\r\n0 ;z\r\n\r\n"), b"hello world"),
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
    Accepted("options-absolute-form-without-path", request(b"OPTIONS http://example.test HTTP/1.1"), None, status=200),  # RFC 9112 §3.2.4
    Accepted("http10-without-host", request(b"GET /hello HTTP/1.0", host=False), HELLO, responses=1),
    Accepted("http10-keep-alive", request(b"GET /hello HTTP/1.0", b"Connection: keep-alive", host=False), HELLO),
    Accepted("empty-host", request(b"GET /hello HTTP/1.1", b"Host:", host=False), HELLO),
    Accepted("host-with-port", request(b"GET /hello HTTP/1.1", b"Host: example.test:8080", host=False), HELLO),
    Accepted("host-ipv6", request(b"GET /hello HTTP/1.1", b"Host: [2001:db8::1]:8080", host=False), HELLO),
    Accepted("host-ipvfuture", request(b"GET /hello HTTP/1.1", b"Host: [v7.a:b~c]", host=False), HELLO),  # RFC 3986 §3.2.2
    Accepted("obs-text-value", request(b"GET /environ HTTP/1.1", b"X-Obs: caf\xe9 \x80\xff"), None),
    Accepted("ows-around-value-stripped", request(b"GET /environ HTTP/1.1", b"X-Trim: \t b c \t"), None),
    Accepted("tab-inside-value", request(b"GET /hello HTTP/1.1", b"X-Tab: a\tb"), HELLO),
    Accepted("leading-empty-line", b"\r\n" + request(b"GET /hello HTTP/1.1"), HELLO),
    Accepted("pipelined", request(b"GET /hello HTTP/1.1") + echo(b"Content-Length: 3", body=b"abc") + echo(CHUNKED, body=HELLO_CHUNKS), HELLO, responses=4),
    Accepted("underscored-content-length-dropped", request(b"POST /upload HTTP/1.1", b"Content_Length: 5"), None),
    Accepted("underscored-transfer-encoding-dropped", request(b"POST /upload HTTP/1.1", b"Transfer_Encoding: chunked"), None),
    Accepted("percent-encoded-target", request(b"GET /%68ello HTTP/1.1"), HELLO),
]


# --- pipelining: a bad request after good ones, and data after the last response ----------

FIRST = request(b"POST /echo HTTP/1.1", b"Content-Length: 5", body=b"first")

PIPELINES: list[tuple[str, bytes, list[int]]] = [
    # the requests before the bad one are answered, in order; then the error, then the close
    ("pipeline/valid-then-invalid-method", FIRST + get().replace(b"GET", b"G(T", 1), [200, 400]),
    # the server frames every message itself, so it knows where the next request begins: 501
    ("pipeline/valid-then-unknown-method", FIRST + get().replace(b"GET", b"FOO", 1), [200, 501]),
    ("pipeline/valid-then-cl-te", FIRST + post(b"Content-Length: 5", CHUNKED, body=HELLO_CHUNKS), [200, 400]),
    ("pipeline/valid-then-nul", FIRST + b"\x00", [200, 400]),
    ("pipeline/two-valid-then-bad-version", FIRST + FIRST + get(version=b"HTTP/1.x"), [200, 200, 400]),
    # the last response closes the connection: whatever follows is ignored, never answered
    ("pipeline/connection-close-then-request", request(b"POST /echo HTTP/1.1", b"Connection: close", b"Content-Length: 5", body=b"first"), [200]),
    ("pipeline/http10-then-request", request(b"POST /echo HTTP/1.0", b"Content-Length: 5", body=b"first", host=False), [200]),
    # an Upgrade is ignored (RFC 9110 §7.8): the request, body and all, is served, and is the last
    ("pipeline/upgrade-then-request", request(b"POST /echo HTTP/1.1", b"Connection: upgrade", b"Upgrade: websocket", b"Content-Length: 5", body=b"first"), [200]),
]


# --- limits ------------------------------------------------------------------------------


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


UNTERMINATED: list[tuple[str, bytes, int]] = [
    # llhttp hands a header over only once its line ends; until then httptools buffers it
    ("limits/unterminated-header-value", b"GET /hello HTTP/1.1\r\nHost: example.test\r\nX-Long: " + b"a" * 20 * LIMIT_HEADER_LINE, 431),
    ("limits/unterminated-header-name", b"GET /hello HTTP/1.1\r\nHost: example.test\r\n" + b"X" * 20 * LIMIT_HEADER_LINE, 431),
    ("limits/unterminated-target", b"GET /" + b"a" * 20 * LIMIT_REQUEST_LINE, 414),
]
