"""Flask's and Werkzeug's ``request.environ`` is annotated with typeshed's
``WSGIEnvironment``, so the plugin types its reads and catches misspelt keys there too.
"""
# requires: flask

from __future__ import annotations

from typing import assert_type

from flask import Flask, request

app = Flask(__name__)


@app.route("/")
def index() -> str:
    assert_type(request.environ["REMOTE_ADDR"], str)  # E[pyright] -- pyright: Any
    print(request.environ["REMOTE_ADR"])  # E[mypy:wsgi-environ-key] -- did you mean "REMOTE_ADDR"?
    print(request.environ.get("werkzeug.request"))
    return request.environ.get("HTTP_USER_AGENT", "")
