"""Generator applications: ``yield`` bytes, annotated as Iterator, Iterable or Generator.

start_response is called before the first ``yield`` (PEP 3333 allows it to be called
lazily, on the first iteration).  Yielding ``str`` is an error.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator

import wsgitypes


def streaming(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterator[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    for i in range(3):
        yield b"chunk %d\n" % i


def as_iterable(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    start_response("200 OK", [])
    yield b"one"
    yield from [b"two", b"three"]


def full_generator(
    environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /
) -> Generator[bytes, None, None]:
    start_response("200 OK", [])
    yield b"done"


def text_generator(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterator[str]:
    start_response("200 OK", [])
    yield "text"


apps: list[wsgitypes.WSGIApplication] = [streaming, as_iterable, full_generator]
text_app: wsgitypes.WSGIApplication = text_generator  # E -- yields str, not bytes
