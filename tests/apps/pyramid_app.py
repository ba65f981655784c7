"""The routes of :mod:`tests.apps` in idiomatic Pyramid.

Pyramid has no built-in 500 page: an unhandled exception leaves the router.  The
idiomatic answer is an exception view, registered here for every exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPFound, HTTPInternalServerError, HTTPNoContent
from pyramid.request import Request
from pyramid.response import FileResponse, Response

from tests.apps.common import ETAG, HELLO, JSON_DOC, STREAM_CHUNKS, Boom, data_file


def hello(request: Request) -> Response:
    return Response(HELLO, content_type="text/plain")


def json(request: Request) -> object:
    return JSON_DOC  # renderer="json"


def empty(request: Request) -> Response:
    return HTTPNoContent()


def to_root(request: Request) -> Response:
    return HTTPFound(location="/")


def stream(request: Request) -> Response:
    def chunks() -> Iterator[bytes]:
        yield from STREAM_CHUNKS

    return Response(app_iter=chunks(), content_type="text/plain")


def file(request: Request) -> Response:
    return FileResponse(str(data_file()), request=request, content_type="application/octet-stream")


def form(request: Request) -> object:
    return dict(request.POST)


def upload(request: Request) -> object:
    return request.json_body


def error(request: Request) -> Response:
    raise Boom("/error raises on purpose")


def not_modified(request: Request) -> Response:
    response = Response("fresh\n", content_type="text/plain", conditional_response=True)
    response.etag = ETAG
    return response


def server_error(exc: Exception, request: Request) -> Response:
    return HTTPInternalServerError()


def make_app() -> object:
    with Configurator() as config:
        routes: list[tuple[str, str, Any, dict[str, Any]]] = [
            ("hello", "/", hello, {"request_method": ("GET", "HEAD")}),
            ("json", "/json", json, {"renderer": "json"}),
            ("empty", "/empty", empty, {}),
            ("redirect", "/redirect", to_root, {}),
            ("stream", "/stream", stream, {}),
            ("file", "/file", file, {"request_method": ("GET", "HEAD")}),
            ("form", "/form", form, {"request_method": "POST", "renderer": "json"}),
            ("upload", "/upload", upload, {"request_method": "POST", "renderer": "json"}),
            ("error", "/error", error, {}),
            ("notmodified", "/notmodified", not_modified, {}),
        ]
        for name, pattern, view, options in routes:
            config.add_route(name, pattern)
            config.add_view(view, route_name=name, **options)
        config.add_exception_view(server_error, context=Exception)
        return config.make_wsgi_app()


app = make_app()
