"""The wsgitypes reference server: HTTP/1.1, every request checked against PEP 3333.

::

    from wsgitypes.server import serve
    serve(app, "127.0.0.1", 8000, workers=2, threads=8)

or ``python -m wsgitypes serve module:app --workers 2``.  By default the application
runs inside :func:`wsgitypes.validate.validator`, so both sides of every request
are held to the rule catalogue: the environ and streams this server builds, and
what the application answers.  A broken rule is a 500 with the
:class:`~wsgitypes.WSGIViolation` in the error log; ``check=False`` serves without
the PEP 3333 checks, never without the HTTP wire rules.

The parts, each in its own module.  The sans-IO core, which knows HTTP but no
sockets: :mod:`~wsgitypes.server.request` (requests in; chunked bodies in
:mod:`~wsgitypes.server.chunked`) and :mod:`~wsgitypes.server.response` (responses
out).  Around it: :mod:`~wsgitypes.server.environ` and
:mod:`~wsgitypes.server.streams` (what the application is given),
:mod:`~wsgitypes.server.connection` (one connection, in a worker thread),
:mod:`~wsgitypes.server.engine` (one process: event loop and threads, over
:mod:`~wsgitypes.server.poller`), :mod:`~wsgitypes.server.process` (listening,
supervisor and workers, signals).  Every limit and timeout is in
:mod:`~wsgitypes.server.settings`.  Logs go to the ``wsgitypes.server`` logger, and
the access log (Common Log Format) to ``wsgitypes.access`` at INFO.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from wsgitypes.rules import check_script_name
from wsgitypes.server.connection import ClientDisconnected
from wsgitypes.server.engine import Engine
from wsgitypes.server.poller import Engine as EngineChoice
from wsgitypes.server.process import Heartbeat, ListenError, can_fork, listen, on_stop_signals, run_workers, show_address
from wsgitypes.server.proxy import DEFAULT_TRUSTED, TrustedProxies
from wsgitypes.server.settings import Limits, Timeouts
from wsgitypes.server.streams import FileWrapper
from wsgitypes.types import WSGIApplication
from wsgitypes.validate import validator

if TYPE_CHECKING:
    import ssl

__all__ = ["ClientDisconnected", "FileWrapper", "Limits", "ListenError", "Timeouts", "serve", "tls_context"]

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
    engine: EngineChoice = "auto",
    tls: ssl.SSLContext | None = None,
    forwarded_allow_ips: str | None = DEFAULT_TRUSTED,
    on_listening: Callable[[socket.socket], object] | None = None,
) -> int:
    """Serve ``app`` until SIGTERM or SIGINT, then finish the requests in flight; the exit status.

    ``host`` may be ``unix:/path`` for a Unix socket.  ``workers`` processes each
    run ``threads`` threads, under a supervisor process that replaces any that die;
    ``script_name`` is where the application is mounted (requests outside it get an
    empty SCRIPT_NAME).  ``engine`` picks the event loop: epoll, or the portable
    selectors one.  ``tls`` (see :func:`tls_context`) serves HTTPS, and makes
    ``wsgi.url_scheme`` ``https``.  ``forwarded_allow_ips`` names the proxies whose
    forwarding headers count (:mod:`~wsgitypes.server.proxy`; None: nobody's).
    ``on_listening`` is called with the listening socket before any request is served
    (to learn the port when ``port`` is 0).  Raises :class:`ListenError` when the
    address is unusable, ValueError for a bad ``forwarded_allow_ips``.
    """
    if workers < 1 or threads < 1:
        raise ValueError(f"workers and threads must be at least 1, got {workers} and {threads}")
    if (problem := check_script_name(script_name)) is not None:
        raise ValueError(f"script_name: {problem}")
    forwarded = TrustedProxies.parse(forwarded_allow_ips) if forwarded_allow_ips is not None else None
    if tls is not None and url_scheme == "http":
        url_scheme = "https"
    served = validator(app) if check else app
    listener = listen(host, port, backlog)
    status = 0
    try:
        address = listener.getsockname()
        where = f"unix:{address}" if listener.family == socket.AF_UNIX else f"{url_scheme}://{show_address(address[0], address[1])}"
        log.info(
            "serving %s on %s: %d worker%s x %d threads, PEP 3333 checks %s",
            getattr(app, "__qualname__", type(app).__qualname__), where, workers, "s" * (workers > 1), threads, "on" if check else "off",
        )
        if on_listening is not None:
            on_listening(listener)
        supervised = can_fork()

        def run_engine(heartbeat: Heartbeat | None = None) -> int:
            engine_ = Engine(
                served, [listener], threads=threads, limits=limits, timeouts=timeouts, errors=sys.stderr,
                multiprocess=workers > 1, script_name=script_name, url_scheme=url_scheme, poller=engine,
                tls=tls, forwarded=forwarded,
            )
            on_stop_signals(engine_.drain)
            if supervised:
                supervisor = os.getppid()

                def tick() -> None:
                    if heartbeat is not None:
                        heartbeat.beat()
                    if os.getppid() != supervisor:  # the supervisor was killed: nobody would stop us
                        engine_.drain()

                engine_.on_tick = tick
            return engine_.run()

        if supervised:
            run_workers(workers, run_engine, timeouts.graceful, on_stop=listener.close, silence_limit=timeouts.app)
        else:
            status = run_engine()
    finally:
        listener.close()
    log.info("stopped")
    return status


def tls_context(certfile: str, keyfile: str | None = None, ca_certs: str | None = None, *, require_client_cert: bool = True) -> ssl.SSLContext:
    """A server-side TLS context: the certificate chain in ``certfile`` (and its key, if
    not in the same file); with ``ca_certs``, client certificates signed by those CAs
    are asked for (and required, unless ``require_client_cert`` is False).

    The standard library's defaults apply (TLS 1.2 and later, its cipher choice);
    raises ``ssl.SSLError`` or ``OSError`` for files that cannot be loaded.
    """
    import ssl  # only when TLS is wanted: it costs every process 5 MiB

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certfile, keyfile)
    if ca_certs is not None:
        context.load_verify_locations(ca_certs)
        context.verify_mode = ssl.CERT_REQUIRED if require_client_cert else ssl.CERT_OPTIONAL
    return context
