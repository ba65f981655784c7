"""Flask's and Werkzeug's ``request.environ`` is annotated with typeshed's
``WSGIEnvironment``, so the plugin checks its keys and reads there too.

By default reads keep their type (``Any``, as without the plugin: the ``return``
below is mypy's usual ``no-any-return`` under ``--strict``); a value used where its
type cannot fit is ``wsgi-environ-type``.
"""
# requires: flask

from __future__ import annotations

from flask import Flask, request

app = Flask(__name__)


@app.route("/")
def index() -> str:
    print(request.environ["REMOTE_ADR"])  # E[mypy:wsgi-environ-key] -- did you mean "REMOTE_ADDR"?
    print(request.environ["HTTP_X_REAL_IP"])  # E[mypy:wsgi-environ-absent] -- only behind a proxy that sets it
    port: int = request.environ["SERVER_PORT"]  # E[mypy:wsgi-environ-type] -- a str
    print(request.environ.get("werkzeug.request"), port)
    return request.environ.get("HTTP_USER_AGENT", "")  # E[mypy:no-any-return] -- as without the plugin
