"""The validator's deployment recipe, as a server loads it: ``application`` at module level.

``conformance/matrix.py`` serves this module with each server's documented recipe
(gunicorn, waitress, uWSGI, mod_wsgi) and checks that:

* ``/good/...``: a well-behaved application under ``validator(app)`` in raise mode is
  answered as the application intends (hello, HEAD, a 1 MiB echo, a chunked echo, a
  streamed body, a file through ``wsgi.file_wrapper``) and no rule is reported;
* ``/broken-raise/``: an application that sends a hop-by-hop header, under raise mode,
  gets a 500 and the server's log shows the ``WSGIViolation``;
* ``/broken-report/``: the same application under report mode with
  ``report_to=("wsgi.errors",)`` is answered normally and the ``[hop-by-hop]`` line
  reaches the server's error log.

The path dispatcher in front passes ``environ`` and ``start_response`` through
untouched, so each validator still sees the server directly.  This file is also a
valid mod_wsgi script file (``mod_wsgi-express start-server conformance/recipe_app.py``):
it imports nothing but ``wsgitypes``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from typing import Any

from wsgitypes import StartResponse, WSGIEnvironment, environ_view
from wsgitypes.validate import validator

FILE_CONTENT = bytes(range(256)) * 400  # 100 KiB


def _read_body(environ: WSGIEnvironment) -> bytes:
    env = environ_view(environ)
    stream = env["wsgi.input"]
    if env.get("wsgi.input_terminated"):
        return stream.read()
    length = env.get("CONTENT_LENGTH") or ""
    return stream.read(int(length)) if length.isdigit() else b""


def good(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """A well-behaved application: every rule kept."""
    path = environ_view(environ).get("PATH_INFO") or ""
    route = path.rsplit("/", 1)[-1]
    if route == "echo":
        body = _read_body(environ)
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(body)))])
        return [body]
    if route == "stream":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return (b"chunk %d;" % number for number in range(10))
    if route == "file":
        file: Any = tempfile.TemporaryFile()
        file.write(FILE_CONTENT)
        file.seek(0)
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(FILE_CONTENT)))])
        wrapper = environ_view(environ).get("wsgi.file_wrapper")
        if wrapper is None:
            return iter(lambda: file.read(8192), b"")
        return wrapper(file, 8192)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "6")])
    return [b"hello\n"]


def broken(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """Sends a hop-by-hop header: only the server may (rule ``hop-by-hop``)."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Connection", "close"), ("Content-Length", "7")])
    return [b"broken\n"]


_GOOD = validator(good)
_BROKEN_RAISE = validator(broken)
_BROKEN_REPORT = validator(broken, mode="report", report_to=["wsgi.errors"])


def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    path = environ_view(environ).get("PATH_INFO") or ""
    if path.startswith("/broken-raise"):
        return _BROKEN_RAISE(environ, start_response)
    if path.startswith("/broken-report"):
        return _BROKEN_REPORT(environ, start_response)
    return _GOOD(environ, start_response)

