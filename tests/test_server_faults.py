"""Hostile clients and faults, over real server subprocesses on 127.0.0.1 (issue 12).

One test (or a few) per item of the issue, each showing the behaviour that went wrong
before the server was redesigned: trailers that became headers (1), an accept loop that
spun when descriptors ran out (2), a supervisor that gave up (3), a loop or threads
frozen by one client (4, 5), framing headers and control characters an application
could put on the wire (6, 7), error bodies sent to HEAD (8), chunk-extension whitespace
and absolute-form targets (9), and a hung application (10).

Every server runs with small timeouts and limits so that each test takes a few seconds;
the figures they see (CPU seconds, log lines, worst latency) are in the assertion
messages.  Processes are found in ``/proc`` (the server's children are its workers),
sockets' server-side states in ``/proc/net/tcp``; Linux only.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import select
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import h11
import pytest

from harness import Command, Server, ours, read_until_close
from harness.procfs import processes
from tests.apps.faults import BAD_RESPONSES, BODY
from tests.apps.serving import HELLO
from tests.conftest import StartServer

pytest.importorskip("httptools")
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

APP = "tests.apps.faults:app"
HELLO_REQUEST = b"GET /hello HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n"
PID_REQUEST = b"GET /pid HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n"


def launch(start_server: StartServer, *flags: str, wrap: Callable[[list[str]], list[str]] | None = None) -> Server:
    """Our server on the fault application with ``flags``; ``wrap`` rewrites its argv."""
    command: Command = ours(APP, *flags)
    if wrap is not None:
        inner = command
        command = lambda at: wrap(inner(at))  # noqa: E731
    return start_server(command)


# --- observing the server -----------------------------------------------------------------


def workers(server: Server) -> list[int]:
    """The server's worker processes (its supervisor's children)."""
    return sorted(process.pid for process in processes() if process.ppid == server.process.pid)


def session_cpu(server: Server) -> float:
    """CPU seconds used so far by every live process of the server's session."""
    return sum(process.cpu for process in processes() if process.session == server.process.pid)


def server_side_states(server: Server, client: socket.socket) -> list[int]:
    """TCP states (``/proc/net/tcp`` codes; 1 is ESTABLISHED) of the server's end of ``client``'s connection."""
    client_port = client.getsockname()[1]
    states = []
    with open("/proc/net/tcp") as table:
        for line in table.read().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1].split(":")[1], fields[2].split(":")[1]
            if int(local, 16) == server.port and int(remote, 16) == client_port:
                states.append(int(fields[3], 16))
    return states


def figure(item: str, text: str) -> None:
    """A measured figure, shown with ``pytest -s`` (the issue asks for before/after numbers)."""
    print(f"\nFIGURE {item}: {text}")


def log_lines(server: Server, *words: str) -> list[str]:
    return [line for line in server.log().splitlines() if all(word in line for word in words)]


# --- talking to it --------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


def h11_answers(data: bytes, methods: Sequence[str], closed: bool = True) -> list[Answer]:
    """The responses in ``data`` to requests of ``methods``, parsed by h11 as a client.

    Raises ``h11.RemoteProtocolError`` when they are not valid HTTP/1.1 (a body after a
    HEAD response makes the bytes after it garbage where h11 expects the close).
    """
    client = h11.Connection(h11.CLIENT)
    client.receive_data(data)
    if closed:
        client.receive_data(b"")
    answers: list[Answer] = []
    for method in methods:
        if client.our_state is h11.DONE and client.their_state is h11.DONE:
            client.start_next_cycle()
        elif client.our_state is not h11.IDLE:
            break
        client.send(h11.Request(method=method, target="/", headers=[("Host", "example.test")]))
        client.send(h11.EndOfMessage())
        answer: Answer | None = None
        body: list[bytes] = []
        while True:
            event = client.next_event()
            if event is h11.NEED_DATA or isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                break
            if isinstance(event, h11.Response):
                answer = Answer(event.status_code, {name.decode().lower(): value.decode("latin-1") for name, value in event.headers}, b"")
            elif isinstance(event, h11.Data):
                body.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                assert answer is not None
                answer.body = b"".join(body)
                answers.append(answer)
                break
        if answer is None or answer not in answers:
            break
    if closed and client.their_state is h11.MUST_CLOSE:
        client.next_event()  # the close after the last response (raises if more bytes came)
    return answers


def exchange(server: Server, raw: bytes, timeout: float = 10.0) -> tuple[bytes, bool]:
    return server.exchange(raw, timeout)


def answer(server: Server, raw: bytes, method: str = "GET", timeout: float = 10.0) -> Answer:
    data, closed = exchange(server, raw, timeout)
    answers = h11_answers(data, [method], closed)
    assert answers, f"no complete response to {raw[:60]!r}: {data[:200]!r}"
    return answers[0]


def hello_latency(server: Server, timeout: float = 30.0) -> float:
    """Seconds until a new connection's GET /hello is answered (``timeout`` if it is not)."""
    started = time.monotonic()
    try:
        data, _ = exchange(server, HELLO_REQUEST, timeout)
    except OSError:
        return timeout
    if not data.endswith(HELLO):
        return timeout
    return time.monotonic() - started


@contextmanager
def hellos_meanwhile(server: Server) -> Iterator[list[float]]:
    """Measure GET /hello latencies from another thread while the block runs; the list of them."""
    latencies: list[float] = []
    done = threading.Event()

    def measure() -> None:
        while not done.is_set():
            latencies.append(hello_latency(server))
            done.wait(0.1)

    thread = threading.Thread(target=measure, daemon=True)
    thread.start()
    try:
        yield latencies
    finally:
        done.set()
        thread.join(40)


