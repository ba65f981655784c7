"""Keys a server may leave out are read with ``.get()``: ``Environ`` does not subscript them.

PEP 3333 lets QUERY_STRING, CONTENT_TYPE and CONTENT_LENGTH be "empty or absent", and
an ``HTTP_`` key is there only if the client sent the header (a GET has no
Content-Length; an HTTP/1.0 request may have no Host): ``environ["CONTENT_LENGTH"]``
raises ``KeyError``.  Through the typed view such a subscript is an error in both
checkers, and ``.get()`` gives ``str | None``.  The keys every environ holds are
subscripted as before, SCRIPT_NAME and PATH_INFO included (every server sets them:
``wsgitypes.rules.SET_BY_EVERY_SERVER``).  A declared key may be subscripted, so an
application that knows its server can opt in.  No checker sees an ``in`` test, so a
guarded subscript is still an error: use ``.get()``.
"""

from __future__ import annotations

from typing import Literal, assert_type

import wsgitypes
from wsgitypes import environ_view


def reads(environ: wsgitypes.WSGIEnvironment) -> None:
    env = environ_view(environ)
    assert_type(env["REQUEST_METHOD"], str)
    assert_type(env["SCRIPT_NAME"], str)
    assert_type(env["PATH_INFO"], str)
    assert_type(env["SERVER_PORT"], str)
    assert_type(env["wsgi.run_once"], bool)
    env["CONTENT_LENGTH"]  # E -- a GET has none
    env["CONTENT_TYPE"]  # E
    env["QUERY_STRING"]  # E -- "may be empty or absent"
    env["HTTP_HOST"]  # E -- only if the client sent Host
    env["REMOTE_USER"]  # E -- only after authentication
    env["wsgi.file_wrapper"]  # E -- optional
    env["wsgi.input_terminated"]  # E -- optional
    assert_type(env.get("CONTENT_LENGTH"), str | None)
    assert_type(env.get("QUERY_STRING", ""), str)
    assert_type(env.get("wsgi.input_terminated", False), bool)
    if "HTTP_HOST" in env:
        env["HTTP_HOST"]  # E -- the in test is invisible to both checkers


def declared(environ: wsgitypes.Environ[Literal["QUERY_STRING", "myapp.user"]]) -> None:
    environ["QUERY_STRING"]  # declared: this application's server always sets it
    environ["myapp.user"]
    environ["CONTENT_LENGTH"]  # E -- not declared
