"""Every limit and timeout of the reference server, with its default.

Each field has a ``serve`` flag of the same name (``--limit-body``,
``--timeout-header``, ...); docs/server.md lists them with what a slow or hostile
client costs under each.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Limits", "Timeouts"]


class Limits(NamedTuple):
    """What one request may be, and how much work one process queues."""

    max_request_line: int = 8190
    """Bytes in the request target (414 beyond)."""
    max_header_line: int = 8190
    """Bytes in one header's name and value, or one chunk-size or trailer line (431 beyond)."""
    max_header_bytes: int = 65536
    """Bytes in the whole head, and in a chunked body's trailer section (431 beyond)."""
    max_headers: int = 100
    """Header fields, and trailer fields (431 beyond)."""
    max_body: int = 1 << 30
    """Bytes in a request body, declared or chunked (413 beyond)."""
    buffer_body: int = 1 << 20
    """A request body is kept in memory up to this size; a larger one goes to a temporary file.

    The event loop reads every body before a thread is given the request (but for one
    sent after ``Expect: 100-continue``, which the application first agrees to), so a
    client that sends one slowly holds no thread."""
    buffer_memory: int = 64 << 20
    """Bytes of request bodies one process keeps in memory, in all, before the
    application has them; beyond, the bodies arriving go to temporary files."""
    buffer_disk: int = 1 << 30
    """Bytes of request bodies one process keeps in temporary files, in all, before the
    application has them; a body that does not fit is read by the thread serving it."""
    max_queued: int = 256
    """Requests waiting for a free thread in one process; beyond, a 503 with Retry-After."""


class Timeouts(NamedTuple):
    """How long the server waits, in seconds (``min_rate`` in bytes a second)."""

    keepalive: float = 5.0
    """An idle connection between requests."""
    header: float = 10.0
    """From a request's first byte to the end of its head (408 after)."""
    body: float = 30.0
    """Grace for a request body or a response: each wait on the socket, and the time
    before ``min_rate`` applies."""
    min_rate: float = 1024.0
    """After the ``body`` grace, a request body must arrive, and a response be read by
    the client, at this many bytes a second on average (408 / connection closed)."""
    graceful: float = 30.0
    """How long requests in flight get to finish once a stop is asked for."""
    app: float = 30.0
    """A worker whose every thread has been inside the application this long, with
    requests waiting, is replaced (0: never)."""
