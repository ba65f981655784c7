"""Passing ``exc_info`` to start_response from an error handler.

``sys.exc_info()`` (an ``OptExcInfo``), an explicit ``None`` and three Nones are
accepted; an exception object on its own, or a 2-tuple, is not.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

import wsgitypes


def app(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    try:
        start_response("200 OK", [("Content-Type", "text/plain")], None)
        return [b"ok"]
    except Exception as exc:
        start_response("500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info())
        start_response("500 Internal Server Error", [], (type(exc), exc, exc.__traceback__))  # E -- __traceback__ may be None
        start_response("500 Internal Server Error", [], exc)  # E -- the exception alone is not exc_info
        start_response("500 Internal Server Error", [], (type(exc), exc))  # E -- a 2-tuple
        return [b"error"]


def no_exception(start_response: wsgitypes.StartResponse) -> None:
    start_response("200 OK", [], (None, None, None))


def with_traceback(start_response: wsgitypes.StartResponse, exc: BaseException) -> None:
    if exc.__traceback__ is not None:
        start_response("500 Internal Server Error", [], (type(exc), exc, exc.__traceback__))
