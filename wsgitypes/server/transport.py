"""How one connection's bytes move: plain TCP (or a Unix socket), or TLS.

The event loop may only try (``recv_nowait``, ``send_nowait``: they raise
``BlockingIOError`` rather than wait); a worker thread may wait (``recv``, ``send``,
``sendfile``: at most ``timeout`` seconds each, then ``TimeoutError``).

* :class:`KernelTimeouts` is the fast path for plain sockets: the socket stays
  blocking with the kernel's send and receive timeouts set, so a thread waits inside
  ``recv``/``send`` itself (no ``poll`` before each call), and the loop passes
  ``MSG_DONTWAIT``.  ``sendfile`` is the kernel's.
* :class:`Polled` keeps the socket non-blocking and waits with ``poll`` only when a
  call would block.  It carries TLS (``ssl.SSLSocket`` takes no flags, and a record
  may be half-arrived when the descriptor is readable) and plain sockets where there
  is no ``MSG_DONTWAIT`` (Windows).  Under TLS ``sendfile`` reads and sends the file:
  the kernel cannot encrypt it.
"""

from __future__ import annotations

import os
import select
import socket
import struct
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from wsgitypes.server.poller import READ, WRITE

if TYPE_CHECKING:
    import ssl

__all__ = ["KernelTimeouts", "Polled", "Tls", "Transport", "open_transport"]

_DONTWAIT = getattr(socket, "MSG_DONTWAIT", 0)
_WAITALL = getattr(socket, "MSG_WAITALL", 0)
_FILE_CHUNK = 65536


class Transport(ABC):
    """The calls :class:`~wsgitypes.server.connection.Connection` and the engine make."""

    __slots__ = ("sock", "fd", "timeout")

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.timeout = timeout

    @abstractmethod
    def recv_nowait(self, size: int) -> bytes:
        """Received bytes (b"" when the peer closed); BlockingIOError if there are none yet."""

    @abstractmethod
    def send_nowait(self, buffers: Sequence[memoryview]) -> int:
        """Bytes of ``buffers`` the socket took; BlockingIOError if it takes none now."""

    @abstractmethod
    def recv(self, size: int) -> bytes:
        """Received bytes, waiting up to ``timeout``; TimeoutError after."""

    def recv_all(self, size: int) -> bytes:
        """Up to ``size`` bytes, waiting for all of them where the system can (fewer at a
        timeout or the end); TimeoutError if none came."""
        return self.recv(size)

    @abstractmethod
    def send(self, buffers: Sequence[memoryview]) -> int:
        """Bytes of ``buffers`` sent, waiting up to ``timeout`` for room; TimeoutError after."""

    @abstractmethod
    def sendfile(self, file: Any, offset: int, count: int) -> int:
        """Bytes of ``file`` sent from ``offset`` (0 at its end), waiting up to ``timeout``."""

    def handshake(self) -> int:
        """One non-blocking step of the TLS handshake: 0 when done, else READ or WRITE to wait for."""
        return 0


class KernelTimeouts(Transport):
    __slots__ = ()

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        super().__init__(sock, timeout)
        packed = struct.pack("ll", int(timeout), int(timeout % 1 * 1e6))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, packed)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, packed)

    def recv_nowait(self, size: int) -> bytes:
        return self.sock.recv(size, _DONTWAIT)

    def send_nowait(self, buffers: Sequence[memoryview]) -> int:
        if len(buffers) == 1:  # (most responses: send() skips sendmsg's gathering)
            return self.sock.send(buffers[0], _DONTWAIT)
        return self.sock.sendmsg(buffers, [], _DONTWAIT)

    # A kernel timeout shows as BlockingIOError (EAGAIN) from a blocking socket.
    def recv(self, size: int) -> bytes:
        try:
            return self.sock.recv(size)
        except BlockingIOError:
            raise TimeoutError from None

    def recv_all(self, size: int) -> bytes:
        try:
            return self.sock.recv(size, _WAITALL)
        except BlockingIOError:
            raise TimeoutError from None

    def send(self, buffers: Sequence[memoryview]) -> int:
        try:
            return self.sock.sendmsg(buffers)
        except BlockingIOError:
            raise TimeoutError from None

    def sendfile(self, file: Any, offset: int, count: int) -> int:
        try:
            return os.sendfile(self.fd, file.fileno(), offset, count)
        except BlockingIOError:
            raise TimeoutError from None


class Polled(Transport):
    __slots__ = ()
    _would_block: tuple[type[Exception], ...] = ()
    """What the socket raises instead of BlockingIOError when a call would block."""

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        super().__init__(sock, timeout)
        sock.setblocking(False)

    def recv_nowait(self, size: int) -> bytes:
        try:
            return self.sock.recv(size)
        except self._would_block:
            raise BlockingIOError from None

    def send_nowait(self, buffers: Sequence[memoryview]) -> int:
        try:
            return self.sock.send(buffers[0])
        except self._would_block:
            raise BlockingIOError from None

    def recv(self, size: int) -> bytes:
        while True:
            try:
                return self.recv_nowait(size)
            except BlockingIOError:
                self._wait(READ)

    def send(self, buffers: Sequence[memoryview]) -> int:
        while True:
            try:
                return self.send_nowait(buffers)
            except BlockingIOError:
                self._wait(WRITE)

    def sendfile(self, file: Any, offset: int, count: int) -> int:
        data = os.pread(file.fileno(), min(count, _FILE_CHUNK), offset)
        if not data:
            return 0
        view = memoryview(data)
        sent = 0
        while sent < len(view):
            sent += self.send([view[sent:]])
        return sent

    def _wait(self, events: int) -> None:
        """Wait up to ``timeout`` for the socket to be READ- or WRITE-ready; TimeoutError if it is not."""
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(self.fd, select.POLLIN if events == READ else select.POLLOUT)
            ready = bool(poller.poll(self.timeout * 1000))
        else:  # Windows: select() takes sockets and few of them, but one is all it gets here
            group = [self.sock]
            ready = any(select.select(group if events == READ else [], group if events == WRITE else [], [], self.timeout)[:2])
        if not ready:
            raise TimeoutError


class Tls(Polled):
    """:class:`Polled` over an ``ssl.SSLSocket``, whose handshake the loop drives.

    ``ssl`` is imported only here, where TLS is in use: the module and the OpenSSL
    libraries cost every process 5 MiB.
    """

    __slots__ = ()

    def __init__(self, sock: ssl.SSLSocket, timeout: float) -> None:
        import ssl

        Tls._would_block = (ssl.SSLWantReadError, ssl.SSLWantWriteError)
        super().__init__(sock, timeout)

    def handshake(self) -> int:
        import ssl

        assert isinstance(self.sock, ssl.SSLSocket)
        try:
            self.sock.do_handshake()
        except ssl.SSLWantReadError:
            return READ
        except ssl.SSLWantWriteError:
            return WRITE
        return 0


def open_transport(sock: socket.socket, timeout: float, tls: ssl.SSLContext | None) -> Transport:
    """The transport for a freshly accepted socket (its TLS handshake still to do)."""
    if tls is not None:
        return Tls(tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), timeout)
    if _DONTWAIT:
        return KernelTimeouts(sock, timeout)
    return Polled(sock, timeout)
