"""Applications returning lists (and other collections) of bytes.

``list[bytes]``, ``tuple[bytes, ...]`` and a bytes ``list`` built up in a loop all
satisfy ``ResponseBody``; a list containing a ``str`` does not.
"""

from __future__ import annotations

from collections.abc import Iterable

import wsgitypes


def single(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def chunks(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> tuple[bytes, ...]:
    start_response("200 OK", [])
    return (b"a", b"b")


def built(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    body: list[bytes] = []
    for key in sorted(environ):
        body.append(f"{key}\n".encode("latin-1"))
    start_response("200 OK", [("Content-Length", str(sum(map(len, body))))])
    return body


def empty(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> wsgitypes.ResponseBody:
    start_response("204 No Content", [])
    return []


def mixed(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> wsgitypes.ResponseBody:
    start_response("200 OK", [])
    return [b"bytes", "text"]  # E -- one str item in the body


apps: list[wsgitypes.WSGIApplication] = [single, chunks, built, empty, mixed]
