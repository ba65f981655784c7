"""One HTTP/1.1 connection: requests in, the application called, responses out.

A worker thread owns a :class:`Connection` while it serves requests from it
(:meth:`Connection.serve_ready`); between requests the engine's event loop owns it
and reads the next request head without tying up a thread.

How each PEP 3333 duty is met here:

* ``wsgi.input`` (:class:`RequestBody`) reads the body as it arrives, answers
  ``Expect: 100-continue`` on the first read, and ends at the end of the body,
  Content-Length or chunked alike, so ``read()`` with no size is safe
  (``wsgi.input_terminated``).
* :class:`Response` is ``start_response`` and ``write``: the status line and headers
  go out with the first non-empty body bytes (or at the end of an empty body);
  ``exc_info`` replaces them while they are unsent and is re-raised once they are.
* Framing is the server's: the application's Content-Length when it gives one,
  computed for a one-item list, else chunked (HTTP/1.1) or close-delimited (1.0).
  HEAD, 1xx, 204 and 304 responses never carry a body.
* A :class:`FileWrapper` response over a regular file goes out with ``sendfile``.
* ``close()`` on the response iterable is called whatever happens.
"""

from __future__ import annotations

import logging
import os
import socket
import stat
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from time import strftime
from typing import TYPE_CHECKING, Any

from wsgitypes import rules
from wsgitypes.rules import HOP_BY_HOP_HEADERS, WSGIViolation
from wsgitypes.server.environ import ConnectionInfo, make_environ
from wsgitypes.server.http import BadRequest, Request, RequestParser, error_response, response_head
from wsgitypes.types import ErrorStream, OptExcInfo, ReadableFile, ResponseHeaders, WriteCallable

if TYPE_CHECKING:
    from wsgitypes.server.engine import Engine

__all__ = ["ClientDisconnected", "Connection", "FileWrapper", "RequestBody", "Response"]

error_log = logging.getLogger("wsgitypes.server")
access_log = logging.getLogger("wsgitypes.access")

RECV_SIZE = 65536
_DRAIN_LIMIT = 65536  # unread body bytes skipped to keep a connection alive; more and it closes
_SMALL_SEND = 65536  # below this, parts are joined and sent in one call
_NO_BODY_STATUS = frozenset({"204", "304"})
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_LAST_CHUNK = b"0\r\n\r\n"


class ClientDisconnected(ConnectionError):
    """The client went away, or stopped reading or sending for longer than the timeout.

    ``wsgi.input`` raises it when the body cannot be read to its end; it is an
    ``OSError``, so applications that handle I/O errors handle it too.
    """


class FileWrapper:
    """``wsgi.file_wrapper``: an iterable over a file that the server may send with ``sendfile``."""

    __slots__ = ("filelike", "blksize")

    def __init__(self, filelike: ReadableFile, blksize: int = 8192, /) -> None:
        self.filelike = filelike
        self.blksize = blksize

    def __iter__(self) -> Iterator[bytes]:
        read, blksize = self.filelike.read, self.blksize
        while chunk := read(blksize):
            yield chunk

    def close(self) -> None:
        close: Callable[[], object] | None = getattr(self.filelike, "close", None)
        if close is not None:
            close()


class RequestBody:
    """``wsgi.input``: the request body, read from the socket as the application asks."""

    __slots__ = ("_connection", "_request", "_buffer", "_position")

    def __init__(self, connection: Connection, request: Request) -> None:
        self._connection = connection
        self._request = request
        self._buffer = b""
        self._position = 0

    def _more(self) -> bytes:
        """The next piece of the body, or b"" at its end."""
        request = self._request
        while not request.body:
            if request.complete:
                return b""
            self._connection.receive_body(request)
        return request.body.popleft()

    def read(self, size: int | None = -1, /) -> bytes:
        if size is None or size < 0:
            parts = [self._buffer[self._position :]]
            while piece := self._more():
                parts.append(piece)
            self._buffer, self._position = b"", 0
            return b"".join(parts)
        available = len(self._buffer) - self._position
        if available >= size:
            start = self._position
            self._position += size
            return self._buffer[start : start + size]
        parts = [self._buffer[self._position :]]
        wanted = size - available
        while wanted > 0 and (piece := self._more()):
            if len(piece) > wanted:
                self._buffer, self._position = piece, wanted
                parts.append(piece[:wanted])
                return b"".join(parts)
            parts.append(piece)
            wanted -= len(piece)
        self._buffer, self._position = b"", 0
        return b"".join(parts)

    def readline(self, size: int | None = -1, /) -> bytes:
        limit = -1 if size is None or size < 0 else size
        parts: list[bytes] = []
        collected = 0
        while limit < 0 or collected < limit:
            buffer, start = self._buffer, self._position
            if start >= len(buffer):
                piece = self._more()
                if not piece:
                    break
                self._buffer, self._position = buffer, start = piece, 0
            end = buffer.find(b"\n", start) + 1 or len(buffer)
            if limit >= 0:
                end = min(end, start + limit - collected)
            parts.append(buffer[start:end])
            collected += end - start
            self._position = end
            if buffer[end - 1 : end] == b"\n":
                break
        return b"".join(parts)

    def readlines(self, hint: int = -1, /) -> list[bytes]:
        lines: list[bytes] = []
        total = 0
        while line := self.readline():
            lines.append(line)
            total += len(line)
            if 0 < hint <= total:
                break
        return lines

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line


