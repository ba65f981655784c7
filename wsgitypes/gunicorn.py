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
(gunicorn's own TLS context, served by our engine) and ``--forwarded-allow-ips``.  The
heartbeat (``--timeout``) is sent once a second from the event loop.  gunicorn's own
access log and ``--max-requests`` are not used: the access log goes to the
``wsgitypes.access`` logger.
"""

from __future__ import annotations

import os
import sys
from typing import cast

from gunicorn.sock import ssl_context
from gunicorn.workers.base import Worker as _GunicornWorker

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
        timeouts = Timeouts(keepalive=float(cfg.keepalive or 2), graceful=float(cfg.graceful_timeout))
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
