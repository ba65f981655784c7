"""How fast is "is this a WSGI stream?": wsgitypes' checks against isinstance on a Protocol.

Prints ns per call for a hit and a miss, for ``is_input_stream`` / ``is_error_stream``
and for ``isinstance`` against a plain ``typing`` runtime-checkable Protocol with the
same members, measured in the same run.  Goal: <= 300 ns for hit and miss (CPython 3.11).

    python benchmarks/stream_check.py
"""

from __future__ import annotations

import io
import sys
import timeit
from collections.abc import Callable, Iterator
from typing import Protocol, runtime_checkable

from wsgitypes import is_error_stream, is_input_stream


@runtime_checkable
class PlainInputStream(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...
    def readline(self, size: int = ..., /) -> bytes: ...
    def readlines(self, hint: int = ..., /) -> list[bytes]: ...
    def __iter__(self) -> Iterator[bytes]: ...


@runtime_checkable
class PlainErrorStream(Protocol):
    def flush(self) -> object: ...
    def write(self, s: str, /) -> object: ...
    def writelines(self, seq: list[str], /) -> object: ...


class Unrelated:
    pass


def per_call_ns(check: Callable[[object], bool], obj: object, number: int) -> float:
    best = min(timeit.repeat(lambda: check(obj), number=number, repeat=5))
    empty = min(timeit.repeat(lambda: None, number=number, repeat=5))  # the lambda's own cost
    return max(best - empty, 0.0) / number * 1e9


def main() -> None:
    cases = [
        ("input", "hit", io.BytesIO(b"x"), is_input_stream, PlainInputStream),
        ("input", "miss (str)", "text", is_input_stream, PlainInputStream),
        ("input", "miss (object)", Unrelated(), is_input_stream, PlainInputStream),
        ("errors", "hit", sys.stderr, is_error_stream, PlainErrorStream),
        ("errors", "miss (int)", 42, is_error_stream, PlainErrorStream),
        ("errors", "miss (object)", Unrelated(), is_error_stream, PlainErrorStream),
    ]
    print(f"Python {sys.version.split()[0]}")
    print(f"{'stream':7} {'case':15} {'wsgitypes ns':>13} {'isinstance ns':>14} {'speed-up':>9}  goal <= 300 ns")
    for stream, case, obj, fast, protocol in cases:
        ours = per_call_ns(fast, obj, 200_000)
        theirs = per_call_ns(lambda o, p=protocol: isinstance(o, p), obj, 5_000)
        verdict = "ok" if ours <= 300 else "OVER"
        print(f"{stream:7} {case:15} {ours:13.0f} {theirs:14.0f} {theirs / ours:8.0f}x  {verdict}")


if __name__ == "__main__":
    main()
