"""The routes of :mod:`tests.apps` in idiomatic Flask."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from flask import Flask, Response, jsonify, make_response, redirect, request, send_file
from werkzeug.wrappers import Response as BaseResponse

from tests.apps.common import ETAG, HELLO, JSON_DOC, STREAM_CHUNKS, Boom, data_file

app = Flask(__name__)
app.logger.setLevel(logging.CRITICAL)  # /error logs a traceback on purpose


@app.route("/", methods=["GET", "HEAD"])
def hello() -> Response:
    return Response(HELLO, mimetype="text/plain")


@app.route("/json")
def json() -> Response:
    return jsonify(JSON_DOC)


@app.route("/empty")
def empty() -> tuple[str, int]:
    return "", 204


@app.route("/redirect")
def to_root() -> BaseResponse:
    return redirect("/")  # 302, Location: / (Werkzeug keeps it relative)


@app.route("/stream")
def stream() -> Response:
    def chunks() -> Iterator[bytes]:
        yield from STREAM_CHUNKS

    return Response(chunks(), mimetype="text/plain")


@app.route("/file", methods=["GET", "HEAD"])
def file() -> Response:
    return send_file(data_file(), mimetype="application/octet-stream")


@app.post("/form")
def form() -> Response:
    return jsonify(request.form.to_dict())


@app.post("/upload")
def upload() -> Response:
    return jsonify(request.get_json())


@app.route("/error")
def error() -> Response:
    raise Boom("/error raises on purpose")


@app.route("/notmodified")
def not_modified() -> BaseResponse:
    response = make_response("fresh\n")
    response.mimetype = "text/plain"
    response.set_etag(ETAG)
    return response.make_conditional(request)
