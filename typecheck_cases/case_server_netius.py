"""Applications typed with wsgitypes are accepted by netius's WSGI server (stubs/netius).

Without the stubs, netius 1.64's own annotations reject every PEP 3333 application: their
``WSGIServer(app)`` expects a ``start_response`` without ``exc_info``.  The stubs type
``app`` as ``wsgitypes.WSGIApplication`` and the constructor keywords of the whole class
chain; ``serve()`` after ``type`` is keyword-only (netius shifts positional arguments).
Type-checked only.
"""

# requires: netius

from __future__ import annotations

from collections.abc import Iterable

import netius
import netius.servers
from netius.servers.wsgi import WSGIServer

import wsgitypes


def hello(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def serve(app: wsgitypes.WSGIApplication) -> None:
    server = netius.servers.WSGIServer(app=app, mount="/api", legacy=False, encoding="gzip", name="api")
    server.serve(host="127.0.0.1", port=8080, ssl=False)
    WSGIServer(hello, idle_timeout=30, handlers=None).serve(env=True)
    stored: wsgitypes.WSGIApplication = server.app
    started: bool = server.is_running()
    print(stored, started, netius.VERSION)
    server.bind("stop", lambda *args: None)
    server.stop()
    WSGIServer(hello.__name__)  # E -- a name is not an application
    server.serve("127.0.0.1", 8080)  # E -- positional arguments are shifted at run time
    WSGIServer(app, idle_timout=30)  # E -- misspelt keyword
