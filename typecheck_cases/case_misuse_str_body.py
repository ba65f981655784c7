"""Misuse: a response body of ``str`` instead of bytes.

A ``str`` is an ``Iterable[str]``, so returning it (or a list of str, or a generator
of str) is an error in both checkers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import wsgitypes


def returns_str(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return "hello"  # E -- str body


def returns_str_list(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return ["hello"]  # E -- list of str


def yields_str(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterator[bytes]:
    start_response("200 OK", [])
    yield "hello"  # E -- yields str


def encoded(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    return ["hello".encode("utf-8")]


def unannotated_body(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> list[str]:
    start_response("200 OK", [])
    return ["hello"]


app: wsgitypes.WSGIApplication = unannotated_body  # E -- returns list[str]
