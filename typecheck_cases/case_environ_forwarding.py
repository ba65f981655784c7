"""Middleware reads through the view and forwards the dict.

The view is for reading: passing it on to an inner application or to
``werkzeug.Request`` (both want ``dict[str, Any]``) is an error, so middleware keeps
its parameter typed ``WSGIEnvironment`` and forwards that.
"""

from __future__ import annotations

from collections.abc import Iterable

from werkzeug.wrappers import Request

import wsgitypes
from wsgitypes import environ_view


class RequireHost:
    def __init__(self, app: wsgitypes.WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
        env = environ_view(environ)
        if not env.get("HTTP_HOST"):
            env["wsgi.errors"].write("request without Host\n")
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"Host header required"]
        return self.app(environ, start_response)


class ForwardsView:
    def __init__(self, app: wsgitypes.WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
        env = environ_view(environ)
        return self.app(env, start_response)  # E -- the view is not a dict


def typed_param_middleware(app: wsgitypes.WSGIApplication) -> wsgitypes.WSGIApplication:
    def wrapped(environ: wsgitypes.Environ, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
        print(environ["PATH_INFO"])
        return app(environ, start_response)  # E -- an Environ parameter cannot be forwarded

    return wrapped


def to_werkzeug(environ: wsgitypes.WSGIEnvironment) -> str:
    env = environ_view(environ)
    Request(env)  # E -- werkzeug.Request wants the dict
    return Request(environ).path
