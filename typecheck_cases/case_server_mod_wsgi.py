"""Applications typed with wsgitypes go through mod_wsgi-express's wrappers (stubs/mod_wsgi).

Apache itself loads the ``application`` of a WSGI script, which no type checker sees; what
is importable outside Apache is ``mod_wsgi.express``.  Its runtime wrappers
(``PostMortemDebugger``, ``RequestRecorder``, ``ApplicationHandler``) take and are WSGI
applications.  Type-checked only.
"""

# requires: mod_wsgi

from __future__ import annotations

from collections.abc import Iterable

from mod_wsgi.diagnostics import hello as hello_module
from mod_wsgi.express import cli
from mod_wsgi.express.runtime import ApplicationHandler, PostMortemDebugger, RequestRecorder

import wsgitypes


def hello(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


application: wsgitypes.WSGIApplication = hello  # what a mod_wsgi script exports


def wrap(app: wsgitypes.WSGIApplication) -> list[wsgitypes.WSGIApplication]:
    handler = ApplicationHandler("/srv/app.wsgi", mount_point="/app", enable_debugger=True)
    inner: wsgitypes.WSGIApplication = handler.application
    return [
        PostMortemDebugger(app, startup=False),
        RequestRecorder(hello, "/tmp/recorded"),
        handler,
        inner,
        hello_module.application,
        PostMortemDebugger(RequestRecorder(app, "/tmp/recorded"), False),
    ]


def start() -> None:
    cli.start("/srv/app.wsgi", "--port", "8000")
    PostMortemDebugger("/srv/app.wsgi", False)  # E -- a script path is not an application
    RequestRecorder(hello)  # E -- the save directory is required
    cli.start("--port", 8000)  # E -- command-line arguments are strings
