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
supervisor and workers, signals), :mod:`~wsgitypes.server.loader` (``MODULE:APP``),
:mod:`~wsgitypes.server.reloader` (``--reload``).  Every limit and timeout is in
:mod:`~wsgitypes.server.settings`.  Logs go to the ``wsgitypes.server`` logger, and
the access log (:mod:`~wsgitypes.server.accesslog`; Common Log Format unless another
is asked for) to ``wsgitypes.access`` at INFO; with ``debug`` a 500 explains itself
(:mod:`~wsgitypes.server.devpage`).
"""

from __future__ import annotations

import logging
import os
import random
import socket
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from wsgitypes.rules import check_script_name
from wsgitypes.server import reloader
from wsgitypes.server.accesslog import COMMON, AccessLog
from wsgitypes.server.connection import ClientDisconnected
from wsgitypes.server.engine import Engine
from wsgitypes.server.loader import LoadError, check_spec, load_app, unloadable
from wsgitypes.server.poller import Engine as EngineChoice
from wsgitypes.server.poller import describe as describe_engine
from wsgitypes.server.process import (
    AF_UNIX,
    DEFAULT_PORT,
    Heartbeat,
    ListenError,
    SocketFile,
    can_fork,
    listen,
    on_stop_signals,
    parse_bind,
    run_workers,
    show_address,
)
from wsgitypes.server.proxy import DEFAULT_TRUSTED, TrustedProxies
from wsgitypes.server.settings import Limits, Timeouts
from wsgitypes.server.streams import FileWrapper
from wsgitypes.types import WSGIApplication
from wsgitypes.validate import validator

if TYPE_CHECKING:
    import ssl

__all__ = ["ClientDisconnected", "FileWrapper", "Limits", "ListenError", "LoadError", "Timeouts", "serve", "tls_context"]

log = logging.getLogger("wsgitypes.server")


def serve(
    app: WSGIApplication | str,
    host: str | None = None,
    port: int | None = None,
    *,
    bind: Sequence[str] = (),
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
    max_requests: int = 0,
    max_requests_jitter: int = 0,
    reload: bool = False,
    reload_dirs: Sequence[str] = (),
    debug: bool = False,
    access_log_format: str = COMMON,
    on_listening: Callable[[socket.socket], object] | None = None,
) -> int:
    """Serve ``app`` until SIGTERM, SIGINT or SIGQUIT, then finish the requests in flight; the exit status.

    ``app`` is the application, or a ``MODULE:APP`` spec that each worker loads
    itself (required by ``reload``).  The server listens on every ``bind`` address
    (``HOST:PORT``, ``[IPV6]:PORT``, ``unix:PATH``) and on ``host``:``port`` when
    either is given or ``bind`` is empty (127.0.0.1:8000 by default; ``host`` may be
    ``unix:/path``).  ``workers`` processes each run ``threads`` threads, under a
    supervisor process that replaces any that die; each worker retires after
    ``max_requests`` requests plus up to ``max_requests_jitter`` more (0: never), its
    replacement started as it drains.  ``reload`` restarts the workers when a Python
    file under ``reload_dirs`` (default: the working directory) changes.
    ``script_name`` is where the application is mounted (requests outside it get an
    empty SCRIPT_NAME).  ``engine`` picks the event loop: epoll, or the portable
    selectors one.  ``tls`` (see :func:`tls_context`) serves HTTPS, and makes
    ``wsgi.url_scheme`` ``https``.  ``forwarded_allow_ips`` names the proxies whose
    forwarding headers count (:mod:`~wsgitypes.server.proxy`; None: nobody's).
    ``debug`` puts the reason for a 500 in its body.
    ``access_log_format`` is a :mod:`~wsgitypes.server.accesslog` format (or
    ``"combined"``).  ``on_listening`` is called with each listening socket before any
    request is served (to learn the port when it is 0).  Raises :class:`ListenError`
    when an address is unusable, :class:`LoadError` when a spec cannot be loaded
    (without ``reload``), ValueError for a bad ``bind`` or ``forwarded_allow_ips``.
    """
    if workers < 1 or threads < 1:
        raise ValueError(f"workers and threads must be at least 1, got {workers} and {threads}")
    if max_requests < 0 or max_requests_jitter < 0:
        raise ValueError(f"max_requests and max_requests_jitter cannot be negative, got {max_requests} and {max_requests_jitter}")
    if (problem := check_script_name(script_name)) is not None:
        raise ValueError(f"script_name: {problem}")
    forwarded = TrustedProxies.parse(forwarded_allow_ips) if forwarded_allow_ips is not None else None
    if tls is not None and url_scheme == "http":
        url_scheme = "https"
    access = AccessLog(access_log_format)
    supervised = can_fork()
    if reload:
        if not isinstance(app, str):
            raise ValueError("reload needs the application as a MODULE:APP spec, which each worker loads anew")
        if not supervised:
            raise ValueError("reload needs os.fork, which this system lacks")
        if not reloader.available():
            raise ImportError("reload needs watchfiles: pip install 'wsgitypes[reload]'")
        check_spec(app)
        sys.dont_write_bytecode = True  # a module rewritten within a second to the same size would pass a stale .pyc's check
    elif isinstance(app, str):
        app = load_app(app)
    addresses = [parse_bind(address) for address in bind]
    if host is not None or port is not None or not addresses:
        addresses.append((host or "127.0.0.1", DEFAULT_PORT if port is None else port))
    listeners: list[socket.socket] = []
    socket_files: list[SocketFile] = []  # removed at the end, by this process (the workers' copies are closed by then)
    status = 0
    try:
        for address_host, address_port in addresses:
            listeners.append(listen(address_host, address_port, backlog))
            if (made := SocketFile.of(listeners[-1])) is not None:
                socket_files.append(made)
        if max_requests and not supervised:
            log.warning("max_requests is ignored: recycling workers needs os.fork, which this system lacks")
        if workers > 1 and not supervised:
            log.warning("workers=%d is ignored: worker processes need os.fork, which this system lacks; serving with one", workers)
            workers = 1
        log.info(
            "serving %s on %s: %d worker%s x %d threads, event loop %s, PEP 3333 checks %s%s%s",
            app if isinstance(app, str) else _name(app),
            ", ".join(_where(listener, url_scheme) for listener in listeners), workers, "s" * (workers > 1), threads,
            describe_engine(engine), "on" if check else "off",
            f", max {max_requests} requests a worker" + (f" (+0..{max_requests_jitter})" if max_requests_jitter else "") if max_requests else "",
            ", reloading on changes" if reload else "",
        )
        if debug:
            log.warning("debug mode: a 500 shows its traceback to the client; never run so in production")
        if on_listening is not None:
            for listener in listeners:
                on_listening(listener)

        def run_engine(heartbeat: Heartbeat | None = None) -> int:
            application: WSGIApplication
            if isinstance(app, str):
                try:
                    application = load_app(app)
                except LoadError as error:
                    log.error("%s; every request gets this error until the next change", error, exc_info=error.__cause__)
                    application = unloadable(error)
            else:
                application = app
            limit = max_requests + random.randint(0, max_requests_jitter) if max_requests and supervised else 0
            engine_ = Engine(
                validator(application) if check else application, listeners, threads=threads, limits=limits, timeouts=timeouts,
                errors=sys.stderr, multiprocess=workers > 1, script_name=script_name, url_scheme=url_scheme, poller=engine,
                tls=tls, forwarded=forwarded, access=access, debug=debug, max_requests=limit, on_retire=heartbeat.retire if heartbeat is not None else None,
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

        def close_listeners() -> None:
            for listener in listeners:
                listener.close()

        if supervised:
            directories = list(reload_dirs) or [os.getcwd()]
            run_workers(
                workers, run_engine, timeouts.graceful, on_stop=close_listeners, silence_limit=timeouts.app,
                watcher=(lambda notify: reloader.watch(directories, notify)) if reload else None,
            )
        else:
            status = run_engine()
    finally:
        for listener in listeners:
            listener.close()
        for made in socket_files:
            made.remove()
    log.info("stopped")
    return status


def _name(app: object) -> str:
    """A function's ``module:qualname``, as a MODULE:APP spec names it; another callable's class name."""
    if not hasattr(app, "__qualname__"):
        return type(app).__qualname__
    module, qualname = getattr(app, "__module__", None), str(getattr(app, "__qualname__", ""))
    return f"{module}:{qualname}" if module else qualname


def _where(listener: socket.socket, url_scheme: str) -> str:
    address = listener.getsockname()
    return f"unix:{address}" if listener.family == AF_UNIX else f"{url_scheme}://{show_address(address[0], address[1])}"


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