class Response:
    """``start_response`` and ``write`` for one request, and the bytes they put on the wire."""

    __slots__ = (
        "_connection",
        "_request",
        "status",
        "headers",
        "head_sent",
        "chunked",
        "remaining",
        "sent",
        "keep_alive",
        "no_body",
        "bodiless_status",
    )

    def __init__(self, connection: Connection, request: Request, keep_alive: bool) -> None:
        self._connection = connection
        self._request = request
        self.status = ""
        self.headers: ResponseHeaders = []
        self.head_sent = False
        self.chunked = False
        self.remaining: int | None = None  # body bytes still owed under the application's Content-Length
        self.sent = 0  # body bytes sent
        self.keep_alive = keep_alive
        self.no_body = request.method == "HEAD"  # the body is never sent
        self.bodiless_status = False  # 1xx, 204, 304: not even a length is sent

    def start_response(self, status: str, headers: ResponseHeaders, exc_info: OptExcInfo | None = None, /) -> WriteCallable:
        if exc_info is not None:
            error = exc_info[1]
            try:
                if self.head_sent and error is not None:
                    raise error.with_traceback(exc_info[2])  # PEP 3333: too late to change the status
            finally:
                exc_info = error = None  # break the frame <-> traceback cycle
        elif self.status:
            raise WSGIViolation(rules.START_RESPONSE_ONCE, "start_response was called a second time without exc_info")
        self.status = status
        self.headers = headers
        return self.write

    def write(self, data: bytes, /) -> None:
        if not self.head_sent:
            self.send_head(None, data)
        else:
            self.send_body(data)

    def send_head(self, known_length: int | None, first: bytes = b"") -> None:
        """Send the status line and headers, with the body's first bytes when there are some."""
        if not self.status:
            raise WSGIViolation(rules.START_BEFORE_BODY, "the response body began before start_response was called")
        request = self._request
        length: int | None = None
        for name, value in self.headers:
            lower = name.lower()
            if lower == "content-length":
                length = int(value)
            elif lower in HOP_BY_HOP_HEADERS:
                raise WSGIViolation(rules.HOP_BY_HOP, rules.check_hop_by_hop(name) or name)
        code = self.status[:3]
        if code in _NO_BODY_STATUS or code[:1] == "1":
            self.no_body = self.bodiless_status = True
        framing = ""
        if length is not None:
            self.remaining = length
        elif self.bodiless_status:
            pass
        elif known_length is not None:
            framing = f"Content-Length: {known_length}\r\n"
            self.remaining = known_length
        elif self.no_body:
            pass  # HEAD of a body of unknown length: no framing needed, nothing follows
        elif request.version == "1.1":
            framing = "Transfer-Encoding: chunked\r\n"
            self.chunked = True
        else:
            self.keep_alive = False  # HTTP/1.0 without a length: the end of the body is the close
        if self._connection.engine.draining:
            self.keep_alive = False  # a stop began while the application ran
        if not self.keep_alive:
            framing += "Connection: close\r\n"
        elif request.version == "1.0":
            framing += "Connection: keep-alive\r\n"
        head = response_head(self.status, self.headers, framing)
        self.head_sent = True
        if first and not self.no_body:
            self._send_framed(first, head)
        else:
            self._connection.send(head)

    def send_body(self, data: bytes) -> None:
        if data and not self.no_body:
            self._send_framed(data, b"")

    def _send_framed(self, data: bytes, prefix: bytes) -> None:
        remaining = self.remaining
        if remaining is not None:
            if len(data) > remaining:
                error_log.error("%s %s: the application sent more than its Content-Length; response cut short", self._request.method, self._request.target)
                data = data[:remaining]
                self.keep_alive = False
            self.remaining = remaining - len(data)
            self._connection.send(prefix, data)
        elif self.chunked:
            self._connection.send(prefix, b"%x\r\n" % len(data), data, b"\r\n")
        else:
            self._connection.send(prefix, data)
        self.sent += len(data)

    def finish(self) -> None:
        """End the response: the last chunk, or a short Content-Length noticed."""
        if not self.head_sent:
            self.send_head(0)
        if self.chunked:
            self._connection.send(_LAST_CHUNK)
        elif self.remaining and not self.no_body:
            error_log.error("%s %s: the application sent %d bytes fewer than its Content-Length", self._request.method, self._request.target, self.remaining)
            self.keep_alive = False

    def send_file(self, wrapper: FileWrapper) -> bool:
        """Send a file response with ``sendfile``; False when the file does not allow it."""
        filelike: Any = wrapper.filelike
        try:
            descriptor = filelike.fileno()
            info = os.fstat(descriptor)
            offset = filelike.tell() if hasattr(filelike, "tell") else 0
        except (AttributeError, OSError, ValueError):
            return False
        if not stat.S_ISREG(info.st_mode) or not self.status or self.head_sent:
            return False
        size = max(info.st_size - offset, 0)
        self.send_head(size)
        if self.no_body:
            return True
        count = size if self.remaining is None else min(size, self.remaining)
        sent = self._connection.send_file(filelike, offset, count) if count else 0
        self.sent += sent
        if self.remaining is not None:
            self.remaining -= sent
        return True


