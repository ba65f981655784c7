"""Misuse: writing bytes to ``wsgi.errors`` (a text stream).

Through the typed environ view and through ``ErrorStream`` directly.
"""

from __future__ import annotations

from collections.abc import Iterable

import wsgitypes


def app(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    errors = wsgitypes.environ_view(environ)["wsgi.errors"]
    errors.write(b"oops\n")  # E -- bytes to a text stream
    errors.writelines([b"a\n", b"b\n"])  # E -- bytes lines
    errors.writelines(("a\n", "b\n"))  # E -- writelines takes a list (typeshed's signature)
    errors.write("oops\n")
    errors.writelines(["a\n", "b\n"])
    start_response("500 Internal Server Error", [])
    return [b"error"]


def log(stream: wsgitypes.ErrorStream, payload: bytes) -> None:
    stream.write(payload)  # E -- bytes payload
    stream.write(payload.decode("latin-1"))
