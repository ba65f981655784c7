"""Serve a WSGI application with a server that has no command line of its own.

::

    python -m harness.launch SERVER MODULE:APP --host 127.0.0.1 --port PORT [options]

SERVER is ``wsgiref``, ``werkzeug``, ``cheroot``, ``netius`` or ``bjoern``.  Runs until
SIGTERM, then exits 0 (bjoern dies of the signal: it has no stop of its own).  Options
(each server ignores those that are not its own):

* ``--quiet``: wsgiref writes no line per request.
* ``--threads N``: cheroot's worker threads (its default: 10).
* ``--keep-alive SECONDS``: cheroot closes an idle connection after this long, and keeps
  any number of them open (by default it closes every idle keep-alive connection beyond
  the tenth).
"""

from __future__ import annotations

import argparse
import importlib
import signal
from typing import Any

SERVERS = ("wsgiref", "werkzeug", "cheroot", "netius", "bjoern")


def _load(spec: str) -> Any:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name or "application")


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness.launch", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("server", choices=SERVERS)
    parser.add_argument("app", metavar="MODULE:APP")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--threads", type=int, default=10)
    parser.add_argument("--keep-alive", type=float)
    args = parser.parse_args(argv)
    app = _load(args.app)
    host: str = args.host
    port: int = args.port
    signal.signal(signal.SIGTERM, _stop)
    if args.server == "wsgiref":
        from wsgiref.simple_server import WSGIRequestHandler, make_server

        class QuietHandler(WSGIRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

        make_server(host, port, app, handler_class=QuietHandler if args.quiet else WSGIRequestHandler).serve_forever()
    elif args.server == "werkzeug":
        from werkzeug.serving import run_simple

        run_simple(host, port, app, threaded=True)
    elif args.server == "cheroot":
        wsgi: Any = importlib.import_module("cheroot.wsgi")  # not installed by the test extra
        options = {} if args.keep_alive is None else {"timeout": int(args.keep_alive)}
        httpd = wsgi.Server((host, port), app, numthreads=args.threads, **options)
        if args.keep_alive is not None:
            setattr(httpd, "keep_alive_conn_limit", None)  # typed int, but None (no limit) is documented
        try:
            httpd.start()
        finally:
            httpd.stop()
    elif args.server == "netius":
        import netius.servers

        netius_server: Any = getattr(netius.servers, "WSGIServer")
        netius_server(app=app).serve(host=host, port=port)
    else:
        # bjoern's C loop runs Python's signal handlers on a timer but drops the SystemExit
        # they raise, so it would run on until SIGKILL; the default action ends it at once.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        runner: Any = getattr(importlib.import_module("bjoern"), "run")
        runner(app, host, port)


if __name__ == "__main__":
    main()
