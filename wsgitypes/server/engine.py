"""One server process: an event loop for waiting, a pool of threads for serving.

The loop (the process's main thread) accepts connections and reads request heads
without blocking, so idle keep-alive connections and clients that send their
headers a byte at a time cost a few kilobytes each and no thread.  When a head is
complete the connection goes to a worker thread, which reads the body, calls the
application and writes the response; then it hands the connection back to the loop
(or serves the next pipelined request straight away).

Timeouts (all in seconds, see :class:`Timeouts`): ``keepalive`` for an idle
connection between requests, ``header`` from a request's first byte to the end of
its head (408 after), ``body`` for each wait on the socket while a thread serves a
request, reading the body or writing the response.

:meth:`Engine.drain` (SIGTERM, SIGINT, gunicorn's graceful stop) stops accepting,
closes idle connections, lets requests in flight finish with ``Connection: close``
and returns from :meth:`Engine.run` once they have, or after ``graceful`` seconds.
"""

from __future__ import annotations

import logging
import selectors
import socket
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from queue import SimpleQueue
from time import monotonic
from typing import Any

from wsgitypes.server.connection import RECV_SIZE, Connection, FileWrapper
from wsgitypes.server.environ import ConnectionInfo
from wsgitypes.server.http import BadRequest, Limits
from wsgitypes.types import ErrorStream, WSGIApplication

__all__ = ["Engine", "Timeouts", "close_gracefully"]

log = logging.getLogger("wsgitypes.server")


@dataclass(frozen=True, slots=True)
class Timeouts:
    """How long the server waits on a client; see the module docstring."""

    keepalive: float = 5.0
    header: float = 10.0
    body: float = 30.0
    graceful: float = 30.0
    """How long requests in flight get to finish once a stop is asked for."""


_STOP = None  # put on the work queue once per thread to end it


