"""One HTTP/1.1 connection: requests in, the application called, responses out.

Between requests the engine's event loop owns a :class:`Connection`: it reads request
heads and bodies without tying up a thread.  When a request is
ready, a thread takes it (:meth:`Connection.serve_ready`; the loop's own thread for a
quick request whose body has arrived, else a pool thread), calls the
application and writes the response; when it is done it tells the engine what comes
next (:data:`Next`): read the next request, flush what the client has not taken yet,
or close.

How each PEP 3333 duty is met (the protocol itself is the sans-IO core's:
:mod:`~wsgitypes.server.request` and :mod:`~wsgitypes.server.response`):

* ``wsgi.input`` (:class:`~wsgitypes.server.streams.RequestBody`) reads the body as it
  arrives and answers ``Expect: 100-continue`` on the first read.
* :class:`Responder` is ``start_response`` and ``write``: the status line and headers
  go out with the first non-empty body bytes (or at the end of an empty body);
  ``exc_info`` replaces them while they are unsent and is re-raised once they are.
* A :class:`~wsgitypes.server.streams.FileWrapper` response over a regular file goes
  out with ``sendfile``.
* ``close()`` on the response iterable is called whatever happens.

What a slow or stalled client can cost, and when it is cut off:

* Sending: a thread sends without waiting; what the socket does not take is kept
  (up to :data:`HANDOFF_LIMIT` bytes) and flushed by the event loop once the
  application is done, so a client that reads slowly holds no thread for a response
  that fits.  Beyond that the thread waits, but the client must keep reading at
  ``Timeouts.min_rate`` bytes a second on average (after a grace of
  ``Timeouts.body`` seconds), or the connection is closed.
* Receiving a body: the event loop reads it before a thread takes the request
  (:mod:`~wsgitypes.server.spool`), but for one sent after ``Expect: 100-continue``,
  which the thread reads, at the same minimum rate, from when it takes it.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Iterable
from http import HTTPStatus
from time import monotonic
from typing import Any, Literal, NamedTuple

from wsgitypes import rules
from wsgitypes.rules import WSGIViolation
from wsgitypes.server.accesslog import AccessRecord, AccessSink
from wsgitypes.server.devpage import debug_response
from wsgitypes.server.environ import ConnectionInfo, make_environ
from wsgitypes.server.request import BadRequest, Request, RequestParser
from wsgitypes.server.response import CONTINUE, ResponseWriter, error_response
from wsgitypes.server.settings import Limits, Timeouts
from wsgitypes.server.spool import discard_spool
from wsgitypes.server.proxy import FORWARDING_KEYS, TrustedProxies, apply_forwarding
from wsgitypes.server.streams import FileWrapper, RequestBody
from wsgitypes.server.transport import Transport
from wsgitypes.types import ErrorStream, OptExcInfo, ResponseHeaders, WriteCallable, WSGIApplication

__all__ = ["HANDOFF_LIMIT", "RECV_SIZE", "ClientDisconnected", "Connection", "Next", "Responder", "Site"]

error_log = logging.getLogger("wsgitypes.server")

RECV_SIZE = 65536
HANDOFF_LIMIT = 4 << 20
"""Unsent response bytes a thread leaves to the event loop rather than wait for the client."""
_DRAIN_LIMIT = 65536  # unread body bytes skipped to keep a connection alive; more and it closes
_JOIN_LIMIT = 65536  # parts smaller than this in all are joined into one send
TURN_REQUESTS = 32
"""Pipelined requests one connection has served in a row before the others get their turn."""

Next = Literal["read", "flush", "close"]
"""What the event loop does with a connection a thread hands back."""


class ClientDisconnected(ConnectionError):
    """The client went away, or stopped reading or sending for longer than the timeouts allow.

    ``wsgi.input`` raises it when the body cannot be read to its end; it is an
    ``OSError``, so applications that handle I/O errors handle it too.
    """


class Stopping:
    """Whether a graceful stop has begun: set once, read by every response.

    A plain attribute rather than a ``threading.Event``, because a stop signal's handler
    sets it: setting an Event takes a lock, and a second signal (Ctrl-C reaches every
    process of the group, and the supervisor passes the stop on a moment later) runs
    the handler again inside the first one, which then waits forever on that lock.
    """

    __slots__ = ("began",)

    def __init__(self) -> None:
        self.began = False


class Site(NamedTuple):
    """What every connection of one server process shares: a small record, so that a
    connection needs nothing from the engine that runs it."""

    app: WSGIApplication
    limits: Limits
    timeouts: Timeouts
    errors: ErrorStream
    stopping: Stopping
    """Set when a graceful stop begins: responses from then on close their connection."""
    forwarded: TrustedProxies | None = None
    """Whose forwarding headers count (:mod:`~wsgitypes.server.proxy`); None: nobody's."""
    access: AccessSink | None = None
    """Where each request's access-log record goes."""
    debug: bool = False
    """Explain a 500 in its body (:mod:`~wsgitypes.server.devpage`); for development only."""
    on_request: Callable[[], object] | None = None
    """Called (from the serving thread) as each request begins: the engine counts them for ``--max-requests``."""


