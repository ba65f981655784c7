"""HTTP/1.1 requests for the reference server, parsed without any I/O.

A :class:`RequestParser` is fed the bytes of one connection as they arrive and queues
the :class:`Request` objects they hold, each with its body arriving in pieces;
pipelined requests simply queue up.  A broken request leaves a :class:`BadRequest` in
``parser.error``, carrying the status to answer with (after the requests before it)
before closing.

Who decides what:

* **Where a message ends** is decided here, once: a head ends at the first empty line
  (CRLF CRLF), and its body is Content-Length bytes long or chunked
  (:mod:`~wsgitypes.server.chunked`).  Nothing else frames messages, so nothing can
  disagree about where the next request starts.
* **Whether a head is well-formed** is llhttp's call (through ``httptools``, the parser
  Node.js uses): each head, and only the head, goes to a fresh llhttp parser.  llhttp
  refuses the request-smuggling classics: Content-Length together with
  Transfer-Encoding, duplicate or non-decimal Content-Length, whitespace before a
  header's colon, obsolete line folding, control characters, bare CR or LF.  Because
  llhttp never sees a body, a chunked body's trailer fields can never be mistaken for
  request headers.
* **What llhttp leaves to the server** (RFC 9112) is checked here: a request line of
  three parts separated by single spaces, with nothing before it (§3: llhttp takes
  runs of spaces and a bare CR before the method, which h11 and strict proxies
  refuse; reading such a line leniently is what §3 warns can smuggle requests);
  exactly one Host in HTTP/1.1 and at most one in 1.0 (§3.2); no Transfer-Encoding in HTTP/1.0, and one that ends in
  ``chunked`` otherwise (§6.1, §6.3); the request-target's form (§3.2: origin-form,
  absolute-form with an http(s) authority, whose host then replaces Host as §3.2.2
  requires, or ``*`` for OPTIONS); only HTTP/1.0 and 1.1 (505 otherwise); the limits
  of :class:`Limits` (414, 431, 413).
* Header names with ``_`` are dropped: ``X_Forwarded_For`` and ``X-Forwarded-For``
  would both become ``HTTP_X_FORWARDED_FOR`` in the environ, which lets a client spoof
  a header a proxy sets.  So is Transfer-Encoding once decoded.
"""

from __future__ import annotations

import re
from collections import deque
from http import HTTPStatus
from typing import BinaryIO

import httptools

from wsgitypes.rules import check_method
from wsgitypes.server.chunked import BadChunk, ChunkedDecoder
from wsgitypes.server.settings import Limits

__all__ = ["HOST_SYNTAX", "BadRequest", "Request", "RequestParser"]


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
        "path",
        "version",
        "headers",
        "keep_alive",
        "expect_continue",
        "chunked",
        "content_length",
        "body",
        "spool",
        "body_bytes",
        "complete",
        "field_count",
        "host_count",
        "transfer_codings",
    )

    def __init__(self) -> None:
        self.method = ""
        self.target = b""
        """The request-target as sent (for the access log)."""
        self.path = b""
        """The target in origin form, ``/path?query`` (an absolute-form target's path part)."""
        self.version = ""
        self.headers: list[tuple[bytes, bytes]] = []
        self.keep_alive = False
        self.expect_continue = False
        self.chunked = False
        self.content_length: int | None = None
        self.body: deque[bytes] = deque()
        self.spool: BinaryIO | None = None
        """A temporary file holding the body's first bytes, once it outgrew memory (the
        server's business: this module only makes :attr:`body`)."""
        self.body_bytes = 0  # received so far
        self.complete = False  # the whole body has arrived
        self.field_count = 0
        self.host_count = 0
        self.transfer_codings: list[bytes] = []


