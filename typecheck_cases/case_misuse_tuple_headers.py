"""Misuse: response headers given as a tuple (or another non-list) instead of a list.

PEP 3333: "response_headers is a list of (header_name, header_value) tuples"; the
protocol asks for ``list[tuple[str, str]]``, so tuples, dict items, a dict and a
``Sequence``-typed value are errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import wsgitypes


def app(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    start_response("200 OK", (("Content-Type", "text/plain"),))  # E -- a tuple of headers
    start_response("200 OK", {"Content-Type": "text/plain"}.items())  # E -- dict items
    start_response("200 OK", {"Content-Type": "text/plain"})  # E -- a dict
    start_response("200 OK", [["Content-Type", "text/plain"]])  # E -- each header must be a tuple
    start_response("200 OK", list({"Content-Type": "text/plain"}.items()))
    return [b"ok"]


def from_sequence(start_response: wsgitypes.StartResponse, headers: Sequence[tuple[str, str]]) -> None:
    start_response("200 OK", headers)  # E -- Sequence is not list
    start_response("200 OK", list(headers))