class Responder:
    """``start_response`` and ``write`` for one request, sending through ``connection``."""

    __slots__ = ("_connection", "_request", "writer", "status", "headers", "head_sent", "ended")

    def __init__(self, connection: Connection, request: Request, writer: ResponseWriter) -> None:
        self._connection = connection
        self._request = request
        self.writer = writer
        self.status = ""
        self.headers: ResponseHeaders = []
        self.head_sent = False
        self.ended = False

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
        if self.ended:  # (from a thread the application left behind: its bytes would be lost, or join the next response)
            raise WSGIViolation(rules.WRITE_AFTER_START, "write() was called after the response had ended")
        if not self.head_sent:
            self.send_head(None, data)
        else:
            self._connection.send(*self.writer.body(data))

    def send_head(self, body_length: int | None, first: bytes = b"") -> None:
        """Send the status line and headers, with the body's first bytes when there are some."""
        if not self.status:
            raise WSGIViolation(rules.START_BEFORE_BODY, "the response body began before start_response was called")
        if self._connection.site.stopping.began:
            self.writer.keep_alive = False  # a stop began while the application ran
        elif self._request.expect_continue and not self._request.complete:
            # Answered without the body it was asked to accept: whether the client sends it
            # anyway cannot be known, so this response is the connection's last (RFC 9110 §10.1.1).
            self.writer.keep_alive = False
        head = self.writer.head(self.status, self.headers, body_length)
        self.head_sent = True
        self._connection.send(head, *self.writer.body(first))

    def finish(self) -> None:
        """End the response: the head if no body came, then whatever ends the body."""
        self.ended = True
        if not self.head_sent:
            self.send_head(0)
        if end := self.writer.end():  # (the last chunk)
            self._connection.send(end)


