"""InputStream is interchangeable with typeshed's twin in both directions.

``wsgitypes.InputStream`` <-> ``wsgiref.types.InputStream`` and
``_typeshed.wsgi.InputStream``; reads give ``bytes`` on either side.
"""

from __future__ import annotations

import wsgiref.types
from typing import TYPE_CHECKING, assert_type

import wsgitypes

if TYPE_CHECKING:
    import _typeshed.wsgi


def to_wsgiref(stream: wsgitypes.InputStream) -> wsgiref.types.InputStream:
    return stream


def from_wsgiref(stream: wsgiref.types.InputStream) -> wsgitypes.InputStream:
    return stream


def to_typeshed(stream: wsgitypes.InputStream) -> _typeshed.wsgi.InputStream:
    return stream


def from_typeshed(stream: _typeshed.wsgi.InputStream) -> wsgitypes.InputStream:
    return stream


def reads(stream: wsgitypes.InputStream) -> None:
    assert_type(stream.read(), bytes)
    assert_type(stream.read(1024), bytes)
    assert_type(stream.readline(), bytes)
    assert_type(stream.readlines(), list[bytes])
    for line in stream:
        assert_type(line, bytes)
