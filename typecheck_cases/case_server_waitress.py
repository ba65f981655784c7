"""Applications typed with wsgitypes are accepted by ``waitress.serve`` (types-waitress).

Also ``waitress.server.create_server``.  The stubs leave the adjustment keywords
``Incomplete``, so a wrong ``host=8080`` is not caught.  Type-checked only.
"""

from __future__ import annotations

from collections.abc import Iterable

import waitress
from waitress.server import create_server

import wsgitypes


def hello(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def serve(app: wsgitypes.WSGIApplication) -> None:
    waitress.serve(app, host="127.0.0.1", port=8080)
    waitress.serve(hello, listen="127.0.0.1:8080", threads=4)
    create_server(app, port=0).close()
    waitress.serve(app, "127.0.0.1")  # E -- everything after the app is keyword-only
    waitress.serve(hello.__name__)  # E -- a name is not an application
