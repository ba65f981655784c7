"""The WSGI application every server in ``benchmarks/servers.py`` serves, and launchers for
the peers that have no command line of their own.

* ``GET /``        13 bytes, ``Hello, world!``, with Content-Length
* ``GET /1mib``    1 MiB, one bytes object in a one-item list, with Content-Length
* ``POST /echo``   the request body, read with ``wsgi.input.read(CONTENT_LENGTH)``

Launchers (used by ``servers.py``; run from the ``benchmarks`` directory)::

    python apps.py wsgiref PORT      # wsgiref.simple_server: one thread, HTTP/1.0, backlog 5
    python apps.py cheroot PORT [KEEPALIVE_SECONDS]   # cheroot.wsgi.Server, default numthreads (10),
                                                      # no cap on idle keep-alive connections
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterable
from typing import Any

HELLO = b"Hello, world!"
MIB = b"x" * (1 << 20)
_HELLO_HEADERS = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(HELLO)))]
_MIB_HEADERS = [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(MIB)))]

StartResponse = Callable[..., Any]


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    if path == "/1mib":
        start_response("200 OK", list(_MIB_HEADERS))
        return [MIB]
    if path == "/echo":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(body)))])
        return [body]
    start_response("200 OK", list(_HELLO_HEADERS))
    return [HELLO]


application = app


def _stop_on_sigterm(stop: Callable[[], object]) -> None:
    def handle(signum: int, frame: object) -> None:
        stop()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def run_wsgiref(port: int) -> None:
    import threading
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = make_server("127.0.0.1", port, app, handler_class=QuietHandler)
    # shutdown() waits for serve_forever to return, so it cannot run in the handler's thread
    _stop_on_sigterm(lambda: threading.Thread(target=server.shutdown).start())
    print(f"serving wsgiref.simple_server on http://127.0.0.1:{port}", file=sys.stderr, flush=True)
    server.serve_forever()
    server.server_close()


def run_cheroot(port: int, keepalive: float) -> None:
    from cheroot.wsgi import Server

    server = Server(("127.0.0.1", port), app, timeout=int(keepalive))  # default numthreads=10
    # By default cheroot closes every idle keep-alive connection beyond the tenth, which
    # would both close wrk's connections and empty the idle-connection memory test.
    setattr(server, "keep_alive_conn_limit", None)  # typed int, but None (no limit) is documented
    server.prepare()
    _stop_on_sigterm(lambda: setattr(server, "ready", False))  # serve() returns once ready is False
    print(f"serving cheroot on http://127.0.0.1:{port}", file=sys.stderr, flush=True)
    try:
        server.serve()
    finally:
        server.stop()


if __name__ == "__main__":
    kind, port_text = sys.argv[1], sys.argv[2]
    if kind == "wsgiref":
        run_wsgiref(int(port_text))
    elif kind == "cheroot":
        run_cheroot(int(port_text), float(sys.argv[3]) if len(sys.argv) > 3 else 10.0)
    else:
        raise SystemExit(f"unknown server {kind!r}: wsgiref or cheroot")