@contextmanager
def sockets() -> Iterator[list[socket.socket]]:
    opened: list[socket.socket] = []
    try:
        yield opened
    finally:
        for sock in opened:
            sock.close()


def recv_available_within(sock: socket.socket, seconds: float) -> bytes:
    """What arrives on ``sock`` until it is quiet for a moment (at most ``seconds`` in all)."""
    data, deadline = b"", time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([sock], [], [], 0.3 if data else deadline - time.monotonic())
        if not ready:
            break
        piece = sock.recv(1 << 20)
        if not piece:
            break
        data += piece
    return data


def recv_available(sock: socket.socket, size: int) -> bytes:
    """What ``sock`` has to give now, up to ``size`` bytes (b"" if nothing or closed)."""
    try:
        return sock.recv(size, socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return b""
    except OSError:
        return b""


# --- 1. trailer fields never become request headers ---------------------------------------

TRAILER = b"Host: evil.example\r\nX-Forwarded-For: 6.6.6.6\r\nAuthorization: Bearer forged\r\nContent-Type: text/evil\r\n"
FORGED = ("evil", "6.6.6.6", "forged")


def chunked_post(path: bytes) -> bytes:
    return (b"POST " + path + b" HTTP/1.1\r\nHost: example.test\r\nContent-Type: text/plain\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")  # fmt: skip


@pytest.mark.parametrize("path", [b"/environ", b"/environ-after-body"])
@pytest.mark.parametrize("timing", ["with-the-head", "in-a-later-read", "split-in-the-trailer"])
def test_trailer_fields_never_reach_the_environ(start_server: StartServer, path: bytes, timing: str) -> None:
    server = launch(start_server, "--threads", "2")
    body = b"5\r\nhello\r\n0\r\n" + TRAILER + b"\r\n"
    with server.connect() as sock:
        if timing == "with-the-head":
            sock.sendall(chunked_post(path) + body)
        elif timing == "in-a-later-read":
            sock.sendall(chunked_post(path) + b"5\r\nhello\r\n")
            time.sleep(0.3)
            sock.sendall(b"0\r\n" + TRAILER + b"\r\n")
        else:
            sock.sendall(chunked_post(path) + body[:30])
            time.sleep(0.3)
            sock.sendall(body[30:])
        data, closed = read_until_close(sock, 10)
    [response] = h11_answers(data, ["POST"], closed)
    assert response.status == 200, data
    environ = json.loads(response.body)
    assert environ["HTTP_HOST"] == "example.test"
    assert environ["CONTENT_TYPE"] == "text/plain"
    assert "HTTP_X_FORWARDED_FOR" not in environ and "HTTP_AUTHORIZATION" not in environ
    forged = {key: value for key, value in environ.items() if any(word in str(value) for word in FORGED)}
    assert forged == {}, f"trailer fields reached the environ: {forged}"


# --- 2. out of file descriptors -------------------------------------------------------------

FD_LIMIT = 256
FLOOD = 400


def with_fd_limit(argv: list[str]) -> list[str]:
    return ["bash", "-c", f'ulimit -n {FD_LIMIT} && exec "$@"', "with-fd-limit", *argv]


def test_out_of_descriptors_the_server_backs_off_and_serves_what_it_holds(start_server: StartServer) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < FLOOD + 100:
        if hard != resource.RLIM_INFINITY and hard < FLOOD + 100:
            pytest.skip(f"RLIMIT_NOFILE {hard} is too low for {FLOOD} client connections")
        resource.setrlimit(resource.RLIMIT_NOFILE, (FLOOD + 100, hard))
    server = launch(start_server, "--threads", "4", "--timeout-keepalive", "60", "--timeout-header", "60", wrap=with_fd_limit)
    lines_before = len(server.log().splitlines())
    with sockets() as flood:
        for _ in range(FLOOD):
            flood.append(server.connect())  # the kernel completes them all (backlog 2048)
        time.sleep(1.0)  # the server accepts what its descriptors allow
        cpu_before, started = session_cpu(server), time.monotonic()
        time.sleep(3.0)
        cpu = session_cpu(server) - cpu_before
        seconds = time.monotonic() - started
        accept_lines = log_lines(server, "accept")
        new_lines = len(server.log().splitlines()) - lines_before
        figure("2 out of descriptors", f"{cpu:.2f} s CPU in {seconds:.1f} s, {new_lines} log lines, {len(accept_lines)} about accept")
        assert cpu < 0.2 * seconds, f"the server used {cpu:.2f} s of CPU in {seconds:.1f} s while out of descriptors"
        assert new_lines <= 3, f"{new_lines} log lines in {seconds:.1f} s out of descriptors: {accept_lines[:3]}"
        assert len(log_lines(server, "cannot accept connections")) == 1
        # the connections it holds are served
        for sock in flood:
            sock.sendall(b"GET /hello HTTP/1.1\r\nHost: example.test\r\n\r\n")
        answered = collect_hellos(flood, timeout=5.0, wanted=FLOOD - FD_LIMIT)
        assert FLOOD - FD_LIMIT < len(answered) < FD_LIMIT, f"{len(answered)} of {FLOOD} held connections answered"
        # and the others once descriptors free up
        for sock in answered:
            sock.close()
        waiting = [sock for sock in flood if sock not in answered]
        late = collect_hellos(waiting, timeout=10.0, wanted=len(waiting))
        assert len(late) == len(waiting), f"{len(late)} of the {len(waiting)} queued connections answered after descriptors freed"
        assert hello_latency(server) < 2.0
    assert len(log_lines(server, "accepting connections again")) >= 1
    assert len(log_lines(server, "accept")) <= 4, log_lines(server, "accept")[:5]


def collect_hellos(connections: list[socket.socket], timeout: float, wanted: int) -> list[socket.socket]:
    """The connections whose GET /hello is answered within ``timeout`` (polling, since descriptors may exceed 1023)."""
    received = {sock.fileno(): b"" for sock in connections}
    by_fd = {sock.fileno(): sock for sock in connections}
    answered: list[socket.socket] = []
    poller = select.poll()
    for fd in by_fd:
        poller.register(fd, select.POLLIN)
    deadline = time.monotonic() + timeout
    while len(answered) < len(connections) and (left := deadline - time.monotonic()) > 0:
        for fd, _ in poller.poll(min(left, 0.2) * 1000):
            data = recv_available(by_fd[fd], 65536)
            received[fd] += data
            if received[fd].endswith(HELLO) or not data:
                poller.unregister(fd)
                if received[fd].endswith(HELLO):
                    answered.append(by_fd[fd])
        if len(answered) >= wanted and timeout - (deadline - time.monotonic()) > 2.0 and wanted < len(connections):
            break  # enough for the caller, and nothing new for a while is what it waits to see
    return answered


# --- 3. the supervisor never gives up --------------------------------------------------------


@pytest.mark.parametrize(("count", "how"), [(1, "crash-route"), (2, "sigkill")])
def test_the_supervisor_keeps_replacing_workers_that_keep_dying(start_server: StartServer, count: int, how: str) -> None:
    server = launch(start_server, "--workers", str(count), "--threads", "2")
    wanted = 5 * count + 1  # the old supervisor gave up past 5 x workers deaths in 10 s
    deaths: set[int] = set()  # pids killed, or for the crash route, the count of crashes
    started = time.monotonic()
    # as fast as the back-off lets them die, for a while: with 2 workers it allows 8 deaths in
    # the first 2.1 s and 10 in the first 10 s, so the old supervisor's limit is unreachable
    while len(deaths) < wanted and time.monotonic() - started < 2.5:
        if how == "crash-route":
            data, closed = exchange(server, b"GET /crash HTTP/1.1\r\nHost: example.test\r\n\r\n", timeout=12)
            assert data == b"" and closed, data  # the worker died with the connection
            deaths.add(len(deaths))
        else:
            for pid in workers(server):
                if pid not in deaths:
                    os.kill(pid, signal.SIGKILL)
                    deaths.add(pid)
            time.sleep(0.02)
        assert server.process.poll() is None, f"the server exited (status {server.process.returncode}) after {len(deaths)} worker deaths"
    seconds = time.monotonic() - started
    assert len(deaths) >= (wanted if how == "crash-route" else 2 * count + 2), f"only {len(deaths)} deaths in {seconds:.1f} s"
    latency = hello_latency(server, timeout=15.0)
    figure(f"3 supervisor x{count}", f"{len(deaths)} deaths in {seconds:.1f} s, served again {latency:.1f} s later")
    assert latency < 15.0, f"nothing served within 15 s after {len(deaths)} deaths in {seconds:.1f} s"
    assert server.process.poll() is None
    assert log_lines(server, "workers keep dying young"), "the back-off is not in the log"
    assert server.stop() == 0, server.log()[-2000:]


def test_a_stop_during_the_back_off_exits_0(start_server: StartServer) -> None:
    server = launch(start_server, "--workers", "1", "--threads", "1")
    for _ in range(6):
        exchange(server, b"GET /crash HTTP/1.1\r\nHost: example.test\r\n\r\n", timeout=12)
    assert server.process.poll() is None
    started = time.monotonic()
    assert server.stop() == 0, server.log()[-2000:]
    assert time.monotonic() - started < 5.0


# --- 4. one client cannot freeze the loop ---------------------------------------------------

DOWNLOAD = b"GET /download?size=2000000 HTTP/1.1\r\nHost: example.test\r\n\r\n"


@pytest.mark.parametrize("then", [b"\x00\x01 garbage\r\n\r\n", b"GET /hello HTTP/1.1\r\nHo"], ids=["garbage", "half-a-head"])
def test_clients_that_never_read_freeze_nothing(start_server: StartServer, then: bytes) -> None:
    threads = 2
    server = launch(start_server, "--threads", str(threads), "--timeout-body", "8", "--timeout-header", "1")
    with sockets() as hostile, hellos_meanwhile(server) as latencies:
        for _ in range(threads + 2):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect((server.host, server.port))
            sock.sendall(DOWNLOAD * 4)  # 8 MB of responses it never reads
            hostile.append(sock)
        time.sleep(1.0)
        for sock in hostile:
            sock.sendall(then)
        time.sleep(3.0)
    worst = max(latencies)
    figure("4 never-reading clients", f"worst hello {worst:.2f} s ({len(latencies)} hellos)")
    assert worst < 2.0, f"hellos waited up to {worst:.1f} s behind clients that do not read ({len(latencies)} hellos)"


# --- 5. slow bodies and slow readers hold no thread -----------------------------------------


def test_small_bodies_sent_slowly_hold_no_thread(start_server: StartServer) -> None:
    server = launch(start_server, "--threads", "2", "--timeout-body", "10")
    body = b"x" * 20
    with sockets() as slow, hellos_meanwhile(server) as latencies:
        for _ in range(10):
            sock = server.connect()
            sock.sendall(b"POST /echo HTTP/1.1\r\nHost: example.test\r\nContent-Length: %d\r\n\r\n" % len(body))
            slow.append(sock)
        for position in range(4):
            for sock in slow:
                sock.sendall(body[position : position + 1])
            time.sleep(0.7)
        for sock in slow:
            sock.sendall(body[4:])
        echoed = [h11_answers(read_until_close(sock, 5)[0], ["POST"], closed=False) for sock in slow]
    worst = max(latencies)
    figure("5 slow small bodies", f"worst hello {worst:.2f} s ({len(latencies)} hellos)")
    assert worst < 1.0, f"hellos waited up to {worst:.1f} s behind 10 slow bodies on 2 threads"
    assert all(answers and answers[0].body == body for answers in echoed)


def upload_head(size: int) -> bytes:
    return b"POST /upload HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % size


def uploaded(body: bytes) -> dict[str, object]:
    """What ``/upload`` answers for ``body``."""
    return {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}


def trickle(uploads: list[socket.socket], bodies: list[bytes]) -> list[list[Answer]]:
    """Send each body on its socket at 2 KB/s for 3 s, then the rest at once; the answers."""
    sent, step = 0, 500
    for _ in range(12):
        for sock, body in zip(uploads, bodies):
            sock.sendall(body[sent : sent + step])
        sent += step
        time.sleep(0.25)
    for sock, body in zip(uploads, bodies):
        sock.sendall(body[sent:])
    return [h11_answers(read_until_close(sock, 10)[0], ["POST"]) for sock in uploads]


def with_tmpdir(directory: Path) -> Callable[[list[str]], list[str]]:
    """A ``wrap`` for :func:`launch`: the server's temporary files go to ``directory``."""
    return lambda argv: ["env", f"TMPDIR={directory}", *argv]


def test_large_bodies_sent_slowly_hold_no_thread(start_server: StartServer) -> None:
    """More uploaders than threads, each above ``--min-rate`` and larger than memory
    takes (``--limit-buffer-body``): the loop keeps their bodies in files meanwhile,
    where a thread each used to wait on them and the hellos waited behind."""
    server = launch(start_server, "--threads", "2", "--limit-buffer-body", "4096", "--min-rate", "100")
    size = 40_000
    bodies = [os.urandom(size) for _ in range(4)]
    with sockets() as slow, hellos_meanwhile(server) as latencies:
        for _ in bodies:
            slow.append(server.connect())
            slow[-1].sendall(upload_head(size))
        answers = trickle(slow, bodies)
    worst = max(latencies)
    figure("5 slow large bodies", f"worst hello {worst:.2f} s ({len(latencies)} hellos) beside 4 uploads on 2 threads")
    assert worst < 1.0, f"hellos waited up to {worst:.1f} s behind 4 slow uploads on 2 threads"
    assert [json.loads(answer[0].body) for answer in answers] == [uploaded(body) for body in bodies]


def test_slow_bodies_after_100_continue_hold_at_most_half_the_threads(start_server: StartServer) -> None:
    """The application's first read sends the 100 and its thread then waits on the body;
    once half the threads wait on clients, the loop sends the 100 itself and reads the body."""
    server = launch(start_server, "--threads", "2", "--min-rate", "100")
    size = 40_000
    bodies = [os.urandom(size) for _ in range(4)]
    with sockets() as slow, hellos_meanwhile(server) as latencies:
        for _ in bodies:
            slow.append(server.connect())
            slow[-1].sendall(b"POST /upload HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\nExpect: 100-continue\r\n"
                             b"Content-Length: %d\r\n\r\n" % size)
            time.sleep(0.2)  # (the first one's application reads, and its thread waits)
        interims = [sock.recv(len(b"HTTP/1.1 100 Continue\r\n\r\n")) for sock in slow]
        answers = trickle(slow, bodies)
    worst = max(latencies)
    figure("5 slow bodies after 100-continue", f"worst hello {worst:.2f} s ({len(latencies)} hellos) beside 4 uploads on 2 threads")
    assert interims == [b"HTTP/1.1 100 Continue\r\n\r\n"] * len(slow)
    assert worst < 1.0, f"hellos waited up to {worst:.1f} s behind 4 slow uploads after 100-continue on 2 threads"
    assert [json.loads(answer[0].body) for answer in answers] == [uploaded(body) for body in bodies]


def spooled(server: Server, directory: Path) -> list[str]:
    """The worker's open files in ``directory``: request bodies kept on disk."""
    [worker] = workers(server)
    links = []
    for descriptor in os.listdir(f"/proc/{worker}/fd"):
        try:
            links.append(os.readlink(f"/proc/{worker}/fd/{descriptor}"))
        except OSError:
            pass  # closed meanwhile
    return [link for link in links if link.startswith(str(directory))]


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_body_that_outgrows_memory_waits_in_a_file_nobody_else_sees(start_server: StartServer, tmp_path: Path, framing: str) -> None:
    """The file is unlinked from the start, read back byte for byte (lines across its end
    too) and closed once the response is sent."""
    server = launch(start_server, "--limit-buffer-body", "1024", wrap=with_tmpdir(tmp_path))
    body = b"".join(b"line %d of a body kept on disk\n" % n for n in range(8000))
    if framing == "chunked":
        head = b"POST /echo?mode=lines HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
        wire = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in (body[i : i + 3000] for i in range(0, len(body), 3000))) + b"0\r\n\r\n"
    else:
        head, wire = b"POST /echo?mode=lines HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body), body
    with server.connect() as sock:
        sock.sendall(head + wire[: len(wire) // 2])
        time.sleep(0.5)
        during = spooled(server, tmp_path)
        listed = os.listdir(tmp_path)
        sock.sendall(wire[len(wire) // 2 :])
        answers = h11_answers(read_until_close(sock, 10)[0], ["POST"])
    assert len(during) == 1 and during[0].endswith("(deleted)"), during
    assert listed == [], listed
    assert answers and answers[0].body == body, answers[:1]
    assert spooled(server, tmp_path) == []


def test_bodies_beyond_the_memory_budget_go_to_files(start_server: StartServer, tmp_path: Path) -> None:
    """``--limit-buffer-memory`` bounds what all the bodies being read hold in memory together."""
    server = launch(start_server, "--limit-buffer-memory", "100000", wrap=with_tmpdir(tmp_path))
    bodies = [os.urandom(80_000) for _ in range(3)]
    with sockets() as uploads:
        for body in bodies:
            uploads.append(server.connect())
            uploads[-1].sendall(upload_head(len(body)) + body[:70_000])
            time.sleep(0.3)
        during = spooled(server, tmp_path)
        for sock, body in zip(uploads, bodies):
            sock.sendall(body[70_000:])
        answers = [h11_answers(read_until_close(sock, 10)[0], ["POST"]) for sock in uploads]
    assert len(during) == 2, f"70 KB in memory, the two bodies after it in files: {during}"
    assert [json.loads(answer[0].body) for answer in answers] == [uploaded(body) for body in bodies]
    assert spooled(server, tmp_path) == []
    with server.connect() as sock:  # the memory those bodies held is free again
        sock.sendall(upload_head(len(bodies[0])) + bodies[0][:70_000])
        time.sleep(0.3)
        assert spooled(server, tmp_path) == []
        sock.sendall(bodies[0][70_000:])
        assert json.loads(h11_answers(read_until_close(sock, 10)[0], ["POST"])[0].body) == uploaded(bodies[0])


def test_bodies_waiting_for_a_thread_count_in_the_memory_budget(start_server: StartServer, tmp_path: Path) -> None:
    """A body that has arrived but waits in the queue is still in memory: the next one goes to a file."""
    server = launch(start_server, "--threads", "1", "--limit-buffer-memory", "100000", wrap=with_tmpdir(tmp_path))
    bodies = [os.urandom(70_000) for _ in range(2)]
    with sockets() as held:
        held.append(server.connect())
        held[-1].sendall(b"GET /hang?seconds=1.5 HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n")  # the one thread
        time.sleep(0.3)
        for body in bodies:
            held.append(server.connect())
            held[-1].sendall(upload_head(len(body)) + body)
            time.sleep(0.3)
        queued = spooled(server, tmp_path)
        answers = [h11_answers(read_until_close(sock, 10)[0], ["POST"]) for sock in held[1:]]
    assert len(queued) == 1, f"the first queued body in memory, the second in a file: {queued}"
    assert [json.loads(answer[0].body) for answer in answers] == [uploaded(body) for body in bodies]


def test_bodies_beyond_the_disk_budget_are_read_by_their_thread(start_server: StartServer, tmp_path: Path) -> None:
    """``--limit-buffer-disk`` bounds the files, so clients cannot fill the disk with bodies
    they never finish: a body that does not fit, or is declared larger, streams to the
    application as before, and the budget is free again once the files are handed over."""
    server = launch(start_server, "--limit-buffer-body", "1024", "--limit-buffer-disk", "100000",
                    wrap=with_tmpdir(tmp_path))
    bodies = [os.urandom(80_000) for _ in range(2)] + [os.urandom(150_000)]
    with sockets() as uploads:
        for body in bodies:
            uploads.append(server.connect())
            uploads[-1].sendall(upload_head(len(body)) + body[:70_000])
            time.sleep(0.3)
        during = spooled(server, tmp_path)
        for sock, body in zip(uploads, bodies):
            sock.sendall(body[70_000:])
        answers = [h11_answers(read_until_close(sock, 10)[0], ["POST"]) for sock in uploads]
    assert len(during) == 1, f"70 KB in a file; the next would pass 100 KB, the last is declared larger: {during}"
    assert [json.loads(answer[0].body) for answer in answers] == [uploaded(body) for body in bodies]
    with server.connect() as sock:
        sock.sendall(upload_head(len(bodies[0])) + bodies[0][:70_000])
        time.sleep(0.3)
        assert len(spooled(server, tmp_path)) == 1
        sock.sendall(bodies[0][70_000:])
        assert json.loads(h11_answers(read_until_close(sock, 10)[0], ["POST"])[0].body) == uploaded(bodies[0])
    assert spooled(server, tmp_path) == []


def test_a_body_sent_at_once_after_100_continue_arrives_whole(start_server: StartServer) -> None:
    """A client may send the body without waiting for the 100: what the loop put in a file
    before a thread took the request is read first (it was skipped: the file was not rewound)."""
    server = launch(start_server, "--limit-buffer-body", "1024")
    body = os.urandom(10_240)
    with server.connect() as sock:
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\nExpect: 100-continue\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(body) + body[:5000])
        time.sleep(0.3)
        sock.sendall(body[5000:])
        data = read_until_close(sock, 10)[0]
    answers = h11_answers(data.split(b"\r\n\r\n", 1)[1] if data.startswith(b"HTTP/1.1 100 ") else data, ["POST"])
    assert json.loads(answers[0].body) == uploaded(body)


def test_a_stop_lets_an_upload_the_loop_is_reading_finish(start_server: StartServer) -> None:
    """On a keep-alive connection, a body half sent when SIGTERM comes is in flight, not idle."""
    server = launch(start_server, "--limit-buffer-body", "1024")
    body = os.urandom(100_000)
    with server.connect() as sock:
        sock.sendall(HELLO_REQUEST.replace(b"Connection: close\r\n", b""))
        assert h11_answers(recv_available_within(sock, 5), ["GET"], closed=False)[0].body == HELLO
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: example.test\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:50_000])
        time.sleep(0.3)
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        sock.sendall(body[50_000:])
        answers = h11_answers(read_until_close(sock, 10)[0], ["POST"])
    assert answers and json.loads(answers[0].body) == uploaded(body), answers


def test_a_huge_read_size_on_a_body_in_a_file_reads_the_body(start_server: StartServer) -> None:
    """``read(2**40)`` gets the body, as from memory; the file is not asked for a terabyte."""
    server = launch(start_server, "--limit-buffer-body", "1024")
    body = os.urandom(5000)
    raw = b"POST /echo?mode=chunks&size=%d HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % (1 << 40, len(body))
    assert answer(server, raw + body, "POST").body == body


def test_a_body_in_many_small_pieces_goes_to_a_file_early(start_server: StartServer, tmp_path: Path) -> None:
    """Memory is counted with what each piece costs, not only its bytes: 100,000 one-byte
    chunks (100 KB) would take some 7 MB kept as pieces."""
    server = launch(start_server, wrap=with_tmpdir(tmp_path))
    with server.connect() as sock:
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n\r\n" + b"1\r\nx\r\n" * 100_000)
        time.sleep(1.0)
        during = spooled(server, tmp_path)
        sock.sendall(b"0\r\n\r\n")
        answers = h11_answers(recv_available_within(sock, 10), ["POST"], closed=False)
    assert len(during) == 1, during
    assert json.loads(answers[0].body) == uploaded(b"x" * 100_000)


def test_a_slow_body_pipelined_behind_a_quick_request_holds_no_thread(start_server: StartServer) -> None:
    """The thread that served the GET leaves the POST behind it to the loop, which reads its body."""
    server = launch(start_server, "--threads", "2")
    with sockets() as slow, hellos_meanwhile(server) as latencies:
        for _ in range(3):
            slow.append(server.connect())
            slow[-1].sendall(HELLO_REQUEST.replace(b"Connection: close\r\n", b"") + upload_head(1000) + b"x" * 10)
        time.sleep(2.0)
        for sock in slow:
            sock.sendall(b"x" * 990)
        answers = [h11_answers(read_until_close(sock, 10)[0], ["GET", "POST"]) for sock in slow]
    worst = max(latencies)
    assert worst < 1.0, f"hellos waited up to {worst:.1f} s behind 3 stalled bodies pipelined behind GETs on 2 threads"
    assert all(json.loads(pair[1].body) == uploaded(b"x" * 1000) for pair in answers), answers


def test_no_room_for_a_body_gets_503_and_the_worker_goes_on(start_server: StartServer) -> None:
    """A real limit: the worker may not write files past 64 KiB (``ulimit -f``), as on a full disk."""
    server = launch(start_server, "--limit-buffer-body", "1024",
                    wrap=lambda argv: ["bash", "-c", 'ulimit -f 64 && exec "$@"', "with-file-size-limit", *argv])
    first = answer(server, PID_REQUEST).body
    body = os.urandom(200_000)
    refused = answer(server, upload_head(len(body)) + body, "POST")
    assert refused.status == 503, refused
    assert b"no room for the request body" in refused.body
    assert log_lines(server, "no room for a request body"), server.log()[-2000:]
    assert json.loads(answer(server, upload_head(1000) + body[:1000], "POST").body) == uploaded(body[:1000])
    assert answer(server, PID_REQUEST).body == first, "the worker was replaced"


def test_a_large_body_below_the_minimum_rate_gets_408(start_server: StartServer) -> None:
    server = launch(start_server, "--timeout-body", "1", "--min-rate", "10000", "--limit-buffer-body", "1024")
    with server.connect() as sock:
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: example.test\r\nContent-Length: 1000000\r\n\r\n")
        started = time.monotonic()
        data = b""
        while time.monotonic() - started < 6.0 and not data:
            try:
                sock.sendall(b"y" * 1000)  # 2 KB/s: every wait is short, the average too slow
            except OSError:
                break
            ready, _, _ = select.select([sock], [], [], 0.5)
            if ready:
                data = recv_available(sock, 65536)
        seconds = time.monotonic() - started
    figure("5 large slow body", f"{data[:12]!r} after {seconds:.1f} s")
    assert data.startswith(b"HTTP/1.1 408"), f"after {seconds:.1f} s: {data[:80]!r}"
    assert seconds < 4.0, f"408 after {seconds:.1f} s"


def test_a_small_buffered_body_below_the_minimum_rate_gets_408(start_server: StartServer) -> None:
    server = launch(start_server, "--timeout-body", "1", "--min-rate", "100")
    with server.connect() as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: example.test\r\nContent-Length: 1000\r\n\r\n")
        started = time.monotonic()
        data = b""
        while time.monotonic() - started < 6.0 and not data:
            sock.sendall(b"z")  # 2 B/s
            ready, _, _ = select.select([sock], [], [], 0.5)
            if ready:
                data = recv_available(sock, 65536)
        seconds = time.monotonic() - started
    assert data.startswith(b"HTTP/1.1 408"), f"after {seconds:.1f} s: {data[:80]!r}"
    assert seconds < 4.0


SLOW_READERS = 50
LARGE = 6_000_000  # more than the socket buffers take (up to 4 MiB sent, 16 KiB received), less than that plus the 4 MiB hand-off


def test_slow_readers_of_large_responses_hold_no_thread(start_server: StartServer) -> None:
    server = launch(start_server, "--timeout-keepalive", "30")  # 8 threads; a response the kernel took whole leaves its connection idle
    with sockets() as readers:
        for seed in range(SLOW_READERS):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
            sock.connect((server.host, server.port))
            sock.sendall(b"GET /download?size=%d&seed=%d HTTP/1.1\r\nHost: example.test\r\n\r\n" % (LARGE, seed))
            readers.append(sock)
        time.sleep(2.0)  # every response made and handed to the kernel or the event loop
        with hellos_meanwhile(server) as latencies:
            for _ in range(4):  # 1 KiB a second each
                for sock in readers:
                    recv_available(sock, 1024)
                time.sleep(1.0)
        assert all(server_side_states(server, sock) == [1] for sock in readers), "a slow reader was cut off within the grace"
    worst = max(latencies)
    figure("5 slow readers", f"worst hello {worst:.2f} s ({len(latencies)} hellos)")
    # Pinned threads make a hello wait for the readers' 4 s or more (30 s before the fix); a
    # busy 2-core machine has shown 1.2 s without any pinned.
    assert worst < 3.0, f"hellos waited up to {worst:.1f} s behind {SLOW_READERS} slow readers on 8 threads"


@pytest.mark.parametrize("size", [6_000_000, 12_000_000], ids=["flushed-by-the-loop", "beyond-the-hand-off"])
def test_a_reader_slower_than_the_minimum_rate_is_disconnected(start_server: StartServer, size: int) -> None:
    server = launch(start_server, "--timeout-body", "1", "--min-rate", "5000000")
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)  # the kernel takes a few MB at most
        sock.connect((server.host, server.port))
        sock.sendall(b"GET /download?size=%d HTTP/1.1\r\nHost: example.test\r\n\r\n" % size)
        started = time.monotonic()
        received = 0
        while time.monotonic() - started < 6.0 and server_side_states(server, sock) == [1]:
            received += len(recv_available(sock, 100_000))  # ~1 MB/s: each wait short, the average below 5 MB/s
            time.sleep(0.1)
        seconds = time.monotonic() - started
        figure(f"5 reader below min-rate {size}", f"connected: {server_side_states(server, sock) == [1]} after {seconds:.1f} s, {received} bytes read")
        assert server_side_states(server, sock) != [1], f"still connected after {seconds:.1f} s, {received} bytes read"
    assert seconds < 5.0
    assert received < size
    assert hello_latency(server) < 1.0


