"""The routes of :mod:`tests.apps` in idiomatic Bottle."""

from __future__ import annotations

from collections.abc import Iterator

import bottle
from bottle import Bottle, HTTPResponse, request, response, static_file

from tests.apps.common import ETAG, HELLO, JSON_DOC, STREAM_CHUNKS, Boom, data_file

app = Bottle()
bottle.debug(False)
bottle.BaseRequest.MEMFILE_MAX = 4 * 1024 * 1024  # request.json refuses bodies above this (default 100 KiB)


@app.route("/", method=["GET", "HEAD"])
def hello() -> str:
    response.content_type = "text/plain"
    return HELLO


@app.get("/json")
def json() -> dict[str, object]:
    return JSON_DOC  # Bottle serialises a returned dict as JSON


@app.get("/empty")
def empty() -> str:
    response.status = 204
    return ""


@app.get("/redirect")
def to_root() -> None:
    # bottle.redirect() would make the Location absolute and pick 303 on HTTP/1.1.
    raise HTTPResponse(status=302, Location="/")


@app.get("/stream")
def stream() -> Iterator[bytes]:
    response.content_type = "text/plain"
    yield from STREAM_CHUNKS


@app.route("/file", method=["GET", "HEAD"])
def file() -> HTTPResponse:
    path = data_file()
    return static_file(path.name, root=str(path.parent), mimetype="application/octet-stream")


@app.post("/form")
def form() -> dict[str, str]:
    return {key: request.forms.getunicode(key) for key in request.forms}


@app.post("/upload")
def upload() -> object:
    document = request.json
    if isinstance(document, dict):
        return document
    response.content_type = "application/json"
    return bottle.json_dumps(document)


@app.get("/error")
def error() -> str:
    raise Boom("/error raises on purpose")


@app.get("/notmodified")
def not_modified() -> object:
    tag = f'"{ETAG}"'
    if request.get_header("If-None-Match") == tag:
        return HTTPResponse(status=304, ETag=tag)
    response.set_header("ETag", tag)
    response.content_type = "text/plain"
    return "fresh\n"
