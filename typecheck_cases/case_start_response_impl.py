"""Server-side start_response implementations that satisfy ``StartResponse``.

A plain function with the PEP 3333 signature (positional-only or not, ``exc_info``
defaulting to ``None``), a bound method, and one returning a bound ``write`` all fit
ours and typeshed's protocol.
"""

from __future__ import annotations

import io
import wsgiref.types

import wsgitypes


def start_response(
    status: str, headers: list[tuple[str, str]], exc_info: wsgitypes.OptExcInfo | None = None, /
) -> wsgitypes.WriteCallable:
    return io.BytesIO().write


def keyword_capable(
    status: str, response_headers: wsgitypes.ResponseHeaders, exc_info: wsgitypes.OptExcInfo | None = None
) -> wsgitypes.WriteCallable:
    return io.BytesIO().write


class Handler:
    def __init__(self) -> None:
        self.out = io.BytesIO()
        self.status: str | None = None

    def write(self, data: bytes) -> None:
        self.out.write(data)

    def start_response(
        self, status: str, headers: wsgitypes.ResponseHeaders, exc_info: wsgitypes.OptExcInfo | None = None
    ) -> wsgitypes.WriteCallable:
        self.status = status
        return self.write


ours: list[wsgitypes.StartResponse] = [start_response, keyword_capable, Handler().start_response]
theirs: list[wsgiref.types.StartResponse] = [start_response, keyword_capable, Handler().start_response]
