"""Where the event loop keeps a request body until the application reads it.

The loop reads a request's whole body before a thread is given the request (see
:mod:`~wsgitypes.server.engine`), so a client that sends its body slowly costs a
descriptor and the bytes so far, never a thread.  Those bytes stay in memory while the
body is at most ``Limits.buffer_body`` and the process holds at most
``Limits.buffer_memory`` of such bytes in all; past either, the body goes to an
anonymous temporary file, which the operating system deletes however the process ends.
The loop writes that file itself: a write waits only for the page cache, not the disk.
"""

from __future__ import annotations

import threading

from wsgitypes.server.request import Request
from wsgitypes.server.settings import Limits

__all__ = ["BodyMemory", "keep_body"]


class BodyMemory:
    """The bytes of request bodies one process keeps in memory for the loop (thread-safe:
    the loop takes, and whichever thread hands a request to the application gives back)."""

    __slots__ = ("limit", "held", "_lock")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0
        self._lock = threading.Lock()

    def take(self, count: int) -> bool:
        """Hold ``count`` more bytes, if they fit."""
        with self._lock:
            if self.held + count > self.limit:
                return False
            self.held += count
            return True

    def give_back(self, count: int) -> None:
        with self._lock:
            self.held -= count


def keep_body(request: Request, held: int, limits: Limits, memory: BodyMemory) -> int:
    """Keep what has arrived of ``request``'s body, of which ``held`` bytes are in memory
    and counted in ``memory``; return how many are now.

    A body that outgrows memory moves to ``request.spool``, where every later piece goes
    too, so the file always holds the body's first bytes.  Raises ``OSError`` when the
    file cannot be made or written (no space, no descriptors).
    """
    if request.spool is None:
        in_memory = request.body_bytes  # (nothing of it has been read yet)
        if in_memory <= limits.buffer_body and (in_memory == held or memory.take(in_memory - held)):
            return in_memory
        import tempfile  # only once a body outgrows memory: it and what it imports cost every process 0.8 MiB

        request.spool = tempfile.TemporaryFile()
        memory.give_back(held)
    request.spool.writelines(request.body)
    request.body.clear()
    if request.complete:
        request.spool.seek(0)  # (which writes out what the file object buffered)
    return 0
