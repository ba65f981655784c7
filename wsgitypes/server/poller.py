"""Waiting for sockets: epoll on Linux, the ``selectors`` module everywhere else.

The engine needs one thing of its poller: to be told, once, when a connection is
readable or writable, after which the connection is ignored until it is *watched*
again (one-shot).  That lets the event loop and the worker threads hand a connection
back and forth without ever reading or writing the same socket at once.

* :class:`EpollPoller` gets this from the kernel (``EPOLLONESHOT``), and a worker
  thread re-arms its connection itself: epoll allows that from any thread.
* :class:`SelectorPoller` uses ``selectors.DefaultSelector`` (kqueue on macOS, poll or
  select elsewhere), which may only be changed by the thread waiting on it: a worker
  thread queues its request and wakes the loop, which applies it before it waits again.

Listening sockets and the wake-up socket are watched for good (level-triggered).
"""

from __future__ import annotations

import select
import selectors
from abc import ABC, abstractmethod
import socket
import threading
from collections import deque
from typing import Literal

__all__ = ["READ", "WRITE", "EpollPoller", "Poller", "SelectorPoller", "describe", "make_poller"]

READ, WRITE = 1, 2
Engine = Literal["auto", "epoll", "selectors"]


class Poller(ABC):
    """What the engine asks of a poller; both share the wake-up socket pair."""

    def __init__(self) -> None:
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._wake_writer.setblocking(False)
        self.wake_fd = self._wake_reader.fileno()

    def wake(self) -> None:
        """Make :meth:`poll` return soon; safe from any thread and from signal handlers."""
        try:
            self._wake_writer.send(b"x")
        except OSError:
            pass  # the pipe is full or closed: the loop is awake or gone

    def woken(self) -> None:
        """Empty the wake-up socket (the loop, when it reported readable)."""
        try:
            while self._wake_reader.recv(4096):
                pass
        except OSError:
            pass

    def close(self) -> None:
        self._wake_reader.close()
        self._wake_writer.close()

    def hand_to(self, thread: int) -> None:
        """The loop runs on thread ``thread`` from now on (see :mod:`~wsgitypes.server.crew`)."""

    @abstractmethod
    def add_lasting(self, fd: int) -> None:
        """Watch a listener for readability until :meth:`forget`."""

    @abstractmethod
    def add(self, fd: int) -> None:
        """Watch a new connection for one readable event (the loop thread only)."""

    @abstractmethod
    def watch(self, fd: int, events: int) -> None:
        """Re-arm ``fd`` for one READ or WRITE event; safe from any thread."""

    @abstractmethod
    def forget(self, fd: int) -> None:
        """Stop watching ``fd`` (before it is closed by the loop, or when a listener pauses)."""

    @abstractmethod
    def poll(self, timeout: float) -> list[tuple[int, int]]:
        """Wait up to ``timeout`` seconds; the (fd, READ or WRITE) pairs that are ready."""


_EXCLUSIVE = getattr(select, "EPOLLEXCLUSIVE", 0)


class EpollPoller(Poller):
    def __init__(self) -> None:
        super().__init__()
        self._epoll = select.epoll()
        self._epoll.register(self.wake_fd, select.EPOLLIN)

    def add_lasting(self, fd: int) -> None:
        # Exclusive: a new connection wakes one worker process, one that is waiting when
        # there is one, rather than every worker sharing the listener (Linux 4.5; an
        # older kernel refuses the flag).
        try:
            self._epoll.register(fd, select.EPOLLIN | _EXCLUSIVE)
        except OSError:
            self._epoll.register(fd, select.EPOLLIN)

    def add(self, fd: int) -> None:
        self._epoll.register(fd, select.EPOLLIN | select.EPOLLONESHOT)

    def watch(self, fd: int, events: int) -> None:
        mask = select.EPOLLOUT if events == WRITE else select.EPOLLIN
        try:
            self._epoll.modify(fd, mask | select.EPOLLONESHOT)
        except OSError:
            pass  # closed meanwhile (a stop began)

    def forget(self, fd: int) -> None:
        try:
            self._epoll.unregister(fd)
        except OSError:
            pass

    def poll(self, timeout: float) -> list[tuple[int, int]]:
        return [(fd, WRITE if mask & select.EPOLLOUT else READ) for fd, mask in self._epoll.poll(timeout)]

    def close(self) -> None:
        self._epoll.close()
        super().close()


class SelectorPoller(Poller):
    def __init__(self, selector: selectors.BaseSelector) -> None:
        super().__init__()
        self._selector = selector
        self._selector.register(self.wake_fd, selectors.EVENT_READ, True)
        self._loop_thread = 0
        self._pending: deque[tuple[int, int]] = deque()  # watch() calls from other threads

    def hand_to(self, thread: int) -> None:
        self._loop_thread = thread

    def add_lasting(self, fd: int) -> None:
        self._selector.register(fd, selectors.EVENT_READ, True)

    def add(self, fd: int) -> None:
        self._selector.register(fd, selectors.EVENT_READ, False)

    def watch(self, fd: int, events: int) -> None:
        if threading.get_ident() != self._loop_thread:
            self._pending.append((fd, events))
            self.wake()
            return
        self._arm(fd, events)

    def _arm(self, fd: int, events: int) -> None:
        mask = selectors.EVENT_WRITE if events == WRITE else selectors.EVENT_READ
        try:
            self._selector.register(fd, mask, False)
        except KeyError:
            self._selector.modify(fd, mask, False)
        except (OSError, ValueError):
            pass  # closed meanwhile

    def forget(self, fd: int) -> None:
        if threading.get_ident() != self._loop_thread:
            return  # a thread only closes a connection it owns, which one-shot has unregistered
        try:
            self._selector.unregister(fd)
        except (KeyError, ValueError, OSError):
            pass

    def poll(self, timeout: float) -> list[tuple[int, int]]:
        while self._pending:
            self._arm(*self._pending.popleft())
        ready: list[tuple[int, int]] = []
        for key, mask in self._selector.select(timeout):
            if not key.data:  # one-shot: silent until watched again
                self._selector.unregister(key.fd)
            ready.append((key.fd, WRITE if mask & selectors.EVENT_WRITE else READ))
        return ready

    def close(self) -> None:
        self._selector.close()
        super().close()


def make_poller(engine: Engine = "auto") -> Poller:
    """epoll where the system has it (or when asked), else the best ``selectors`` offers.

    ``"selectors"`` on Linux picks poll(2), so the portable path is exercised there too.
    """
    if _uses_epoll(engine):
        return EpollPoller()
    return SelectorPoller(_selector_class()())


def describe(engine: Engine = "auto") -> str:
    """The event loop ``engine`` means here: ``"epoll"``, or ``"selectors (PollSelector)"``..."""
    return "epoll" if _uses_epoll(engine) else f"selectors ({_selector_class().__name__})"


def _uses_epoll(engine: Engine) -> bool:
    if engine == "epoll" and not hasattr(select, "epoll"):
        raise RuntimeError("epoll is not available here; use the selectors engine")
    return engine == "epoll" or (engine == "auto" and hasattr(select, "epoll"))


def _selector_class() -> type[selectors.BaseSelector]:
    factory: type[selectors.BaseSelector] = selectors.DefaultSelector
    if getattr(selectors, "EpollSelector", None) is factory and hasattr(selectors, "PollSelector"):
        factory = selectors.PollSelector
    return factory
