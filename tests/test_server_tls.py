"""HTTPS with ``--certfile`` (issue 14): a real server subprocess, a CA and certificates
made in the test (trustme), clients from the standard library's ``ssl``.

TLS goes through the engine like plain TCP does, but on a non-blocking socket: the
handshake is done by the event loop step by step, and ``sendfile`` falls back to
reading and sending the file.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from harness import REPO_ROOT, WORKER, Server, gunicorn, ours, serve
from tests.apps.serving import pseudo_random

APP = "tests.apps.serving:app"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def certfile(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tls") / "server.pem"
    ca.issue_cert("localhost", "127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(path))
    return path


@pytest.fixture(scope="module")
def server(certfile: Path) -> Iterator[Server]:
    with serve(ours(APP, "--certfile", str(certfile), "--threads", "4", "--timeout-header", "2")) as running:
        yield running
        assert "Traceback" not in running.log(), running.log()


def client_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def https(server: Server, ca: trustme.CA) -> http.client.HTTPSConnection:
    return http.client.HTTPSConnection(server.host, server.port, context=client_context(ca), timeout=10)


def test_https_request_sees_https_scheme(server: Server, ca: trustme.CA) -> None:
    connection = https(server, ca)
    connection.request("GET", "/environ")
    response = connection.getresponse()
    environ = json.loads(response.read())
    assert response.status == 200
    assert environ["wsgi.url_scheme"] == "https"


def test_keep_alive_and_large_bodies_over_tls(server: Server, ca: trustme.CA) -> None:
    connection = https(server, ca)
    data = pseudo_random(3 << 20, 5)
    connection.request("POST", "/upload", body=data)
    assert json.loads(connection.getresponse().read()) == {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    for chunked in (False, True):
        connection.request("GET", f"/download?size={3 << 20}&seed=9" + "&chunked=1" * chunked)
        response = connection.getresponse()
        assert response.read() == pseudo_random(3 << 20, 9) and not response.will_close


def test_pipelined_requests_over_tls(server: Server, ca: trustme.CA) -> None:
    """Three requests in one TLS record, answered in order."""
    raw = b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n" * 2 + b"GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    with client_context(ca).wrap_socket(socket.create_connection((server.host, server.port), timeout=10), server_hostname="localhost") as tls:
        tls.sendall(raw)
        received = b""
        while chunk := tls.recv(65536):
            received += chunk
    assert received.count(b"HTTP/1.1 200 OK") == 3


def test_file_wrapper_is_sent_without_sendfile(server: Server, ca: trustme.CA) -> None:
    connection = https(server, ca)
    connection.request("GET", "/file?size=300000")
    response = connection.getresponse()
    body = response.read()
    assert response.getheader("Content-Length") == "300000" and body == pseudo_random(300000, 7)


def test_stalled_and_plain_clients_do_not_hold_the_loop(server: Server, ca: trustme.CA) -> None:
    """A TCP connection that never starts its handshake, one that stops half-way, and plain
    HTTP sent to the TLS port: others are served meanwhile, and each is closed."""
    silent = socket.create_connection((server.host, server.port))
    half = socket.create_connection((server.host, server.port))
    half.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # the start of a ClientHello
    plain = socket.create_connection((server.host, server.port), timeout=5)
    plain.sendall(b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
    started = time.monotonic()
    connection = https(server, ca)
    connection.request("GET", "/hello")
    assert connection.getresponse().status == 200
    assert time.monotonic() - started < 1.0
    try:
        assert plain.recv(65536)[:5] != b"HTTP/"  # never answered in plain text
    except ConnectionResetError:
        pass
    for stalled in (silent, half):
        stalled.settimeout(5)
        begun = time.monotonic()
        try:
            assert stalled.recv(65536) == b""
        except ConnectionResetError:
            pass
        assert time.monotonic() - begun < 4.5  # --timeout-header 2, checked once a second
    for sock in (silent, half, plain):
        sock.close()


def test_client_certificates(ca: trustme.CA, certfile: Path, tmp_path: Path) -> None:
    ca_path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    with serve(ours(APP, "--certfile", str(certfile), "--ca-certs", str(ca_path))) as mutual:
        refused = https(mutual, ca)
        with pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError)):
            refused.request("GET", "/hello")
            refused.getresponse().read()
        context = client_context(ca)
        ca.issue_cert("client@example.test").configure_cert(context)
        accepted = http.client.HTTPSConnection(mutual.host, mutual.port, context=context, timeout=10)
        accepted.request("GET", "/hello")
        assert accepted.getresponse().status == 200


@pytest.mark.parametrize(("arguments", "message"), [
    (["--certfile", "/nonexistent.pem"], "wsgitypes: cannot load the TLS certificate '/nonexistent.pem': No such file or directory"),
    (["--keyfile", "key.pem"], "wsgitypes: --keyfile and --ca-certs need --certfile"),
])
def test_tls_mistakes_are_one_line(arguments: list[str], message: str) -> None:
    done = subprocess.run([sys.executable, "-m", "wsgitypes", "serve", "--port", "0", *arguments], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=30)
    assert (done.returncode, done.stderr.strip()) == (2, message)


def test_our_gunicorn_worker_serves_gunicorn_tls(ca: trustme.CA, certfile: Path) -> None:
    """``gunicorn -k wsgitypes.gunicorn.Worker --certfile ...``: gunicorn's context, our engine."""
    with serve(gunicorn(APP, "--certfile", str(certfile), worker=WORKER)) as server:
        connection = https(server, ca)
        connection.request("GET", "/environ")
        assert json.loads(connection.getresponse().read())["wsgi.url_scheme"] == "https"
