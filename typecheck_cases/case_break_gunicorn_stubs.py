"""Known break: types-gunicorn's WSGI types do not interoperate.

Verdict, verified with types-gunicorn 26.2.0.20261008 (installed from PyPI), mypy
2.4.1 and pyright 1.1.414: (1) ``gunicorn.http.wsgi.WSGIErrorsWrapper`` -- what
gunicorn puts in ``wsgi.errors`` -- is not an ``ErrorStream`` (ours or typeshed's):
its ``write`` takes ``ReadableBuffer``, not ``str``.  (2) The private app alias
``gunicorn._types._WSGIAppType`` (environ ``MutableMapping[str, Any]``, start_response
``Callable[[str, Iterable[tuple[str, str]]], None]``) rejects a Flask app, a
wsgitypes ``WSGIApplication`` and typeshed's alias: parameters are contravariant and a
dict-typed environ cannot take a MutableMapping.  Its start_response is not a
``StartResponse`` either (no exc_info, returns None).  Seen through public APIs such as
``gunicorn.app.pasterapp.serve``.  Without types-gunicorn installed this case is
skipped by the harness (the comment below tells it so).
"""

# requires: types-gunicorn

from __future__ import annotations

import wsgiref.types
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Flask
from gunicorn.app.pasterapp import get_wsgi_app, serve
from gunicorn.http.wsgi import WSGIErrorsWrapper

import wsgitypes

if TYPE_CHECKING:
    from gunicorn._types import _StartResponseType  # E[pyright] -- reportPrivateUsage: the alias is private (mypy has no such check)


def errors_wrapper(wrapper: WSGIErrorsWrapper) -> None:
    ours: wsgitypes.ErrorStream = wrapper  # E -- write(ReadableBuffer), not write(str)
    theirs: wsgiref.types.ErrorStream = wrapper  # E -- typeshed's protocol rejects it too
    print(ours, theirs)


def hello(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    start_response("200 OK", [])
    return [b"hello"]


def paste_serve(app: wsgitypes.WSGIApplication, typeshed_app: wsgiref.types.WSGIApplication) -> None:
    serve(Flask(__name__), {})  # E -- a Flask app is rejected (environ is a dict)
    serve(app, {})  # E -- so is every wsgitypes application
    serve(typeshed_app, {})  # E -- and typeshed's alias
    serve(hello, {})  # E -- and a plain function typed with wsgitypes


def loaded() -> None:
    app: wsgitypes.WSGIApplication = get_wsgi_app("config.ini")  # E -- and gunicorn's app is not ours either
    print(app)


def start_response_alias(start_response: _StartResponseType) -> wsgitypes.StartResponse:
    return start_response  # E -- no exc_info, returns None
