"""A typed middleware written as a closure (a decorator-style factory).

The factory takes and returns ``WSGIApplication``; the inner function is checked
against the protocol at the ``return``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import wsgitypes


def prefix_path(prefix: str) -> Callable[[wsgitypes.WSGIApplication], wsgitypes.WSGIApplication]:
    def middleware(app: wsgitypes.WSGIApplication) -> wsgitypes.WSGIApplication:
        def wrapped(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
            path: str = environ.get("PATH_INFO", "")
            if not path.startswith(prefix):
                start_response("404 Not Found", [("Content-Type", "text/plain")])
                return [b"not found"]
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
            environ["PATH_INFO"] = path[len(prefix):]
            return app(environ, start_response)

        return wrapped

    return middleware


def discard_writes(app: wsgitypes.WSGIApplication) -> wsgitypes.WSGIApplication:
    def wrapped(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
        # A lambda fits StartResponse: its parameters are inferred from the protocol.
        return app(environ, lambda status, headers, exc_info=None: lambda data: None)

    return wrapped


def no_start_response(app: wsgitypes.WSGIApplication) -> wsgitypes.WSGIApplication:
    def wrapped(environ: wsgitypes.WSGIEnvironment) -> Iterable[bytes]:
        return app(environ, lambda status, headers, exc_info=None: None)  # E -- this start_response returns None

    return wrapped  # E -- one parameter


@prefix_path("/api")
def api(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    start_response("200 OK", [])
    return [b"api"]


served: wsgitypes.WSGIApplication = api
