"""A small raw-socket HTTP/1.1 client: exact bytes out, everything that came back in.

``http.client`` is too polite for a probe: it will not send a raw ``\\xe9`` in a
path, a request with pipelined bytes after its body, or a chunked body written by
hand, and it hides a body sent in answer to HEAD.  This client sends the bytes it is
given (:func:`build_request` makes them); what comes back is parsed by h11 (told only
the request's method and body framing, see :func:`request_framing`), and whatever h11
does not consume or refuses is kept in the :class:`RawResponse`.

The probe's battery uses it, and so can anything else that must talk to a server
byte for byte (conformance/matrix.py waits for servers and checks recipes with it).

h11 is imported where it is used: ``wsgitypes.probe:app`` lives in the same package
and must load in a server that does not have it.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ConnectFailed", "RawResponse", "build_request", "request_framing", "send_raw"]


class ConnectFailed(Exception):
    """No TCP connection could be made (refused, unreachable, timed out)."""


@dataclass(frozen=True)
class RawResponse:
    """What came back for one request: the parsed response, and the bytes as received."""

    version: str = ""
    status: int = 0
    reason: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    complete: bool = False
    """The response ended where its framing says it ends (Content-Length, last chunk, or close)."""
    extra: bytes = b""
    """Bytes after the end of the response, while the connection stayed open (e.g. a body after HEAD)."""
    raw: bytes = b""
    timed_out: bool = False
    half_closed: bool = False
    """The client had to shut down its sending side before the server answered."""
    closed: bool = False
    """The server closed the connection."""
    error: str = ""
    protocol_error: str = ""
    """h11 refused the response (malformed head or body framing): its message.  ``raw`` holds the bytes."""

    def header(self, name: str) -> str | None:
        lower = name.lower()
        for key, value in self.headers:
            if key.lower() == lower:
                return value
        return None

    @property
    def ok(self) -> bool:
        """A well-formed response head arrived, and h11 refused nothing."""
        return self.status != 0 and not self.protocol_error

    def describe_failure(self) -> str:
        """Why there is no usable response, in words ("" when there is one)."""
        if self.error:
            return self.error
        if not self.raw:
            if self.timed_out:
                return "no response before the time limit"
            return "the server closed the connection without a response"
        if self.protocol_error:
            if self.status:
                return f"malformed response after {len(self.body)} body bytes (h11: {self.protocol_error})"
            what = "malformed response head" if self.raw.startswith(b"HTTP/") else "not an HTTP response"
            return f"{what}: {self.raw[:80]!r} (h11: {self.protocol_error})"
        if self.status == 0:
            if self.raw.startswith(b"HTTP/"):
                return f"incomplete response head ({'timed out' if self.timed_out else 'connection closed'}): {self.raw[:80]!r}"
            return f"not an HTTP response: {self.raw[:80]!r}"
        if not self.complete:
            return f"incomplete response ({len(self.body)} body bytes, {'timed out' if self.timed_out else 'connection closed'})"
        return ""

    def summary(self) -> str:
        """The failure in words, or the status code: for a verdict's detail."""
        return self.describe_failure() or str(self.status)


def _length_header(method: str, body: bytes, content_length: bool) -> str | None:
    return str(len(body)) if content_length and (body or method in ("POST", "PUT")) else None


def build_request(
    method: str,
    target: bytes,
    host: str,
    headers: Sequence[tuple[str, bytes]] = (),
    body: bytes = b"",
    *,
    content_length: bool = True,
) -> bytes:
    """One HTTP/1.1 request's bytes; ``target`` and header values are sent exactly as given.

    A Content-Length header is added for a body (and for any POST or PUT) unless
    ``content_length`` is false: then ``headers`` frame the body themselves (chunked).
    """
    lines = [method.encode("ascii") + b" " + target + b" HTTP/1.1", b"Host: " + host.encode("ascii")]
    lines += [name.encode("ascii") + b": " + value for name, value in headers]
    length = _length_header(method, body, content_length)
    if length is not None:
        lines.append(b"Content-Length: " + length.encode("ascii"))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def request_framing(
    method: str, headers: Sequence[tuple[str, bytes]] = (), body: bytes = b"", *, content_length: bool = True
) -> list[tuple[str, str]]:
    """The body framing headers :func:`build_request` sends for these arguments (for :func:`send_raw`)."""
    framing = [(name, value.decode("latin-1")) for name, value in headers
               if name.lower() in ("content-length", "transfer-encoding")]
    length = _length_header(method, body, content_length)
    return framing + ([("Content-Length", length)] if length is not None else [])


