"""WriteCallable is interchangeable with typeshed's ``Callable[[bytes], object]`` both ways.

typeshed spells start_response's result as a plain Callable; ours is a Protocol with a
positional-only ``__call__``.  Functions returning ``None`` or an ``int`` (like
``BufferedWriter.write``) fit both.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import wsgitypes


def to_callable(write: wsgitypes.WriteCallable) -> Callable[[bytes], object]:
    return write


def from_callable(write: Callable[[bytes], object]) -> wsgitypes.WriteCallable:
    return write


def write_none(data: bytes) -> None:
    pass


buffer = io.BytesIO()
returns_none: wsgitypes.WriteCallable = write_none
returns_int: wsgitypes.WriteCallable = buffer.write
takes_str: wsgitypes.WriteCallable = io.StringIO().write  # E -- a text write is not a WSGI write
