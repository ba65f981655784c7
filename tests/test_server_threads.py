"""Which thread serves a request (:mod:`wsgitypes.server.crew`), over a real server on 127.0.0.1.

Quick requests are served by the event loop's own thread; a request that keeps it
is taken over from; requests that wait go to the pool, where they run at once; and
``--threads N`` bounds the threads in the application however requests are served.
The first and the third hold too where the kernel cannot count one thread's context
switches (macOS, Windows), and the time a request takes tells instead: here
``RUSAGE_THREAD`` is removed before the server loads, as on macOS.  Under a limit on
threads (a pids cgroup), a takeover that cannot start the next standby
leaves the requests to the pool until one can start, and a worker that cannot start its
threads says so in one line.
"""

from __future__ import annotations

import http.client
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from harness import Address, Command, Server, ours
from harness.procfs import processes
from tests.conftest import StartServer

pytest.importorskip("httptools")

APP = "tests.apps.serving:app"


@contextmanager
def client(server: Server) -> Iterator[http.client.HTTPConnection]:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=20)
    try:
        yield connection
    finally:
        connection.close()


def get(connection: http.client.HTTPConnection, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> bytes:
    connection.request("POST" if body is not None else "GET", path, body, headers or {})
    response = connection.getresponse()
    data = response.read()
    assert response.status == 200, (response.status, data)
    return data


def in_parallel(count: int, work: Callable[[int], object]) -> None:
    """Run ``work(n)`` on ``count`` client threads at once; re-raise the first failure."""
    failures: list[BaseException] = []

    def run(n: int) -> None:
        try:
            work(n)
        except BaseException as error:  # (reported by the test's thread)
            failures.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if failures:
        raise failures[0]


def ours_timed(app: str, *options: str) -> Command:
    """Our server without per-thread context-switch counts, as on macOS (no ``RUSAGE_THREAD``)."""
    with_counts = ours(app, *options)

    def argv(at: Address) -> list[str]:
        python, _, _, *arguments = with_counts(at)  # (python -m wsgitypes ...)
        return [python, "-c", "import resource; del resource.RUSAGE_THREAD; from wsgitypes.cli import main; raise SystemExit(main())", *arguments]

    return argv


COUNTED_OR_TIMED = pytest.mark.parametrize("launch", [ours, ours_timed], ids=["switches-counted", "timed"])


def most_at_once(server: Server) -> int:
    with client(server) as connection:
        return int(get(connection, "/overlap-max"))


@COUNTED_OR_TIMED
def test_quick_requests_are_served_by_the_event_loop_thread(start_server: StartServer, launch: Callable[..., Command]) -> None:
    server = start_server(launch(APP, "--threads", "4"))
    with client(server) as connection:
        names = {get(connection, "/thread").decode() for _ in range(50)}
    assert all(name.startswith("wsgitypes-loop-") for name in names), names


def threads_of_the_worker(server: Server) -> int:
    (worker,) = [process for process in processes() if process.ppid == server.process.pid]
    return worker.threads


def test_a_request_that_keeps_the_loop_thread_is_taken_over_from(start_server: StartServer) -> None:
    """While one request sleeps 3 s, the other connections are served at once, and
    the loop is taken over once: the thread that took over is not taken over from."""
    server = start_server(ours(APP, "--threads", "2", "--workers", "1"))
    with client(server) as slow, client(server) as quick:
        get(quick, "/thread")  # (both connections open and quiet before the slow request)
        slow.request("GET", "/slow?seconds=3")
        time.sleep(0.2)
        started = time.monotonic()
        names = [get(quick, "/thread").decode() for _ in range(20)]
        seconds = time.monotonic() - started
        time.sleep(0.2)
        threads = threads_of_the_worker(server)
        assert slow.getresponse().read() == b"slow"
    assert seconds < 1.5, f"20 quick requests took {seconds:.2f} s behind a slow one"
    assert names[-1].startswith("wsgitypes-loop-"), names  # the thread that took over serves inline again
    # the main thread, 2 in the pool, the loop thread and its standby, the one taken over from
    # (and one more, in case an inline request took too long on a busy machine)
    assert threads <= 7, f"{threads} threads"


@COUNTED_OR_TIMED
def test_requests_that_wait_run_at_once_in_the_pool(start_server: StartServer, launch: Callable[..., Command]) -> None:
    """Requests that sleep 5 ms each are not served one at a time on the loop thread."""
    server = start_server(launch(APP, "--threads", "8"))

    def waits(_: int) -> None:
        with client(server) as connection:
            for _ in range(25):
                get(connection, "/overlap?seconds=0.005")

    in_parallel(12, waits)
    assert most_at_once(server) >= 4


@pytest.mark.parametrize("threads", [1, 2])
def test_threads_bounds_the_requests_in_the_application_at_once(start_server: StartServer, threads: int) -> None:
    """Inline, taken over from, in the pool reading a body: never more than ``--threads``."""
    server = start_server(ours(APP, "--threads", str(threads)))
    large = b"x" * 4096

    def mixed(n: int) -> None:
        with client(server) as connection:
            for step in range(12):
                kind = (n + step) % 3
                if kind == 0:
                    get(connection, "/overlap")  # quick: inline
                elif kind == 1:
                    get(connection, "/overlap?seconds=0.03")  # keeps the loop thread: taken over from
                else:
                    # its body is read by a pool thread: the loop leaves a body sent after 100-continue to the application
                    get(connection, "/overlap?seconds=0.005", large, {"Expect": "100-continue"})

    in_parallel(8, mixed)
    assert most_at_once(server) == threads


# --- when no thread can start ---------------------------------------------------------------

ThreadLimit = Callable[[int, Command], Command]


def _pids_hierarchy() -> Path | None:
    """A cgroup directory where a child with its own ``pids.max`` can be made (v1's pids
    hierarchy, or a v2 one that hands the pids controller down), if this machine lets us."""
    v1 = Path("/sys/fs/cgroup/pids")
    if (v1 / "cgroup.procs").exists() and os.access(v1, os.W_OK):
        return v1
    v2 = Path("/sys/fs/cgroup")
    try:
        if "pids" in (v2 / "cgroup.subtree_control").read_text().split() and os.access(v2, os.W_OK):
            return v2
    except OSError:
        pass
    return None


@pytest.fixture
def thread_limit() -> Iterator[ThreadLimit]:
    """Run a server in a cgroup of its own whose ``pids.max`` allows that many processes and
    threads in all (root is exempt from RLIMIT_NPROC, not from a pids cgroup)."""
    hierarchy = _pids_hierarchy()
    if hierarchy is None:
        pytest.skip("no writable pids cgroup to limit a server's threads in")
    made: list[Path] = []

    def limited(tasks: int, command: Command) -> Command:
        group = hierarchy / f"wsgitypes-test-{os.getpid()}-{len(made)}"
        group.mkdir()
        made.append(group)
        (group / "pids.max").write_text(str(tasks))

        def argv(at: Address) -> list[str]:
            return ["sh", "-c", f'echo $$ > {group / "cgroup.procs"} && exec "$@"', "thread-limited", *command(at)]
        return argv

    yield limited
    for group in made:  # (the servers were stopped first: this fixture was set up before theirs)
        deadline = time.monotonic() + 5.0
        while (group / "cgroup.procs").read_text().strip() and time.monotonic() < deadline:
            time.sleep(0.05)
        group.rmdir()


def test_a_takeover_that_cannot_start_a_standby_leaves_the_requests_to_the_pool(thread_limit: ThreadLimit, start_server: StartServer) -> None:
    """The supervisor and a worker's main thread, 2 pool threads, the loop thread and its
    standby are 6 tasks, all the limit allows.  A slow request is taken over from, and the
    thread that takes over cannot start the next standby: the worker keeps serving, every
    request in the pool, and serves inline again once the slow request's thread has ended."""
    server = start_server(thread_limit(6, ours(APP, "--workers", "1", "--threads", "2")))
    with client(server) as slow, client(server) as quick:
        get(quick, "/thread")  # (both connections open and quiet before the slow request)
        slow.request("GET", "/slow?seconds=2")
        time.sleep(0.3)
        names = [get(quick, "/thread").decode() for _ in range(5)]
        assert slow.getresponse().read() == b"slow"
        deadline = time.monotonic() + 5.0
        while not (name := get(quick, "/thread").decode()).startswith("wsgitypes-loop-") and time.monotonic() < deadline:
            time.sleep(0.1)
    log = server.log()
    assert all(not name.startswith("wsgitypes-loop-") for name in names), names  # no standby: the pool serves
    assert name.startswith("wsgitypes-loop-"), f"still served by {name} 5 s after the slow request ended"
    assert log.count("cannot start a thread") == 1, log
    assert log.count("a thread started again") == 1, log
    assert "Traceback" not in log, log


def test_a_worker_whose_threads_cannot_start_says_so_in_one_line(thread_limit: ThreadLimit, start_server: StartServer) -> None:
    """Room for the supervisor, a worker and one pool thread of four: one line, no traceback."""
    server = start_server(thread_limit(3, ours(APP, "--workers", "1", "--threads", "4")))
    deadline = time.monotonic() + 5.0
    while "(code 4)" not in server.log() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = server.log()
    assert "cannot start the server's threads" in log, log
    assert "(code 4)" in log, log  # the worker exits with EXIT_NO_THREADS, and the supervisor tries again
    assert "Traceback" not in log, log


def test_clients_that_pipeline_thousands_of_requests_take_turns_with_the_others(start_server: StartServer) -> None:
    """Four clients keep sending 1,000 pipelined requests at a time to a worker of two
    threads; a fresh client's 20 requests meanwhile are answered within a turn each, not
    behind whole batches (before: about 0.5 s each)."""
    server = start_server(ours(APP, "--threads", "2", "--workers", "1"))
    request = b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
    stop = threading.Event()

    def pipeline(_: int) -> None:
        with socket.create_connection((server.host, server.port), timeout=20) as sock:
            sock.sendall(request)
            size = len(sock.recv(4096))  # (every /hello response is as long: the Date header is fixed-width)
            while not stop.is_set():
                sock.sendall(request * 1000)
                left = size * 1000
                while left:
                    data = sock.recv(1 << 20)
                    assert data, "the server closed a pipelining connection"
                    left -= len(data)

    pipelining = threading.Thread(target=in_parallel, args=(4, pipeline))
    pipelining.start()
    try:
        time.sleep(0.5)
        with client(server) as fresh:
            started = time.monotonic()
            for _ in range(20):
                assert get(fresh, "/hello") == b"Hello, World!"
            seconds = time.monotonic() - started
    finally:
        stop.set()
        pipelining.join()
    assert seconds < 3, f"20 requests took {seconds:.2f} s beside 4 pipelining clients"
