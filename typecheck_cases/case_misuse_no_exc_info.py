"""Misuse: a start_response implementation without the ``exc_info`` parameter.

Applications may call ``start_response(status, headers, exc_info)`` from an error
handler, so an implementation taking only two parameters satisfies neither our
protocol nor typeshed's; nor does one whose ``exc_info`` has no default.
"""

from __future__ import annotations

import io
import wsgiref.types
from collections.abc import Iterable

import wsgitypes


def two_params(status: str, headers: list[tuple[str, str]], /) -> wsgitypes.WriteCallable:
    return io.BytesIO().write


def required_exc_info(
    status: str, headers: list[tuple[str, str]], exc_info: wsgitypes.OptExcInfo | None, /
) -> wsgitypes.WriteCallable:
    return io.BytesIO().write


def optional_exc_info(
    status: str, headers: list[tuple[str, str]], exc_info: wsgitypes.OptExcInfo | None = None, /
) -> wsgitypes.WriteCallable:
    return io.BytesIO().write


ours: wsgitypes.StartResponse = two_params  # E -- exc_info missing
theirs: wsgiref.types.StartResponse = two_params  # E -- exc_info missing (typeshed)
no_default: wsgitypes.StartResponse = required_exc_info  # E -- exc_info must be optional
correct: wsgitypes.StartResponse = optional_exc_info


def app(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    start_response("200 OK", [])
    return []


app({}, two_params)  # E -- passed to an application
app({}, optional_exc_info)
