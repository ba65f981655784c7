"""Misuse: keyword-only parameters where PEP 3333 calls positionally.

"As with all WSGI callables, the arguments must be supplied positionally": a
start_response with keyword-only ``exc_info``, an app with keyword-only parameters,
and calling our positional-only protocols by keyword are all errors.
"""

from __future__ import annotations

import io
import wsgiref.types
from collections.abc import Iterable

import wsgitypes


def kw_exc_info(
    status: str, headers: list[tuple[str, str]], *, exc_info: wsgitypes.OptExcInfo | None = None
) -> wsgitypes.WriteCallable:
    return io.BytesIO().write


def kw_app(*, environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse) -> Iterable[bytes]:
    return []


def half_kw_app(environ: wsgitypes.WSGIEnvironment, *, start_response: wsgitypes.StartResponse) -> Iterable[bytes]:
    return []


start: wsgitypes.StartResponse = kw_exc_info  # E -- keyword-only exc_info
start_typeshed: wsgiref.types.StartResponse = kw_exc_info  # E -- same for typeshed
app: wsgitypes.WSGIApplication = kw_app  # E -- keyword-only environ and start_response
half: wsgitypes.WSGIApplication = half_kw_app  # E -- keyword-only start_response
app_typeshed: wsgiref.types.WSGIApplication = kw_app  # E -- typeshed's Callable alias is positional too


def calls(real_app: wsgitypes.WSGIApplication, start_response: wsgitypes.StartResponse) -> None:
    real_app(environ={}, start_response=start_response)  # E -- our protocol is positional-only
    start_response("200 OK", [], exc_info=None)  # E -- positional-only exc_info
    start_response(status="200 OK", headers=[])  # E -- positional-only status and headers
    real_app({}, start_response)
