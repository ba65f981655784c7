"""HTTP/1.1 responses for the reference server, framed without any I/O.

A :class:`ResponseWriter` turns one response into the bytes that go on the wire: the
status line and header block, then each piece of the body framed as the head
promised, then whatever ends the body.  The connection only sends what it returns.

**The wire rules hold in every mode.**  :func:`check_head` holds the application's
status and headers to the catalogue's ``wire`` rules (status format and characters,
header names that are tokens, values without CR, LF or other control characters, no
hop-by-hop headers, one decimal Content-Length) whether or not the PEP 3333 checks
are on: breaking one would let an application split the response, inject headers or
desynchronise a proxy.  A broken rule raises :class:`~wsgitypes.WSGIViolation`,
which the server answers with a 500 and logs.

**Framing** (RFC 9112 §6.3; h11's ``_body_framing`` was the model), decided once, in
:meth:`ResponseWriter.head`:

* no body at all for HEAD, 1xx, 204 and 304 (:func:`wsgitypes.rules.body_forbidden`),
  and no Content-Length for 1xx and 204 (the application's is dropped);
* the application's Content-Length when it gives one; the body is cut there, and the
  connection closed, if the application sends more, or closed if it sends less;
* else a length the server knows (a one-item list, a file), sent as Content-Length;
* else ``Transfer-Encoding: chunked`` for HTTP/1.1, and the end of the connection for
  HTTP/1.0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from http import HTTPStatus
from time import gmtime, time
from typing import cast

from wsgitypes import rules
from wsgitypes.rules import WSGIViolation, body_forbidden, content_length_forbidden

__all__ = ["CONTINUE", "ResponseWriter", "check_head", "error_response", "http_date"]

CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_LAST_CHUNK = b"0\r\n\r\n"
_LEARN_LIMIT = 4096  # statuses and headers remembered as good; more take the full check

_good_statuses: dict[str, tuple[bool, bool, bool]] = {}  # status -> (no body, no Content-Length, interim), from rules
_good_headers: set[tuple[str, str]] = set()  # never a Content-Length: each must be counted
_good_lengths: dict[object, int] = {}  # Content-Length headers that passed, (name, value) -> value


def check_head(status: object, headers: object) -> int | None:
    """Hold a status and headers to the wire rules; return the Content-Length they give.

    Raises :class:`~wsgitypes.WSGIViolation` naming the first rule broken.  Values that
    passed are remembered, so the common case is a set look-up per header.
    """
    try:
        known = status in _good_statuses
    except TypeError:  # unhashable: the full check names it
        known = False
    if not known:
        _check_status(status)
    if type(headers) is not list and type(headers) is not tuple:
        raise WSGIViolation(rules.HEADER_TUPLE, f"the headers are a {type(headers).__name__}, not a list of tuples")
    length: int | None = None
    for header in cast("Iterable[object]", headers):
        try:
            if header in _good_headers:
                continue
            known_length = _good_lengths.get(header)
        except TypeError:  # unhashable: the full check names it
            known_length = None
        if known_length is None:
            name, value = _check_header(header)
            if name.lower() != "content-length":
                if len(_good_headers) < _LEARN_LIMIT:
                    _good_headers.add((name, value))
                continue
            known_length = int(value)
            if len(_good_lengths) < _LEARN_LIMIT:
                _good_lengths[name, value] = known_length
        if length is not None:
            raise WSGIViolation(rules.CONTENT_LENGTH_HEADER, f"a second Content-Length ({length}, then {known_length})")
        length = known_length
    return length


def _check_status(status: object) -> None:
    if not isinstance(status, str):
        raise WSGIViolation(rules.STATUS_STR, f"status {status!r:.80} is {type(status).__name__}")
    for rule, problem in rules.status_problems(status):
        raise WSGIViolation(rule, problem)
    if len(_good_statuses) < _LEARN_LIMIT:
        _good_statuses[status] = _status_facts(status)


def _status_facts(status: str) -> tuple[bool, bool, bool]:
    """What a status means for the framing: no body, no Content-Length, an interim (1xx) status."""
    return body_forbidden(None, status), content_length_forbidden(status), status[0] == "1"


def _check_header(header: object) -> tuple[str, str]:
    # PEP 3333 asks for tuples (the validator says so); for the wire any pair of str will do
    if not isinstance(header, (tuple, list)) or len(cast("Sequence[object]", header)) != 2:
        raise WSGIViolation(rules.HEADER_TUPLE, f"header {header!r:.80} is not a (name, value) pair")
    name, value = cast("Sequence[object]", header)
    if type(name) is not str or type(value) is not str:  # (a str subclass could format itself as anything)
        raise WSGIViolation(rules.HEADER_TUPLE, f"header {header!r:.80} does not hold two str")
    assert isinstance(name, str) and isinstance(value, str)
    for rule, problem in rules.header_problems(name, value):
        raise WSGIViolation(rule, problem)
    return name, value


class ResponseWriter:
    """The bytes of one response to a request of ``method`` in HTTP/``version``.

    ``keep_alive``: the connection may carry another request once this response is
    complete.  The writer clears it when the framing or the application's body says
    otherwise (close-delimited body, wrong length); read it after :meth:`end`.
    """

    __slots__ = ("method", "version", "keep_alive", "status", "no_body", "chunked", "remaining", "sent", "overrun")

    def __init__(self, method: str, version: str, keep_alive: bool) -> None:
        self.method = method
        self.version = version
        self.keep_alive = keep_alive
        self.status = ""
        self.no_body = method == "HEAD"
        """Body bytes are never sent: a HEAD request, or a 1xx, 204 or 304 status."""
        self.chunked = False
        self.remaining: int | None = None
        """Body bytes still owed under the response's Content-Length."""
        self.sent = 0
        """Body bytes sent."""
        self.overrun = False
        """The application sent more than its Content-Length (the excess was cut off)."""

    def head(self, status: str, headers: list[tuple[str, str]], body_length: int | None = None) -> bytes:
        """The status line and header block, framing chosen (see the module docstring).

        ``body_length`` is the body's size when the server knows it before sending
        (a one-item list, a file).  Raises WSGIViolation for a broken wire rule.
        """
        length = check_head(status, headers)
        self.status = status
        no_body, no_length, interim = _good_statuses.get(status) or _status_facts(status)
        self.no_body = no_body or self.method == "HEAD"
        if interim:  # an interim status cannot end a WSGI response: nothing follows it
            self.keep_alive = False
        framing = ""
        if no_length:
            if length is not None:
                headers = [header for header in headers if header[0].lower() != "content-length"]
        elif length is not None:
            self.remaining = length
        elif body_length is not None and not (self.no_body and not body_length):
            framing = f"Content-Length: {body_length}\r\n"  # (HEAD: only for a body actually made)
            self.remaining = body_length
        elif self.no_body:
            pass  # nothing follows the head, so nothing needs framing
        elif self.version == "1.1":
            framing = "Transfer-Encoding: chunked\r\n"
            self.chunked = True
        else:
            self.keep_alive = False  # HTTP/1.0 without a length: the end of the body is the close
        if not self.keep_alive:
            framing += "Connection: close\r\n"
        elif self.version == "1.0":
            framing += "Connection: keep-alive\r\n"
        lines = [f"HTTP/1.1 {status}\r\n"]
        lines += [f"{name}: {value}\r\n" for name, value in headers]
        lines.append(f"Date: {http_date()}\r\n{framing}\r\n")
        return "".join(lines).encode("latin-1")

    def body(self, data: bytes) -> tuple[bytes, ...]:
        """``data`` framed for the wire (nothing when the response has no body)."""
        if self.no_body or not data:
            return ()
        remaining = self.remaining
        if remaining is not None:
            if len(data) > remaining:
                data = data[:remaining]
                self.overrun = True
                self.keep_alive = False
            self.remaining = remaining - len(data)
            self.sent += len(data)
            return (data,) if data else ()
        self.sent += len(data)
        if self.chunked:
            return (b"%x\r\n" % len(data), data, b"\r\n")
        return (data,)

    def sent_file(self, count: int) -> None:
        """``count`` body bytes went out by ``sendfile``, framed by the Content-Length."""
        self.sent += count
        if self.remaining is not None:
            self.remaining -= count

    def end(self) -> bytes:
        """What ends the body: the last chunk, or nothing.  A body short of its
        Content-Length ends the connection (the client cannot tell otherwise)."""
        if self.chunked:
            return _LAST_CHUNK
        if self.remaining and not self.no_body:
            self.keep_alive = False
        return b""

    @property
    def short(self) -> int:
        """Body bytes promised by Content-Length and never sent."""
        return 0 if self.no_body or not self.remaining else self.remaining


_date_cache: tuple[int, str] = (0, "")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def http_date() -> str:
    """The Date header's value (RFC 9110 §5.6.7's IMF-fixdate), formatted once a second.

    (Not ``email.utils.formatdate``: the email package costs every process 2.5 MiB.)
    """
    global _date_cache
    now = int(time())
    if _date_cache[0] != now:
        t = gmtime(now)
        _date_cache = (now, f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year} "
                            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT")
    return _date_cache[1]


def error_response(status: HTTPStatus, detail: str, method: str | None = None, extra_headers: str = "") -> bytes:
    """A complete, self-explaining plain-text response that closes the connection.

    To a HEAD request it carries the headers only (RFC 9110 §9.3.2).  ``extra_headers``
    are whole header lines (``"Retry-After: 1\\r\\n"``).
    """
    body = f"{status.value} {status.phrase}: {detail}\n".encode("latin-1", "replace")
    head = (
        f"HTTP/1.1 {status.value} {status.phrase}\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
        f"Connection: close\r\nDate: {http_date()}\r\n{extra_headers}\r\n"
    ).encode("latin-1")
    return head if method == "HEAD" else head + body
