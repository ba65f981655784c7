"""The aliases are the very types typeshed and the stdlib use.

``WSGIEnvironment`` is ``dict[str, Any]`` (typeshed's too), ``ResponseHeaders`` is
``list[tuple[str, str]]``, ``ResponseBody`` is ``Iterable[bytes]``, ``ExcInfo`` and
``OptExcInfo`` match ``_typeshed``'s and ``sys.exc_info()``.
"""

from __future__ import annotations

import sys
import wsgiref.types
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, assert_type

import wsgitypes

if TYPE_CHECKING:
    import _typeshed
    import _typeshed.wsgi


def environs(ours: wsgitypes.WSGIEnvironment, theirs: wsgiref.types.WSGIEnvironment) -> None:
    assert_type(ours, dict[str, Any])
    assert_type(theirs, wsgitypes.WSGIEnvironment)
    old: _typeshed.wsgi.WSGIEnvironment = ours
    back: wsgitypes.WSGIEnvironment = old
    assert_type(back, dict[str, Any])


def headers_and_body(headers: wsgitypes.ResponseHeaders, body: wsgitypes.ResponseBody) -> None:
    assert_type(headers, list[tuple[str, str]])
    assert_type(body, Iterable[bytes])


def exc_info(info: wsgitypes.OptExcInfo, caught: wsgitypes.ExcInfo) -> None:
    theirs: _typeshed.OptExcInfo = info
    ours: wsgitypes.OptExcInfo = theirs
    strict: _typeshed.ExcInfo = caught
    back: wsgitypes.ExcInfo = strict
    assert_type(ours, wsgitypes.OptExcInfo)
    assert_type(back, wsgitypes.ExcInfo)
    current: wsgitypes.OptExcInfo = sys.exc_info()
    narrower: wsgitypes.ExcInfo = sys.exc_info()  # E -- outside a handler it is (None, None, None)
    assert_type(current, wsgitypes.OptExcInfo)
    assert_type(narrower, wsgitypes.ExcInfo)
