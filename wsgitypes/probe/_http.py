"""A small raw-socket HTTP/1.1 client: exact bytes out, everything that came back in.

``http.client`` is too polite for a probe: it will not send a raw ``\\xe9`` in a
path, a request with pipelined bytes after its body, or a chunked body written by
hand, and it hides a body sent in answer to HEAD.  This client sends the bytes it is
given and parses what comes back, keeping whatever it could not parse.
"""

from __future__ import annotations

import select
import socket
import time
from dataclasses import dataclass, field

__all__ = ["ConnectFailed", "Response", "build_request", "exchange"]


class ConnectFailed(Exception):
    """No TCP connection could be made (refused, unreachable, timed out)."""


@dataclass
class Response:
    """What came back for one request."""

    version: str = ""
    status: int = 0
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=lambda: [])
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

    def header(self, name: str) -> str | None:
        lower = name.lower()
        for key, value in self.headers:
            if key.lower() == lower:
                return value
        return None

    @property
    def ok(self) -> bool:
        return self.status != 0

    def describe_failure(self) -> str:
        """Why there is no usable response, in words."""
        if self.error:
            return self.error
        if not self.raw:
            if self.timed_out:
                return "no response before the time limit"
            return "the server closed the connection without a response"
        if self.status == 0:
            return f"not an HTTP response: {self.raw[:80]!r}"
        if not self.complete:
            return f"incomplete response ({len(self.body)} body bytes, {'timed out' if self.timed_out else 'connection closed'})"
        return ""


def build_request(
    method: str,
    target: bytes,
    host: str,
    headers: list[tuple[str, bytes]] | None = None,
    body: bytes = b"",
    *,
    version: str = "HTTP/1.1",
    content_length: bool = True,
) -> bytes:
    """One request's bytes; ``target`` and header values are sent exactly as given."""
    lines = [method.encode("ascii") + b" " + target + b" " + version.encode("ascii"), b"Host: " + host.encode("ascii")]
    lines += [name.encode("ascii") + b": " + value for name, value in headers or []]
    if content_length and (body or method in ("POST", "PUT")):
        lines.append(b"Content-Length: " + str(len(body)).encode("ascii"))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def _parse_head(data: bytes, response: Response) -> int:
    """Parse status line and headers; the offset of the body, or -1 if the head is incomplete."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return -1
    head = data[:end].decode("latin-1").split("\r\n")
    parts = head[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        response.status = 0
        return -2
    response.version, response.status = parts[0], int(parts[1])
    response.reason = parts[2] if len(parts) > 2 else ""
    response.headers = []
    for line in head[1:]:
        name, _, value = line.partition(":")
        response.headers.append((name.strip(), value.strip()))
    return end + 4


def _dechunk(data: bytes) -> tuple[bytes, int] | None:
    """Decode a chunked body; (body, bytes consumed) when the last chunk arrived, else None."""
    body = b""
    at = 0
    while True:
        line_end = data.find(b"\r\n", at)
        if line_end < 0:
            return None
        size_text = data[at:line_end].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            return None
        at = line_end + 2
        if size == 0:
            trailer_end = data.find(b"\r\n", at)
            while trailer_end >= 0 and trailer_end != at:  # skip trailer fields
                at = trailer_end + 2
                trailer_end = data.find(b"\r\n", at)
            if trailer_end < 0:
                return None
            return body, trailer_end + 2
        if len(data) < at + size + 2:
            return None
        body += data[at : at + size]
        at += size + 2


def _frame(data: bytes, response: Response, head_request: bool, closed: bool) -> bool:
    """Fill ``response`` from ``data``; True when the response is complete."""
    start = _parse_head(data, response)
    while start >= 0 and 100 <= response.status < 200 and response.status != 101:  # interim responses
        data = data[start:]
        start = _parse_head(data, response)
    if start < 0:
        return start == -2 or closed
    rest = data[start:]
    if head_request or response.status in (204, 304):
        response.body, response.extra = b"", rest
        response.complete = True
        return True
    if (response.header("transfer-encoding") or "").lower().endswith("chunked"):
        decoded = _dechunk(rest)
        if decoded is None:
            response.body = rest
            return closed
        response.body, used = decoded
        response.extra = rest[used:]
        response.complete = True
        return True
    length = response.header("content-length")
    if length is not None and length.isdigit():
        response.body, response.extra = rest[: int(length)], rest[int(length) :]
        if len(rest) >= int(length):
            response.complete = True
            return True
        return closed
    response.body = rest
    response.complete = closed  # close-delimited
    return closed


def exchange(
    host: str,
    port: int,
    data: bytes,
    *,
    timeout: float = 5.0,
    head_request: bool = False,
    half_close_after: float | None = None,
    read_to_close: bool = False,
    linger: float = 0.0,
) -> Response:
    """Send ``data`` on a new connection and read one response.

    ``half_close_after``: if nothing has come back after that many seconds, shut down
    the sending side (a server reading a raw socket past the body then sees
    end-of-file and answers).  ``read_to_close``: keep reading until the server
    closes or ``timeout``.  ``linger``: after a complete response, wait that long for
    stray bytes (a body after HEAD).
    """
    response = Response()
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise ConnectFailed(f"cannot connect to {host}:{port}: {exc.strerror or exc}") from exc
    received = b""
    started = time.monotonic()
    try:
        sock.sendall(data)
        complete = False
        done_at: float | None = None
        while True:
            now = time.monotonic()
            if done_at is not None and now >= done_at:
                break
            if now - started >= timeout:
                response.timed_out = True
                break
            wait = timeout - (now - started)
            if half_close_after is not None and not received and not response.half_closed:
                wait = min(wait, max(0.0, half_close_after - (now - started)))
            if done_at is not None:
                wait = min(wait, done_at - now)
            ready, _, _ = select.select([sock], [], [], wait)
            if not ready:
                if (
                    half_close_after is not None
                    and not received
                    and not response.half_closed
                    and time.monotonic() - started >= half_close_after
                ):
                    try:
                        sock.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    response.half_closed = True
                continue
            try:
                chunk = sock.recv(65536)
            except OSError as exc:
                response.error = f"connection error: {exc.strerror or exc}" if not received else ""
                response.closed = True
                break
            if not chunk:
                response.closed = True
                break
            received += chunk
            if not complete:
                complete = _frame(received, response, head_request, closed=False)
                if complete and not read_to_close:
                    done_at = time.monotonic() + linger
        _frame(received, response, head_request, closed=response.closed)
    except OSError as exc:
        response.error = f"connection error: {exc.strerror or exc}"
    finally:
        sock.close()
    response.raw = received
    return response