# --- 6. the application's Content-Length --------------------------------------------------

CONTENT_LENGTH_CASES = ["two-content-lengths", "content-length-underscore", "content-length-plus", "content-length-minus"]


@pytest.mark.parametrize("check", [True, False], ids=["checks", "no-check"])
@pytest.mark.parametrize("case", CONTENT_LENGTH_CASES)
def test_a_framing_content_length_from_the_app_is_a_500(start_server: StartServer, case: str, check: bool) -> None:
    server = launch(start_server, *([] if check else ["--no-check"]))
    response = answer(server, b"GET /bad?case=%s HTTP/1.1\r\nHost: example.test\r\n\r\n" % case.encode())
    assert response.status == 500
    assert BODY not in response.body
    assert log_lines(server, "broke rule content-length-header"), server.log()[-1500:]


# --- 7. --no-check keeps the wire safe --------------------------------------------------------

WIRE_CASES = ["colon-in-name", "nul-in-status", "esc-in-status", "del-in-status", "bell-in-status", "tab-in-status"]


@pytest.mark.parametrize("case", WIRE_CASES)
def test_no_check_refuses_what_would_break_the_wire(start_server: StartServer, case: str) -> None:
    server = launch(start_server, "--no-check")
    data, closed = exchange(server, b"GET /bad?case=%s HTTP/1.1\r\nHost: example.test\r\n\r\n" % case.encode())
    [response] = h11_answers(data, ["GET"], closed)
    assert response.status == 500
    status, _ = BAD_RESPONSES[case]
    assert status.encode("latin-1") not in data and b"injected" not in data
    assert log_lines(server, "broke rule"), server.log()[-1500:]


