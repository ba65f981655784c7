"""The two objects the server puts in the environ for the application to use.

* :class:`RequestBody` is ``wsgi.input``: the request body, read as it arrives.  It
  ends where the body ends, Content-Length or chunked alike, so ``read()`` with no
  size is safe and the environ says so (``wsgi.input_terminated``).
* :class:`FileWrapper` is ``wsgi.file_wrapper``: an iterable over a file, which the
  server sends with ``sendfile`` when it is a regular file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from wsgitypes.server.request import Request
from wsgitypes.server.spool import discard_spool
from wsgitypes.types import ReadableFile

__all__ = ["FileWrapper", "RequestBody"]

_SPOOL_READ = 65536  # bytes read from a spooled body at once when the reader wants a line


class RequestBody:
    """``wsgi.input``; ``receive(request, wanted)`` adds more of the body to ``request.body``.

    A body the event loop has put in a temporary file (``request.spool``) is read from
    there first.

    ``wanted`` is how many more bytes the reader asked for (-1: all of them), so that a
    large read can be one receive; ``receive`` raises when the body cannot arrive
    (malformed, too slow, the client gone), and the exception reaches the application
    through ``read()``.
    """

    __slots__ = ("_request", "_receive", "_buffer", "_position")

    def __init__(self, request: Request, receive: Callable[[Request, int], object]) -> None:
        self._request = request
        self._receive = receive
        self._buffer = b""
        self._position = 0

    def _more(self, wanted: int = 0) -> bytes:
        """The next piece of the body, or b"" at its end."""
        request = self._request
        if request.spool is not None:  # the body's first bytes, put there by the event loop
            # (a size is bounded by the body's, as a read from the socket is: a huge one is not allocated)
            if piece := request.spool.read(-1 if wanted < 0 else min(wanted, request.body_bytes) or _SPOOL_READ):
                return piece
            discard_spool(request)
        while not request.body:
            if request.complete:
                return b""
            self._receive(request, wanted)
        return request.body.popleft()

    def read(self, size: int | None = -1, /) -> bytes:
        if size is None or size < 0:
            parts = [self._buffer[self._position :]] if self._position < len(self._buffer) else []
            while piece := self._more(-1):
                parts.append(piece)
            self._buffer, self._position = b"", 0
            return b"".join(parts)
        available = len(self._buffer) - self._position
        if available >= size:
            start = self._position
            self._position += size
            return self._buffer[start : start + size]
        parts = [self._buffer[self._position :]] if available else []  # (a single part is returned as it is, not copied)
        wanted = size - available
        while wanted > 0 and (piece := self._more(wanted)):
            if len(piece) > wanted:
                self._buffer, self._position = piece, wanted
                parts.append(piece[:wanted])
                return b"".join(parts)
            parts.append(piece)
            wanted -= len(piece)
        self._buffer, self._position = b"", 0
        return b"".join(parts)

    def readline(self, size: int | None = -1, /) -> bytes:
        limit = -1 if size is None or size < 0 else size
        parts: list[bytes] = []
        collected = 0
        while limit < 0 or collected < limit:
            buffer, start = self._buffer, self._position
            if start >= len(buffer):
                piece = self._more()
                if not piece:
                    break
                self._buffer, self._position = buffer, start = piece, 0
            end = buffer.find(b"\n", start) + 1 or len(buffer)
            if limit >= 0:
                end = min(end, start + limit - collected)
            parts.append(buffer[start:end])
            collected += end - start
            self._position = end
            if buffer[end - 1 : end] == b"\n":
                break
        return b"".join(parts)

    def readlines(self, hint: int = -1, /) -> list[bytes]:
        lines: list[bytes] = []
        total = 0
        while line := self.readline():
            lines.append(line)
            total += len(line)
            if 0 < hint <= total:
                break
        return lines

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line


class FileWrapper:
    """``wsgi.file_wrapper``: an iterable over a file that the server may send with ``sendfile``."""

    __slots__ = ("filelike", "blksize")

    def __init__(self, filelike: ReadableFile, blksize: int = 8192, /) -> None:
        self.filelike = filelike
        self.blksize = blksize

    def __iter__(self) -> Iterator[bytes]:
        read, blksize = self.filelike.read, self.blksize
        while chunk := read(blksize):
            yield chunk

    def close(self) -> None:
        close: Callable[[], object] | None = getattr(self.filelike, "close", None)
        if close is not None:
            close()
