"""A real Flask application is a ``wsgitypes.WSGIApplication``.

Both the ``Flask`` object and its ``wsgi_app`` method (the usual middleware hook)
are accepted.  Installing middleware as ``app.wsgi_app`` (Flask's documented idiom)
is a method assignment, which mypy always rejects; and because Flask declares
``wsgi_app`` with ordinary parameters, a middleware whose ``__call__`` is
positional-only (like the ``WSGIApplication`` protocol) is rejected there by both.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask

import wsgitypes

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "hello"


as_application: wsgitypes.WSGIApplication = app
inner: wsgitypes.WSGIApplication = app.wsgi_app


class Timing:
    """Middleware typed only with wsgitypes, installed the way Flask documents."""

    def __init__(self, app: wsgitypes.WSGIApplication) -> None:
        self.app = app

    def __call__(
        self, environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /
    ) -> Iterable[bytes]:
        return self.app(environ, start_response)


class KeywordTiming:
    """The same middleware with ordinary (not positional-only) parameters, like Flask's own."""

    def __init__(self, app: wsgitypes.WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse) -> Iterable[bytes]:
        return self.app(environ, start_response)


app.wsgi_app = KeywordTiming(app.wsgi_app)  # E[mypy:method-assign] -- mypy rejects assigning to any method; pyright accepts
app.wsgi_app = Timing(app.wsgi_app)  # E -- Flask declares wsgi_app with keyword-capable parameters; Timing's are positional-only
wrapped: wsgitypes.WSGIApplication = Timing(app)


def serve_flask(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    return app(environ, start_response)


not_an_app: wsgitypes.WSGIApplication = index  # E -- a view function is not a WSGI application
