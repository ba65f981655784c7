"""The WSGI protocol objects of PEP 3333, as static types.

Every declaration here is interchangeable with its twin in typeshed's
``wsgiref.types`` / ``_typeshed.wsgi`` in both directions, so code typed against
either keeps working with the other:

* parameters are positional-only, because PEP 3333 says every WSGI callable is
  called positionally ("As with all WSGI callables, the arguments must be
  supplied positionally, not by keyword");
* results the caller ignores are ``object``, so ``None``-returning and
  value-returning implementations both fit;
* the environ is a plain ``dict[str, Any]``: PEP 3333 demands a builtin dict,
  and a TypedDict is not assignable to or from one (see :mod:`wsgitypes.environ`
  for typed reads).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any, Protocol, TypeAlias, runtime_checkable

__all__ = [
    "ErrorStream",
    "ExcInfo",
    "FileWrapper",
    "InputStream",
    "OptExcInfo",
    "ReadableFile",
    "ResponseBody",
    "ResponseHeaders",
    "StartResponse",
    "WSGIApplication",
    "WSGIEnvironment",
    "WriteCallable",
]

ExcInfo: TypeAlias = tuple[type[BaseException], BaseException, TracebackType]
"""What ``sys.exc_info()`` returns while an exception is being handled."""

OptExcInfo: TypeAlias = ExcInfo | tuple[None, None, None]
"""What ``sys.exc_info()`` returns anywhere: outside a handler it is three Nones."""

WSGIEnvironment: TypeAlias = dict[str, Any]
"""The ``environ`` argument: a builtin dict (PEP 3333 forbids subclasses and emulations)."""

ResponseHeaders: TypeAlias = list[tuple[str, str]]
"""``response_headers``: a real list of ``(name, value)`` tuples of Latin-1 text."""

ResponseBody: TypeAlias = Iterable[bytes]
"""What an application returns: any iterable of bytestrings (``close()`` optional)."""


@runtime_checkable
class InputStream(Protocol):
    """``environ["wsgi.input"]``: the request body, read as bytes.

    The server signals end-of-file (``b""``) at ``CONTENT_LENGTH``; the application
    must not read past it.  ``read()`` without a size returns the rest of the body.
    """

    def read(self, size: int = ..., /) -> bytes: ...
    def readline(self, size: int = ..., /) -> bytes: ...
    def readlines(self, hint: int = ..., /) -> list[bytes]: ...
    def __iter__(self) -> Iterator[bytes]: ...


@runtime_checkable
class ErrorStream(Protocol):
    """``environ["wsgi.errors"]``: a text stream for error output (``str``, not bytes)."""

    def flush(self) -> object: ...
    def write(self, s: str, /) -> object: ...
    def writelines(self, seq: list[str], /) -> object: ...


class WriteCallable(Protocol):
    """What ``start_response`` returns: the imperative ``write(body_data)`` of PEP 3333.

    New applications should return an iterable instead of calling it.
    """

    def __call__(self, data: bytes, /) -> object: ...


class StartResponse(Protocol):
    """The ``start_response(status, response_headers, exc_info=None)`` callable.

    ``status`` is ``"NNN Reason"``; ``exc_info`` is passed only from an error handler,
    and is the one case in which it may be called a second time.
    """

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = ..., /
    ) -> WriteCallable: ...


class WSGIApplication(Protocol):
    """A WSGI application: called once per request, returns the response body."""

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse, /
    ) -> Iterable[bytes]: ...


class ReadableFile(Protocol):
    """What ``wsgi.file_wrapper`` accepts: anything with ``read(size)`` (``close()`` optional)."""

    def read(self, size: int = ..., /) -> bytes: ...


class FileWrapper(Protocol):
    """``environ["wsgi.file_wrapper"]``: turns a file into a response body the server
    may send with a platform fast path such as ``sendfile``.  Return its result
    unchanged from the application, or the fast path is lost."""

    def __call__(self, file: ReadableFile, block_size: int = ..., /) -> Iterable[bytes]: ...
