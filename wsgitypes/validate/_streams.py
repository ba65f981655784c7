"""Wrappers for ``wsgi.input`` and ``wsgi.errors`` that check both parties' use of them.

The server owes bytes, sizes honoured and end-of-file at CONTENT_LENGTH; the
application owes int sizes, no reads past CONTENT_LENGTH, str for the error stream,
and never closing either stream.  Each wrapper offers exactly the methods PEP 3333
lists, so an application that relies on anything else fails here as it would on a
minimal server.
"""

# The values checked here come from the other party and are of unknown type on
# purpose; narrowing them with type() leaves pyright with Unknown parts, which is
# the point of checking them, not a gap in the annotations.
# pyright: reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnknownArgumentType=false

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from wsgitypes import rules
from wsgitypes.types import ErrorStream, InputStream
from wsgitypes.validate._report import Reporter

_UNKNOWN = -2  # CONTENT_LENGTH not parsed yet
_NO_LIMIT = -1  # no CONTENT_LENGTH, or the body is terminated by the server (chunked)


class InputWrapper:
    # Class-level defaults keep creation (once per request) to three stores.
    _limit = _UNKNOWN
    _consumed = 0

    def __init__(self, stream: InputStream, report: Reporter, environ: dict[str, Any]) -> None:
        self._stream = stream
        self._report = report
        self._environ = environ

    def _check_size(self, method: str, args: tuple[Any, ...], sized: bool) -> None:
        """Application side: a valid size, and no read once CONTENT_LENGTH is used up."""
        size = args[0] if args else None
        if len(args) > 1 or (size is not None and type(size) is not int):
            problem = f"{len(args)} arguments" if len(args) > 1 else f"the size is {type(size).__name__}"
            self._report.violation(
                rules.INPUT_ARGS, f"{method}({', '.join(map(repr, args))}): {problem}", self._environ
            )
        limit = self._limit
        if limit == _UNKNOWN:
            limit = self._limit = self._parse_limit()
        if sized and limit >= 0 and self._consumed >= limit and size != 0:
            self._report.violation(
                rules.READ_PAST_LENGTH,
                f"{method}({'' if size is None else size}) after all {limit} bytes of CONTENT_LENGTH were read",
                self._environ,
            )

    def _parse_limit(self) -> int:
        env = self._environ
        length = env.get("CONTENT_LENGTH")
        if env.get("wsgi.input_terminated") or not length or not str(length).isdecimal():
            return _NO_LIMIT
        return int(length)

    def _received(self, method: str, data: object, size: object = None) -> None:
        """Server side: what came back is bytes, within size, and stops at CONTENT_LENGTH."""
        if type(data) is not bytes:
            self._report.violation(rules.INPUT_BYTES, f"{method} returned {type(data).__name__}: {data!r:.80}", self._environ)
            return
        if type(size) is int and size >= 0 and len(data) > size:
            self._report.violation(rules.INPUT_SIZE, f"{method}({size}) returned {len(data)} bytes", self._environ)
        self._consumed += len(data)
        if self._limit == _UNKNOWN:
            self._limit = self._parse_limit()
        if 0 <= self._limit < self._consumed:
            self._report.violation(
                rules.INPUT_EOF,
                f"{self._consumed} bytes read, CONTENT_LENGTH is {self._limit}",
                self._environ,
            )

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
            self._report.violation(
                rules.INPUT_BYTES, f"readlines returned {type(lines).__name__}: {lines!r:.80}", self._environ
            )
            return lines
        for line in lines:
            self._received("readlines", line)
        return lines

    def __iter__(self) -> Iterator[bytes]:
        try:
            lines = iter(self._stream)
        except TypeError as error:
            self._report.violation(rules.ENVIRON_INPUT, f"iter(wsgi.input) failed: {error}", self._environ)
            return
        for line in lines:
            self._received("iteration", line)
            yield line

    def close(self) -> None:
        self._report.violation(rules.STREAM_NOT_CLOSED, "wsgi.input.close() was called", self._environ)


class ErrorsWrapper:
    """Holds no per-request state, so one wrapper serves every request on the same stream."""

    __slots__ = ("stream", "_report")

    def __init__(self, stream: ErrorStream, report: Reporter) -> None:
        self.stream = stream
        self._report = report

    def _violation(self, rule: rules.Rule, detail: str) -> None:
        self._report.violation(rule, detail, {"wsgi.errors": self.stream})

    def write(self, text: str) -> object:
        if not isinstance(text, str):  # pyright: ignore[reportUnnecessaryIsInstance]  # callers pass anything
            self._violation(rules.ERRORS_STR, f"write({text!r:.80}): got {type(text).__name__}")
        return self.stream.write(text)

    def writelines(self, lines: list[str]) -> object:
        try:
            lines = list(lines)
        except TypeError:
            self._violation(rules.ERRORS_STR, f"writelines({lines!r:.80}): not an iterable of str")
            return self.stream.writelines(lines)
        for text in lines:
            if not isinstance(text, str):  # pyright: ignore[reportUnnecessaryIsInstance]
                self._violation(rules.ERRORS_STR, f"writelines(): an item is {type(text).__name__}: {text!r:.80}")
        return self.stream.writelines(lines)

    def flush(self) -> object:
        return self.stream.flush()

    def close(self) -> None:
        self._violation(rules.STREAM_NOT_CLOSED, "wsgi.errors.close() was called")
