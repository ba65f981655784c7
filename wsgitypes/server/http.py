"""HTTP/1.1 framing for the reference server, without any I/O.

Parsing is llhttp's (through ``httptools``), the parser Node.js uses: strict by
default, and about fifteen times faster than h11 on a typical request head
(``benchmarks/parser_choice.py``).  llhttp already refuses the request-smuggling
classics: Content-Length together with Transfer-Encoding, duplicate or non-decimal
Content-Length, a Transfer-Encoding that does not end in ``chunked``, bad chunk
sizes, whitespace before a header's colon, control characters, bare CR or LF.
:class:`RequestParser` adds what llhttp leaves to the server (RFC 9112):

* HTTP/1.1 requests carry exactly one Host header (§3.2), and HTTP/1.0 requests
  carry no Transfer-Encoding (§6.1);
* only HTTP/1.0 and 1.1 are spoken (505 otherwise);
* limits on the request line, each header line, the whole head and the header
  count (414 / 431), and on the declared body size (413);
* header names with ``_`` are dropped (and Transfer-Encoding, once decoded): ``X_Forwarded_For`` and ``X-Forwarded-For``
  would both become ``HTTP_X_FORWARDED_FOR`` in the environ, which lets a client
  spoof a header a proxy sets.

A parser is fed bytes and collects :class:`Request` objects, each with its body
arriving in pieces; pipelined requests simply queue up.  A broken request leaves a
:class:`BadRequest` in ``parser.error``, carrying the status to answer with (after the
requests before it) before closing.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from time import time
from typing import cast

import httptools

from wsgitypes.rules import check_header_name

__all__ = [
    "BadRequest",
    "Limits",
    "Request",
    "RequestParser",
    "error_response",
    "http_date",
    "response_head",
]



@dataclass(frozen=True, slots=True)
class Limits:
    """What one request may be; each has a ``serve`` flag of the same name."""

    max_request_line: int = 8190
    """Bytes in the request target (414 beyond)."""
    max_header_line: int = 8190
    """Bytes in one header's name and value (431 beyond)."""
    max_header_bytes: int = 65536
    """Bytes in the whole head (431 beyond)."""
    max_headers: int = 100
    """Header fields (431 beyond)."""
    max_body: int = 1 << 30
    """Bytes in a request body, declared or chunked (413 beyond)."""


