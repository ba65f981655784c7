"""Known break: ``wsgiref.util.FileWrapper`` vs the FileWrapper protocol.

Verdict, verified with mypy 2.4.1 and pyright 1.1.414: the class is NOT a
``FileWrapper`` for either checker, neither ours nor typeshed's.  Its stub's
constructor takes ``filelike: IO[bytes]``, while the protocol passes any object with
``read(size) -> bytes`` (``ReadableFile`` / typeshed's ``_Readable``); parameters are
contravariant, so the narrower ``IO[bytes]`` fails.  Instances are fine as a response
body, and wrapping a real binary file works; a server that offers
``wsgi.file_wrapper = wsgiref.util.FileWrapper`` needs an adapter function.
"""

from __future__ import annotations

import io
import wsgiref.types
from collections.abc import Iterable
from typing import IO
from wsgiref.util import FileWrapper

import wsgitypes

ours: wsgitypes.FileWrapper = FileWrapper  # E -- constructor takes IO[bytes], not any readable
theirs: wsgiref.types.FileWrapper = FileWrapper  # E -- typeshed's own protocol rejects it too


def adapter(file: wsgitypes.ReadableFile, block_size: int = 8192, /) -> Iterable[bytes]:
    """What a server can offer instead: accepts any readable, iterates in blocks."""
    return iter(lambda: file.read(block_size), b"")


adapted: wsgitypes.FileWrapper = adapter
adapted_theirs: wsgiref.types.FileWrapper = adapter
body: wsgitypes.ResponseBody = FileWrapper(io.BytesIO(b"data"), 4096)


def wrap_binary(file: IO[bytes]) -> wsgitypes.ResponseBody:
    return FileWrapper(file)


def wrap_readable(file: wsgitypes.ReadableFile) -> wsgitypes.ResponseBody:
    return FileWrapper(file)  # E -- the same mismatch, at a call