class _Reader:
    """Feeds the server's bytes to an h11 client connection, collecting the response."""

    def __init__(self, method: str, framing: Sequence[tuple[str, str]]) -> None:
        import h11

        self.conn = h11.Connection(h11.CLIENT)
        # Describe the request that was sent, so that h11 frames the response (no body after
        # HEAD); the bytes h11 makes of it are discarded.
        self.conn.send(h11.Request(method=method, target="/", headers=[("Host", "x"), *framing]))
        chunked = any(name.lower() == "transfer-encoding" for name, _ in framing)
        length = next((int(value) for name, value in framing if name.lower() == "content-length"), 0)
        if length and not chunked:
            self.conn.send(h11.Data(data=bytes(length)))
        self.conn.send(h11.EndOfMessage())
        self.version = ""
        self.status = 0
        self.reason = ""
        self.headers: tuple[tuple[str, str], ...] = ()
        self.body = bytearray()
        self.complete = False
        self.protocol_error = ""
        self.fed = 0
        self.end: int | None = None
        """Where the response ended in the bytes received, once it has."""
        self.done = False

    def feed(self, data: bytes) -> bool:
        """Parse the next bytes received (``b""``: the server closed); True once nothing more is needed."""
        import h11

        if self.done:
            return True
        self.conn.receive_data(data)
        self.fed += len(data)
        while True:
            try:
                event = self.conn.next_event()
            except h11.RemoteProtocolError as exc:
                self.done = True
                if data:  # refused: malformed.  At end of file: cut short (incomplete, not malformed).
                    self.protocol_error = str(exc)
                return True
            if event is h11.NEED_DATA:
                return False
            if isinstance(event, h11.Response):
                self.version = "HTTP/" + event.http_version.decode("ascii")
                self.status, self.reason = event.status_code, event.reason.decode("latin-1")
                self.headers = tuple((name.decode("latin-1"), value.decode("latin-1"))
                                     for name, value in event.headers.raw_items())
            elif isinstance(event, h11.Data):
                self.body += event.data
            elif isinstance(event, h11.EndOfMessage):
                self.complete = True
                self.end = self.fed - len(self.conn.trailing_data[0])
                self.done = True
                return True
            elif not isinstance(event, h11.InformationalResponse):  # 1xx interim responses are skipped
                self.done = True  # ConnectionClosed before a response, or PAUSED
                return True


def send_raw(
    host: str,
    port: int,
    data: bytes,
    *,
    method: str = "GET",
    framing: Sequence[tuple[str, str]] = (),
    timeout: float = 5.0,
    half_close_after: float | None = None,
    linger: float = 0.0,
) -> RawResponse:
    """Send ``data`` on a new connection and read one response.

    ``method`` and ``framing`` (the body's Content-Length or Transfer-Encoding header,
    see :func:`request_framing`) describe the request in ``data``, for parsing the
    response: after HEAD it has no body.
    ``half_close_after``: if nothing has come back after that many seconds, shut down
    the sending side (a server reading a raw socket past the body then sees
    end-of-file and answers).  ``linger``: after a complete response, wait that long
    for stray bytes (a body after HEAD).  Raises :class:`ConnectFailed` when no
    connection can be made; every later failure is described in the response.
    """
    reader = _Reader(method, framing)
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise ConnectFailed(f"cannot connect to {host}:{port}: {exc.strerror or exc}") from exc
    received = b""
    timed_out = half_closed = closed = False
    error = ""
    started = time.monotonic()
    try:
        sock.sendall(data)
        done_at: float | None = None
        while True:
            now = time.monotonic()
            if done_at is not None and now >= done_at:
                break
            if now - started >= timeout:
                timed_out = True
                break
            wait = timeout - (now - started)
            waiting_to_half_close = half_close_after is not None and not received and not half_closed
            if half_close_after is not None and waiting_to_half_close:
                wait = min(wait, max(0.0, half_close_after - (now - started)))
            if done_at is not None:
                wait = min(wait, done_at - now)
            ready, _, _ = select.select([sock], [], [], wait)
            if not ready:
                if half_close_after is not None and waiting_to_half_close and time.monotonic() - started >= half_close_after:
                    try:
                        sock.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    half_closed = True
                continue
            try:
                chunk = sock.recv(65536)
            except OSError as exc:
                error = f"connection error: {exc.strerror or exc}" if not received else ""
                chunk = b""
            if not chunk:
                closed = True
                reader.feed(b"")
                break
            received += chunk
            if not reader.done and reader.feed(chunk):
                done_at = time.monotonic() + linger
    except OSError as exc:
        error = f"connection error: {exc.strerror or exc}"
    finally:
        sock.close()
    return RawResponse(
        version=reader.version, status=reader.status, reason=reader.reason, headers=reader.headers,
        body=bytes(reader.body), complete=reader.complete,
        extra=received[reader.end :] if reader.end is not None else b"", raw=received,
        timed_out=timed_out, half_closed=half_closed, closed=closed, error=error, protocol_error=reader.protocol_error,
    )
