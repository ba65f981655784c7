"""Applications returning iterables with ``close()``, and the file wrapper's result.

PEP 3333 servers call ``close()`` on the body if it has one; the protocol only asks
for ``Iterable[bytes]``, so a closeable body fits, and a caller that wants to close it
checks with ``hasattr`` or a Protocol of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

import wsgitypes


class ClosingBody:
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.chunks)

    def close(self) -> None:
        self.closed = True


class ClosingIterable(Iterable[bytes], Protocol):
    def close(self) -> object: ...


def app(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> ClosingBody:
    start_response("200 OK", [])
    return ClosingBody([b"hello"])


def send_file(environ: wsgitypes.Environ, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    file = open("/dev/null", "rb")
    wrapper = environ.get("wsgi.file_wrapper")  # optional: a server may not offer one
    return [file.read()] if wrapper is None else wrapper(file, 8192)


def finish(body: Iterable[bytes]) -> None:
    if isinstance(body, ClosingBody):
        body.close()


closeable: ClosingIterable = ClosingBody([])
apps: list[wsgitypes.WSGIApplication] = [app, send_file]
not_closeable: ClosingIterable = [b"list"]  # E -- a list has no close()
