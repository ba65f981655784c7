"""gunicorn worker classes that serve with the wsgitypes engine.

::

    gunicorn -k wsgitypes.gunicorn.Worker --workers 2 --threads 8 myproject.wsgi:application
    gunicorn -k wsgitypes.gunicorn.UncheckedWorker ...     # without the PEP 3333 checks

gunicorn keeps what it is good at (the master process, reloading, worker restarts,
its configuration and hooks); each worker runs :class:`wsgitypes.server.engine.Engine`:
the strict HTTP/1.1 parsing, keep-alive with idle connections off the threads, and
(``Worker``) every request checked by :func:`wsgitypes.validate.validator`.

Settings honoured: ``--threads``, ``--keep-alive``, ``--graceful-timeout``,
``--limit-request-line``, ``--limit-request-fields``, ``--limit-request-field_size``
(0 means our default, not unlimited), ``--certfile`` / ``--keyfile`` / ``--ca-certs``
(gunicorn's own TLS context, served by our engine) and ``--forwarded-allow-ips``.

* ``--timeout``: the heartbeat gunicorn's master watches is sent once a second from
  the event loop, so a worker whose loop is stuck is killed after it; and, as in
  ``wsgitypes serve``, a worker whose every thread has been in the application that
  long while requests wait exits, so that the master starts a fresh one.
* ``--max-requests`` and ``--max-requests-jitter``: gunicorn's count (jitter
  included); the request that reaches it closes its connection, the worker finishes
  what it has and exits, and the master replaces it.
* The access log is gunicorn's: ``--access-logfile``, ``--access-logformat`` with its
  atoms, ``--log-config``; the ``wsgitypes.server`` logger writes through gunicorn's
  error log (its format and ``--log-level``) unless a logging config gives it
  handlers of its own.
* ``--log-level debug`` turns on the development error page (a 500 explains itself in
  its body), as it does for ``wsgitypes serve``.
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import timedelta
from typing import Any, cast

from gunicorn.sock import ssl_context
from gunicorn.workers.base import Worker as _GunicornWorker

from wsgitypes.server.accesslog import AccessRecord
from wsgitypes.server.engine import Engine
from wsgitypes.server.proxy import TrustedProxies
from wsgitypes.server.settings import Limits, Timeouts
from wsgitypes.types import WSGIApplication
from wsgitypes.validate import validator

__all__ = ["UncheckedWorker", "Worker"]

_DEFAULT_LIMITS = Limits()


class Worker(_GunicornWorker):
    """A gunicorn worker running the wsgitypes engine with the PEP 3333 checks on."""

    check = True

    def run(self) -> None:
        cfg = self.cfg
        limits = Limits(
            max_request_line=cfg.limit_request_line or _DEFAULT_LIMITS.max_request_line,
            max_header_line=cfg.limit_request_field_size or _DEFAULT_LIMITS.max_header_line,
            max_headers=cfg.limit_request_fields or _DEFAULT_LIMITS.max_headers,
        )
        timeouts = Timeouts(keepalive=float(cfg.keepalive or 2), graceful=float(cfg.graceful_timeout), app=float(cfg.timeout or 0))
        _share_error_log(self.log.error_log)
        app = cast(WSGIApplication, self.wsgi)  # typeshed's gunicorn types it with list headers
        engine = Engine(
            validator(app) if self.check else app,
            [getattr(listener, "sock", listener) for listener in self.sockets],  # gunicorn wraps its sockets
            threads=max(cfg.threads, 1),
            limits=limits,
            timeouts=timeouts,
            errors=sys.stderr,
            multiprocess=cfg.workers > 1,
            url_scheme="https" if cfg.is_ssl else "http",
            tls=ssl_context(cfg) if cfg.is_ssl else None,
            forwarded=TrustedProxies.parse(",".join([*cfg.forwarded_allow_ips, "unix"])),
            access=_GunicornAccess(self.log),
            debug=str(cfg.loglevel).lower() == "debug",
            max_requests=self.max_requests if cfg.max_requests > 0 else 0,  # gunicorn's count, jitter included
            on_retire=lambda: self.log.info("Autorestarting worker after current request."),
        )
        parent = self.ppid

        def heartbeat() -> None:
            self.notify()
            if not self.alive or os.getppid() != parent:  # SIGTERM, or the master is gone
                engine.drain()

        engine.on_tick = heartbeat
        if engine.run():  # every thread hung in the application: gunicorn starts a fresh worker
            sys.exit(1)


class UncheckedWorker(Worker):
    """The same worker without the PEP 3333 checks."""

    check = False


def _share_error_log(error_log: logging.Logger) -> None:
    """Send the ``wsgitypes.server`` logger's records through gunicorn's error log, unless it has handlers already."""
    ours = logging.getLogger("wsgitypes.server")
    if not ours.handlers:
        for handler in error_log.handlers:
            ours.addHandler(handler)
        ours.setLevel(error_log.level)
        ours.propagate = False


class _GunicornAccess:
    """Our access records, written by gunicorn's access log (its format, its atoms, its files)."""

    def __init__(self, log: Any) -> None:
        self.log = log

    def enabled(self) -> bool:
        return bool(getattr(self.log, "access_log_enabled", True))  # (an older gunicorn decides in access() itself)

    def __call__(self, record: AccessRecord, /) -> None:
        environ = {
            **record.environ, "REQUEST_METHOD": record.method, "RAW_URI": record.target, "SERVER_PROTOCOL": f"HTTP/{record.version}",
            "REMOTE_ADDR": record.peer,
        }
        request = _Request([(name.decode("latin-1").upper(), value.decode("latin-1")) for name, value in record.request_headers])
        self.log.access(_Response(record.status, record.sent, record.response_headers), request, environ,
                        timedelta(seconds=record.duration))


class _Request:
    """What gunicorn's access log reads of a request."""

    def __init__(self, headers: list[tuple[str, str]]) -> None:
        self.headers = headers


class _Response:
    """What gunicorn's access log reads of a response."""

    def __init__(self, status: str, sent: int, headers: list[tuple[str, str]]) -> None:
        self.status = status
        self.sent = sent
        self.headers = headers
