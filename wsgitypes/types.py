"""The WSGI protocol objects of PEP 3333, as static types.

Every declaration here is interchangeable with its twin in typeshed's
``wsgiref.types`` / ``_typeshed.wsgi``, so code typed against either keeps working
with the other.  Where our declaration would add nothing a checker can see, the
static type *is* typeshed's (``StartResponse``, ``WSGIApplication``, ``FileWrapper``;
``WriteCallable`` is the ``Callable[[bytes], object]`` typeshed's ``start_response``
returns).  Being the very same type matters wherever a type is a type argument:
``dict[str, wsgitypes.WSGIApplication]`` *is* ``dict[str, wsgiref.types.WSGIApplication]``,
and pyright accepts an invariant container or generic class (``list[...]``, werkzeug's
``DispatcherMiddleware`` mounts, WebTest's ``TestApp[...]``) only with the identical type.

At run time (typeshed's names exist only for checkers) the same names are the
Protocol classes below, with the documentation: ``help(wsgitypes.StartResponse)``
works, ``wsgitypes.WSGIApplication`` is importable on any Python 3.11+.

``InputStream`` and ``ErrorStream`` stay our own: they are runtime-checkable, so
``isinstance(x, InputStream)`` works and narrows in both checkers, which typeshed's
cannot.  Each is assignable both ways with typeshed's twin; only an invariant
container of one (``list[InputStream]``) differs from the same container of the
other in pyright (mypy accepts it).

The rules the declarations follow, from PEP 3333 and typeshed:

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

from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, runtime_checkable

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


class ReadableFile(Protocol):
    """What ``wsgi.file_wrapper`` accepts: anything with ``read(size)`` (``close()`` optional).

    (typeshed's twin, ``_Readable``, is private to its stubs, so this one stays ours.)
    """

    def read(self, size: int = ..., /) -> bytes: ...


if TYPE_CHECKING:
    # The very types typeshed declares (see the module docstring).
    from wsgiref.types import FileWrapper as FileWrapper
    from wsgiref.types import StartResponse as StartResponse
    from wsgiref.types import WSGIApplication as WSGIApplication

    WriteCallable: TypeAlias = Callable[[bytes], object]
else:

    class WriteCallable(Protocol):
        """What ``start_response`` returns: the imperative ``write(body_data)`` of PEP 3333.

        New applications should return an iterable instead of calling it.  (Checkers
        see ``Callable[[bytes], object]``, what typeshed's ``StartResponse`` returns.)
        """

        def __call__(self, data: bytes, /) -> object: ...

    class StartResponse(Protocol):
        """The ``start_response(status, response_headers, exc_info=None)`` callable.

        ``status`` is ``"NNN Reason"``; ``exc_info`` is passed only from an error handler,
        and is the one case in which it may be called a second time.  (Checkers see
        typeshed's ``wsgiref.types.StartResponse``, which has this signature.)
        """

        def __call__(
            self, status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = ..., /
        ) -> WriteCallable: ...

    class WSGIApplication(Protocol):
        """A WSGI application: called once per request, returns the response body.

        (Checkers see typeshed's ``wsgiref.types.WSGIApplication``, the
        ``Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]`` alias.)
        """

        def __call__(
            self, environ: WSGIEnvironment, start_response: StartResponse, /
        ) -> Iterable[bytes]: ...

    class FileWrapper(Protocol):
        """``environ["wsgi.file_wrapper"]``: turns a file into a response body the server
        may send with a platform fast path such as ``sendfile``.  Return its result
        unchanged from the application, or the fast path is lost.  (Checkers see
        typeshed's ``wsgiref.types.FileWrapper``.)"""

        def __call__(self, file: ReadableFile, block_size: int = ..., /) -> Iterable[bytes]: ...
