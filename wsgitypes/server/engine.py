"""One server process: an event loop for waiting, threads for serving.

The loop accepts connections, reads request heads and whole bodies (in memory, or in
a temporary file when large: :mod:`~wsgitypes.server.spool`), writes error answers and
flushes what slow readers have not taken yet, so idle keep-alive connections, clients
that send their request a byte at a time, clients that send a body slowly and clients
that read slowly cost a descriptor and the bytes they sent or are sent, and no thread.
(A body sent after ``Expect: 100-continue`` is read by the thread serving it, since the
application first agrees to it with its first read, which sends the 100, unless half
the threads wait on clients already; so is one the files' budget cannot take.)  The loop
never waits on one client: every send it makes is non-blocking.

A ready request whose body has arrived is served by the loop's own thread, while
requests are quick; otherwise, and when its body is still to come, it is queued for
the pool.  Which thread runs the loop, and when another takes it over, is
:mod:`~wsgitypes.server.crew`'s business; this module runs whichever turn it is given,
and :meth:`Engine.run`'s own thread only waits.  A thread serving a connection calls
the application, writes the response, serves any request pipelined behind it once the
client has taken the response before it (so a client that pipelines and never reads
holds a thread for one response at most), and hands the connection back
(:data:`~wsgitypes.server.connection.Next`): to be read again, to have its unsent bytes
flushed, or to be closed.  The poller is one-shot (:mod:`~wsgitypes.server.poller`), so
the loop and a pool thread never use one socket at once.

How bytes move, plain or TLS, is the connection's :mod:`~wsgitypes.server.transport`'s
business: the loop only ever tries, threads wait at most ``Timeouts.body`` each time.
A TLS handshake is done by the loop, step by step, within ``Timeouts.header``.

Faults it survives:

* **Out of file descriptors** (EMFILE, ENFILE) or memory at ``accept``: the listeners
  are set aside for a back-off that doubles from 0.05 s to 2 s, one warning is logged
  for the episode (and one line when it ends), and the connections already open are
  served meanwhile.
* **Overload**: at most ``Limits.max_queued`` requests wait for a thread; beyond, the
  loop answers 503 with ``Retry-After`` and closes.
* **A hung application**: a request that hangs the loop's thread is taken over from
  within :data:`~wsgitypes.server.crew.TAKEOVER_AFTER`; when every seat in the
  application has been held for ``Timeouts.app`` seconds while requests wait, the
  engine logs where each thread is stuck and returns :data:`EXIT_STUCK`, so that the
  supervisor replaces the process.
* **No thread can start** (a limit on threads or memory: ``ulimit -u`` or ``-v``, a
  container's pids limit): at start, :meth:`Engine.run` logs one line and returns
  :data:`EXIT_NO_THREADS`.  Later, when a takeover cannot start the next standby, the
  loop goes on without one, every request going to the pool, and starts one again once
  a thread can start (tried once a second; a warning when it begins, a line when it ends).

With ``max_requests`` (``--max-requests``), the request that reaches the count begins
a drain (it and every response after it carry ``Connection: close``) and calls
``on_retire``, so that the supervisor starts the replacement while this process
finishes what it has.

:meth:`Engine.drain` (SIGTERM, SIGINT, SIGQUIT, gunicorn's graceful stop) stops accepting,
closes idle connections, lets requests in flight finish with ``Connection: close``
and returns from :meth:`Engine.run` once they have, or after ``Timeouts.graceful``.
"""

from __future__ import annotations

import errno
import logging
import socket
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from http import HTTPStatus
from time import monotonic
from typing import TYPE_CHECKING, Any

from wsgitypes.server.accesslog import AccessLog, AccessSink
from wsgitypes.server.connection import RECV_SIZE, ClientDisconnected, Connection, Next, Site, Stopping
from wsgitypes.server.crew import Crew
from wsgitypes.server.environ import ConnectionInfo
from wsgitypes.server.poller import READ, WRITE, Engine as PollerChoice, Poller, make_poller
from wsgitypes.server.process import AF_UNIX
from wsgitypes.server.proxy import TrustedProxies
from wsgitypes.server.request import BadRequest, Request
from wsgitypes.server.response import CONTINUE, error_response
from wsgitypes.server.settings import Limits, Timeouts
from wsgitypes.server.spool import BodyBudget, discard_spool, keep_body
from wsgitypes.server.streams import FileWrapper
from wsgitypes.server.transport import open_transport
from wsgitypes.types import ErrorStream, WSGIApplication

