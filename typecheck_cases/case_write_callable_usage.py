"""The legacy ``write`` callable returned by start_response.

It takes ``bytes`` (PEP 3333: "bytestrings").  ``bytearray`` and ``memoryview`` are
rejected by both checkers: mypy's ``--strict`` turns on ``--strict-bytes`` and pyright's
strict mode sets ``disableBytesTypePromotions``.
"""

from __future__ import annotations

from collections.abc import Iterable

import wsgitypes


def legacy(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write(b"written directly")
    write(bytes(bytearray(b"copy")))
    write(bytearray(b"mutable"))  # E -- bytearray is not bytes (no bytes promotion in strict mode)
    write(memoryview(b"view"))  # E -- neither is memoryview
    return []
