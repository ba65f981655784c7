"""WSGIApplication is interchangeable with typeshed's alias in both directions.

typeshed's ``WSGIApplication`` is a ``Callable`` alias, ours a Protocol with a
positional-only ``__call__``; each is assignable to the other, through
``wsgiref.types`` and ``_typeshed.wsgi``.
"""

from __future__ import annotations

import wsgiref.types
from collections.abc import Iterable
from typing import TYPE_CHECKING, assert_type

import wsgitypes

if TYPE_CHECKING:
    import _typeshed.wsgi


def to_wsgiref(app: wsgitypes.WSGIApplication) -> wsgiref.types.WSGIApplication:
    return app


def from_wsgiref(app: wsgiref.types.WSGIApplication) -> wsgitypes.WSGIApplication:
    return app


def to_typeshed(app: wsgitypes.WSGIApplication) -> _typeshed.wsgi.WSGIApplication:
    return app


def from_typeshed(app: _typeshed.wsgi.WSGIApplication) -> wsgitypes.WSGIApplication:
    return app


def call_both(
    ours: wsgitypes.WSGIApplication,
    theirs: wsgiref.types.WSGIApplication,
    environ: wsgiref.types.WSGIEnvironment,
    start_response: wsgiref.types.StartResponse,
) -> None:
    assert_type(ours(environ, start_response), Iterable[bytes])
    assert_type(theirs(environ, start_response), Iterable[bytes])


def typeshed_typed_app(
    environ: wsgiref.types.WSGIEnvironment, start_response: wsgiref.types.StartResponse
) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"typeshed"]


def wsgitypes_typed_app(
    environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /
) -> wsgitypes.ResponseBody:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"wsgitypes"]


ours_from_theirs: wsgitypes.WSGIApplication = typeshed_typed_app
theirs_from_ours: wsgiref.types.WSGIApplication = wsgitypes_typed_app
