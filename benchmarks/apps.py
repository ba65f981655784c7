"""The WSGI application every server in ``benchmarks/servers.py`` serves (``benchmarks.apps:app``).

* ``GET /``        13 bytes, ``Hello, world!``, with Content-Length
* ``GET /1mib``    1 MiB, one bytes object in a one-item list, with Content-Length
* ``POST /echo``   the request body, read with ``wsgi.input.read(CONTENT_LENGTH)``

The peers without a command line of their own (wsgiref, cheroot, bjoern) run it through
``python -m harness.launch``.  It reads the environ keys a server may leave out with
``.get``: bjoern, for one, sets no ``QUERY_STRING`` for a target without a query (PEP 3333
lets the key be absent when empty), so an app that indexes ``environ["QUERY_STRING"]``
(``tests.apps.serving:app``) answers bjoern's every plain ``GET /hello`` with a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

HELLO = b"Hello, world!"
MIB = b"x" * (1 << 20)
_HELLO_HEADERS = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(HELLO)))]
_MIB_HEADERS = [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(MIB)))]

StartResponse = Callable[..., Any]


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    if path == "/1mib":
        start_response("200 OK", list(_MIB_HEADERS))
        return [MIB]
    if path == "/echo":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(body)))])
        return [body]
    start_response("200 OK", list(_HELLO_HEADERS))
    return [HELLO]


application = app
