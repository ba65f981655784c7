"""StartResponse is interchangeable with typeshed's twin in both directions.

``wsgitypes.StartResponse`` <-> ``wsgiref.types.StartResponse`` and
``_typeshed.wsgi.StartResponse``; the write callable each returns fits the other's.
"""

from __future__ import annotations

import wsgiref.types
from collections.abc import Callable
from typing import TYPE_CHECKING, assert_type

import wsgitypes

if TYPE_CHECKING:
    import _typeshed.wsgi


def to_wsgiref(start_response: wsgitypes.StartResponse) -> wsgiref.types.StartResponse:
    return start_response


def from_wsgiref(start_response: wsgiref.types.StartResponse) -> wsgitypes.StartResponse:
    return start_response


def to_typeshed(start_response: wsgitypes.StartResponse) -> _typeshed.wsgi.StartResponse:
    return start_response


def from_typeshed(start_response: _typeshed.wsgi.StartResponse) -> wsgitypes.StartResponse:
    return start_response


def write_callables(ours: wsgitypes.StartResponse, theirs: wsgiref.types.StartResponse) -> None:
    assert_type(ours("200 OK", []), wsgitypes.WriteCallable)
    assert_type(theirs("200 OK", []), Callable[[bytes], object])
    write: wsgitypes.WriteCallable = theirs("200 OK", [])
    typeshed_write: Callable[[bytes], object] = ours("200 OK", [])
    write(b"x")
    typeshed_write(b"y")
