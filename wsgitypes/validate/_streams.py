"""Wrappers for ``wsgi.input`` and ``wsgi.errors`` that check both parties' use of them.

The server owes bytes, sizes honoured and end-of-file at CONTENT_LENGTH; the
application owes int sizes, no reads past CONTENT_LENGTH, str for the error stream,
and never closing either stream.  Each wrapper checks the methods PEP 3333 lists.
Any other attribute the server's stream really has (``seek``, ``fileno``, ...) is
passed through, so the application keeps working, and noted as an extension it
relies on (rule ``stream-extension``, POLICY: reported with ``http_policy=True``).

Both report through the request's exchange, which counts repeats and keeps a
violation the application swallows.
"""

# pyright: reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnknownArgumentType=false
# (why: see wsgitypes/validate/__init__.py)

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from wsgitypes import rules
from wsgitypes.types import ErrorStream, InputStream

if TYPE_CHECKING:
    from wsgitypes.validate._exchange import Exchange

_UNKNOWN = -2  # CONTENT_LENGTH not parsed yet
_NO_LIMIT = -1  # no CONTENT_LENGTH, the body is terminated by the server (chunked), or the position is unknown
_OWN_ATTRIBUTES = frozenset({"stream", "_stream", "_exchange", "_limit", "_consumed", "_content_length", "_terminated"})
# Extensions that read or move the body: followed, so that the CONTENT_LENGTH checks
# keep counting.  Any other callable extension stops them (its reads are not seen).
_FOLLOWED = {"readinto": "_readinto", "seek": "_seek"}


def _extension_note(key: str, name: str, stream: object) -> str:
    return f"the application uses {key}.{name}, which this server's {type(stream).__name__} has and PEP 3333 does not promise"


def _own_or_dunder(name: str) -> bool:
    """Never looked up on the server's stream: the wrapper's own attributes, and special names."""
    return name in _OWN_ATTRIBUTES or (name.startswith("__") and name.endswith("__"))


