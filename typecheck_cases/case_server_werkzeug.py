"""Applications typed with wsgitypes are accepted by ``werkzeug.serving.run_simple``.

Also ``werkzeug.serving.make_server`` and the debugger / shared-data middleware.
Type-checked only; no server is started.
"""

from __future__ import annotations

from collections.abc import Iterable

from werkzeug.debug import DebuggedApplication
from werkzeug.middleware.shared_data import SharedDataMiddleware
from werkzeug.serving import BaseWSGIServer, make_server, run_simple

import wsgitypes


def hello(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def run(app: wsgitypes.WSGIApplication, environ_app: wsgitypes.WSGIApplication) -> None:
    run_simple("127.0.0.1", 5000, app, use_reloader=False)
    run_simple("127.0.0.1", 5000, hello, threaded=True)
    run_simple("127.0.0.1", 5000, SharedDataMiddleware(app, {"/static": "/srv/static"}))
    run_simple("127.0.0.1", 5000, DebuggedApplication(environ_app, evalex=False))
    run_simple("127.0.0.1", 5000, "hello")  # E -- an import string is not an application


def server(app: wsgitypes.WSGIApplication) -> BaseWSGIServer:
    return make_server("127.0.0.1", 0, app)
