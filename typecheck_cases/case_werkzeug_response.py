"""``werkzeug.wrappers.Response`` objects are WSGI applications.

A Response can be returned through a wsgitypes app by calling it with the environ and
our StartResponse, and the Response object itself is a ``wsgitypes.WSGIApplication``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import assert_type

from werkzeug.wrappers import Request, Response

import wsgitypes


def app(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    request = Request(environ)
    response = Response(f"hello {request.path}", mimetype="text/plain")
    body = response(environ, start_response)
    assert_type(body, Iterable[bytes])
    return body


hello: wsgitypes.WSGIApplication = Response("hello")
responder: wsgitypes.WSGIApplication = Response.from_app(app, {})


def forgot_to_call(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    return Response("hello")  # E -- a Response must be called with (environ, start_response), not returned