class RequestParser:
    """Feed it bytes; it queues the requests they hold (see the module docstring)."""

    __slots__ = ("limits", "ready", "error", "ended", "_current", "_head", "_head_start", "_start_size",
                 "_tail", "_held_cr", "_method_undecided", "_head_bytes", "_unfinished_line", "_longest_line", "_body_left", "_chunks")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.ready: list[Request] = []
        """Requests whose head is complete, oldest first; the server pops them."""
        self.error: BadRequest | None = None
        """Why the bytes after the requests in :attr:`ready` cannot be served."""
        self.ended = False
        """A request asked to switch protocols: it is served as HTTP/1.1 (RFC 9110 §7.8 lets
        a server ignore Upgrade) and is the connection's last; what follows is never parsed."""
        self._current: Request | None = None  # the message whose head or body is arriving
        # llhttp, for the head arriving: a new one for each head, so an idle connection holds
        # none (0.7 KiB each; building one takes 0.4 µs)
        self._head: httptools.HttpRequestParser | None = None
        self._head_start = b""  # its first bytes (the request line), to tell a bad method or version
        self._start_size = limits.max_request_line + 64  # (all of a request line)
        self._tail = b""  # the last bytes fed of an unfinished head, to find a CRLF CRLF split between feeds
        self._held_cr = False  # a read ended in a CR before any head: half of an empty line, or not
        self._method_undecided = False  # llhttp refused a method whose end has not arrived: 400 or 501 is not known yet
        self._head_bytes = 0  # of the head arriving, as sent
        self._unfinished_line = 0
        self._longest_line = max(limits.max_header_line, limits.max_request_line + 32)  # (the request line's verdict is the 414)
        self._body_left = 0  # Content-Length bytes still to come
        self._chunks: ChunkedDecoder | None = None

    @property
    def error_method(self) -> str | None:
        """The method of the request being parsed or whose body is arriving, when it got
        that far: the one :attr:`error`, or a timeout, is about (HEAD gets its error
        answer without a body)."""
        return self._current.method or None if self._current is not None else None

    @property
    def mid_head(self) -> bool:
        """Part of a request head has arrived, but not all of it."""
        return self._head is not None

    @property
    def mid_body(self) -> bool:
        """A request's body is still arriving."""
        return self._current is not None and self._head is None

    def feed(self, data: bytes) -> None:
        """Parse ``data``.  A broken request sets :attr:`error` and nothing more is parsed.

        The error is not raised: the requests before the broken one (pipelined, or the
        valid part of a body) are still to be answered, in order, before it.
        """
        while data and self.error is None:
            if self.mid_body:
                data = self._feed_body(data)
            elif self.ended:
                return
            else:
                data = self._feed_head(data)

    # --- heads ---------------------------------------------------------------------

    def _feed_head(self, data: bytes) -> bytes:
        """Feed the head arriving; return the bytes after it once it is complete."""
        if self._head is None:
            if self._held_cr:
                data, self._held_cr = b"\r" + data, False
            if data[0] in _CR_OR_LF:
                while data[:1] == b"\n" or data[:2] == b"\r\n":  # RFC 9112 §2.2: empty lines before a request
                    data = data[2:] if data[:1] == b"\r" else data[1:]
                if data == b"\r":  # its LF is in the next read, or it is a bare CR: the next read tells
                    self._held_cr = True
                    return b""
                if not data:
                    return b""
            self._begin_head()
        tail = self._tail
        end = (tail + data).find(b"\r\n\r\n") if tail else data.find(b"\r\n\r\n")
        head = data if end < 0 else data[: end + 4 - len(tail)]
        start = self._head_start
        if not start:
            self._head_start = head if len(head) <= self._start_size else head[: self._start_size]
        elif len(start) < self._start_size:
            self._head_start = start + head[: self._start_size]
        if self._method_undecided:
            if self._method_ended():
                self.error = _method_error(self._head_start)
            return b""
        queued = len(self.ready)
        parser = self._head
        assert parser is not None
        try:
            parser.feed_data(head)
        except httptools.HttpParserUpgrade:  # (CONNECT was refused in on_headers_complete)
            self.ended = True
            self.ready[-1].keep_alive = False
        except httptools.HttpParserCallbackError as error:
            if not isinstance(error.__context__, BadRequest):
                raise
            self.error = error.__context__
        except httptools.HttpParserInvalidMethodError:
            if not self._method_ended():  # (the same verdict however the bytes are split between reads)
                self._method_undecided = True
                return b""
            self.error = _method_error(self._head_start)
        except httptools.HttpParserInvalidURLError as error:
            self.error = BadRequest(HTTPStatus.BAD_REQUEST, f"invalid request target: {error}")
        except httptools.HttpParserError as error:
            if "Invalid HTTP version" in str(error) and _HTTP_VERSION.match(self._head_start):
                self.error = BadRequest(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, "only HTTP/1.0 and HTTP/1.1 are spoken here")
            else:
                self.error = BadRequest(HTTPStatus.BAD_REQUEST, f"malformed request: {error}")
        if self.error is None:
            self.error = self._outgrown(head)
        if self.error is not None:
            if len(self.ready) > queued:  # refused a head llhttp had already called complete
                self.ready.pop()
            return b""
        if end < 0:
            self._tail = (self._tail + head)[-3:]
            return b""
        if len(self.ready) == queued:  # an empty line where llhttp still expected more of the head
            self.error = BadRequest(HTTPStatus.BAD_REQUEST, "malformed request head")
            return b""
        self._head = None
        self._head_start = self._tail = b""  # (an idle connection keeps nothing of its last head)
        return data[len(head):]

    def _begin_head(self) -> None:
        self._head = httptools.HttpRequestParser(self)
        self._current = Request()
        self._head_start = b""
        self._tail = b""
        self._method_undecided = False
        self._head_bytes = 0  # of the head arriving, as sent
        self._unfinished_line = 0

    def _method_ended(self) -> bool:
        """The request line has arrived up to the end of its method, or as far as it may go."""
        start = self._head_start
        return b" " in start or b"\r" in start or b"\n" in start or len(start) >= self._start_size

    def _outgrown(self, head: bytes) -> BadRequest | None:
        """The limit the head arriving broke, counted in raw bytes (after llhttp's own checks).

        The sizes llhttp's callbacks give leave out the whitespace before a value, so
        padding could outrun them; and a line's verdict must not depend on how the reads
        split it.
        """
        limits = self.limits
        self._head_bytes += len(head)
        if self._head_bytes > limits.max_header_bytes:
            return BadRequest(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, f"the request head is larger than {limits.max_header_bytes} bytes")
        carried = self._unfinished_line  # the bytes of the line the last feed left unfinished
        newline = head.rfind(b"\n")
        self._unfinished_line = carried + len(head) if newline < 0 else len(head) - newline - 1
        longest_allowed = self._longest_line
        if carried + len(head) > longest_allowed:  # (only then can a line be too long)
            lines = head.split(b"\n")
            if carried + len(lines[0]) > longest_allowed or max(map(len, lines)) > longest_allowed:
                return BadRequest(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, f"a header line is longer than {limits.max_header_line} bytes")
        return None

    # --- bodies --------------------------------------------------------------------

    def _feed_body(self, data: bytes) -> bytes:
        """Add ``data`` to the body arriving; return the bytes after the body's end."""
        request = self._current
        assert request is not None
        if self._chunks is not None:
            try:
                pieces, rest = self._chunks.feed(data)
            except BadChunk as error:
                self.error = BadRequest(error.status, error.detail)
                return b""
            for piece in pieces:
                request.body.append(piece)
                request.body_bytes += len(piece)
            if self._chunks.done:
                self._chunks = None
                self._body_done(request)
            return rest
        if len(data) <= self._body_left:
            piece, rest = data, b""
        else:
            piece, rest = data[: self._body_left], data[self._body_left :]
        request.body.append(piece)
        request.body_bytes += len(piece)
        self._body_left -= len(piece)
        if not self._body_left:
            self._body_done(request)
        return rest

    def _body_done(self, request: Request) -> None:
        request.complete = True
        self._current = None

    # --- llhttp callbacks (the head only) ------------------------------------------

    def on_url(self, url: bytes) -> None:
        request = self._current
        assert request is not None and self._head is not None
        if not request.target:  # the method came first, so an error from here on knows it
            request.method = self._head.get_method().decode("ascii")
        request.target += url
        if len(request.target) > self.limits.max_request_line:
            raise BadRequest(HTTPStatus.REQUEST_URI_TOO_LONG, f"request target longer than {self.limits.max_request_line} bytes")

    def on_header(self, name: bytes, value: bytes) -> None:
        request = self._current
        assert request is not None
        limits = self.limits
        size = len(name) + len(value)  # (the raw bytes were bounded as they came: see _outgrown)
        request.field_count += 1
        if size > limits.max_header_line or request.field_count > limits.max_headers:
            raise _head_too_large(request, size, limits)
        # (bytes tests by int: ``95 in name`` is ten times faster than ``b"_" in name``)
        if 95 in name:  # "_": see the module docstring: would alias a dashed header in the environ
            return
        if value and value[-1] in _SPACE_OR_TAB:  # llhttp strips the leading whitespace only
            value = value.rstrip(b" \t")
        if name[0] not in _READ_INITIALS:  # none of the fields the server itself reads
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
        request, parser = self._current, self._head
        assert request is not None and parser is not None
        line = _REQUEST_LINE.match(self._head_start)
        if line is None:
            raise BadRequest(HTTPStatus.BAD_REQUEST, "the request line is not method, target and version separated by single spaces")
        if line[1][:5] != b"HTTP/":  # llhttp parses RTSP and ICE too, as HTTP versions
            raise BadRequest(HTTPStatus.BAD_REQUEST, "not an HTTP request")
        request.version = version = parser.get_http_version()
        request.method = method = request.method or parser.get_method().decode("ascii")  # (on_url decoded it, mostly)
        if request.host_count > 1:  # RFC 9112 §3.2: in any version
            raise BadRequest(HTTPStatus.BAD_REQUEST, f"a request has at most one Host header, got {request.host_count}")
        if version == "1.1":
            if not request.host_count:
                raise BadRequest(HTTPStatus.BAD_REQUEST, "an HTTP/1.1 request needs a Host header")
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
        if method == "CONNECT":
            raise BadRequest(HTTPStatus.NOT_IMPLEMENTED, "CONNECT (tunnelling) is not supported")
        request.path = _origin_form(request, method)
        request.keep_alive = parser.should_keep_alive()
        limits = self.limits
        if request.chunked:
            self._chunks = ChunkedDecoder(limits.max_body, limits.max_header_line, limits.max_header_bytes, limits.max_headers)
        elif request.content_length:
            self._body_left = request.content_length
        else:
            request.complete = True
            request.expect_continue = False  # nothing to wait for
            self._current = None
        self.ready.append(request)


