"""``is_input_stream`` / ``is_error_stream`` narrow ``object`` (and unions) via TypeGuard.

After the check the value can be used as the protocol; without it, it cannot.  A
TypeGuard (not TypeIs) does not narrow the negative branch.
"""

from __future__ import annotations

import io
from typing import assert_type

import wsgitypes
from wsgitypes import is_error_stream, is_input_stream


def read_anything(candidate: object) -> bytes:
    if is_input_stream(candidate):
        assert_type(candidate, wsgitypes.InputStream)
        return candidate.read()
    assert_type(candidate, object)
    return candidate.read()  # E -- not narrowed: object has no read()


def log_anything(candidate: object, message: str) -> None:
    if is_error_stream(candidate):
        assert_type(candidate, wsgitypes.ErrorStream)
        candidate.write(message)
        candidate.write(message.encode())  # E -- narrowed to a text stream
    candidate.write(message)  # E -- outside the check


def from_environ(environ: wsgitypes.WSGIEnvironment) -> wsgitypes.InputStream | None:
    stream = environ.get("wsgi.input")
    if is_input_stream(stream):
        return stream
    return None


def union(stream: io.BytesIO | str) -> None:
    if is_input_stream(stream):
        assert_type(stream, wsgitypes.InputStream)
    if is_error_stream(stream):
        stream.flush()
