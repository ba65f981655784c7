"""Misuse: a ``bytes`` status (or an ``int``) passed to start_response.

PEP 3333 statuses are native strings: ``"200 OK"``.
"""

from __future__ import annotations

import wsgiref.types
from collections.abc import Iterable

import wsgitypes


def app(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    start_response(b"200 OK", [("Content-Type", "text/plain")])  # E -- bytes status
    start_response(200, [("Content-Type", "text/plain")])  # E -- int status
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def typeshed_side(start_response: wsgiref.types.StartResponse) -> None:
    start_response(b"404 Not Found", [])  # E -- same rule in typeshed's protocol


def status_from_bytes(start_response: wsgitypes.StartResponse, raw: bytes) -> None:
    start_response(raw.decode("latin-1"), [])