_SPACE_OR_TAB = frozenset(b" \t")
_CR_OR_LF = frozenset(b"\r\n")
_READ_INITIALS = frozenset(b"HhCcTtEe")  # Host, Content-Length, Transfer-Encoding, Expect

# uri-host [":" port] (RFC 9110 §7.2, RFC 3986 §3.2.2: an IPv6 or IPvFuture literal, or a
# reg-name); empty is allowed in Host, not in an http(s) URI (RFC 9110 §4.2.1)
_HOST_PATTERN = rb"(?:\[(?:[0-9A-Fa-f:.]+|[vV][0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+)\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]*)?"
_HOST = re.compile(_HOST_PATTERN)
HOST_SYNTAX = re.compile(_HOST_PATTERN.decode("ascii"))
"""``uri-host [":" port]`` as text, for a host named elsewhere than the Host header (a proxy's)."""
# absolute-form (RFC 9112 §3.2.2): an http or https URI with an authority; no userinfo
_ABSOLUTE_FORM = re.compile(rb"(?i:https?)://(?P<authority>%s)(?P<rest>[/?].*)?" % _HOST_PATTERN, re.DOTALL)
# RFC 9112 §3 (\s: SP, HTAB, VT, FF, CR, LF); after empty lines (§2.2) split across feeds; the version
_REQUEST_LINE = re.compile(rb"(?:\r?\n)*[^\s]+ [^\s]+ ([^\s]+)\r\n")
_HTTP_VERSION = re.compile(rb"[!-~]+ [^ \r\n]+ HTTP/[0-9]\.[0-9](?:\r|$)")  # (llhttp stops at the CR)


