"""``Environ.get`` with defaults keeps precise types.

A ``str`` default on a str key gives ``str``; a ``bool`` default on a flag gives
``bool``; another default type gives a union, for the streams, the flags and
``wsgi.version`` too (``env.get("wsgi.input", None)`` is ``InputStream | None``, as
without a default); unknown keys are ``Any``.
"""

from __future__ import annotations

from typing import Any, TextIO, assert_type

import wsgitypes
from wsgitypes import environ_view


def defaults(environ: wsgitypes.WSGIEnvironment, fallback_errors: TextIO, fallback_version: tuple[int, int]) -> None:
    env = environ_view(environ)
    assert_type(env.get("REQUEST_METHOD", "GET"), str)
    assert_type(env.get("QUERY_STRING", ""), str)
    assert_type(env.get("CONTENT_LENGTH", 0), str | int)
    assert_type(env.get("CONTENT_LENGTH", None), str | None)
    assert_type(env.get("wsgi.run_once", False), bool)
    assert_type(env.get("wsgi.file_wrapper", None), wsgitypes.FileWrapper | None)
    assert_type(env.get("wsgi.run_once", None), bool | None)
    assert_type(env.get("wsgi.input", None), wsgitypes.InputStream | None)
    assert_type(env.get("wsgi.errors", fallback_errors), wsgitypes.ErrorStream | TextIO)
    assert_type(env.get("wsgi.version", fallback_version), tuple[int, int])
    assert_type(env.get("myapp.setting", 3), Any)
    length = int(env.get("CONTENT_LENGTH", "") or 0)
    assert_type(length, int)
    method: str = env.get("REQUEST_METHOD")  # E -- may be None without a default


def in_parameter(environ: wsgitypes.Environ) -> str:
    return environ.get("PATH_INFO", "/")
