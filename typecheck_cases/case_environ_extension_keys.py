"""Extension keys: read with ``.get("myapp.x")`` or declared as ``Environ[Literal[...]]``.

Indexing an undeclared extension key is an error; ``.get()`` of any str key is ``Any``;
declaring the key as the type argument makes ``env["myapp.x"]`` valid (``Any``), and
such an app is still a WSGIApplication accepted by the servers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, assert_type
from wsgiref.simple_server import make_server

import wsgitypes
from wsgitypes import Environ, environ_view


def via_get(environ: wsgitypes.WSGIEnvironment) -> None:
    env = environ_view(environ)
    assert_type(env.get("myapp.x"), Any)
    assert_type(env.get("HTTP_X_REQUEST_ID"), Any)
    assert_type(env.get("myapp.x", 0), Any)
    print(env["myapp.x"])  # E -- undeclared extension key


def declared(environ: Environ[Literal["myapp.x"]], start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    assert_type(environ["myapp.x"], Any)
    assert_type(environ["REQUEST_METHOD"], str)
    assert_type(environ["wsgi.input"], wsgitypes.InputStream)
    print(environ["myapp.y"])  # E -- only myapp.x is declared
    start_response("200 OK", [])
    return []


def several(environ: Environ[Literal["myapp.user", "HTTP_X_REQUEST_ID"]]) -> None:
    assert_type(environ["myapp.user"], Any)
    assert_type(environ["HTTP_X_REQUEST_ID"], Any)


app: wsgitypes.WSGIApplication = declared


def serve() -> None:
    make_server("127.0.0.1", 0, declared).server_close()


def narrower(environ: Environ[Literal["myapp.x"]]) -> Environ:
    return environ


def wider(environ: Environ) -> Environ[Literal["myapp.x"]]:
    return environ  # E -- a plain view does not promise myapp.x
