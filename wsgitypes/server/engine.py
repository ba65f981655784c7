"""One server process: an event loop for waiting, a pool of threads for serving.

The loop (the process's main thread) accepts connections and reads request heads, so
idle keep-alive connections and clients that send their headers a byte at a time
cost a few kilobytes each and no thread.  When a head is complete the connection goes
to a worker thread, which reads the body, calls the application and writes the
response, serves any request pipelined behind it, and re-arms the connection in the
loop's epoll set itself.  Each connection is registered once, one-shot: epoll reports
it once and then stays silent until it is re-armed, so loop and threads never read
the same socket and a connection changes hands without any message between them.

Sockets stay blocking, with the kernel's send and receive timeouts set to the body
timeout: a thread reading a body or writing a response waits in ``recv``/``send``
directly, and a client that stalls longer gets an error there.

Timeouts (seconds, see :class:`Timeouts`): ``keepalive`` for an idle connection
between requests, ``header`` from a request's first byte to the end of its head
(408 after), ``body`` for each wait on the socket while a thread serves a request.

:meth:`Engine.drain` (SIGTERM, SIGINT, gunicorn's graceful stop) stops accepting,
closes idle connections, lets requests in flight finish with ``Connection: close``
and returns from :meth:`Engine.run` once they have, or after ``graceful`` seconds.
The engine needs Linux (epoll).
"""

from __future__ import annotations

import logging
import select
import socket
import struct
import threading
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
_ARMED = select.EPOLLIN | select.EPOLLONESHOT if hasattr(select, "epoll") else 0


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
        if not hasattr(select, "epoll"):
            raise RuntimeError("the wsgitypes server needs Linux (epoll)")
        self.app = app
        self.listeners = {listener.fileno(): listener for listener in listeners}
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
        self._epoll = select.epoll()
        self._work: SimpleQueue[Connection | None] = SimpleQueue()
        self._waker, self._wake_signal = socket.socketpair()
        self._connections: dict[int, Connection] = {}  # by file descriptor
        self._infos: dict[int, ConnectionInfo] = {}
        self._socket_timeout = struct.pack("ll", int(timeouts.body), int(timeouts.body % 1 * 1e6))

    # --- called from other threads / signal handlers ------------------------------------

    def drain(self) -> None:
        """Ask for a graceful stop; safe from a signal handler or another thread."""
        self.draining = True
        try:
            self._wake_signal.send(b"x")
        except OSError:
            pass  # the pipe is full: the loop is awake already

    # --- the loop --------------------------------------------------------------------

    def run(self) -> None:
        epoll = self._epoll
        self._waker.setblocking(False)
        self._wake_signal.setblocking(False)
        waker = self._waker.fileno()
        epoll.register(waker, select.EPOLLIN)
        for descriptor, listener in self.listeners.items():
            listener.setblocking(False)
            epoll.register(descriptor, select.EPOLLIN)
        workers = [threading.Thread(target=self._work_loop, name=f"wsgitypes-{n}", daemon=True) for n in range(self.threads)]
        for worker in workers:
            worker.start()
        listeners, connections = self.listeners, self._connections
        deadline = None
        next_sweep = monotonic() + 1.0
        try:
            while True:
                for descriptor, _ in epoll.poll(1.0):
                    connection = connections.get(descriptor)
                    if connection is not None:
                        self._readable(connection)
                    elif descriptor in listeners:
                        self._accept(listeners[descriptor])
                    elif descriptor == waker:
                        self._waker.recv(4096)
                if self.on_tick is not None:
                    self.on_tick()
                now = monotonic()
                if self.draining:
                    if deadline is None:
                        deadline = now + self.timeouts.graceful
                        self._stop_accepting()
                    busy = self._close_idle()
                    if not busy or now > deadline:
                        break
                if now >= next_sweep:
                    self._expire(now)
                    next_sweep = now + 1.0
        finally:
            for _ in workers:
                self._work.put(_STOP)
            busy = self._close_idle()
            epoll.close()
            self._waker.close()
            self._wake_signal.close()
        if busy:
            log.warning("stopped with %d requests still in flight after %.0f s", busy, self.timeouts.graceful)

    def _stop_accepting(self) -> None:
        for descriptor, listener in self.listeners.items():
            self._epoll.unregister(descriptor)
            listener.close()  # new connections are refused (once every process has closed its copy)

    def _close_idle(self) -> int:
        """Close the connections no thread is serving (draining); returns how many are busy."""
        busy = 0
        for connection in list(self._connections.values()):
            if connection.busy:
                busy += 1
            elif not connection.parser.mid_head:
                self._close(connection)
        return busy

    def _accept(self, listener: socket.socket) -> None:
        for _ in range(64):  # bounded, so one busy listener cannot starve the rest of the loop
            try:
                sock, address = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:  # out of descriptors, or the client already reset
                log.warning("accept failed: %s", error)
                return
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, self._socket_timeout)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, self._socket_timeout)
            if sock.family != socket.AF_UNIX:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = Connection(sock, str(address[0]) if address else "-", self, self._info(listener, address), self.errors)
            connection.idle_deadline = monotonic() + self.timeouts.keepalive
            self._connections[connection.fd] = connection
            self._epoll.register(connection.fd, _ARMED)

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
            data = connection.sock.recv(RECV_SIZE)  # epoll said readable: this does not wait
        except OSError:
            data = b""
        if not data:
            self._close(connection)
            return
        parser = connection.parser
        parser.feed(data)
        if parser.ready:
            connection.busy = True
            self._work.put(connection)
        elif parser.error is not None:
            connection.reject(parser.error)
            self._close(connection)
        else:
            if parser.mid_head and not connection.head_deadline:
                connection.head_deadline = monotonic() + self.timeouts.header
            self._epoll.modify(connection.fd, _ARMED)

    def _expire(self, now: float) -> None:
        for connection in list(self._connections.values()):
            if connection.busy:
                continue
            if connection.head_deadline and now > connection.head_deadline:
                connection.reject(BadRequest(HTTPStatus.REQUEST_TIMEOUT, f"the request head did not arrive within {self.timeouts.header:g} s"))
                self._close(connection)
            elif not connection.head_deadline and now > connection.idle_deadline:
                self._close(connection)

    def _close(self, connection: Connection) -> None:
        """Forget and close a connection (closing it also takes it out of the epoll set)."""
        self._connections.pop(connection.fd, None)
        close_gracefully(connection.sock)

    # --- worker threads ----------------------------------------------------------------

    def _work_loop(self) -> None:
        work = self._work
        while (connection := work.get()) is not None:
            try:
                keep_open = connection.serve_ready()
            except Exception:  # a bug of ours; keep the thread and the other connections alive
                log.exception("internal error serving %s", connection.peer)
                keep_open = False
            if not keep_open or self.draining:
                self._close(connection)
                continue
            now = monotonic()
            connection.idle_deadline = now + self.timeouts.keepalive
            connection.head_deadline = now + self.timeouts.header if connection.parser.mid_head else 0.0
            connection.busy = False  # from here on the loop may expire or close it
            try:
                self._epoll.modify(connection.fd, _ARMED)
            except OSError:
                pass  # the loop closed it meanwhile (a stop began)


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

