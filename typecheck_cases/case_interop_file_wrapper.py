"""FileWrapper (and ReadableFile) are interchangeable with typeshed's twins in both directions.

``wsgitypes.FileWrapper`` <-> ``wsgiref.types.FileWrapper`` and
``_typeshed.wsgi.FileWrapper``; ``wsgitypes.ReadableFile`` <-> typeshed's ``_Readable``
(the wrapper's parameter type).  ``_Readable`` is private: pyright's strict mode reports
importing it (reportPrivateUsage), mypy has no such check.
"""

from __future__ import annotations

import io
import wsgiref.types
from collections.abc import Iterable
from typing import TYPE_CHECKING, assert_type

import wsgitypes

if TYPE_CHECKING:
    import _typeshed.wsgi
    from wsgiref.types import _Readable  # E[pyright] -- reportPrivateUsage only: the name is private to typeshed


def to_wsgiref(wrapper: wsgitypes.FileWrapper) -> wsgiref.types.FileWrapper:
    return wrapper


def from_wsgiref(wrapper: wsgiref.types.FileWrapper) -> wsgitypes.FileWrapper:
    return wrapper


def to_typeshed(wrapper: wsgitypes.FileWrapper) -> _typeshed.wsgi.FileWrapper:
    return wrapper


def from_typeshed(wrapper: _typeshed.wsgi.FileWrapper) -> wsgitypes.FileWrapper:
    return wrapper


def readable_to_typeshed(file: wsgitypes.ReadableFile) -> _Readable:
    return file


def readable_from_typeshed(file: _Readable) -> wsgitypes.ReadableFile:
    return file


def wrap(ours: wsgitypes.FileWrapper, theirs: wsgiref.types.FileWrapper, file: wsgitypes.ReadableFile) -> None:
    assert_type(ours(file), Iterable[bytes])
    assert_type(theirs(file, 8192), Iterable[bytes])
    assert_type(ours(io.BytesIO(b"data"), 4096), Iterable[bytes])