def test_no_check_drops_content_length_from_a_204(start_server: StartServer) -> None:
    server = launch(start_server, "--no-check")
    data, closed = exchange(server, b"GET /no-content HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n")
    [response] = h11_answers(data, ["GET"], closed)
    assert response.status == 204
    assert "content-length" not in response.headers, data


# --- 8. error responses to HEAD carry no body -----------------------------------------------


@pytest.mark.parametrize("check", [True, False], ids=["checks", "no-check"])
@pytest.mark.parametrize("path", [b"/raise", b"/exc-before", b"/bad?case=content-length-minus"])
def test_an_application_error_to_head_has_no_body(start_server: StartServer, path: bytes, check: bool) -> None:
    server = launch(start_server, *([] if check else ["--no-check"]))
    data, closed = exchange(server, b"HEAD " + path + b" HTTP/1.1\r\nHost: example.test\r\n\r\n")
    assert data.endswith(b"\r\n\r\n"), f"bytes after the head: {data!r}"
    [response] = h11_answers(data, ["HEAD"], closed)
    assert response.status == 500 and "content-length" in response.headers


@pytest.mark.parametrize(
    "raw",
    [
        b"HEAD /hello HTTP/1.1\r\nHost: example.test\r\nContent-Length: +1\r\n\r\n",
        b"HEAD /hello HTTP/1.1\r\nHost: example.test\r\nHost: other.test\r\n\r\n",
        b"HEAD /hello HTTP/1.1\r\nHost: example.test\r\nExpect: teapot\r\n\r\n",
        b"HEAD /hello HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\n",
        b"HEAD /hello HTTP/1.1\r\nHost: example.test\r\n",  # half a head: 408
        b"HEAD /hello HTTP/1.1\r\nHost: example.test\r\nContent-Length: 10\r\n\r\nabc",  # a stalled body: 408
    ],
    ids=["bad-content-length", "two-hosts", "expect", "bad-chunk", "head-timeout", "body-timeout"],
)
def test_a_malformed_head_request_gets_an_error_without_body(start_server: StartServer, raw: bytes) -> None:
    server = launch(start_server, "--timeout-header", "1", "--timeout-body", "1", "--min-rate", "1000")
    data, closed = exchange(server, raw, timeout=6)
    assert closed and data.endswith(b"\r\n\r\n"), f"bytes after the head: {data!r}"
    [response] = h11_answers(data, ["HEAD"], closed)
    assert response.status in (400, 408, 417), data


