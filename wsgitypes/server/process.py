"""Listening sockets and worker processes (pre-fork), with graceful stops.

The calling process becomes a supervisor: it opens the listening socket, forks the
workers (which inherit it and share the kernel's accept queue), restarts any that
die, and on SIGTERM or SIGINT passes the stop on and waits for each worker to finish
the requests it has in flight.  Where there is no ``fork`` (Windows), the one worker
runs in the calling process.

The supervisor never gives up on its own: a worker that dies is replaced, at once the
first time and with a back-off that doubles up to :data:`RESPAWN_BACKOFF_MAX` seconds
while workers keep dying young, so a client that can crash a worker cannot stop the
service (and a crash loop cannot spin the machine).  Each worker's event loop sends
a heartbeat once a second through a pipe; a worker silent for ``Timeouts.app``
seconds (its loop stuck, say in an extension holding the GIL) is killed and replaced.
"""

from __future__ import annotations

import errno
import gc
import logging
import os
import select
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any

__all__ = ["RESPAWN_BACKOFF_MAX", "Heartbeat", "ListenError", "can_fork", "listen", "on_stop_signals", "run_workers", "show_address"]

log = logging.getLogger("wsgitypes.server")

RESPAWN_BACKOFF_MAX = 10.0
_YOUNG = 5.0  # a worker that dies sooner than this after it started counts toward the back-off


class ListenError(OSError):
    """The address cannot be listened on; the message says which and why."""


def listen(host: str, port: int, backlog: int) -> socket.socket:
    """A listening TCP socket (IPv4 or IPv6, as ``host`` resolves), or a Unix socket for ``unix:/path``."""
    if host.startswith("unix:"):
        path = host[len("unix:") :]
        if os.path.exists(path):
            os.unlink(path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        address: str | tuple[Any, ...] = path
    else:
        try:
            family, kind, proto, _, address = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        except socket.gaierror as error:
            raise ListenError(errno.EINVAL, f"cannot resolve host {host!r}: {error.strerror}") from None
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        host = show_address(host, port)
    try:
        sock.bind(address)
        sock.listen(backlog)
    except OSError as error:
        sock.close()
        raise ListenError(error.errno, f"cannot listen on {host}: {error.strerror}") from None
    return sock


def show_address(host: str, port: int) -> str:
    """``host:port``, with an IPv6 host in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def can_fork() -> bool:
    return hasattr(os, "fork")


def on_stop_signals(handler: Callable[[], object]) -> None:
    """Call ``handler`` on SIGTERM and SIGINT (the engine's drain)."""

    def handle(signum: int, frame: FrameType | None) -> None:
        handler()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


class Heartbeat:
    """A worker's side of its heartbeat pipe: :meth:`beat` at most once a second, never waiting."""

    __slots__ = ("_fd", "_last")

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._last = 0.0

    def beat(self) -> None:
        now = time.monotonic()
        if now - self._last >= 1.0:
            self._last = now
            try:
                os.write(self._fd, b".")
            except OSError:
                pass  # a full pipe (the supervisor is busy) or a gone one: nothing to do here


@dataclass
class _Worker:
    pid: int
    heartbeat: int  # the supervisor's end of the pipe
    started: float
    last_beat: float


def run_workers(
    count: int,
    run_worker: Callable[[Heartbeat], int],
    graceful: float,
    on_stop: Callable[[], object],
    silence_limit: float = 0.0,
) -> None:
    """Fork ``count`` workers running ``run_worker`` and supervise them until a stop signal.

    ``run_worker`` returns the worker's exit status.  ``on_stop`` runs in the
    supervisor when the stop begins (to close its listening socket).  A worker whose
    heartbeat is silent for ``silence_limit`` seconds is killed (0: never).
    """
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    wake_reader, wake_writer = os.pipe()  # a signal makes select() return at once
    for fd in (wake_reader, wake_writer):
        os.set_blocking(fd, False)
    signal.set_wakeup_fd(wake_writer)
    workers: dict[int, _Worker] = {}
    young_deaths = 0
    next_spawn = 0.0

    def spawn() -> None:
        gc.freeze()  # what the supervisor built is never collected in a worker: its pages stay shared (no COW)
        reader, writer = os.pipe()
        os.set_blocking(writer, False)
        pid = os.fork()
        if pid == 0:
            os.close(reader)
            signal.set_wakeup_fd(-1)
            for fd in (wake_reader, wake_writer, *(other.heartbeat for other in workers.values())):
                os.close(fd)
            code = 1
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                code = run_worker(Heartbeat(writer))
            except BaseException:
                log.exception("worker %d failed", os.getpid())
            finally:
                logging.shutdown()
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        os.close(writer)
        now = time.monotonic()
        workers[pid] = _Worker(pid, reader, now, now)

    while not stopping:
        now = time.monotonic()
        if len(workers) < count and now >= next_spawn:
            try:
                spawn()
            except OSError as error:  # out of processes or memory: try again later
                log.error("cannot start a worker (%s); retrying", error.strerror)
                next_spawn = now + RESPAWN_BACKOFF_MAX / 2
            continue
        pipes = {worker.heartbeat: worker for worker in workers.values()}
        wait = 0.5 if len(workers) == count else max(0.01, min(0.5, next_spawn - now))
        try:
            readable, _, _ = select.select([*pipes, wake_reader], [], [], wait)
        except InterruptedError:
            continue
        if wake_reader in readable:
            os.read(wake_reader, 4096)
            readable.remove(wake_reader)
        now = time.monotonic()
        for fd in readable:
            try:
                if os.read(fd, 4096):
                    pipes[fd].last_beat = now
            except OSError:
                pass
        for worker in list(workers.values()):
            if silence_limit and now - worker.last_beat > silence_limit:
                log.error("worker %d sent no heartbeat for %.0f s (its event loop is stuck); killing it", worker.pid, now - worker.last_beat)
                _signal(worker.pid, signal.SIGKILL)
                worker.last_beat = now  # once; reaped below when it is gone
        while workers:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if not pid or pid not in workers:
                break
            worker = workers.pop(pid)
            os.close(worker.heartbeat)
            if stopping:
                break
            lived = now - worker.started
            young_deaths = young_deaths + 1 if lived < _YOUNG else 0
            delay = 0.0 if young_deaths <= 1 else min(RESPAWN_BACKOFF_MAX, 0.1 * 2 ** (young_deaths - 2))
            next_spawn = now + delay
            log.warning("worker %d exited (%s) after %.1f s; starting another%s", pid, _describe(status), lived,
                        f" in {delay:.1f} s (workers keep dying young)" if delay else "")
    on_stop()
    for worker in workers.values():
        _signal(worker.pid, signal.SIGTERM)
    deadline = time.monotonic() + graceful + 5
    while workers and time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid in workers:
            os.close(workers.pop(pid).heartbeat)
        elif not pid:
            time.sleep(0.05)
    for worker in workers.values():
        log.warning("worker %d did not stop in time; killing it", worker.pid)
        _signal(worker.pid, signal.SIGKILL)
    signal.set_wakeup_fd(-1)
    os.close(wake_reader)
    os.close(wake_writer)


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"code {os.waitstatus_to_exitcode(status)}"
