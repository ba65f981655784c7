"""Our server under load, with real sockets on 127.0.0.1 (issue 4).

Each test starts ``python -m wsgitypes serve tests.apps.serving:app`` as a subprocess
(:mod:`harness`) and talks to it over TCP:

* :func:`test_random_uploads_and_downloads`: 1,000 uploads and downloads of random
  sizes (0 to 8 MiB, log-uniform), request bodies chunked or with Content-Length,
  responses chunked or with Content-Length, from several threads on keep-alive
  connections; every body is compared by SHA-256.
* :func:`test_slow_clients_do_not_hold_threads`: 200 clients sending their heads a
  byte at a time while others are served in well under a second.
* :func:`test_graceful_stop`: SIGTERM / SIGINT with requests in flight, pre-forked
  and single-process: every request finishes, idle connections close at once, new
  connections are not served, the server exits 0.
* :func:`test_a_stop_signal_inside_the_handling_of_another`: a second stop signal at
  every call the first one's handler makes does not hang the process.
* :func:`test_many_idle_keepalive_connections`: 1,000 idle keep-alive connections
  while a new client is served promptly.

The machine these run on may have two cores shared with other work, so sizes and
counts are chosen to keep the whole module well under a minute and a half; every wait
is bounded.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import math
import os
import random
import resource
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest

from harness import Server, ours, serve
from tests.apps.serving import HELLO, pseudo_random

pytest.importorskip("httptools")

APP = "tests.apps.serving:app"
MIB = 1 << 20


def _connection(server: Server, timeout: float = 30.0) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)


def _hello(server: Server, connection: http.client.HTTPConnection | None = None) -> float:
    """One GET /hello (on a new connection unless given one); returns how long it took."""
    started = time.monotonic()
    own = connection is None
    connection = connection or _connection(server, timeout=10.0)
    try:
        connection.request("GET", "/hello")
        response = connection.getresponse()
        body = response.read()
        assert (response.status, body) == (200, HELLO)
    finally:
        if own:
            connection.close()
    return time.monotonic() - started


def _readable(sockets: list[socket.socket]) -> list[socket.socket]:
    """The sockets with something to read (data, EOF or an error) right now; poll, as
    select cannot take descriptors above 1023."""
    poller = select.poll()
    by_fd = {sock.fileno(): sock for sock in sockets}
    for fd in by_fd:
        poller.register(fd, select.POLLIN | select.POLLPRI)
    return [by_fd[fd] for fd, _ in poller.poll(0)]


# --- 1. random uploads and downloads ----------------------------------------------------

OPERATIONS = 1000
CLIENT_THREADS = 6
MAX_SIZE = 8 * MIB


@dataclass(frozen=True)
class Operation:
    kind: str  # "upload" or "download"
    size: int
    seed: int
    chunked: bool  # request body (upload) or response body (download)


def _operations(seed: int = 20240604) -> list[Operation]:
    """A fixed plan: sizes log-uniform in [1, 8 MiB] (and some empty bodies), so most are
    small and a few large; the extremes are always in it."""
    rng = random.Random(seed)
    plan = []
    for n in range(OPERATIONS):
        if n < 4:
            size = (0, MAX_SIZE)[n % 2]  # an empty and a full-size body of each kind
        elif rng.random() < 0.05:
            size = 0
        else:
            size = min(int(math.exp(rng.uniform(0, math.log(MAX_SIZE)))), MAX_SIZE)
        plan.append(Operation(("upload", "download")[n % 2 if n < 4 else rng.randrange(2)], size, rng.randrange(1 << 30), rng.random() < 0.5))
    return plan


def _chunks(data: bytes, rng: random.Random) -> Iterator[bytes]:
    """``data`` in pieces of random sizes (1 byte to 256 KiB, log-uniform)."""
    position = 0
    while position < len(data):
        step = int(math.exp(rng.uniform(0, math.log(256 * 1024))))
        yield data[position : position + step]
        position += step


@dataclass
class ClientStats:
    requests: int = 0
    sent: int = 0
    received: int = 0
    sockets: set[int] = field(default_factory=set)


def _run_operations(server: Server, operations: list[Operation], stats: ClientStats) -> None:
    connection = _connection(server)
    try:
        for operation in operations:
            data = pseudo_random(operation.size, operation.seed)
            if operation.kind == "upload":
                if operation.chunked:  # http.client sends an iterable without a length chunked
                    connection.request("POST", "/upload", body=_chunks(data, random.Random(operation.seed)), headers={"Content-Type": "application/octet-stream"})
                else:
                    connection.request("POST", "/upload", body=data, headers={"Content-Type": "application/octet-stream"})
                stats.sockets.add(connection.sock.getsockname()[1])
                response = connection.getresponse()
                answer = response.read()
                assert response.status == 200, (operation, response.status, answer[:200])
                assert json.loads(answer) == {"size": operation.size, "sha256": hashlib.sha256(data).hexdigest()}, operation
                stats.sent += operation.size
            else:
                query = f"/download?size={operation.size}&seed={operation.seed}" + "&chunked=1" * operation.chunked
                connection.request("GET", query)
                stats.sockets.add(connection.sock.getsockname()[1])
                response = connection.getresponse()
                body = response.read()
                assert response.status == 200, (operation, response.status, body[:200])
                if operation.chunked and operation.size:
                    assert response.getheader("Transfer-Encoding") == "chunked", operation
                else:
                    assert response.getheader("Content-Length") == str(operation.size), operation
                assert len(body) == operation.size, operation
                assert hashlib.sha256(body).digest() == hashlib.sha256(data).digest(), operation
                stats.received += operation.size
            assert not response.will_close, f"the server closed a keep-alive connection after {operation}"
            stats.requests += 1
    finally:
        connection.close()


def test_random_uploads_and_downloads() -> None:
    plan = _operations()
    shares = [plan[n::CLIENT_THREADS] for n in range(CLIENT_THREADS)]
    stats = [ClientStats() for _ in shares]
    with serve(ours(APP, "--workers", "2", "--threads", "4")) as server:
        started = time.monotonic()
        with ThreadPoolExecutor(CLIENT_THREADS) as pool:
            for future in [pool.submit(_run_operations, server, share, stat) for share, stat in zip(shares, stats)]:
                future.result(timeout=120)
        elapsed = time.monotonic() - started
        log = server.log()
    requests = sum(s.requests for s in stats)
    sent, received = sum(s.sent for s in stats), sum(s.received for s in stats)
    print(f"\n{requests} requests, {sent / MIB:.0f} MiB up, {received / MIB:.0f} MiB down in {elapsed:.1f} s")
    assert requests == OPERATIONS
    assert all(len(s.sockets) == 1 for s in stats), "each client thread kept its one keep-alive connection"
    assert "Traceback" not in log and "WSGIViolation" not in log, log


# --- 2. slow clients ------------------------------------------------------------------

SLOW_CLIENTS = 200
SLOW_HEAD = b"GET /hello HTTP/1.1\r\nHost: slow.test\r\nUser-Agent: trickle\r\n\r\n"
BYTE_INTERVAL = 0.07  # seconds between two bytes on each slow connection


def test_slow_clients_do_not_hold_threads() -> None:
    """200 connections send their heads a byte every 70 ms (2.8 s for the head but its
    last byte); four threads serve everyone else meanwhile, each hello well under 1 s.
    The heads are read by the event loop, so the trickle occupies no thread."""
    with serve(ours(APP, "--threads", "4", "--timeout-header", "20")) as server:
        slow = [server.connect() for _ in range(SLOW_CLIENTS)]
        stop = threading.Event()
        sent_bytes = 0

        def trickle() -> None:
            nonlocal sent_bytes
            for position in range(len(SLOW_HEAD) - 1):  # all but the final LF
                if stop.is_set():
                    return
                for sock in slow:
                    sock.sendall(SLOW_HEAD[position : position + 1])
                sent_bytes = position + 1
                time.sleep(BYTE_INTERVAL)

        trickler = threading.Thread(target=trickle)
        try:
            trickler.start()
            latencies = []
            kept = _connection(server, timeout=10.0)
            while trickler.is_alive():
                latencies.append(_hello(server))  # a new connection each time
                latencies.append(_hello(server, kept))  # and one kept alive
                time.sleep(0.02)
            trickler.join()
            kept.close()
        finally:
            stop.set()
            trickler.join()
        print(f"\n{len(latencies)} hellos during the trickle: max {max(latencies) * 1000:.0f} ms, median {sorted(latencies)[len(latencies) // 2] * 1000:.0f} ms")
        assert sent_bytes == len(SLOW_HEAD) - 1
        assert len(latencies) >= 20
        assert max(latencies) < 1.0, sorted(latencies)[-5:]
        # None of the slow clients has had an answer: their heads are not complete.
        assert _readable(slow) == []
        # Half of them finish their heads and are answered; the rest give up.
        finishing, leaving = slow[: SLOW_CLIENTS // 2], slow[SLOW_CLIENTS // 2 :]
        for sock in leaving:
            sock.close()
        for sock in finishing:
            sock.sendall(SLOW_HEAD[-1:])
        for sock in finishing:
            with sock:
                response = http.client.HTTPResponse(sock)
                response.begin()
                assert (response.status, response.read()) == (200, HELLO)
                assert not response.will_close
        assert _hello(server) < 1.0
        log = server.log()
    assert "Traceback" not in log, log


# --- 3. graceful stop -----------------------------------------------------------------

IN_FLIGHT = 6
GRACEFUL = 10.0


def _slow_request(server: Server) -> tuple[int, bytes]:
    connection = _connection(server, timeout=15.0)
    try:
        connection.request("GET", "/slow?seconds=2")
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes ``sock`` (EOF or reset) within ``seconds``, sending nothing."""
    sock.settimeout(seconds)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def _group_gone(process: subprocess.Popen[bytes]) -> bool:
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize(
    ("workers", "signum", "group"),
    [
        ("2", signal.SIGTERM, False),
        ("2", signal.SIGINT, False),
        ("2", signal.SIGINT, True),
        ("1", signal.SIGTERM, False),
        ("1", signal.SIGINT, False),
    ],
    ids=["workers2-SIGTERM", "workers2-SIGINT", "workers2-SIGINT-to-group", "workers1-SIGTERM", "workers1-SIGINT"],
)
def test_graceful_stop(workers: str, signum: signal.Signals, group: bool) -> None:
    """Requests in flight finish, idle keep-alive connections close at once, new
    connections are not served, and the server exits 0 well within the graceful timeout.

    The signal goes to the server's main process (the master, with workers), or to its
    whole process group as Ctrl-C in a terminal does.  Six slow requests on four threads
    per worker: some may still be queued for a thread when the stop begins."""
    with serve(ours(APP, "--workers", workers, "--threads", "4", "--timeout-keepalive", "30", "--timeout-graceful", str(GRACEFUL))) as server:
        idle = [_connection(server) for _ in range(4)]
        for connection in idle:
            _hello(server, connection)
        with ThreadPoolExecutor(IN_FLIGHT) as pool:
            futures = [pool.submit(_slow_request, server) for _ in range(IN_FLIGHT)]
            time.sleep(0.5)
            signalled = time.monotonic()
            if group:
                os.killpg(server.process.pid, signum)
            else:
                server.process.send_signal(signum)
            # Idle connections are closed promptly (not after the 30 s keep-alive timeout).
            for connection in idle:
                assert connection.sock is not None
                assert _closed_within(connection.sock, 3.0), "an idle keep-alive connection stayed open after the stop signal"
                connection.close()
            idle_closed = time.monotonic() - signalled
            # A connection made after the stop began is not served (refused, or never answered).
            time.sleep(max(0.0, 0.5 - idle_closed))
            late_answer = b""
            try:
                with server.connect(timeout=5.0) as late:
                    late.sendall(b"GET /hello HTTP/1.1\r\nHost: late.test\r\n\r\n")
                    late.settimeout(GRACEFUL + 5)
                    late_answer = late.recv(65536)
            except (ConnectionRefusedError, ConnectionResetError):
                pass
            results = [future.result(timeout=GRACEFUL + 5) for future in futures]
        code = server.process.wait(GRACEFUL + 5)
        stopped = time.monotonic() - signalled
        workers_gone = _group_gone(server.process)  # before the block's end kills what is left
        log = server.log()
    print(f"\nidle connections closed after {idle_closed:.2f} s; exited {code} after {stopped:.2f} s")
    assert results == [(200, b"slow")] * IN_FLIGHT
    assert late_answer == b"", f"a connection made after the stop signal was answered: {late_answer[:100]!r}"
    assert code == 0, log
    assert stopped < GRACEFUL, log
    assert workers_gone, "a worker outlived the server"
    assert "Traceback" not in log, log