class BadRequest(Exception):
    """The request cannot be served; answer ``status`` and close the connection."""

    def __init__(self, status: HTTPStatus, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class Request:
    """One request as it arrives: the head first, then the body in pieces."""

    __slots__ = (
        "method",
        "target",
        "version",
        "headers",
        "keep_alive",
        "expect_continue",
        "chunked",
        "content_length",
        "body",
        "body_bytes",
        "complete",
        "head_bytes",
        "field_count",
        "host_count",
        "transfer_codings",
    )

    def __init__(self) -> None:
        self.method = ""
        self.target = b""
        self.version = ""
        self.headers: list[tuple[bytes, bytes]] = []
        self.keep_alive = False
        self.expect_continue = False
        self.chunked = False
        self.content_length: int | None = None
        self.body: deque[bytes] = deque()
        self.body_bytes = 0  # received so far
        self.complete = False  # the whole body has arrived
        self.head_bytes = 0
        self.field_count = 0
        self.host_count = 0
        self.transfer_codings: list[bytes] = []


class RequestParser:
    """Feed it bytes; it queues the requests they hold (see the module docstring)."""

    __slots__ = ("limits", "ready", "error", "upgraded", "_current", "_parser", "_unfinished_line", "_began")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.ready: deque[Request] = deque()
        """Requests whose head is complete, oldest first; the server pops them."""
        self.error: BadRequest | None = None
        """Why the bytes after the requests in :attr:`ready` cannot be served."""
        self.upgraded = False
        """The client asked to switch protocols; nothing after that request is HTTP/1.1."""
        self._current: Request | None = None
        self._parser = httptools.HttpRequestParser(self)
        self._unfinished_line = 0  # bytes since the last LF while a head is arriving
        self._began = 0  # messages begun, to tell where a broken one starts

    @property
    def mid_head(self) -> bool:
        """Part of a request head has arrived, but not all of it."""
        current = self._current
        return current is not None and not current.version

    def feed(self, data: bytes) -> None:
        """Parse ``data``.  A broken request sets :attr:`error` and nothing more is parsed.

        The error is not raised: the requests before the broken one (pipelined, or the
        valid part of a body) are still to be answered, in order, before it.
        """
        if self.error is not None:
            return
        idle = self._current is None
        began, queued = self._began, len(self.ready)
        if (idle or self.mid_head) and (b"RTSP/" in data or b"ICE/" in data) and _OTHER_PROTOCOL.search(data):
            # llhttp also parses RTSP and ICE, and reports them as HTTP versions
            self.error = BadRequest(HTTPStatus.BAD_REQUEST, "not an HTTP request")
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._upgrade()
        except httptools.HttpParserCallbackError as error:
            if not isinstance(error.__context__, BadRequest):
                raise
            self.error = error.__context__
        except httptools.HttpParserInvalidMethodError:
            self.error = _method_error(self._broken_start(data, idle, began))
        except httptools.HttpParserInvalidURLError as error:
            self.error = BadRequest(HTTPStatus.BAD_REQUEST, f"invalid request target: {error}")
        except httptools.HttpParserError as error:
            if "Invalid HTTP version" in str(error) and _HTTP_VERSION.match(self._broken_start(data, idle, began)):
                self.error = BadRequest(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, "only HTTP/1.0 and HTTP/1.1 are spoken here")
            else:
                self.error = BadRequest(HTTPStatus.BAD_REQUEST, f"malformed request: {error}")
        if self.error is not None:
            if len(self.ready) > queued and self.ready[-1] is self._current:
                # llhttp refused the framing of a request whose head it had just passed:
                # answer it with the error, without calling the application.
                self.ready.pop()
            return
        if self.mid_head:
            newline = data.rfind(b"\n")
            self._unfinished_line = self._unfinished_line + len(data) if newline < 0 else len(data) - newline - 1
            limits = self.limits
            if self._unfinished_line > max(limits.max_header_line, limits.max_request_line + 32):
                self.error = BadRequest(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, f"a header line is longer than {limits.max_header_line} bytes")
        else:
            self._unfinished_line = 0

    def _broken_start(self, data: bytes, idle: bool, began: int) -> bytes:
        """``data`` from the start of the broken request, or b"" when that is not known."""
        if idle and self._began == began + 1:  # the broken request is the first in data
            return data.lstrip(b"\r\n")
        return b""

    def _upgrade(self) -> None:
        """llhttp stops at a request that asks to switch protocols (Upgrade, CONNECT)."""
        self.upgraded = True
        if self.ready:
            request = self.ready[-1]
            request.keep_alive = False  # it is served as plain HTTP/1.1, then the connection closes
            if request.chunked or request.body_bytes < (request.content_length or 0):
                # llhttp hands the body over as the new protocol, unparsed
                self.ready.pop()
                self.error = BadRequest(HTTPStatus.NOT_IMPLEMENTED, "a protocol upgrade with a request body is not supported")

    # --- llhttp callbacks ------------------------------------------------------

    def on_message_begin(self) -> None:
        self._current = Request()
        self._began += 1

    # llhttp always begins a message before its parts, so self._current is set in these.

    def on_url(self, url: bytes) -> None:
        request = cast(Request, self._current)
        request.target += url
        if len(request.target) > self.limits.max_request_line:
            raise BadRequest(HTTPStatus.REQUEST_URI_TOO_LONG, f"request target longer than {self.limits.max_request_line} bytes")

    def on_header(self, name: bytes, value: bytes) -> None:
        request = cast(Request, self._current)
        limits = self.limits
        size = len(name) + len(value)
        request.head_bytes += size + 4
        request.field_count += 1
        if size > limits.max_header_line or request.head_bytes > limits.max_header_bytes or request.field_count > limits.max_headers:
            raise _head_too_large(request, size, limits)
        if b"_" in name:
            return  # see the module docstring: would alias a dashed header in the environ
        if value[-1:] in b" \t":  # llhttp strips the leading whitespace only
            value = value.rstrip(b" \t")
        if name[:1] not in b"HhCcTtEe":  # none of the fields the server itself reads
            request.headers.append((name, value))
            return
        lower = name.lower()
        if lower == b"host":
            request.host_count += 1
            if not _HOST.fullmatch(value):
                raise BadRequest(HTTPStatus.BAD_REQUEST, f"invalid Host {value[:64]!r}")
        elif lower == b"content-length":
            # llhttp has checked the digits and refused duplicates
            request.content_length = int(value)
            if request.content_length > limits.max_body:
                raise BadRequest(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"request body larger than {limits.max_body} bytes")
        elif lower == b"transfer-encoding":
            # The application reads the decoded body, so the header is not passed on:
            # it would invite decoding twice.
            request.transfer_codings += [coding.strip(b" \t").lower() for coding in value.split(b",")]
            return
        elif lower == b"expect":
            if value.lower() != b"100-continue":
                raise BadRequest(HTTPStatus.EXPECTATION_FAILED, f"unsupported expectation {value[:64]!r}")
            request.expect_continue = True
        request.headers.append((name, value))

    def on_headers_complete(self) -> None:
        request = cast(Request, self._current)
        parser = self._parser
        request.version = version = parser.get_http_version()
        request.method = method = parser.get_method().decode("ascii")
        if version == "1.1":
            if request.host_count != 1:
                raise BadRequest(HTTPStatus.BAD_REQUEST, f"an HTTP/1.1 request needs exactly one Host header, got {request.host_count}")
        elif version == "1.0":
            if request.transfer_codings:
                raise BadRequest(HTTPStatus.BAD_REQUEST, "Transfer-Encoding is not allowed in an HTTP/1.0 request")
            request.expect_continue = False
        else:
            raise BadRequest(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f"HTTP/{version} is not supported; use HTTP/1.1")
        codings = request.transfer_codings
        if codings:
            if codings[-1] != b"chunked":  # RFC 9112 §6.3: the length cannot be known
                raise BadRequest(HTTPStatus.BAD_REQUEST, f"Transfer-Encoding {b', '.join(codings)[:64]!r} does not end in chunked")
            if len(codings) > 1:  # RFC 9112 §6.1
                raise BadRequest(HTTPStatus.NOT_IMPLEMENTED, f"transfer coding {codings[0][:32]!r} is not supported")
            request.chunked = True
        target = request.target
        if b"#" in target:
            raise BadRequest(HTTPStatus.BAD_REQUEST, "a request target has no fragment (#)")
        if target == b"*" and method != "OPTIONS":
            raise BadRequest(HTTPStatus.BAD_REQUEST, "the asterisk target is for OPTIONS only")
        if method == "CONNECT":
            raise BadRequest(HTTPStatus.NOT_IMPLEMENTED, "CONNECT (tunnelling) is not supported")
        request.keep_alive = parser.should_keep_alive()
        if not request.chunked and not request.content_length:
            request.complete = True
            request.expect_continue = False  # nothing to wait for
        self.ready.append(request)

    def on_body(self, data: bytes) -> None:
        request = cast(Request, self._current)
        request.body_bytes += len(data)
        if request.body_bytes > self.limits.max_body:
            raise BadRequest(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"request body larger than {self.limits.max_body} bytes")
        request.body.append(data)

    def on_message_complete(self) -> None:
        request = cast(Request, self._current)
        request.complete = True
        self._current = None


# uri-host [":" port] (RFC 9110 §7.2, RFC 3986 §3.2.2); empty is allowed
_HOST = re.compile(rb"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]*)?")
_OTHER_PROTOCOL = re.compile(rb"(?:^|\n)[!-~]+ [^ \r\n]+ (?:RTSP|ICE)/[0-9]\.[0-9]\r?\n")
_HTTP_VERSION = re.compile(rb"[!-~]+ [^ \r\n]+ HTTP/[0-9]\.[0-9]\r\n")


def _head_too_large(request: Request, size: int, limits: Limits) -> BadRequest:
    if size > limits.max_header_line:
        detail = f"a header line is longer than {limits.max_header_line} bytes"
    elif request.field_count > limits.max_headers:
        detail = f"more than {limits.max_headers} header fields"
    else:
        detail = f"the request head is larger than {limits.max_header_bytes} bytes"
    return BadRequest(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, detail)


def _method_error(start: bytes) -> BadRequest:
    """501 for a well-formed method llhttp does not know (RFC 9110 §9.1), 400 otherwise.

    ``start`` begins with the broken request, or is empty when where it begins is unknown.
    """
    method = start.split(b" ", 1)[0]
    if method and check_header_name(method.decode("latin-1")) is None:  # a method is a token too
        return BadRequest(HTTPStatus.NOT_IMPLEMENTED, f"method {method[:32]!r} is not implemented")
    return BadRequest(HTTPStatus.BAD_REQUEST, "invalid method token")


# --- responses -------------------------------------------------------------------

_date_cache: tuple[int, str] = (0, "")


def http_date() -> str:
    """The Date header's value, formatted once a second."""
    global _date_cache
    now = int(time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True))
    return _date_cache[1]


def response_head(status: str, headers: list[tuple[str, str]], framing: str) -> bytes:
    """The status line and header block, ``framing`` being the server's own header lines.

    Raises ``ValueError`` when a value would break the framing (CR or LF inside a
    header: response splitting) or is not Latin-1; this guard holds even when the
    rule checks are off.
    """
    lines = [f"HTTP/1.1 {status}\r\n"]
    lines += [f"{name}: {value}\r\n" for name, value in headers]
    lines.append(f"Date: {http_date()}\r\n{framing}\r\n")
    head = "".join(lines)
    expected = len(lines) + 1 + framing.count("\n")
    if head.count("\n") != expected or head.count("\r") != expected:
        raise ValueError(f"CR or LF inside the status or a header of {status!r} {headers!r}")
    return head.encode("latin-1")


def error_response(status: HTTPStatus, detail: str) -> bytes:
    """A complete, self-explaining plain-text response that closes the connection."""
    body = f"{status.value} {status.phrase}: {detail}\n".encode("latin-1", "replace")
    return (
        f"HTTP/1.1 {status.value} {status.phrase}\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
        f"Connection: close\r\nDate: {http_date()}\r\n\r\n"
    ).encode("latin-1") + body
