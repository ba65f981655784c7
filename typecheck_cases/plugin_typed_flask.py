"""Typed reads (``typed_environ_reads = true``) on Flask's ``request.environ``, which
Werkzeug annotates with typeshed's ``WSGIEnvironment``.
"""
# requires: flask

from __future__ import annotations

from typing import assert_type

from flask import Flask, request

app = Flask(__name__)


@app.route("/")
def index() -> str:
    assert_type(request.environ.get("REMOTE_ADDR"), str | None)  # E[pyright] -- pyright: Any
    assert_type(request.environ["REQUEST_METHOD"], str)  # E[pyright]
    return request.environ.get("HTTP_USER_AGENT", "")  # a str: no Any returned
