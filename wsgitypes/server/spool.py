"""Where the event loop keeps a request body until the application reads it.

The loop reads a request's whole body before a thread is given the request (see
:mod:`~wsgitypes.server.engine`), so a client that sends its body slowly costs a
descriptor and the bytes so far, never a thread.  Those bytes stay in memory while the
body is at most ``Limits.buffer_body`` and the process holds at most
``Limits.buffer_memory`` of such bytes in all; past either, the body goes to an
anonymous temporary file, which the operating system deletes however the process ends.
The loop writes that file itself: a write waits only for the page cache, not the disk.

The files hold at most ``Limits.buffer_disk`` in all, so that clients cannot fill the
disk with bodies they never finish: a body that does not fit (or is declared larger)
is handed to the application as it arrives, read by the thread serving it, as a body
sent after ``Expect: 100-continue`` is.  The budgets count what the loop holds until
a thread takes the request (a body waiting in the queue still counts).
"""

from __future__ import annotations

import threading

from wsgitypes.server.request import Request
from wsgitypes.server.settings import Limits

__all__ = ["BodyBudget", "discard_spool", "keep_body"]


class BodyBudget:
    """The bytes of request bodies one process keeps for the loop, in memory and in files,
    each within its limit (thread-safe: the loop takes, and whichever thread hands a
    request to the application gives back)."""

    __slots__ = ("memory_limit", "disk_limit", "memory", "disk", "_lock")

    def __init__(self, limits: Limits) -> None:
        self.memory_limit = limits.buffer_memory
        self.disk_limit = limits.buffer_disk
        self.memory = 0
        self.disk = 0
        self._lock = threading.Lock()

    def take(self, memory: int, disk: int) -> bool:
        """Hold ``memory`` and ``disk`` more bytes (either may be negative), if both fit."""
        with self._lock:
            if (memory > 0 and self.memory + memory > self.memory_limit) or (disk > 0 and self.disk + disk > self.disk_limit):
                return False
            self.memory += memory
            self.disk += disk
            return True

    def give_back(self, memory: int, disk: int) -> None:
        with self._lock:
            self.memory -= memory
            self.disk -= disk


_PIECE_COST = 64  # bytes of memory a piece of a body takes beyond its own (the bytes object, its deque slot)


def keep_body(request: Request, held: tuple[int, int], limits: Limits, budget: BodyBudget, last: bool) -> tuple[int, int] | None:
    """Keep what has arrived of ``request``'s body, of which ``held`` bytes (in memory,
    in its file) are counted in ``budget``; return how many are now, or None when the
    files may not take it (the application then gets the rest as it arrives).

    A body that outgrows memory moves to ``request.spool``, where every later piece goes
    too, so the file always holds the body's first bytes.  ``last``: the loop reads no
    more of it, so the file is made ready to be read from its start (as it also is when
    None is returned).  Raises ``OSError`` when the file cannot be made or written (no
    space, no descriptors).
    """
    in_memory, on_disk = held
    arrived = request.body_bytes - on_disk  # what is not in the file (nothing has been read yet)
    first = request.spool is None
    if first:
        # Many small pieces (one-byte chunks, say) cost far more memory than their bytes:
        # they may take up to twice the limit before the body goes to a file.
        cost = arrived + _PIECE_COST * len(request.body)
        if arrived <= limits.buffer_body and cost <= 2 * limits.buffer_body and budget.take(cost - in_memory, 0):
            return cost, 0
        if (request.content_length or 0) > limits.buffer_disk or not budget.take(-in_memory, arrived):
            return None
    elif not budget.take(0, arrived):
        _rewind(request)
        return None
    try:
        if request.spool is None:
            import tempfile  # only once a body outgrows memory: it and what it imports cost every process 0.8 MiB

            request.spool = tempfile.TemporaryFile()
        request.spool.writelines(request.body)
        request.body.clear()
        if last or request.complete:
            _rewind(request)
    except OSError:
        budget.give_back(-in_memory if first else 0, arrived)  # (what the caller counts stays as it was)
        raise
    return 0, on_disk + arrived


def _rewind(request: Request) -> None:
    assert request.spool is not None
    request.spool.seek(0)  # (which also writes out what the file object buffered)


def discard_spool(request: Request) -> None:
    """Close ``request``'s file, if it has one (it is deleted with it)."""
    if request.spool is not None:
        try:
            request.spool.close()
        except OSError:
            pass  # (what a failed write left unflushed is not wanted any more)
        request.spool = None