if TYPE_CHECKING:
    import ssl

__all__ = ["EXIT_NO_THREADS", "EXIT_STUCK", "Engine", "close_gracefully"]

log = logging.getLogger("wsgitypes.server")

EXIT_STUCK = 3
"""What :meth:`Engine.run` returns when the application hung every thread."""
EXIT_NO_THREADS = 4
"""What :meth:`Engine.run` returns when its threads could not be started."""
_OUT_OF_RESOURCES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}
_BACKOFF_FIRST, _BACKOFF_MAX = 0.05, 2.0
_SIGNAL_LATENCY = 0.25  # how long the waiting thread may leave a signal's handler unrun (gunicorn's restart system calls)
_BODY_RECV = 1 << 20  # the most of a request body the loop receives at once
_FRESH_GRACE = 2.0  # when a drain begins, how long a connection without a request yet may take to send one


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
        poller: PollerChoice = "auto",
        tls: ssl.SSLContext | None = None,
        forwarded: TrustedProxies | None = None,
        on_tick: Callable[[], object] | None = None,
        access: AccessSink | None = AccessLog(),
        debug: bool = False,
        max_requests: int = 0,
        on_retire: Callable[[], object] | None = None,
    ) -> None:
        self.site = Site(app, limits, timeouts, errors, Stopping(), forwarded, access, debug,
                         self._count_request if max_requests else None)
        self.tls = tls
        self.max_requests = max_requests
        """Requests this process serves before it retires (0: no limit)."""
        self.on_retire = on_retire
        """Called once when the ``max_requests``-th request begins (from the serving thread)."""
        self._served = 0
        self._served_lock = threading.Lock()
        self.listeners = {listener.fileno(): listener for listener in listeners}
        self.threads = threads
        self.multiprocess = multiprocess
        self.script_name = script_name
        self.url_scheme = url_scheme
        self.on_tick = on_tick
        """Called about once a second from the loop (heartbeats)."""
        self._poller: Poller = make_poller(poller)
        self._connections: dict[int, Connection] = {}  # by file descriptor
        self._infos: dict[int, ConnectionInfo] = {}
        self._crew: Crew[Connection] = Crew(threads, self._poller.hand_to)
        self._serving: dict[int, Connection] = {}  # by thread ident: the connections being served
        self._body_budget = BodyBudget(limits)
        self._events: deque[tuple[int, int]] = deque()  # what the last poll reported, not handled yet
        self._loop_threads = 0  # started so far (their names' numbers)
        self._standby_missing_since = 0.0  # when a standby could not be started; 0 while there is one
        self._finished = threading.Event()
        self._outcome = 0
        self._failure: BaseException | None = None
        self._drain_deadline: float | None = None
        self._spare_fresh_until = 0.0
        self._next_sweep = 0.0  # (the first turn sweeps: the first heartbeat goes out at once)
        self._accept_paused_until = 0.0
        self._backoff = 0.0
        self._accept_failures = 0
        self._episode_began = 0.0

    @property
    def draining(self) -> bool:
        return self.site.stopping.began

    # --- called from other threads / signal handlers ------------------------------------

    def drain(self) -> None:
        """Ask for a graceful stop; safe from a signal handler or another thread (it takes no lock)."""
        self.site.stopping.began = True
        self._poller.wake()

    def _count_request(self) -> None:
        with self._served_lock:
            self._served += 1
            last = self._served == self.max_requests
            if last:
                self.site.stopping.began = True  # at once: no connection is accepted from here on, however long the rest takes
        if last:
            self.drain()
            if self.on_retire is not None:
                self.on_retire()
            log.info("request %d began (--max-requests): retiring this worker once it is done", self.max_requests)

    # --- the loop --------------------------------------------------------------------

    def run(self) -> int:
        """Serve until drained (0), until the application hung every thread (:data:`EXIT_STUCK`),
        or not at all when the threads cannot be started (:data:`EXIT_NO_THREADS`).

        The calling thread only waits: the loop runs on a thread of its own, which a standby
        takes over from when it is held up serving (:mod:`~wsgitypes.server.crew`), so
        that a thread held up in the application never keeps this one from returning.
        """
        for descriptor, listener in self.listeners.items():
            listener.setblocking(False)
            self._poller.add_lasting(descriptor)
        try:
            for n in range(self.threads):
                threading.Thread(target=self._work_loop, name=f"wsgitypes-{n}", daemon=True).start()
            self._start_loop_thread()
        except RuntimeError as error:  # ("can't start new thread")
            log.error("cannot start the server's threads (%s): a limit on threads or memory (ulimit -u or -v, "
                      "a container's pids limit) leaves too little room for --threads %d and 2 more", error, self.threads)
            self._end()  # (the pool threads that did start return, and the poller is closed)
            return EXIT_NO_THREADS
        while not self._finished.wait(_SIGNAL_LATENCY):
            pass  # (Python runs signal handlers on this thread, between waits where signals do not interrupt one)
        if self._failure is not None:
            raise self._failure
        return self._outcome

    def _start_loop_thread(self) -> None:
        """Start a thread that runs the loop, or stands by to take it over (see :mod:`~wsgitypes.server.crew`)."""
        self._loop_threads += 1
        threading.Thread(target=self._take_turns, name=f"wsgitypes-loop-{self._loop_threads}", daemon=True).start()

    def _take_turns(self) -> None:
        """Stand by, take the loop when it is this thread's turn, and run it until taken over or ended."""
        try:
            if self._crew.stand_by():
                self._start_standby()
                self._lead()
        except BaseException as error:  # a bug of ours: end the engine with it rather than hang
            self._failure = error
            self._end()

    def _start_standby(self) -> None:
        """Start the thread that stands by to take the loop over; without one (no thread can
        start), no request is served inline, so the loop never waits on one."""
        try:
            self._start_loop_thread()
        except RuntimeError as error:
            if not self._standby_missing_since:
                self._standby_missing_since = monotonic()
                log.warning("cannot start a thread (%s): every request goes to the pool until one can start", error)
            return
        if self._standby_missing_since:
            log.warning("a thread started again after %.1f s: quick requests are served inline again", monotonic() - self._standby_missing_since)
            self._standby_missing_since = 0.0

    def _lead(self) -> None:
        """Run the loop until it ends, or until the standby took it over while this thread served."""
        poller, crew, events = self._poller, self._crew, self._events
        listeners, connections = self.listeners, self._connections
        while crew.loop_thread == threading.get_ident():
            if not events:
                wait = 1.0 if not self._accept_paused_until else max(0.0, min(1.0, self._accept_paused_until - monotonic()))
                events.extend(poller.poll(wait))
            while events:  # (shared: a thread taking the loop over handles what is left of the batch)
                descriptor, mask = events.popleft()
                connection = connections.get(descriptor)
                if connection is not None:
                    if mask == WRITE:
                        self._writable(connection)
                    else:
                        self._readable(connection)
                    if crew.loop_thread != threading.get_ident():
                        return
                elif descriptor in listeners:
                    self._accept(listeners[descriptor])
                elif descriptor == poller.wake_fd:
                    poller.woken()
            if self._turn_ended(monotonic()):
                self._end()
                return

    def _turn_ended(self, now: float) -> bool:
        """What the loop does once a turn: heartbeats, accepting again, draining, timeouts; True to end."""
        if self._accept_paused_until and now >= self._accept_paused_until and not self.draining:
            self._resume_accepting()
        if self.draining:
            if self._drain_deadline is None:
                self._drain_deadline = now + self.site.timeouts.graceful
                self._spare_fresh_until = now + _FRESH_GRACE
                self._stop_accepting()
            busy = self._close_idle(self._spare_fresh_until)
            if not busy or now > self._drain_deadline:
                return True
        if now >= self._next_sweep:
            if self.on_tick is not None:
                self.on_tick()  # (not every turn: a heartbeat costs system calls, a turn may be one request)
            self._expire(now)
            self._next_sweep = now + 1.0
            if self._standby_missing_since:
                self._start_standby()
            if self._stuck(now):
                self._outcome = EXIT_STUCK
                return True
        return False

    def _end(self) -> None:
        """Stop the pool and the standby, close what is idle, and let :meth:`run` return."""
        try:
            if self._outcome == EXIT_STUCK:
                self._refuse_queued()
            self._crew.finish()
            busy = self._close_idle()
            self._poller.close()
            if busy and self._outcome != EXIT_STUCK and self._failure is None:
                log.warning("stopped with %d requests still in flight after %.0f s", busy, self.site.timeouts.graceful)
        finally:
            self._finished.set()

    def _stop_accepting(self) -> None:
        for descriptor, listener in self.listeners.items():
            self._poller.forget(descriptor)
            listener.close()  # new connections are refused (once every process has closed its copy)

    def _close_idle(self, spare_fresh_until: float = 0.0) -> int:
        """Close the connections no thread is serving (draining); returns how many are busy.

        Until ``spare_fresh_until``, a connection that has carried no request yet, or is
        in the middle of its first head, is spared and counted busy: it was accepted
        just before the stop and its request is on the way (closing it would fail a
        request the client had every reason to send).  An idle keep-alive connection is
        closed at once, which RFC 9112 §9.3.1 lets a client retry on a new one.
        """
        busy = 0
        fresh_spared = monotonic() < spare_fresh_until
        for connection in list(self._connections.values()):
            if connection.busy or connection.waiting == "body":  # (a request whose body the loop is reading is in flight)
                busy += 1
            elif fresh_spared and not connection.requests_served and not connection.outbox:
                busy += 1
            elif not connection.parser.mid_head and not connection.outbox:
                self._close(connection)
        return busy

    # --- accepting ---------------------------------------------------------------------

    def _accept(self, listener: socket.socket) -> None:
        if self.draining:
            return  # the listeners close at the end of this turn of the loop; other processes take what waits
        # Bounded, so one busy listener cannot starve the rest of the loop; and one at a time
        # where other processes share the listener: a worker serving requests inline comes
        # back to accept only between them, so a burst of connections spreads over the
        # workers instead of all landing on whichever woke first.
        for _ in range(1 if self.multiprocess else 64):
            try:
                sock, address = listener.accept()
            except (BlockingIOError, InterruptedError):
                break
            except OSError as error:
                if error.errno in _OUT_OF_RESOURCES:
                    self._pause_accepting(error)
                    return
                continue  # the client reset before we took it: take the next
            self._open(listener, sock, address)
        if self._episode_began:
            log.warning("accepting connections again after %.1f s (%d refused accepts)", monotonic() - self._episode_began, self._accept_failures)
            self._episode_began, self._backoff, self._accept_failures = 0.0, 0.0, 0

    def _open(self, listener: socket.socket, sock: socket.socket, address: Any) -> None:
        if sock.family != AF_UNIX:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client = ("", "0") if sock.family == AF_UNIX else (str(address[0]), str(address[1]))

        try:
            transport = open_transport(sock, self.site.timeouts.body, self.tls)
        except OSError as error:
            log.info("%s: %s", client[0], error)
            sock.close()
            return
        connection = Connection(transport, client, self.site, self._info(listener))
        connection.deadline = monotonic() + (self.site.timeouts.header if self.tls else self.site.timeouts.keepalive)
        if self.tls is not None:
            connection.waiting = "handshake"
        self._connections[connection.fd] = connection
        self._poller.add(connection.fd)

    def _pause_accepting(self, error: OSError) -> None:
        """Out of descriptors or memory: stop watching the listeners for a while (see the module docstring)."""
        self._accept_failures += 1
        if not self._episode_began:
            self._episode_began = monotonic()
            log.warning("cannot accept connections (%s); serving the %d open ones, retrying with back-off", error.strerror, len(self._connections))
        self._backoff = min(_BACKOFF_MAX, self._backoff * 2 or _BACKOFF_FIRST)
        self._accept_paused_until = monotonic() + self._backoff
        for descriptor in self.listeners:
            self._poller.forget(descriptor)

    def _resume_accepting(self) -> None:
        self._accept_paused_until = 0.0
        for descriptor in self.listeners:
            self._poller.add_lasting(descriptor)

    def _info(self, listener: socket.socket) -> ConnectionInfo:
        info = self._infos.get(listener.fileno())
        if info is None:
            server: tuple[str, int] = listener.getsockname()[:2] if listener.family != AF_UNIX else ("localhost", 0)
            info = self._infos[listener.fileno()] = ConnectionInfo(server, self.url_scheme, self.script_name, self.multiprocess, self.threads > 1, FileWrapper)
        return info

    # --- reading and writing in the loop (never waiting) ------------------------------------

    def _readable(self, connection: Connection) -> None:
        if connection.waiting == "handshake":
            self._handshake(connection)
            return
        transport = connection.transport
        size = RECV_SIZE
        if connection.waiting == "body" and self.tls is None and (length := connection.parser.ready[0].content_length):
            # the rest of a body, at most a megabyte at once: one call and one copy where it has
            # arrived (not under TLS, where a call returns one record, 16 KiB at most)
            size = max(RECV_SIZE, min(length - connection.parser.ready[0].body_bytes, _BODY_RECV))
        try:
            data = transport.recv_nowait(size)  # (a TLS record is at most 16 KiB: nothing is left decrypted)
        except (BlockingIOError, InterruptedError):
            self._poller.watch(connection.fd, READ)
            return
        except OSError:  # (reset: nobody to answer)
            self._close(connection)
            return
        parser = connection.parser
        if not data:  # the client is done sending: a request it left unfinished is malformed, and told so
            if parser.mid_head or connection.waiting == "body":
                part = "head" if parser.mid_head else "body"
                self._refuse(connection, BadRequest(HTTPStatus.BAD_REQUEST, f"the client stopped sending before the end of the request {part}"))
            else:
                self._close(connection)
            return
        parser.feed(data)
        if parser.ready:
            request = parser.ready[0]
            if parser.error is not None and not request.complete and len(parser.ready) == 1:
                self._forget_bodies(connection)  # its body is broken: refused before the application sees it
                parser.ready.pop()
                self._refuse(connection, parser.error)
                return
            self._take_body(connection, request)
        elif parser.error is not None:
            self._refuse(connection, parser.error)
        else:
            if parser.mid_head and connection.waiting != "head":  # a head began: its clock starts
                connection.waiting = "head"
                connection.deadline = monotonic() + self.site.timeouts.header
            self._poller.watch(connection.fd, READ)

    def _buffers(self, request: Request, connection: Connection) -> bool:
        """Whether the loop reads the rest of this request's body itself before a thread takes it
        (after ``Expect: 100-continue``, only when threads wait on clients: it then sends the 100)."""
        timeouts = self.site.timeouts
        if request.expect_continue:
            if not self._threads_wait_on_clients():
                return False  # the application decides whether the body is wanted (100 on its first read)
            # A thread taking it would wait on this client too: agree to the body here, as
            # PEP 3333 also allows, so clients that send slowly after 100 hold no thread.
            request.expect_continue = False
            try:
                connection.send(CONTINUE)
            except ClientDisconnected:
                pass  # (gone: the next read finds out)
        if self.draining:  # (a thread reads it, so the request is in flight and finishes within the graceful timeout)
            return False
        if connection.waiting != "body":  # the head just completed: the body's clock starts
            connection.waiting = "body"
            connection.body_clock = monotonic()
        connection.deadline = connection.body_clock + timeouts.body + request.body_bytes / timeouts.min_rate
        return True

    def _threads_wait_on_clients(self) -> bool:
        """Whether half the threads (at least one) wait on clients: a body, or a response being taken."""
        waiting = sum(1 for connection in list(self._serving.values()) if not connection.in_app_since)
        return waiting >= max(1, self.threads // 2)

    def _take_body(self, connection: Connection, request: Request) -> None:
        """The next request has its head (any thread): read the rest of its body in the
        loop, or have a thread serve it now."""
        reads_more = not request.complete and connection.parser.error is None and self._buffers(request, connection)
        kept = self._keep_body(connection, request, last=not reads_more) if request.body_bytes else True
        if kept is None:
            return  # no room for it: refused
        if reads_more and kept:
            connection.busy = False  # (the loop's from here on)
            self._poller.watch(connection.fd, READ)
        else:
            self._dispatch(connection)

    def _keep_body(self, connection: Connection, request: Request, last: bool) -> bool | None:
        """Keep what arrived of the body of the request the loop is reading (see
        :mod:`~wsgitypes.server.spool`): True if kept, False if a thread is to read the
        rest, None when there is no room for it, and it was refused."""
        try:
            kept = keep_body(request, connection.body_held, self.site.limits, self._body_budget, last)
        except OSError as error:
            log.error("%s: no room for a request body: %s", connection.peer, error)
            self._forget_bodies(connection)
            connection.parser.ready.clear()
            self._refuse(connection, BadRequest(HTTPStatus.SERVICE_UNAVAILABLE, "the server has no room for the request body"))
            return None
        if kept is None:
            return False
        connection.body_held = kept
        return True

    def _release_body(self, connection: Connection) -> None:
        """The loop no longer holds ``connection``'s body: out of its budget."""
        if connection.body_held != (0, 0):
            self._body_budget.give_back(*connection.body_held)
            connection.body_held = (0, 0)

    def _forget_bodies(self, connection: Connection) -> None:
        """Give back the memory and files the loop holds for ``connection``'s request bodies."""
        self._release_body(connection)
        for request in connection.parser.ready:
            discard_spool(request)

    def _handshake(self, connection: Connection) -> None:
        """One step of a TLS handshake, in the loop; a failed one just closes."""
        try:
            wanted = connection.transport.handshake()
        except (OSError, ValueError) as error:  # (ssl.SSLError is an OSError)
            log.debug("%s: TLS handshake failed: %s", connection.peer, error)
            self._close(connection)
            return
        if wanted:
            self._poller.watch(connection.fd, wanted)
            return
        connection.waiting = "idle"
        connection.deadline = monotonic() + self.site.timeouts.keepalive
        self._readable(connection)  # the client may have sent its request with the last handshake bytes

    def _writable(self, connection: Connection) -> None:
        """Send what the client has not taken yet; then read, serve, or close."""
        if connection.waiting == "handshake":
            self._handshake(connection)
            return
        try:
            if connection.outbox:  # (none when the connection only gave the others their turn)
                connection.flush_some(connection.transport.send_nowait)
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            self._close(connection)
            return
        if connection.outbox:
            connection.deadline = connection.flush_deadline(self.site.timeouts)
            self._poller.watch(connection.fd, WRITE)
        elif connection.close_after_flush:
            self._close(connection)
        else:
            self._next(connection, "read")

    def _refuse(self, connection: Connection, error: BadRequest) -> None:
        connection.refuse(error, connection.parser.error_method)  # a parse error or a timeout: HEAD gets no body
        self._next(connection, "flush" if connection.outbox else "close")

    def _dispatch(self, connection: Connection) -> None:
        if self._crew.queued >= self.site.limits.max_queued:
            log.warning("%s: 503, %d requests already wait for a thread", connection.peer, self._crew.queued)
            self._overloaded(connection)
            return
        connection.busy = True
        # A body still to come is read by a thread waiting on the socket: never by the loop.
        began = monotonic()
        if connection.parser.ready[0].complete and self._crew.begin_inline(began):
            try:
                step = self._serve(connection, began)
            finally:
                self._crew.end_inline()
            self._next(connection, step)
        else:
            self._crew.queue(connection)

    def _overloaded(self, connection: Connection) -> None:
        connection.close_after_flush = True
        method = connection.parser.ready[0].method if connection.parser.ready else None
        try:
            connection.send(error_response(HTTPStatus.SERVICE_UNAVAILABLE, "the server is overloaded; try again", method, "Retry-After: 1\r\n"))
        except OSError:
            pass
        self._next(connection, "flush" if connection.outbox else "close")

    def _next(self, connection: Connection, step: Next) -> None:
        """Hand ``connection`` on: wait for its next request, flush it, or close it (any thread)."""
        timeouts = self.site.timeouts
        if step == "close":
            self._close(connection)
            return
        if step == "flush":
            connection.waiting = "flush"
            connection.deadline = connection.flush_deadline(timeouts)
            connection.busy = False
            self._poller.watch(connection.fd, WRITE)
            return
        if connection.parser.ready:  # pipelined requests, left to be served once the response before them was flushed
            self._take_body(connection, connection.parser.ready[0])
            return
        if connection.parser.error is not None:  # and what followed them is broken
            self._refuse(connection, connection.parser.error)
            return
        connection.waiting = "head" if connection.parser.mid_head else "idle"
        connection.deadline = monotonic() + (timeouts.header if connection.waiting == "head" else timeouts.keepalive)
        connection.busy = False  # from here on the loop may expire or close it
        self._poller.watch(connection.fd, READ)

    def _expire(self, now: float) -> None:
        timeouts = self.site.timeouts
        for connection in list(self._connections.values()):
            if connection.busy or now <= connection.deadline:
                continue
            if connection.waiting == "head":
                self._refuse(connection, BadRequest(HTTPStatus.REQUEST_TIMEOUT, f"the request head did not arrive within {timeouts.header:g} s"))
            elif connection.waiting == "handshake":
                self._close(connection)
            elif connection.waiting == "body":
                self._refuse(connection, BadRequest(HTTPStatus.REQUEST_TIMEOUT, f"the request body arrived slower than {timeouts.min_rate:g} bytes a second"))
            else:  # idle past keep-alive, or a reader too slow to take its response
                self._close(connection)

    def _stuck(self, now: float) -> bool:
        """Every thread in the application for ``Timeouts.app`` seconds, with requests waiting."""
        limit = self.site.timeouts.app
        if not limit or not self._crew.queued:
            return False
        # A thread waiting on a slow client is not stuck: the body and reader rates bound that wait.
        serving = list(self._serving.values())
        if len(serving) < self.threads or not all(c.in_app_since and now - c.in_app_since > limit for c in serving):
            return False
        frames = sys._current_frames()  # pyright: ignore[reportPrivateUsage]  # the documented way to see other threads' stacks
        stacks: list[str] = []
        for thread in threading.enumerate():
            if thread.ident in self._serving and thread.ident in frames:
                stacks.append(f"{thread.name}:\n{''.join(traceback.format_stack(frames[thread.ident]))}")
        log.error("every thread has been in the application for more than %g s and %d requests wait: replacing this worker. "
                  "Where the threads are:\n%s", limit, self._crew.queued, "\n".join(stacks))
        return True

    def _refuse_queued(self) -> None:
        """Answer the requests still waiting for a thread with 503 (best effort: the process is going)."""
        for connection in self._crew.unqueue_all():
            connection.busy = False
            self._overloaded(connection)

    def _close(self, connection: Connection) -> None:
        """Forget and close a connection (closing it also takes it out of the poller)."""
        self._connections.pop(connection.fd, None)
        self._poller.forget(connection.fd)
        self._forget_bodies(connection)
        close_gracefully(connection.sock)

    # --- serving threads --------------------------------------------------------------

    def _work_loop(self) -> None:
        crew = self._crew
        while (connection := crew.take()) is not None:
            try:
                step = self._serve(connection, monotonic())
            finally:
                crew.done()
            self._next(connection, step)

    def _serve(self, connection: Connection, now: float) -> Next:
        """Serve ``connection``'s ready requests on this thread; what its next step is."""
        me = threading.get_ident()
        self._release_body(connection)  # the application has the body now (a queued one still counted)
        connection.in_app_since = now
        self._serving[me] = connection
        try:
            step = connection.serve_ready()
        except Exception:  # a bug of ours; keep the thread and the other connections alive
            log.exception("internal error serving %s", connection.peer)
            step = "close"
        del self._serving[me]
        connection.in_app_since = 0.0
        return "close" if self.draining and step == "read" else step


def close_gracefully(sock: socket.socket) -> None:
    """Close so that the last response still arrives.

    Closing with unread request bytes makes the kernel send a reset, which can
    destroy a response the client has not read yet (a 400, say); so shut down our
    side first and read what is already queued, without waiting for more.
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
