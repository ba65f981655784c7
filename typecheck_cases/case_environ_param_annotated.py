"""Typed reads through a parameter annotated ``wsgitypes.Environ``.

The app keeps its typed environ parameter and is still a WSGIApplication, accepted by
typeshed's alias and by ``make_server`` (every ``dict[str, Any]`` satisfies Environ).

Checker disagreement: a dict *literal* passed straight to such a parameter is accepted
by mypy (it infers the literal in the parameter's context) but rejected by pyright
(it infers ``dict[str, str]``, whose ``__getitem__`` cannot return an InputStream).
Annotate the dict ``WSGIEnvironment`` first, as the servers do.
"""

from __future__ import annotations

import wsgiref.types
from collections.abc import Iterable
from typing import assert_type
from wsgiref.simple_server import make_server

import wsgitypes


def app(environ: wsgitypes.Environ, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    assert_type(environ["wsgi.input"], wsgitypes.InputStream)
    assert_type(environ["REQUEST_METHOD"], str)
    assert_type(environ.get("HTTP_USER_AGENT"), str | None)
    assert_type(environ["wsgi.version"], tuple[int, int])
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ["wsgi.input"].read()]


ours: wsgitypes.WSGIApplication = app
theirs: wsgiref.types.WSGIApplication = app


def serve() -> None:
    make_server("127.0.0.1", 0, app).server_close()


def call_with_dict(start_response: wsgitypes.StartResponse) -> None:
    environ: wsgitypes.WSGIEnvironment = {"REQUEST_METHOD": "GET"}
    app(environ, start_response)
    app({"REQUEST_METHOD": "GET"}, start_response)  # E[pyright] -- pyright infers dict[str, str] for the literal, not an Environ; mypy infers it in the parameter's context
    app([("REQUEST_METHOD", "GET")], start_response)  # E -- a list of pairs is not an environ