# --- 9. chunk-extension whitespace, absolute-form targets -----------------------------------


def test_whitespace_around_a_chunk_extension_is_accepted(start_server: StartServer) -> None:
    server = launch(start_server)
    raw = b"POST /echo HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5 ; a=b\r\nhello\r\n0\r\n\r\n"
    response = answer(server, raw, "POST")
    assert (response.status, response.body) == (200, b"hello")


@pytest.mark.parametrize("target", [b"s://]ufd/:", b"http://]ufd/:", b"http://a b/", b"http:/example.test/"])
def test_an_invalid_absolute_form_target_is_a_400(start_server: StartServer, target: bytes) -> None:
    server = launch(start_server)
    data, closed = exchange(server, b"PUT " + target + b" HTTP/1.1\r\nHost: example.test\r\nContent-Length: 0\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 400 "), data[:200]
    assert closed


# --- 10. a hung application -----------------------------------------------------------------


def test_a_hung_application_gets_503_past_the_queue_and_its_worker_replaced(start_server: StartServer) -> None:
    server = launch(start_server, "--workers", "1", "--threads", "2", "--limit-queue", "2", "--timeout", "3")
    first = answer(server, PID_REQUEST).body
    with sockets() as held:
        for _ in range(2):  # every thread stuck
            held.append(server.connect())
            held[-1].sendall(b"GET /hang?seconds=60 HTTP/1.1\r\nHost: example.test\r\n\r\n")
        time.sleep(0.5)
        for _ in range(2):  # the queue full
            held.append(server.connect())
            held[-1].sendall(HELLO_REQUEST)
        time.sleep(0.3)
        started = time.monotonic()
        refused = answer(server, HELLO_REQUEST, timeout=3)
        refused_head = exchange(server, HELLO_REQUEST.replace(b"GET", b"HEAD"), timeout=3)[0]
        seconds = time.monotonic() - started
        figure("10 hung app", f"status {refused.status} in {seconds:.2f} s")
        assert refused.status == 503 and refused.headers.get("retry-after") == "1", refused
        assert seconds < 1.0, f"the 503s took {seconds:.1f} s"
        assert refused_head.startswith(b"HTTP/1.1 503 ") and refused_head.endswith(b"\r\n\r\n"), refused_head
        # with every thread stuck for --timeout, the worker is replaced
        deadline = time.monotonic() + 10
        replaced = first
        while replaced == first and time.monotonic() < deadline:
            try:
                pid = answer(server, PID_REQUEST, timeout=2)
            except (AssertionError, OSError, h11.RemoteProtocolError):  # closed unanswered: the worker going
                continue
            if pid.status == 200:
                replaced = pid.body
            time.sleep(0.2)
        assert replaced != first, "the stuck worker was not replaced"
        queued = [read_until_close(sock, 2)[0] for sock in held[2:]]
        assert all(data.startswith(b"HTTP/1.1 503 ") for data in queued), queued
    stacks = log_lines(server, "every thread has been in the application")
    assert len(stacks) == 1, server.log()[-2000:]
    assert "time.sleep" in server.log() and "faults.py" in server.log(), "the stuck threads' stacks are not in the log"
    assert server.stop() == 0