class InputWrapper:
    # Class-level defaults keep creation (once per request) to four stores.
    _limit = _UNKNOWN
    _consumed = 0

    def __init__(self, stream: InputStream, exchange: Exchange, environ: dict[str, Any]) -> None:
        self._stream = stream
        self._exchange = exchange
        # Read now and not kept: the environ holds this wrapper (no cycle back to it).
        self._content_length = environ.get("CONTENT_LENGTH")
        self._terminated = environ.get("wsgi.input_terminated")

    def _check_size(self, method: str, args: tuple[Any, ...], sized: bool) -> None:
        """Application side: a valid size, and no read once CONTENT_LENGTH is used up."""
        size = args[0] if args else None
        if len(args) > 1 or (size is not None and type(size) is not int):
            problem = f"{len(args)} arguments" if len(args) > 1 else f"the size is {type(size).__name__}"
            self._exchange.violation(rules.INPUT_ARGS, f"{method}({', '.join(map(repr, args))}): {problem}")
        limit = self._limit
        if limit == _UNKNOWN:
            limit = self._limit = self._parse_limit()
        if sized and limit >= 0 and self._consumed >= limit and size != 0:
            self._exchange.violation(
                rules.READ_PAST_LENGTH,
                f"{method}({'' if size is None else size}) after all {limit} bytes of CONTENT_LENGTH were read",
            )

    def _parse_limit(self) -> int:
        length = self._content_length
        if self._terminated or not isinstance(length, str) or rules.check_content_length(length) or not length:
            return _NO_LIMIT
        return int(length)

    def _received(self, method: str, data: object, size: object = None) -> None:
        """Server side: what came back is bytes, within size, and stops at CONTENT_LENGTH."""
        if type(data) is not bytes:
            self._exchange.violation(rules.INPUT_BYTES, f"{method} returned {type(data).__name__}: {data!r:.80}")
            return
        self._count(method, len(data), size)

    def _count(self, method: str, count: int, size: object) -> None:
        if type(size) is int and size >= 0 and count > size:
            self._exchange.violation(rules.INPUT_SIZE, f"{method}({size}) returned {count} bytes")
        self._consumed += count
        if self._limit == _UNKNOWN:
            self._limit = self._parse_limit()
        if 0 <= self._limit < self._consumed:
            self._exchange.violation(rules.INPUT_EOF, f"{self._consumed} bytes read, CONTENT_LENGTH is {self._limit}")

    def read(self, *args: Any) -> bytes:
        size = args[0] if args else None
        # read() and read(-1) ask for "the rest", which PEP 3333 allows at any time.
        self._check_size("read", args, sized=size is not None and size != -1)
        data = self._stream.read(*args)
        self._received("read", data, size)
        return data

    def readline(self, *args: Any) -> bytes:
        size = args[0] if args else None
        self._check_size("readline", args, sized=True)
        data = self._stream.readline(*args)
        self._received("readline", data, size)
        return data

    def readlines(self, *args: Any) -> list[bytes]:
        self._check_size("readlines", args, sized=True)
        lines = self._stream.readlines(*args)
        if not isinstance(cast(object, lines), list):
            self._exchange.violation(rules.INPUT_BYTES, f"readlines returned {type(lines).__name__}: {lines!r:.80}")
            return lines
        for line in lines:
            self._received("readlines", line)
        return lines

    def __iter__(self) -> Iterator[bytes]:
        try:
            lines = iter(self._stream)
        except TypeError as error:
            self._exchange.violation(rules.ENVIRON_INPUT, f"iter(wsgi.input) failed: {error}")
            return
        for line in lines:
            self._received("iteration", line)
            yield line

    def close(self) -> None:
        self._exchange.violation(rules.STREAM_NOT_CLOSED, "wsgi.input.close() was called")

    def __getattr__(self, name: str) -> Any:
        """An attribute PEP 3333 does not list: the server's own stream's, if it has one.

        Called only for names this class lacks.  The application keeps working on
        this server; the note says it would not on a server whose stream is minimal.
        """
        if _own_or_dunder(name):
            raise AttributeError(name)
        value = getattr(self._stream, name)  # the AttributeError the bare stream would give
        self._exchange.violation(rules.STREAM_EXTENSION, _extension_note("wsgi.input", name, self._stream))
        if callable(value) and name in _FOLLOWED:
            return getattr(self, _FOLLOWED[name])
        if callable(value):
            self._limit = _NO_LIMIT  # reads through other methods are not counted: stop judging by count
        return value

    def _readinto(self, buffer: Any) -> Any:
        """``readinto`` reads past the checked methods: check and count it like ``read(len(buffer))``."""
        size = len(buffer)
        self._check_size("readinto", (size,), sized=True)
        stream: Any = self._stream  # has readinto: __getattr__ found it
        count = stream.readinto(buffer)
        if count is not None:  # None: a non-blocking stream with nothing ready
            if type(count) is not int:
                self._exchange.violation(rules.INPUT_BYTES, f"readinto returned {type(count).__name__}: {count!r:.80}")
            else:
                self._count("readinto", count, size)
        return count

    def _seek(self, *args: Any) -> Any:
        """``seek`` moves the position the CONTENT_LENGTH checks count from: follow it."""
        stream: Any = self._stream  # has seek: __getattr__ found it
        position = stream.seek(*args)
        if type(position) is int and position >= 0:
            self._consumed = position
        else:
            self._limit = _NO_LIMIT
        return position


class ErrorsWrapper:
    """``wsgi.errors`` as the application sees it, for one request."""

    __slots__ = ("stream", "_exchange")

    def __init__(self, stream: ErrorStream, exchange: Exchange) -> None:
        self.stream = stream
        self._exchange = exchange

    def write(self, text: str) -> object:
        if not isinstance(text, str):  # pyright: ignore[reportUnnecessaryIsInstance]  # callers pass anything
            self._exchange.violation(rules.ERRORS_STR, f"write({text!r:.80}): got {type(text).__name__}")
        return self.stream.write(text)

    def writelines(self, lines: list[str]) -> object:
        try:
            lines = list(lines)
        except TypeError:
            self._exchange.violation(rules.ERRORS_STR, f"writelines({lines!r:.80}): not an iterable of str")
            return self.stream.writelines(lines)
        for text in lines:
            if not isinstance(text, str):  # pyright: ignore[reportUnnecessaryIsInstance]
                self._exchange.violation(rules.ERRORS_STR, f"writelines(): an item is {type(text).__name__}: {text!r:.80}")
        return self.stream.writelines(lines)

    def flush(self) -> object:
        return self.stream.flush()

    def close(self) -> None:
        self._exchange.violation(rules.STREAM_NOT_CLOSED, "wsgi.errors.close() was called")

    def __getattr__(self, name: str) -> Any:
        """An attribute PEP 3333 does not list (``isatty``, ``encoding``...): the server's stream's."""
        if _own_or_dunder(name):
            raise AttributeError(name)
        value = getattr(self.stream, name)
        self._exchange.violation(rules.STREAM_EXTENSION, _extension_note("wsgi.errors", name, self.stream))
        return value
