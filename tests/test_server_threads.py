"""Which thread serves a request (:mod:`wsgitypes.server.crew`), over a real server on 127.0.0.1.

Quick requests are served by the event loop's own thread; a request that keeps it
is taken over from; requests that wait go to the pool, where they run at once; and
``--threads N`` bounds the threads in the application however requests are served.
The first and the third hold too where the kernel cannot count one thread's context
switches (macOS, Windows), and the time a request takes tells instead: here
``RUSAGE_THREAD`` is removed before the server loads, as on macOS.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

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


def get(connection: http.client.HTTPConnection, path: str, body: bytes | None = None) -> bytes:
    connection.request("POST" if body is not None else "GET", path, body)
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
    """Inline, taken over from, in the pool with a body too large for the loop: never more than ``--threads``."""
    server = start_server(ours(APP, "--threads", str(threads), "--limit-buffer-body", "1024"))
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
                    get(connection, "/overlap?seconds=0.005", large)  # its body is read by a pool thread

    in_parallel(8, mixed)
    assert most_at_once(server) == threads
