"""Misuse: non-``str`` header names or values (int Content-Length, bytes).

Header values must be native strings: ``str(len(body))``, not ``len(body)``.
"""

from __future__ import annotations

from collections.abc import Iterable

import wsgitypes


def app(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    body = b"hello"
    start_response("200 OK", [("Content-Length", len(body))])  # E -- int header value
    start_response("200 OK", [("Content-Type", b"text/plain")])  # E -- bytes header value
    start_response("200 OK", [(b"Content-Type", "text/plain")])  # E -- bytes header name
    start_response("200 OK", [("Content-Length", str(len(body)))])
    return [body]


def built_headers(start_response: wsgitypes.StartResponse, length: int) -> None:
    headers = [("Content-Type", "text/plain"), ("Content-Length", length)]
    start_response("200 OK", headers)  # E -- inferred list[tuple[str, object]] (mypy) or a union of tuples (pyright)
    typed: wsgitypes.ResponseHeaders = [("Content-Type", "text/plain"), ("Content-Length", length)]  # E -- int in a typed header list
    start_response("200 OK", typed)
