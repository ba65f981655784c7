"""Applications typed with wsgitypes are accepted by bjoern (stubs/bjoern).

``bjoern.run`` / ``listen`` / ``server_run`` and the C entry point ``_bjoern.server_run``
take a ``wsgitypes.WSGIApplication``.  bjoern's ``start_response`` returns None rather
than a write callable, which the stubs cannot express on the application's side: return
the body.  Type-checked only.
"""

# requires: bjoern

from __future__ import annotations

from collections.abc import Iterable

import _bjoern
import bjoern

import wsgitypes


def hello(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def not_wsgi(environ: wsgitypes.WSGIEnvironment) -> bytes:
    return b"hello"


def serve(app: wsgitypes.WSGIApplication) -> None:
    bjoern.run(app, "127.0.0.1", 8080)
    bjoern.run(hello, "unix:/tmp/bjoern.sock", reuse_port=True, statsd={"enable": True, "host": "h", "port": 8125, "ns": "app"})
    sock = bjoern.listen(hello, "0.0.0.0", 8080, listen_backlog=64)
    bjoern.run()
    bjoern.server_run(sock, app)
    bjoern.server_run(bjoern.bind_and_listen("127.0.0.1", 0), app)
    _bjoern.server_run(sock.fileno(), app)
    has_statsd: bool = _bjoern.features["has_statsd"]
    major, minor, patch = _bjoern.version
    print(has_statsd, major, minor, patch)
    bjoern.run(not_wsgi, "127.0.0.1", 8080)  # E -- one parameter is not a WSGI application
    bjoern.listen(app, 8080)  # E -- the host comes before the port
    bjoern.run(statsd={"enable": True})  # E -- host, port and ns are required statsd keys