class Connection:
    """A client connection and its parser; see the module docstring."""

    __slots__ = ("transport", "sock", "fd", "client", "peer", "site", "info", "parser", "busy", "waiting", "deadline", "body_clock",
                 "outbox", "outbox_size", "close_after_flush", "flush_started", "flushed", "requests_served", "in_app_since",
                 "body_held")

    def __init__(self, transport: Transport, client: tuple[str, str], site: Site, info: ConnectionInfo) -> None:
        self.transport = transport
        self.sock = transport.sock
        self.fd = transport.fd
        self.client = client
        """The peer's address and port (``("", "0")`` on a Unix socket)."""
        self.peer = client[0] or "-"
        self.site = site
        self.info = info
        self.parser = RequestParser(site.limits)
        self.busy = False
        """A thread is serving it, the loop's own or a pool's (the event loop leaves it alone meanwhile)."""
        self.waiting: Literal["handshake", "idle", "head", "body", "flush"] = "idle"
        """What the event loop waits for from the client while no thread has the connection."""
        self.deadline = 0.0
        """When the event loop gives up on what it waits for."""
        self.body_clock = 0.0
        """When the body being read began to arrive, less the grace its bytes so far earned."""
        self.outbox: list[memoryview] = []
        """Response bytes the client has not taken yet, for the event loop to send."""
        self.outbox_size = 0
        self.close_after_flush = False
        self.flush_started = 0.0
        self.flushed = 0
        self.requests_served = 0
        """Requests begun on this connection (none yet: a stop spares it a moment, see the engine's drain)."""
        self.in_app_since = 0.0
        """While a thread serves it: when the thread last began waiting on anything but this
        client (the application, mostly); 0 while it waits on the client's socket, and when idle."""
        self.body_held: tuple[int, int] = (0, 0)
        """Bytes of the body the event loop is reading that it keeps in memory and in a file
        (see :mod:`~wsgitypes.server.spool`)."""

    # --- sending (serving threads; the loop flushes with flush_some) -----------------

    def send(self, *parts: bytes) -> None:
        """Send ``parts`` in order without waiting where the socket allows; see the module docstring.

        Small parts are joined into one buffer; large ones go out as they are (scatter-gather),
        so a large body is never copied to put a head in front of it.
        """
        if not self.outbox:
            total = sum(map(len, parts))
            if not total:
                return
            if total <= _JOIN_LIMIT:
                views = [memoryview(parts[0] if len(parts) == 1 else b"".join(parts))]
            else:
                views = [memoryview(part) for part in parts if part]
            try:
                sent = self.transport.send_nowait(views)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError as error:
                raise ClientDisconnected(f"sending the response failed: {error}") from error
            if sent == total:
                return
            self.flush_started, self.flushed = monotonic(), 0
            self.outbox = views
            self.outbox_size = total
            self._consume(sent)
            parts = ()
        for part in parts:
            if part:
                self.outbox.append(memoryview(part))
                self.outbox_size += len(part)
        if self.outbox_size > HANDOFF_LIMIT:
            self.flush_waiting()

    def flush_waiting(self) -> None:
        """Send the whole outbox, waiting on the socket, at no less than the minimum rate."""
        timeouts = self.site.timeouts
        while self.outbox:
            self.in_app_since = 0.0  # waiting on the client (see read_body)
            try:
                self.flush_some(self.transport.send)
            except TimeoutError:
                pass  # one wait of Timeouts.body without progress
            except OSError as error:
                raise ClientDisconnected(f"sending the response failed: {error}") from error
            finally:
                self.in_app_since = monotonic()
            if self.outbox and monotonic() > self.flush_deadline(timeouts):
                raise ClientDisconnected(f"the client read {self.flushed} bytes in {monotonic() - self.flush_started:.0f} s, "
                                         f"below {timeouts.min_rate:g} bytes a second")

    def flush_some(self, send: Callable[[list[memoryview]], int]) -> None:
        """One send of the outbox (waiting or not, as ``send`` does)."""
        sent = send(self.outbox[:64])
        self.flushed += sent
        self._consume(sent)

    def _consume(self, sent: int) -> None:
        """Drop the first ``sent`` bytes of the outbox: they are on their way."""
        self.outbox_size -= sent
        outbox = self.outbox
        while sent:
            first = outbox[0]
            if sent >= len(first):
                sent -= len(first)
                del outbox[0]
            else:
                outbox[0] = first[sent:]
                sent = 0

    def flush_deadline(self, timeouts: Timeouts) -> float:
        """The client must take the outbox at ``min_rate`` on average, after a grace of ``body`` seconds."""
        return self.flush_started + timeouts.body + self.flushed / timeouts.min_rate

    def send_file(self, file: Any, offset: int, count: int) -> int:
        """``sendfile`` ``count`` bytes from ``offset``; the bytes sent (fewer if the file is shorter)."""
        self.flush_waiting()
        sent = 0
        self.flush_started, self.flushed = monotonic(), 0
        timeouts = self.site.timeouts
        try:
            while sent < count:
                self.in_app_since = 0.0  # waiting on the client (see read_body)
                try:
                    step = self.transport.sendfile(file, offset + sent, count - sent)
                except TimeoutError:
                    step = -1
                finally:
                    self.in_app_since = monotonic()
                if not step:  # the file ended early
                    break
                if step > 0:
                    sent += step
                    self.flushed = sent
                if monotonic() > self.flush_deadline(timeouts):
                    raise ClientDisconnected(f"the client read {sent} bytes of a file too slowly")
        except OSError as error:
            raise ClientDisconnected(f"sending the file failed: {error}") from error
        file.seek(offset + sent)
        return sent

    def refuse(self, error: BadRequest, method: str | None = None) -> None:
        """Answer a request that cannot be served; the connection closes after the answer."""
        error_log.info("%s: %d %s", self.peer, error.status.value, error.detail)
        self.close_after_flush = True
        try:
            self.send(error_response(error.status, error.detail, method))
        except ClientDisconnected:
            self.outbox.clear()  # the client is gone; the connection closes anyway

    # --- receiving a body (serving threads) -------------------------------------------

    def receive_body(self, request: Request, wanted: int = 0) -> None:
        """Read more of ``request``'s body from the socket (called by ``wsgi.input``).

        ``wanted`` bytes of a Content-Length body (-1: the rest) are read in one call when
        there are more than :data:`RECV_SIZE` of them: one copy from the kernel, not many.
        Raises :class:`BadRequest` when the body is malformed, too large or too slow.
        """
        parser = self.parser
        if parser.error is not None:
            raise parser.error
        timeouts = self.site.timeouts
        if request.expect_continue:
            request.expect_continue = False
            self.send(CONTINUE)
            self.flush_waiting()
        size = RECV_SIZE
        if request.content_length is not None and (wanted < 0 or wanted > RECV_SIZE):
            left = request.content_length - request.body_bytes
            size = max(RECV_SIZE, left if wanted < 0 else min(wanted, left))
        self.in_app_since = 0.0  # waiting on the client is not time in the application (the --timeout watchdog)
        try:
            data = self.transport.recv(size) if size == RECV_SIZE else self.transport.recv_all(size)
        except TimeoutError:
            raise BadRequest(HTTPStatus.REQUEST_TIMEOUT, f"no request body byte arrived for {timeouts.body:g} s") from None
        except OSError as error:
            raise ClientDisconnected(f"reading the request body failed: {error}") from error
        finally:
            self.in_app_since = monotonic()
        if not data:
            # (half-closed, it may still read the answer the application or the server gives)
            raise BadRequest(HTTPStatus.BAD_REQUEST, f"the client stopped sending before the end of the request body, after {request.body_bytes} bytes")
        parser.feed(data)
        if parser.error is not None and not request.body and not request.complete:
            raise parser.error
        if not request.complete and monotonic() > self.body_clock + timeouts.body + request.body_bytes / timeouts.min_rate:
            raise BadRequest(HTTPStatus.REQUEST_TIMEOUT, f"the request body arrived slower than {timeouts.min_rate:g} bytes a second")

    # --- serving (serving threads) ------------------------------------------------------

    def serve_ready(self) -> Next:
        """Serve the requests whose head has arrived; say what the event loop does next.

        A response the client has not taken yet stops the pipeline: the loop flushes it
        and hands the connection to a thread again for the requests behind it.  So do
        :data:`TURN_REQUESTS` served in a row (a flush of nothing, which the poller
        reports at once): a client that pipelines thousands of requests waits behind
        the others' for the rest, rather than holding the thread that serves it.
        """
        parser = self.parser
        served = 0
        try:
            while parser.ready:
                if served == TURN_REQUESTS:
                    self.flush_started, self.flushed = monotonic(), 0
                    return "flush"
                if served and not parser.ready[0].complete:
                    break  # its body is still to come: the engine has the event loop read it, mostly (not this thread)
                request = parser.ready.pop(0)
                served += 1
                try:
                    reusable = self.serve(request)
                finally:
                    discard_spool(request)
                if not reusable or self.close_after_flush:
                    self.close_after_flush = True
                    break
                if self.outbox:  # the client has not taken this response: the loop flushes it, then the rest is served
                    break
            else:
                if parser.error is not None:  # the request after those just served is broken
                    self.refuse(parser.error, parser.error_method)
        except ClientDisconnected:  # nobody left to answer
            return "close"
        if self.outbox:
            return "flush"
        return "close" if self.close_after_flush else "read"

    def serve(self, request: Request) -> bool:
        """Serve one request; True if the connection can carry another."""
        site = self.site
        access = site.access if site.access is not None and site.access.enabled() else None
        started = monotonic() if access is not None else 0.0
        self.requests_served += 1
        if site.on_request is not None:
            site.on_request()  # may begin a stop, which the response below then announces
        writer = ResponseWriter(request.method, request.version, request.keep_alive and not site.stopping.began)
        if request.path == b"*":  # OPTIONS * asks about the server, not about a resource
            self.send(writer.head("200 OK", [("Content-Length", "0")]), writer.end())
            return writer.keep_alive and self.skip_unread_body(request)
        if not request.complete:  # the body's clock, crediting what arrived already
            self.body_clock = monotonic() - request.body_bytes / site.timeouts.min_rate
        responder = Responder(self, request, writer)
        environ = make_environ(request, self.info, self.client, RequestBody(request, self.receive_body), site.errors)
        if site.forwarded is not None and not FORWARDING_KEYS.isdisjoint(environ):
            apply_forwarding(environ, site.forwarded)
        try:
            result = site.app(environ, responder.start_response)
            try:
                self.send_result(result, responder)
                responder.finish()
            finally:
                close: Callable[[], object] | None = getattr(result, "close", None)
                if close is not None:
                    close()
        except ClientDisconnected:
            raise
        except BadRequest as error:  # a malformed, oversized or stalled body
            if not responder.head_sent:
                self.refuse(error, request.method)
            return False
        except Exception as error:
            if self.failed(request, responder, error) and access is not None:
                access(self._record(request, environ, "500", 0, started, []))
            return False
        finally:
            responder.ended = True  # (also when the application failed: what it writes later is no part of anything)
        if writer.overrun:
            error_log.error("%s %s: the application sent more than its Content-Length; response cut short", request.method, _target(request))
        elif writer.short:
            error_log.error("%s %s: the application sent %d bytes fewer than its Content-Length", request.method, _target(request), writer.short)
        if access is not None:
            access(self._record(request, environ, writer.status[:3], writer.sent, started, responder.headers))
        return writer.keep_alive and (request.complete or self.skip_unread_body(request))

    def send_result(self, result: Iterable[bytes], responder: Responder) -> None:
        if type(result) is FileWrapper and self.send_file_response(result, responder):
            return
        if isinstance(result, list) and type(result) is list and not responder.head_sent and len(result) == 1:  # a subclass may redefine len()
            responder.send_head(len(result[0]), result[0])
            return
        writer = responder.writer
        for data in result:
            if not data:
                continue
            if not responder.head_sent:
                responder.send_head(None, data)
                if writer.no_body:
                    return  # the headers are final; the body is not sent
            else:
                self.send(*writer.body(data))

    def send_file_response(self, wrapper: FileWrapper, responder: Responder) -> bool:
        """Send a file response with ``sendfile``; False when the file does not allow it."""
        filelike: Any = wrapper.filelike
        try:
            descriptor = filelike.fileno()
            info = os.fstat(descriptor)
            offset = filelike.tell() if hasattr(filelike, "tell") else 0
        except (AttributeError, OSError, ValueError):
            return False
        if not stat.S_ISREG(info.st_mode) or not responder.status or responder.head_sent:
            return False
        size = max(info.st_size - offset, 0)
        responder.send_head(size)
        writer = responder.writer
        if writer.no_body:
            return True
        count = size if writer.remaining is None else min(size, writer.remaining)
        writer.sent_file(self.send_file(filelike, offset, count) if count else 0)
        return True

    def failed(self, request: Request, responder: Responder, error: Exception) -> bool:
        """The application raised: 500 if nothing was sent yet (True then); the connection closes."""
        if isinstance(error, WSGIViolation):
            error_log.error("%s %s broke rule %s", request.method, _target(request), error.rule.id, exc_info=error)
        else:
            error_log.error("%s %s failed", request.method, _target(request), exc_info=error)
        self.close_after_flush = True
        if responder.head_sent:
            return False
        if self.site.debug:
            accept = b",".join(value for name, value in request.headers if name.lower() == b"accept").decode("latin-1")
            self.send(debug_response(error, request.method, request.target.decode("latin-1"), accept))
        else:
            self.send(error_response(HTTPStatus.INTERNAL_SERVER_ERROR, "the application failed; see the server's error log", request.method))
        return True

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
            except (BadRequest, ClientDisconnected):  # a response went out already; all that is left is to close
                return False
        body.clear()
        return True

    def _record(self, request: Request, environ: dict[str, Any], status: str, sent: int, started: float,
                response_headers: ResponseHeaders) -> AccessRecord:
        return AccessRecord(self.peer, request.method, request.target.decode("latin-1"), request.version, status, sent,
                            monotonic() - started, request.headers, response_headers, environ)


def _target(request: Request) -> str:
    return repr(request.target.decode("latin-1"))[:200]
