"""Real gunicorn running our worker classes (``-k wsgitypes.gunicorn.Worker`` and
``UncheckedWorker``), with real sockets on 127.0.0.1 (issue 4).

``gunicorn -k WORKER -w 2 --threads 4 tests.apps.serving:app`` as a subprocess on
127.0.0.1 (:mod:`harness`): hello,
a chunked upload and a 1 MiB download compared by SHA-256, keep-alive reuse, a
malformed request (400, then the connection closes), an application that breaks
PEP 3333 (500 from the checked worker, served by the unchecked one), and SIGTERM to
the master with a request in flight (it finishes; gunicorn exits).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from harness import UNCHECKED_WORKER, WORKER, Command, Server, gunicorn, serve
from tests.apps.serving import HELLO, pseudo_random

pytest.importorskip("gunicorn")
pytest.importorskip("httptools")

WORKERS = [WORKER, UNCHECKED_WORKER]


def _gunicorn(worker: str, app: str, *extra: str) -> Command:
    return gunicorn(app, "-w", "2", "--threads", "4", "--graceful-timeout", "10", *extra, worker=worker)


@pytest.fixture(scope="module", params=WORKERS, ids=["Worker", "UncheckedWorker"])
def gunicorn_server(request: pytest.FixtureRequest) -> Iterator[Server]:
    with serve(_gunicorn(request.param, "tests.apps.serving:app", "--keep-alive", "10")) as server:
        yield server
        code = server.stop()
        log = server.log()
    assert code == 0, log
    assert "Traceback" not in log, log


def _connection(server: Server) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", server.port, timeout=15.0)


def test_hello(gunicorn_server: Server) -> None:
    connection = _connection(gunicorn_server)
    try:
        connection.request("GET", "/hello")
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, HELLO)
        assert response.getheader("Content-Length") == str(len(HELLO))
    finally:
        connection.close()


def test_chunked_upload(gunicorn_server: Server) -> None:
    data = pseudo_random(3 * 1024 * 1024 + 17, 41)
    pieces = (data[i : i + 100_003] for i in range(0, len(data), 100_003))
    connection = _connection(gunicorn_server)
    try:
        connection.request("POST", "/upload", body=pieces)  # an iterable without a length: chunked
        response = connection.getresponse()
        assert response.status == 200
        assert json.loads(response.read()) == {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    finally:
        connection.close()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_download(gunicorn_server: Server, chunked: bool) -> None:
    size = 1 << 20
    connection = _connection(gunicorn_server)
    try:
        connection.request("GET", f"/download?size={size}&seed=5" + "&chunked=1" * chunked)
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200
        if chunked:
            assert response.getheader("Transfer-Encoding") == "chunked"
        else:
            assert response.getheader("Content-Length") == str(size)
        assert hashlib.sha256(body).digest() == hashlib.sha256(pseudo_random(size, 5)).digest()
    finally:
        connection.close()


def test_keepalive_reuse(gunicorn_server: Server) -> None:
    connection = _connection(gunicorn_server)
    try:
        ports = set()
        for n in range(10):
            connection.request("POST", "/upload", body=b"x" * n)
            response = connection.getresponse()
            assert json.loads(response.read())["size"] == n
            assert not response.will_close
            assert connection.sock is not None
            ports.add(connection.sock.getsockname()[1])
        assert len(ports) == 1, "every request went over the same connection"
    finally:
        connection.close()


def test_malformed_request(gunicorn_server: Server) -> None:
    answer, closed = gunicorn_server.exchange(b"POST /upload HTTP/1.1\r\nHost: bad.test\r\nContent-Length: +5\r\n\r\nhello")
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert closed


@pytest.mark.parametrize("worker", WORKERS, ids=["Worker", "UncheckedWorker"])
def test_rule_broken_by_the_application(worker: str) -> None:
    """``headers_as_lists`` gives start_response lists, not tuples: the checked worker
    logs the WSGIViolation and answers 500; the unchecked one serves the response."""
    with serve(_gunicorn(worker, "tests.apps.broken:headers_as_lists")) as server:
        answer, _ = server.exchange(b"GET / HTTP/1.1\r\nHost: broken.test\r\nConnection: close\r\n\r\n")
        assert server.stop() == 0
        log = server.log()
    if worker.endswith(".Worker"):
        assert answer.startswith(b"HTTP/1.1 500 "), answer[:200]
        assert "WSGIViolation" in log, log
    else:
        assert answer.startswith(b"HTTP/1.1 200 ") and answer.endswith(b"\r\n\r\nok\n"), answer[:200]
        assert "WSGIViolation" not in log, log


@pytest.mark.parametrize("worker", WORKERS, ids=["Worker", "UncheckedWorker"])
def test_sigterm_with_a_request_in_flight(worker: str) -> None:
    """SIGTERM to the master while /slow?seconds=2 runs: the request finishes with its
    full body and gunicorn exits 0 within its graceful timeout (10 s here)."""
    with serve(_gunicorn(worker, "tests.apps.serving:app")) as server:
        result: list[tuple[int, bytes]] = []

        def slow() -> None:
            connection = _connection(server)
            try:
                connection.request("GET", "/slow?seconds=2")
                response = connection.getresponse()
                result.append((response.status, response.read()))
            finally:
                connection.close()

        client = threading.Thread(target=slow)
        client.start()
        time.sleep(0.5)
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        client.join(15)
        code = server.process.wait(15)
        stopped = time.monotonic() - signalled
        log = server.log()
    print(f"\ngunicorn exited {code} {stopped:.2f} s after SIGTERM")
    assert result == [(200, b"slow")], log
    assert code == 0, log
    assert stopped < 10, log
    assert "Traceback" not in log, log
