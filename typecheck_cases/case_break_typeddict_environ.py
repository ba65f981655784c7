"""Known non-interop: an app whose environ is a TypedDict.

Verdict, verified with mypy 2.4.1 and pyright 1.1.414: a TypedDict is not assignable to
``dict[str, Any]`` (nor the reverse), and parameters are contravariant, so an app whose
environ parameter is a TypedDict is rejected by typeshed-typed servers
(``wsgiref.simple_server.make_server``, ``werkzeug.serving.run_simple``,
``waitress.serve``) and by ``wsgitypes.WSGIApplication``.  Use ``wsgitypes.Environ``
(a Protocol every dict satisfies) for typed reads instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict

import waitress
from werkzeug.serving import run_simple
from wsgiref.simple_server import make_server

import wsgitypes

TypedEnviron = TypedDict(
    "TypedEnviron",
    {"REQUEST_METHOD": str, "PATH_INFO": str, "wsgi.input": wsgitypes.InputStream},
)


def typeddict_app(environ: TypedEnviron, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    start_response("200 OK", [])
    return [environ["PATH_INFO"].encode("latin-1")]


def environ_app(environ: wsgitypes.Environ, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    start_response("200 OK", [])
    return [environ["PATH_INFO"].encode("latin-1")]


def serve() -> None:
    make_server("127.0.0.1", 0, typeddict_app)  # E -- rejected by make_server
    run_simple("127.0.0.1", 0, typeddict_app)  # E -- rejected by run_simple
    waitress.serve(typeddict_app)  # E -- rejected by waitress.serve
    make_server("127.0.0.1", 0, environ_app).server_close()


as_app: wsgitypes.WSGIApplication = typeddict_app  # E -- and by our protocol


def to_typeddict(environ: wsgitypes.WSGIEnvironment) -> TypedEnviron:
    return environ  # E -- the dict is not assignable to the TypedDict either
