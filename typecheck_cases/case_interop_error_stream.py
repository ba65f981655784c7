"""ErrorStream is interchangeable with typeshed's twin in both directions.

``wsgitypes.ErrorStream`` <-> ``wsgiref.types.ErrorStream`` and
``_typeshed.wsgi.ErrorStream``; both take ``str``.
"""

from __future__ import annotations

import wsgiref.types
from typing import TYPE_CHECKING

import wsgitypes

if TYPE_CHECKING:
    import _typeshed.wsgi


def to_wsgiref(stream: wsgitypes.ErrorStream) -> wsgiref.types.ErrorStream:
    return stream


def from_wsgiref(stream: wsgiref.types.ErrorStream) -> wsgitypes.ErrorStream:
    return stream


def to_typeshed(stream: wsgitypes.ErrorStream) -> _typeshed.wsgi.ErrorStream:
    return stream


def from_typeshed(stream: _typeshed.wsgi.ErrorStream) -> wsgitypes.ErrorStream:
    return stream


def log(stream: wsgitypes.ErrorStream) -> None:
    stream.write("one line\n")
    stream.writelines(["two\n", "lines\n"])
    stream.flush()
