"""Misuse: calling the write callable with ``str``.

``write`` (start_response's result) takes bytes, through our protocol and typeshed's.
"""

from __future__ import annotations

import wsgiref.types
from collections.abc import Iterable

import wsgitypes


def app(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write("hello")  # E -- str written
    write(b"hello")
    write("hello".encode("latin-1"))
    return []


def typeshed_side(start_response: wsgiref.types.StartResponse) -> None:
    write = start_response("200 OK", [])
    write("hello")  # E -- str written through typeshed's protocol