class Connection:
    """A client connection and its parser; see the module docstring."""

    __slots__ = ("sock", "fd", "engine", "info", "parser", "errors", "idle_deadline", "head_deadline", "peer", "busy")

    def __init__(self, sock: socket.socket, peer: str, engine: Engine, info: ConnectionInfo, errors: ErrorStream) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.busy = False
        """A worker thread owns the connection (the event loop leaves it alone)."""
        self.peer = peer
        self.engine = engine
        self.info = info
        self.parser = RequestParser(engine.limits)
        self.errors = errors
        self.idle_deadline = 0.0
        self.head_deadline = 0.0

    # --- socket I/O (in a worker thread; the kernel's send/receive timeouts apply) ----
    # A timeout shows as BlockingIOError (EAGAIN) from a blocking socket.

    def send(self, *parts: bytes) -> None:
        """Send ``parts`` in order, joined when small, scatter-gathered when not."""
        try:
            if sum(map(len, parts)) <= _SMALL_SEND:
                self.sock.sendall(b"".join(parts))
                return
            views = [memoryview(part) for part in parts if part]
            while views:
                sent = self.sock.sendmsg(views)
                while sent:
                    first = views[0]
                    if sent >= len(first):
                        sent -= len(first)
                        del views[0]
                    else:
                        views[0] = first[sent:]
                        sent = 0
        except OSError as error:
            raise ClientDisconnected(f"sending the response failed: {error}") from error

    def send_file(self, file: Any, offset: int, count: int) -> int:
        """``sendfile`` ``count`` bytes from ``offset``; the bytes sent (fewer if the file is shorter)."""
        sent = 0
        try:
            while sent < count:
                step = os.sendfile(self.fd, file.fileno(), offset + sent, count - sent)
                if not step:  # the file ended early
                    break
                sent += step
        except OSError as error:
            raise ClientDisconnected(f"sending the file failed: {error}") from error
        file.seek(offset + sent)
        return sent

    def receive_body(self, request: Request) -> None:
        """Read more of ``request``'s body from the socket (called by ``wsgi.input``).

        Raises :class:`BadRequest` when the body is malformed, too large or too slow.
        """
        parser = self.parser
        if parser.error is not None:
            raise parser.error
        try:
            if request.expect_continue:
                request.expect_continue = False
                self.sock.sendall(_CONTINUE)
            data = self.sock.recv(RECV_SIZE)
        except (TimeoutError, BlockingIOError):
            raise BadRequest(HTTPStatus.REQUEST_TIMEOUT, "timed out waiting for the request body") from None
        except OSError as error:
            raise ClientDisconnected(f"reading the request body failed: {error}") from error
        if not data:
            raise ClientDisconnected(f"the client closed the connection after {request.body_bytes} bytes of the body")
        parser.feed(data)
        if parser.error is not None and not request.body and not request.complete:
            raise parser.error

    # --- serving (in a worker thread) ---------------------------------------------------

    def serve_ready(self) -> bool:
        """Serve every request whose head has arrived; True if the connection stays open."""
        parser = self.parser
        while parser.ready:
            request = parser.ready.popleft()
            try:
                keep_alive = self.serve(request)
            except ClientDisconnected:  # nobody left to answer
                return False
            if not keep_alive or parser.upgraded:
                return False
        if parser.error is not None:  # the request after those just served is broken
            self.reject(parser.error)
            return False
        return True

    def serve(self, request: Request) -> bool:
        """Serve one request; True if the connection can carry another."""
        engine = self.engine
        keep_alive = request.keep_alive and not engine.draining
        if request.target == b"*":  # OPTIONS * asks about the server, not about a resource
            self.send(response_head("200 OK", [("Content-Length", "0")], "" if keep_alive else "Connection: close\r\n"))
            return keep_alive and self.skip_unread_body(request)
        response = Response(self, request, keep_alive)
        body = RequestBody(self, request)
        environ = make_environ(request, self.info, body, self.errors)
        try:
            result = engine.app(environ, response.start_response)
            try:
                self.send_result(result, response)
                response.finish()
            finally:
                close: Callable[[], object] | None = getattr(result, "close", None)
                if close is not None:
                    close()
        except ClientDisconnected:
            raise
        except BadRequest as error:  # a malformed, oversized or stalled body
            if not response.head_sent:
                self.reject(error)
            return False
        except Exception:
            return self.failed(request, response)
        if access_log.isEnabledFor(logging.INFO):
            self.log_access(request, response.status, response.sent)
        return response.keep_alive and self.skip_unread_body(request)

    def send_result(self, result: Iterable[bytes], response: Response) -> None:
        if type(result) is FileWrapper and response.send_file(result):
            return
        if isinstance(result, list) and type(result) is list and not response.head_sent:  # a subclass may redefine len()
            if len(result) == 1:
                response.send_head(len(result[0]), result[0])
                return
        for data in result:
            if not data:
                continue
            if not response.head_sent:
                response.send_head(None, data)
                if response.no_body:
                    return  # the headers are final; the body is not sent
            else:
                response.send_body(data)

    def failed(self, request: Request, response: Response) -> bool:
        """The application raised: 500 if nothing was sent yet, else cut the connection."""
        error_log.exception("%s %r failed", request.method, request.target)
        if not response.head_sent:
            self.send(error_response(HTTPStatus.INTERNAL_SERVER_ERROR, "the application failed; see the server's error log"))
            if access_log.isEnabledFor(logging.INFO):
                self.log_access(request, "500", 0)
        return False

    def skip_unread_body(self, request: Request) -> bool:
        """Read past what the application left of the body; False if too much is left."""
        body = request.body
        if request.expect_continue:
            return False  # 100 Continue was never sent: the client may or may not send the body
        skipped = 0
        while not request.complete:
            if skipped > _DRAIN_LIMIT:
                return False
            skipped += sum(map(len, body))
            body.clear()
            try:
                self.receive_body(request)
            except BadRequest:  # a response went out already; all that is left is to close
                return False
        body.clear()
        return True

    def reject(self, error: BadRequest) -> None:
        """Answer a malformed request and stop reading from this connection."""
        error_log.info("%s: %d %s", self.peer, error.status.value, error.detail)
        try:
            self.sock.sendall(error_response(error.status, error.detail))
        except OSError:
            pass  # the client is gone; the connection closes anyway

    def log_access(self, request: Request, status: str, sent: int) -> None:
        """One line in the Common Log Format."""
        access_log.info(
            '%s - - [%s] "%s %s HTTP/%s" %s %s',
            self.peer,
            strftime("%d/%b/%Y:%H:%M:%S %z"),
            request.method,
            request.target.decode("latin-1"),
            request.version,
            status[:3],
            sent or "-",
        )
