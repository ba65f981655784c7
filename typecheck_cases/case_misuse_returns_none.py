"""Misuse: a start_response implementation returning ``None`` instead of a write callable.

PEP 3333: start_response "must return a write(body_data) callable".  Both our protocol
and typeshed's ask for it, so a ``-> None`` implementation is rejected; so is
returning a non-callable.
"""

from __future__ import annotations

import wsgiref.types

import wsgitypes


def returns_none(status: str, headers: list[tuple[str, str]], exc_info: wsgitypes.OptExcInfo | None = None, /) -> None:
    pass


def returns_bytes(
    status: str, headers: list[tuple[str, str]], exc_info: wsgitypes.OptExcInfo | None = None, /
) -> bytes:
    return b""


def returns_writer(
    status: str, headers: list[tuple[str, str]], exc_info: wsgitypes.OptExcInfo | None = None, /
) -> wsgitypes.WriteCallable:
    def write(data: bytes, /) -> None:
        pass

    return write


ours: wsgitypes.StartResponse = returns_none  # E -- returns None
theirs: wsgiref.types.StartResponse = returns_none  # E -- returns None (typeshed)
not_callable: wsgitypes.StartResponse = returns_bytes  # E -- bytes is not a write callable
good: wsgitypes.StartResponse = returns_writer


def no_write(
    status: str, headers: list[tuple[str, str]], exc_info: wsgitypes.OptExcInfo | None = None, /
) -> wsgitypes.WriteCallable:
    return None  # E -- the implementation itself is caught too
