"""The one way the tests, ``conformance/`` and ``benchmarks/`` start a WSGI server.

Not part of the wsgitypes distribution: it is imported from the repository root (pytest
puts the root on ``sys.path``, see pyproject's ``pythonpath``; the scripts run as
``python -m conformance.matrix`` / ``python -m benchmarks.servers`` from the root)::

    from harness import gunicorn, ours, serve, waitress

    with serve(ours("tests.apps.serving:app", "--threads", "4")) as server:
        answer, closed = server.exchange(b"GET /hello HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n")
        sock = server.connect()               # a raw socket; server.host, server.port, server.url
        status = server.stop()                # SIGTERM, wait, SIGKILL the group; the exit status
    print(server.log())                       # everything it wrote to stdout and stderr

    serve(gunicorn("tests.apps.serving:app", "--threads", "4", worker="gthread"), host="::1")
    serve(ours("tests.apps.serving:app"), unix=True)          # a Unix socket in a temporary directory
    serve(waitress("pkg:app"), env={"X": "1"}, cwd=some_dir, log=some_file, timeout=40)

A *command* (:mod:`harness.servers`: ours, gunicorn with any worker class, waitress,
uWSGI, granian, mod_wsgi-express, and wsgiref, Werkzeug, cheroot, netius, bjoern through
:mod:`harness.launch`) maps an address to an argv.  :func:`start` (or :func:`serve`, its
``with`` form) picks a free port, starts the command in its own session with its output in
a log file, and returns once the address accepts a connection; if the process exits first,
or nothing accepts within ``timeout``, it raises :class:`ServerFailed` with the log.  In
the tests, the ``serve`` fixture of ``tests/conftest.py`` does the same and stops every
server it started when the test ends.
"""

from harness.process import REPO_ROOT, Address, Command, Server, ServerFailed, free_port, read_until_close, serve, start
from harness.servers import (
    UNCHECKED_WORKER,
    WORKER,
    bjoern,
    cheroot,
    granian,
    gunicorn,
    mod_wsgi,
    netius,
    ours,
    uwsgi,
    waitress,
    werkzeug,
    wsgiref,
)

__all__ = [
    "REPO_ROOT", "Address", "Command", "Server", "ServerFailed", "free_port", "read_until_close", "serve", "start",
    "UNCHECKED_WORKER", "WORKER", "bjoern", "cheroot", "granian", "gunicorn", "mod_wsgi", "netius", "ours", "uwsgi", "waitress",
    "werkzeug", "wsgiref",
]