def test_threads_waiting_on_slow_uploads_are_not_a_hung_application(start_server: StartServer) -> None:
    """``--timeout`` counts time in the application, not time waiting on a client that keeps the minimum rate."""
    server = launch(start_server, "--workers", "1", "--threads", "2", "--timeout", "2", "--limit-buffer-body", "1024", "--min-rate", "100")
    first = answer(server, PID_REQUEST).body
    size, step = 4000, 250
    with sockets() as held:
        for _ in range(2):  # every thread reading a body too large for the event loop to take
            held.append(server.connect())
            held[-1].sendall(b"POST /echo HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % size)
        time.sleep(0.3)
        held.append(server.connect())
        held[-1].sendall(HELLO_REQUEST)  # and a request waiting for a thread
        for _ in range(8):  # 4 s, twice --timeout, at 500 bytes a second each
            time.sleep(0.5)
            for upload in held[:2]:
                upload.sendall(b"x" * step)
        for upload in held[:2]:
            upload.sendall(b"x" * (size - 8 * step))
        answers = [read_until_close(sock, 10)[0] for sock in held]
    assert all(data.startswith(b"HTTP/1.1 200 ") for data in answers), [data[:80] for data in answers]
    assert all(data.endswith(b"x" * size) for data in answers[:2])
    assert "every thread has been in the application" not in server.log(), server.log()[-2000:]
    assert answer(server, PID_REQUEST).body == first, "the worker was replaced"
