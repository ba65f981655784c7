"""Applications typed with wsgitypes are accepted by ``wsgiref.simple_server.make_server``.

Function apps, class instances, apps annotated with ``Environ``, middleware-wrapped
apps and anything annotated ``wsgitypes.WSGIApplication``.  Type-checked only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from wsgiref.simple_server import WSGIServer, make_server
from wsgiref.validate import validator

import wsgitypes


def hello(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> wsgitypes.ResponseBody:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def typed_reads(environ: wsgitypes.Environ, start_response: wsgitypes.StartResponse, /) -> Iterator[bytes]:
    start_response("200 OK", [])
    yield environ["PATH_INFO"].encode("latin-1")


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
        self.count += 1
        start_response("200 OK", [])
        return [str(self.count).encode()]


def serve(app: wsgitypes.WSGIApplication) -> WSGIServer:
    return make_server("127.0.0.1", 0, app)


def build() -> None:
    make_server("127.0.0.1", 0, hello).server_close()
    make_server("127.0.0.1", 0, typed_reads).server_close()
    make_server("127.0.0.1", 0, Counter()).server_close()
    make_server("127.0.0.1", 0, validator(hello)).server_close()
    make_server("127.0.0.1", 0, Counter).server_close()  # E -- the class, not an instance