def _origin_form(request: Request, method: str) -> bytes:
    """The target as ``/path?query``; an absolute-form target's authority becomes the Host."""
    target = request.target
    if target[:1] == b"/":
        if 35 in target:  # "#"
            raise BadRequest(HTTPStatus.BAD_REQUEST, "a request target has no fragment (#)")
        return target
    if target == b"*":
        if method != "OPTIONS":
            raise BadRequest(HTTPStatus.BAD_REQUEST, "the asterisk target is for OPTIONS only")
        return target
    matched = _ABSOLUTE_FORM.fullmatch(target)
    if matched is None or b"#" in target:
        raise BadRequest(HTTPStatus.BAD_REQUEST, f"invalid request target {target[:64]!r}")
    authority = matched["authority"]
    if not authority or authority[:1] == b":":  # RFC 9110 §4.2.1: an http(s) URI with an empty host is invalid
        raise BadRequest(HTTPStatus.BAD_REQUEST, f"the request target {target[:64]!r} names no host")
    # RFC 9112 §3.2.2: the target's authority, not the Host header, names the host
    request.headers = [(name, value) for name, value in request.headers if name.lower() != b"host"]
    request.headers.append((b"Host", authority))
    rest = matched["rest"] or b""
    if not rest and method == "OPTIONS":  # RFC 9112 §3.2.4: the server itself, as "OPTIONS *"
        return b"*"
    return rest if rest[:1] == b"/" else b"/" + rest


def _head_too_large(request: Request, size: int, limits: Limits) -> BadRequest:
    if size > limits.max_header_line:
        detail = f"a header line is longer than {limits.max_header_line} bytes"
    else:
        detail = f"more than {limits.max_headers} header fields"
    return BadRequest(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, detail)


def _method_error(start: bytes) -> BadRequest:
    """501 for a well-formed method llhttp does not know (RFC 9110 §9.1), 400 otherwise."""
    method = start.split(b" ", 1)[0]
    if method and b"\r" not in method and b"\n" not in method and check_method(method.decode("latin-1")) is None:
        return BadRequest(HTTPStatus.NOT_IMPLEMENTED, f"method {method[:32]!r} is not implemented")
    return BadRequest(HTTPStatus.BAD_REQUEST, "invalid method token")
