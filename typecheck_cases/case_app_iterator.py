"""Applications returning iterators and custom iterable objects.

``iter(list)``, ``map(...)`` over bytes, and a class with ``__iter__`` / ``__next__``
are response bodies; an iterator of ``int`` (iterating over a bytes object) is not.
"""

from __future__ import annotations

from collections.abc import Iterator

import wsgitypes


class Countdown:
    """An iterator object (``__iter__`` returns self)."""

    def __init__(self, start: int) -> None:
        self.n = start

    def __iter__(self) -> Countdown:
        return self

    def __next__(self) -> bytes:
        if self.n <= 0:
            raise StopIteration
        self.n -= 1
        return b"%d\n" % self.n


def countdown(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Countdown:
    start_response("200 OK", [])
    return Countdown(3)


def from_iter(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterator[bytes]:
    start_response("200 OK", [])
    return iter([b"a", b"b"])


def mapped(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> wsgitypes.ResponseBody:
    start_response("200 OK", [])
    return map(str.encode, ["x", "y"])


def from_bytes(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> wsgitypes.ResponseBody:
    start_response("200 OK", [])
    return iter(b"bytes")  # E -- iterating bytes gives ints


def bare_bytes(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> wsgitypes.ResponseBody:
    start_response("200 OK", [])
    return b"bytes"  # E -- a bytes object is an Iterable[int], and would be sent one byte at a time


apps: list[wsgitypes.WSGIApplication] = [countdown, from_iter, mapped]
