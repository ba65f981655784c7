"""Werkzeug's ``ProxyFix`` wraps a wsgitypes application and is one itself.

ProxyFix is typed with typeshed's ``_typeshed.wsgi`` aliases; it accepts a function
typed with wsgitypes and a Flask app, and the wrapper is a ``wsgitypes.WSGIApplication``.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import wsgitypes


def app(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> wsgitypes.ResponseBody:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ.get("REMOTE_ADDR", "").encode("latin-1")]


wrapped: wsgitypes.WSGIApplication = ProxyFix(app, x_for=1, x_proto=1)
flask_app = Flask(__name__)
flask_app.wsgi_app = ProxyFix(flask_app.wsgi_app, x_host=1)  # E[mypy:method-assign] -- mypy rejects assigning to a method
wrapped_twice: wsgitypes.WSGIApplication = ProxyFix(wrapped)
not_an_app = ProxyFix(b"app")  # E -- bytes is not an application
