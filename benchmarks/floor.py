"""The least a WSGI server written in Python can do per request: a yardstick, not a server.

::

    python -m benchmarks.floor MODULE:APP --host 127.0.0.1 --port PORT [--workers 2]

``benchmarks/servers.py`` runs it beside the real servers so that every figure has a floor:
how fast, and how small, *any* server in CPython can be on this machine, however it is
written.  A ratio to a C or Rust peer that this floor itself misses is not one a Python
server can reach by being better written, only by doing less in Python.

What it leaves out is everything a server owes its clients and applications: no limits
or timeouts (one slow client holds its process), no checks of the request beyond what
llhttp refuses, no validation, no chunked responses, no ``write()``, no error pages, no
logging, no stop but SIGTERM.  What it keeps is what the benchmark's requests need:
keep-alive, pipelining, Content-Length bodies in both directions, and one llhttp parser
per connection (``httptools``).  Each worker is one thread on one ``epoll`` (level
triggered; a socket is blocking, so a large response is one ``sendall``); the parent
forks ``--workers`` children that share the listener and waits, as a supervisor does.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import select
import signal
import socket
import sys
from typing import Any

import httptools

class _Connection:
    """One client: its parser and the requests it has completed, not yet answered."""

    __slots__ = ("sock", "parser", "url", "headers", "body", "ready")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.parser = httptools.HttpRequestParser(self)
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.ready: list[tuple[str, bytes, list[tuple[bytes, bytes]], bytes, bool]] = []

    # llhttp's callbacks
    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        parser = self.parser
        body = self.body[0] if len(self.body) == 1 else b"".join(self.body)
        self.ready.append((parser.get_method().decode("ascii"), self.url, self.headers, body, parser.should_keep_alive()))
        self.url, self.headers, self.body = b"", [], []


def _environ(base: dict[str, Any], method: str, url: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> dict[str, Any]:
    environ = base.copy()
    path, _, query = url.partition(b"?")
    environ["REQUEST_METHOD"] = method
    environ["PATH_INFO"] = path.decode("latin-1")
    environ["QUERY_STRING"] = query.decode("latin-1")
    environ["wsgi.input"] = io.BytesIO(body)
    for name, value in headers:
        key = name.decode("latin-1").upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value.decode("latin-1")
    return environ


def _answer(app: Any, environ: dict[str, Any], keep_alive: bool) -> list[bytes]:
    """The response's bytes: a head, then the body the application gave."""
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]
        return None

    result = app(environ, start_response)
    try:
        body = [data for data in result if data]
    finally:
        if hasattr(result, "close"):
            result.close()
    status, headers = started
    lines = [f"HTTP/1.1 {status}\r\n"] + [f"{name}: {value}\r\n" for name, value in headers]
    if not any(name.lower() == "content-length" for name, _ in headers):  # (the body is all here: count it)
        lines.append(f"Content-Length: {sum(map(len, body))}\r\n")
    lines.append("\r\n" if keep_alive else "Connection: close\r\n\r\n")
    return ["".join(lines).encode("latin-1"), *body]


def _work(listener: socket.socket, app: Any) -> None:
    host, port = listener.getsockname()[:2]
    base: dict[str, Any] = {
        "SERVER_NAME": host, "SERVER_PORT": str(port), "SERVER_PROTOCOL": "HTTP/1.1", "SCRIPT_NAME": "",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
    poller = select.epoll()
    poller.register(listener.fileno(), select.EPOLLIN | getattr(select, "EPOLLEXCLUSIVE", 0))
    connections: dict[int, _Connection] = {}
    while True:
        for fd, _ in poller.poll():
            if fd == listener.fileno():
                try:
                    sock, _ = listener.accept()
                except BlockingIOError:
                    continue  # another worker took it
                sock.setblocking(True)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                connections[sock.fileno()] = _Connection(sock)
                poller.register(sock.fileno(), select.EPOLLIN)
                continue
            connection = connections[fd]
            try:
                data = connection.sock.recv(65536)
                if data:
                    connection.parser.feed_data(data)
            except (OSError, httptools.HttpParserError):
                data = b""
            keep = bool(data)
            for method, url, headers, body, keep_alive in connection.ready:
                try:
                    connection.sock.sendall(b"".join(_answer(app, _environ(base, method, url, headers, body), keep_alive)))
                except OSError:
                    keep_alive = False
                if not keep_alive:
                    keep = False
                    break
            connection.ready.clear()
            if not keep:
                poller.unregister(fd)
                del connections[fd]
                connection.sock.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.floor", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("app", metavar="MODULE:APP")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    module, _, name = args.app.partition(":")
    app = getattr(importlib.import_module(module), name or "application")
    listener = socket.create_server((args.host, args.port), backlog=2048)
    listener.setblocking(False)
    children: list[int] = []
    for _ in range(args.workers):
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            _work(listener, app)
        children.append(pid)

    def stop(signum: int, frame: object) -> None:
        for child in children:
            os.kill(child, signal.SIGTERM)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