_SIGNAL_INSIDE_ITS_HANDLER = """
import signal, socket, sys
from wsgitypes.server.engine import Engine
from wsgitypes.server.process import on_stop_signals
from wsgitypes.server.settings import Limits, Timeouts

def app(environ, start_response):
    start_response("204 No Content", [])
    return []

engine = Engine(app, [socket.create_server(("127.0.0.1", 0))], threads=1, limits=Limits(), timeouts=Timeouts(),
                errors=sys.stderr, multiprocess=False)
on_stop_signals(engine.drain)
handler = signal.getsignal(signal.SIGTERM).__code__
nested = 0

def profile(frame, event, arg):
    # At every call the stop handler makes, a second stop signal arrives (its handler runs
    # at once, inside this one, as Python runs handlers between bytecodes).
    global nested
    if event in ("call", "c_call"):
        while frame is not None and frame.f_code is not handler:
            frame = frame.f_back
        if frame is not None:
            nested += 1
            signal.raise_signal(signal.SIGINT)

sys.setprofile(profile)
signal.raise_signal(signal.SIGTERM)
sys.setprofile(None)
print(nested, engine.draining)
"""


def test_a_stop_signal_inside_the_handling_of_another() -> None:
    """Ctrl-C reaches every process of the group, and the supervisor passes the stop on
    to its workers a moment later: a worker may get the second signal while its handler
    for the first one runs.  Python then runs the handler again inside the first, so the
    handler must take no lock (a worker once waited forever on its stop Event's lock).
    Here a second signal arrives at every call the first handler makes."""
    try:
        done = subprocess.run([sys.executable, "-c", _SIGNAL_INSIDE_ITS_HANDLER], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("the process hung handling a stop signal inside the handling of another")
    assert done.returncode == 0, done.stderr
    nested, draining = done.stdout.split()
    assert int(nested) > 0 and draining == "True"


# --- 4. many idle keep-alive connections --------------------------------------------

IDLE_CONNECTIONS = 1000


@pytest.fixture
def enough_descriptors() -> Iterator[None]:
    """Room for 1,000 client sockets here and as many in the server (which inherits the limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 3 * IDLE_CONNECTIONS
    if soft >= wanted:
        yield
        return
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if wanted < IDLE_CONNECTIONS + 200:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} is too low for {IDLE_CONNECTIONS} connections")
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_many_idle_keepalive_connections(enough_descriptors: None) -> None:
    """1,000 connections each make one request and stay open, idle; a new client is still
    served at once, and the idle connections still work afterwards."""
    with serve(ours(APP, "--workers", "2", "--threads", "4", "--timeout-keepalive", "30")) as server:
        started = time.monotonic()
        idle: list[http.client.HTTPConnection] = []
        try:
            for _ in range(IDLE_CONNECTIONS):
                connection = _connection(server, timeout=10.0)
                idle.append(connection)
                _hello(server, connection)
            opened = time.monotonic() - started
            latencies = [_hello(server) for _ in range(20)]
            # Every idle connection is still open: nothing to read, no EOF.
            sockets = [connection.sock for connection in idle]
            assert all(sock is not None for sock in sockets)
            readable = _readable(sockets)
            assert readable == [], f"{len(readable)} idle connections were closed or written to"
            # And a sample of them still serves requests on the same socket.
            for connection in idle[::50]:
                port = connection.sock.getsockname()[1]
                _hello(server, connection)
                assert connection.sock.getsockname()[1] == port
        finally:
            for connection in idle:
                connection.close()
        log = server.log()
    print(f"\n{IDLE_CONNECTIONS} connections opened and used in {opened:.1f} s; new clients meanwhile: max {max(latencies) * 1000:.0f} ms")
    assert max(latencies) < 1.0, latencies
    assert "Traceback" not in log and "accept failed" not in log, log


@pytest.mark.parametrize("workers", ["1", "2"])
def test_new_connections_refused_during_graceful_stop(workers: str) -> None:
    """Once the stop has begun, a new client should be refused at once (so that it, or a
    load balancer, can go elsewhere) rather than wait for the in-flight requests."""
    with serve(ours(APP, "--workers", workers, "--timeout-graceful", str(GRACEFUL))) as server:
        with ThreadPoolExecutor(1) as pool:
            future = pool.submit(_slow_request, server)
            time.sleep(0.5)
            server.process.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            try:
                with pytest.raises(ConnectionRefusedError):
                    server.connect(timeout=5.0).close()
            finally:
                assert future.result(timeout=GRACEFUL + 5) == (200, b"slow")


def test_response_after_stop_announces_close() -> None:
    """RFC 9112 §9.6: the last response on a connection the server is about to close
    carries ``Connection: close``, so the client does not send another request on it."""
    with serve(ours(APP, "--timeout-graceful", str(GRACEFUL))) as server:
        connection = _connection(server, timeout=15.0)
        try:
            connection.request("GET", "/slow?seconds=2")
            time.sleep(0.5)
            server.process.send_signal(signal.SIGTERM)
            response = connection.getresponse()
            assert (response.status, response.read()) == (200, b"slow")
            assert response.getheader("Connection") == "close"
        finally:
            connection.close()