class Engine:
    """Serves ``app`` on already-listening sockets until :meth:`drain` (see the module docstring)."""

    def __init__(
        self,
        app: WSGIApplication,
        listeners: Sequence[socket.socket],
        *,
        threads: int,
        limits: Limits,
        timeouts: Timeouts,
        errors: ErrorStream,
        multiprocess: bool,
        script_name: str = "",
        url_scheme: str = "http",
        on_tick: Callable[[], object] | None = None,
    ) -> None:
        self.app = app
        self.listeners = list(listeners)
        self.threads = threads
        self.limits = limits
        self.timeouts = timeouts
        self.errors = errors
        self.multiprocess = multiprocess
        self.script_name = script_name
        self.url_scheme = url_scheme
        self.on_tick = on_tick
        """Called at least once a second from the loop (gunicorn's heartbeat)."""
        self.draining = False
        self._selector = selectors.DefaultSelector()
        self._work: SimpleQueue[Connection | None] = SimpleQueue()
        self._returned: deque[tuple[Connection, bool]] = deque()  # from threads: (connection, keep open)
        self._waker, self._wake_signal = socket.socketpair()
        self._idle: dict[Connection, None] = {}  # registered with the selector, in arrival order
        self._busy = 0  # connections a thread is serving
        self._infos: dict[int, ConnectionInfo] = {}

    # --- called from other threads / signal handlers ------------------------------------

    def drain(self) -> None:
        """Ask for a graceful stop; safe from a signal handler or another thread."""
        self.draining = True
        self._wake()

    def _wake(self) -> None:
        try:
            self._wake_signal.send(b"x")
        except OSError:
            pass  # the pipe is full: the loop is awake already

    # --- the loop --------------------------------------------------------------------

    def run(self) -> None:
        selector = self._selector
        self._waker.setblocking(False)
        self._wake_signal.setblocking(False)
        selector.register(self._waker, selectors.EVENT_READ, None)
        for listener in self.listeners:
            listener.setblocking(False)
            selector.register(listener, selectors.EVENT_READ, listener)
        workers = [threading.Thread(target=self._work_loop, name=f"wsgitypes-{n}", daemon=True) for n in range(self.threads)]
        for worker in workers:
            worker.start()
        deadline = None
        next_sweep = monotonic() + 1.0
        try:
            while True:
                for key, _ in selector.select(timeout=1.0):
                    target = key.data
                    if target is None:
                        self._take_returned()
                    elif isinstance(target, Connection):
                        self._readable(target)
                    else:
                        self._accept(target)
                self._take_returned()
                if self.on_tick is not None:
                    self.on_tick()
                now = monotonic()
                if self.draining:
                    if deadline is None:
                        deadline = now + self.timeouts.graceful
                        self._stop_accepting()
                    if not self._busy or now > deadline:
                        break
                if now >= next_sweep:
                    self._expire(now)
                    next_sweep = now + 1.0
        finally:
            for _ in workers:
                self._work.put(_STOP)
            for connection in list(self._idle):
                self._close(connection)
            selector.close()
            self._waker.close()
            self._wake_signal.close()
        if self._busy:
            log.warning("stopped with %d requests still in flight after %.0f s", self._busy, self.timeouts.graceful)

    def _stop_accepting(self) -> None:
        for listener in self.listeners:
            self._selector.unregister(listener)
            listener.close()  # new connections are refused (once every process has closed its copy)
        for connection in list(self._idle):
            if not connection.parser.mid_head:
                self._close(connection)

    def _accept(self, listener: socket.socket) -> None:
        for _ in range(64):  # bounded, so one busy listener cannot starve the rest of the loop
            try:
                sock, address = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:  # out of descriptors, or the client already reset
                log.warning("accept failed: %s", error)
                return
            sock.setblocking(False)
            if sock.family != socket.AF_UNIX:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = Connection(sock, str(address[0]) if address else "-", self, self._info(listener, address), self.errors)
            self._idle[connection] = None
            connection.idle_deadline = monotonic() + self.timeouts.keepalive
            self._selector.register(sock, selectors.EVENT_READ, connection)

    def _info(self, listener: socket.socket, address: Any) -> ConnectionInfo:
        if listener.family != socket.AF_UNIX:
            server: tuple[str, int] = listener.getsockname()[:2]
            client: tuple[str, int] = address[:2]
            return ConnectionInfo(server, client, self.url_scheme, self.script_name, self.multiprocess, self.threads > 1, FileWrapper)
        info = self._infos.get(listener.fileno())
        if info is None:  # a Unix socket: no ports, one info for every connection
            info = self._infos[listener.fileno()] = ConnectionInfo(("localhost", 0), None, self.url_scheme, self.script_name, self.multiprocess, self.threads > 1, FileWrapper)
        return info

    def _readable(self, connection: Connection) -> None:
        try:
            data = connection.sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._close(connection)
            return
        parser = connection.parser
        parser.feed(data)
        if parser.error is not None and not parser.ready:
            connection.sock.settimeout(1.0)  # a short error page; don't wait long on a bad client
            connection.reject(parser.error)
            self._close(connection)
            return
        if parser.ready:
            self._selector.unregister(connection.sock)
            del self._idle[connection]
            self._busy += 1
            connection.sock.settimeout(self.timeouts.body)
            self._work.put(connection)
        elif parser.mid_head and not connection.head_deadline:
            connection.head_deadline = monotonic() + self.timeouts.header

    def _take_returned(self) -> None:
        try:
            self._waker.recv(4096)
        except (BlockingIOError, InterruptedError):
            pass
        returned = self._returned
        now = monotonic()
        while returned:
            connection, keep_open = returned.popleft()
            self._busy -= 1
            if not keep_open:
                continue  # the thread has closed it
            if self.draining and not connection.parser.mid_head:
                close_gracefully(connection.sock)
                continue
            connection.sock.settimeout(0.0)
            connection.idle_deadline = now + self.timeouts.keepalive
            connection.head_deadline = now + self.timeouts.header if connection.parser.mid_head else 0.0
            self._idle[connection] = None
            self._selector.register(connection.sock, selectors.EVENT_READ, connection)

    def _expire(self, now: float) -> None:
        for connection in list(self._idle):
            if connection.head_deadline and now > connection.head_deadline:
                connection.sock.settimeout(1.0)
                connection.reject(BadRequest(HTTPStatus.REQUEST_TIMEOUT, f"the request head did not arrive within {self.timeouts.header:g} s"))
                self._close(connection)
            elif not connection.head_deadline and now > connection.idle_deadline:
                self._close(connection)

    def _close(self, connection: Connection) -> None:
        if connection in self._idle:
            del self._idle[connection]
            self._selector.unregister(connection.sock)
        close_gracefully(connection.sock)

    # --- worker threads ----------------------------------------------------------------

    def _work_loop(self) -> None:
        work, returned = self._work, self._returned
        while (connection := work.get()) is not None:
            try:
                keep_open = connection.serve_ready()
            except Exception:  # a bug of ours; keep the thread and the other connections alive
                log.exception("internal error serving %s", connection.peer)
                keep_open = False
            if not keep_open:
                close_gracefully(connection.sock)
            returned.append((connection, keep_open))
            self._wake()


def close_gracefully(sock: socket.socket) -> None:
    """Close so that the last response still arrives.

    Closing with unread request bytes makes the kernel send a reset, which can
    destroy a response the client has not read yet (a 400, say); so shut down our
    side first and read what is already queued.
    """
    if sock.fileno() < 0:
        return
    try:
        sock.shutdown(socket.SHUT_WR)
        sock.setblocking(False)
        for _ in range(16):
            if not sock.recv(RECV_SIZE):
                break
    except OSError:
        pass
    sock.close()

