"""Typed reads through ``environ_view(environ)``.

``env["wsgi.input"]`` is an InputStream, ``env["wsgi.errors"]`` an ErrorStream, CGI
keys are ``str``, the flags ``bool``, ``wsgi.version`` a tuple, and ``.get()`` of a
well-known key is ``X | None``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import assert_type

import wsgitypes
from wsgitypes import environ_view


def app(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    env = environ_view(environ)
    assert_type(env, wsgitypes.Environ)
    assert_type(env["wsgi.input"], wsgitypes.InputStream)
    assert_type(env["wsgi.errors"], wsgitypes.ErrorStream)
    assert_type(env["REQUEST_METHOD"], str)
    assert_type(env["PATH_INFO"], str)
    assert_type(env["wsgi.url_scheme"], str)
    assert_type(env.get("HTTP_HOST"), str | None)  # a request header may be absent: .get()
    assert_type(env["wsgi.multithread"], bool)
    assert_type(env["wsgi.run_once"], bool)
    assert_type(env["wsgi.version"], tuple[int, int])
    assert_type(env.get("HTTP_USER_AGENT"), str | None)
    assert_type(env.get("wsgi.input"), wsgitypes.InputStream | None)
    assert_type(env.get("wsgi.file_wrapper"), wsgitypes.FileWrapper | None)
    body = env["wsgi.input"].read(int(env.get("CONTENT_LENGTH") or 0))
    assert_type(body, bytes)
    env["wsgi.errors"].write(f"{env['REQUEST_METHOD']} {env['PATH_INFO']}\n")
    agent = env.get("HTTP_USER_AGENT")
    agent.lower()  # E -- may be None
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body, (agent or "").encode("latin-1")]


def wrong_types(environ: wsgitypes.WSGIEnvironment) -> None:
    env = environ_view(environ)
    method: bytes = env["REQUEST_METHOD"]  # E -- str, not bytes
    env["wsgi.input"].write(b"x")  # E -- an InputStream has no write()
    env["wsgi.errors"].read()  # E -- an ErrorStream has no read()
    assert_type(env["wsgi.multithread"], str)  # E -- bool
