"""The command line of every server the repository runs, as a :data:`~harness.process.Command`.

Each function takes the application (``module:name``) and the server's own options, and
returns a function from the address to listen on to the argv.  Only the address, the
application and what :func:`harness.start` relies on (the log on stdout/stderr, SIGTERM
stopping the server) are fixed here; everything else is the caller's choice.
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness.process import Address, Command

PYTHON = sys.executable
BIN = Path(PYTHON).parent  # console scripts of this environment (uwsgi)
WORKER = "wsgitypes.gunicorn.Worker"  # our engine inside gunicorn, PEP 3333 checks on
UNCHECKED_WORKER = "wsgitypes.gunicorn.UncheckedWorker"


def _tcp_only(name: str, at: Address) -> None:
    if at.path:
        raise ValueError(f"{name} is not started on a Unix socket here")


def ours(app: str | None = None, *options: str) -> Command:
    """``python -m wsgitypes serve [APP] --bind ADDRESS``: our server (its demo application without
    ``app``).  More ``--bind`` options in ``options`` add listeners; as a command-line
    ``--bind``, the address replaces any ``bind`` a config file gives."""

    def argv(at: Address) -> list[str]:
        bind = f"unix:{at.path}" if at.path else at.netloc
        return [PYTHON, "-m", "wsgitypes", "serve", *([app] if app else []), "--bind", bind, *options]

    return argv


def gunicorn(app: str, *options: str, worker: str = "sync") -> Command:
    """``python -m gunicorn --worker-class WORKER``: ``sync``, ``gthread``, or ours (:data:`WORKER`,
    :data:`UNCHECKED_WORKER`)."""

    def argv(at: Address) -> list[str]:
        bind = f"unix:{at.path}" if at.path else at.netloc
        return [PYTHON, "-m", "gunicorn", "--bind", bind, "--worker-class", worker, *options, app]

    return argv


def waitress(app: str, *options: str) -> Command:
    """``python -m waitress`` (the ``waitress-serve`` command)."""

    def argv(at: Address) -> list[str]:
        where = f"--unix-socket={at.path}" if at.path else f"--listen={at.netloc}"
        return [PYTHON, "-m", "waitress", where, *options, app]

    return argv


def uwsgi(app: str, *options: str, socket: str = "http") -> Command:
    """``uwsgi --http``, stopped by SIGTERM (``--die-on-term``), failing when the app does
    not load (``--need-app``).  Built from source by ``pip install uwsgi``.

    ``socket`` picks how uWSGI speaks HTTP: ``http`` (its router: a process of its own
    that proxies to the workers), ``http-socket`` (the workers speak HTTP themselves and
    close the connection after every response) or ``http11-socket`` (the workers keep it
    open, each thread holding one connection until it idles ``--socket-timeout``)."""

    def argv(at: Address) -> list[str]:
        _tcp_only("uWSGI", at)
        return [str(BIN / "uwsgi"), f"--{socket}", at.netloc, "--module", app, "--die-on-term", "--need-app", *options]

    return argv


def granian(app: str, *options: str) -> Command:
    """``python -m granian --interface wsgi`` (Rust, hyper)."""

    def argv(at: Address) -> list[str]:
        _tcp_only("granian", at)
        return [PYTHON, "-m", "granian", "--interface", "wsgi", "--host", at.host, "--port", str(at.port), *options, app]

    return argv


def mod_wsgi(target: list[str], *options: str, express: Path, server_root: Path) -> Command:
    """``mod_wsgi-express start-server TARGET`` (Apache in the foreground, logging to the
    terminal), with its configuration in ``server_root/mod_wsgi-PORT``.  ``target`` is a
    script file, or ``--application-type module MODULE --callable-object NAME``."""

    def argv(at: Address) -> list[str]:
        _tcp_only("mod_wsgi", at)
        return [str(express), "start-server", *target, "--host", at.host, "--port", str(at.port),
                "--server-root", str(server_root / f"mod_wsgi-{at.port}"), "--log-to-terminal", *options]

    return argv


def _launched(server: str, app: str, options: tuple[str, ...]) -> Command:
    """``python -m harness.launch SERVER``: a server without a command line of its own."""

    def argv(at: Address) -> list[str]:
        _tcp_only(server, at)
        return [PYTHON, "-m", "harness.launch", server, app, "--host", at.host, "--port", str(at.port), *options]

    return argv


def wsgiref(app: str, *options: str) -> Command:
    """``wsgiref.simple_server``: one thread, HTTP/1.0.  ``--quiet``: no line per request."""
    return _launched("wsgiref", app, options)


def werkzeug(app: str, *options: str) -> Command:
    """Werkzeug's development server, threaded."""
    return _launched("werkzeug", app, options)


def cheroot(app: str, *options: str) -> Command:
    """``cheroot.wsgi.Server``; ``--threads N`` (default 10), ``--keep-alive SECONDS``."""
    return _launched("cheroot", app, options)


def netius(app: str, *options: str) -> Command:
    """``netius.servers.WSGIServer``."""
    return _launched("netius", app, options)


def bjoern(app: str, *options: str) -> Command:
    """``bjoern.run`` (C, libev)."""
    return _launched("bjoern", app, options)
