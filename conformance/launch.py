"""Serve a WSGI application with a server that has no command line of its own.

::

    python -m conformance.launch SERVER PORT [MODULE:APP]

SERVER is one of ``wsgiref``, ``werkzeug``, ``cheroot``, ``netius``, ``bjoern``; the application
defaults to ``wsgitypes.probe:app``.  Listens on 127.0.0.1 until SIGTERM.
"""

from __future__ import annotations

import importlib
import signal
import sys
from typing import Any


def _load(spec: str) -> Any:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name or "application")


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)


def main(argv: list[str]) -> None:
    server, port = argv[0], int(argv[1])
    app = _load(argv[2] if len(argv) > 2 else "wsgitypes.probe:app")
    signal.signal(signal.SIGTERM, _stop)
    if server == "wsgiref":
        from wsgiref.simple_server import make_server

        make_server("127.0.0.1", port, app).serve_forever()
    elif server == "werkzeug":
        from werkzeug.serving import run_simple

        run_simple("127.0.0.1", port, app, threaded=True)
    elif server == "cheroot":
        from cheroot import wsgi

        httpd = wsgi.Server(("127.0.0.1", port), app, numthreads=4)
        try:
            httpd.start()
        finally:
            httpd.stop()
    elif server == "netius":
        import netius.servers

        netius_server: Any = getattr(netius.servers, "WSGIServer")
        netius_server(app=app).serve(host="127.0.0.1", port=port)
    elif server == "bjoern":
        runner: Any = getattr(importlib.import_module("bjoern"), "run")
        runner(app, "127.0.0.1", port)
    else:
        raise SystemExit(f"unknown server {server!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
