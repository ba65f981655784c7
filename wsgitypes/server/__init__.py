"""The wsgitypes reference server: HTTP/1.1, every request checked against PEP 3333.

::

    from wsgitypes.server import serve
    serve(app, "127.0.0.1", 8000, workers=2, threads=8)

or ``python -m wsgitypes serve module:app --workers 2``.  By default the application
runs inside :func:`wsgitypes.validate.validator`, so both sides of every request
are held to the rule catalogue: the environ and streams this server builds, and
what the application answers.  A broken rule is a 500 with the
:class:`~wsgitypes.WSGIViolation` in the error log; ``check=False`` serves without.

The parts, each in its own module: :mod:`~wsgitypes.server.http` (framing, no I/O),
:mod:`~wsgitypes.server.environ`, :mod:`~wsgitypes.server.connection` (one
connection's requests and responses), :mod:`~wsgitypes.server.engine` (one
process: event loop and threads), :mod:`~wsgitypes.server.process` (listening,
worker processes, signals).  Logs go to the ``wsgitypes.server`` logger, and the
access log (Common Log Format) to ``wsgitypes.access`` at INFO.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from collections.abc import Callable

from wsgitypes.server.connection import ClientDisconnected, FileWrapper
from wsgitypes.server.engine import Engine, Timeouts
from wsgitypes.server.http import Limits
from wsgitypes.server.process import ListenError, listen, on_stop_signals, run_workers, show_address
from wsgitypes.rules import check_script_name
from wsgitypes.types import WSGIApplication
from wsgitypes.validate import validator

__all__ = ["ClientDisconnected", "FileWrapper", "Limits", "ListenError", "Timeouts", "serve"]

log = logging.getLogger("wsgitypes.server")


def serve(
    app: WSGIApplication,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    workers: int = 1,
    threads: int = 8,
    check: bool = True,
    limits: Limits = Limits(),
    timeouts: Timeouts = Timeouts(),
    backlog: int = 2048,
    script_name: str = "",
    url_scheme: str = "http",
    on_listening: Callable[[socket.socket], object] | None = None,
) -> None:
    """Serve ``app`` until SIGTERM or SIGINT, then finish the requests in flight and return.

    ``host`` may be ``unix:/path`` for a Unix socket.  ``workers`` processes each
    run ``threads`` threads; ``script_name`` is where the application is mounted
    (requests outside it get an empty SCRIPT_NAME).  ``on_listening`` is called
    with the listening socket before any request is served (to learn the port
    when ``port`` is 0).  Raises :class:`ListenError` when the address is unusable.
    """
    if workers < 1 or threads < 1:
        raise ValueError(f"workers and threads must be at least 1, got {workers} and {threads}")
    if (problem := check_script_name(script_name)) is not None:
        raise ValueError(f"script_name: {problem}")
    served = validator(app) if check else app
    listener = listen(host, port, backlog)
    try:
        address = listener.getsockname()
        where = f"unix:{address}" if listener.family == socket.AF_UNIX else f"http://{show_address(address[0], address[1])}"
        log.info(
            "serving %s on %s: %d worker%s x %d threads, PEP 3333 checks %s",
            getattr(app, "__qualname__", type(app).__qualname__), where, workers, "s" * (workers > 1), threads, "on" if check else "off",
        )
        if on_listening is not None:
            on_listening(listener)

        def run_engine() -> None:
            engine = Engine(
                served, [listener], threads=threads, limits=limits, timeouts=timeouts, errors=sys.stderr,
                multiprocess=workers > 1, script_name=script_name, url_scheme=url_scheme,
            )
            on_stop_signals(engine.drain)
            if workers > 1:
                parent = os.getppid()

                def stop_if_orphaned() -> None:
                    if os.getppid() != parent:  # the supervisor was killed: nobody would stop us
                        engine.drain()

                engine.on_tick = stop_if_orphaned
            engine.run()

        if workers == 1:
            run_engine()
        else:
            run_workers(workers, run_engine, timeouts.graceful, on_stop=listener.close)
    finally:
        listener.close()
    log.info("stopped")
