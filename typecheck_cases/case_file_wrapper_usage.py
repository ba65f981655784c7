"""Using ``wsgi.file_wrapper`` from an application, with the PEP 3333 fallback.

The wrapper takes a binary readable (``open(..., "rb")``, BytesIO, anything with
``read(size) -> bytes``) and an optional int block size; a text file is an error.
When the server offers none (``.get()`` gives ``None``), iterate in blocks yourself.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import assert_type

import wsgitypes
from wsgitypes import environ_view


class Chunks:
    """A minimal ReadableFile: only ``read(size)``."""

    def read(self, size: int = -1, /) -> bytes:
        return b""


def app(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    env = environ_view(environ)
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    file = open("/dev/null", "rb")
    wrapper = env.get("wsgi.file_wrapper")
    if wrapper is None:
        return iter(lambda: file.read(8192), b"")
    assert_type(wrapper, wsgitypes.FileWrapper)
    return wrapper(file, 8192)


def misuse(wrapper: wsgitypes.FileWrapper) -> None:
    wrapper(io.BytesIO(b"data"))
    wrapper(Chunks())
    wrapper(open("/dev/null"))  # E -- a text file reads str
    wrapper(open("/dev/null", "rb"), "8192")  # E -- block size is an int
    wrapper(b"data")  # E -- bytes has no read()
    wrapper(file=io.BytesIO())  # E -- positional-only
