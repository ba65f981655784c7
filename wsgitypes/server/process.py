"""Listening sockets and worker processes (pre-fork), with graceful stops.

With one worker the engine runs in the calling process.  With more, the calling
process becomes a supervisor: it opens the listening socket, forks the workers
(which inherit it and share the kernel's accept queue), restarts any that die, and
on SIGTERM or SIGINT passes the stop on and waits for each worker to finish the
requests it has in flight.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

__all__ = ["listen", "run_workers", "show_address"]

log = logging.getLogger("wsgitypes.server")


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


def on_stop_signals(handler: Callable[[], object]) -> None:
    """Call ``handler`` on SIGTERM and SIGINT (the engine's drain)."""

    def handle(signum: int, frame: FrameType | None) -> None:
        handler()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def run_workers(count: int, run_worker: Callable[[], object], graceful: float, on_stop: Callable[[], object]) -> None:
    """Fork ``count`` workers running ``run_worker`` and supervise them until a stop signal.

    ``on_stop`` runs in the supervisor when the stop begins (to close its listening socket).
    """
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    children: set[int] = set()
    respawns: list[float] = []

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                run_worker()
            except BaseException:
                log.exception("worker %d failed", os.getpid())
                code = 1
            finally:
                logging.shutdown()
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children.add(pid)

    for _ in range(count):
        spawn()
    while not stopping:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if not pid:
            time.sleep(0.2)  # a blocking waitpid would be resumed after the signal handler (PEP 475)
            continue
        children.discard(pid)
        if stopping:
            break
        log.warning("worker %d exited (%s); starting another", pid, _describe(status))
        now = time.monotonic()
        respawns[:] = [t for t in respawns if now - t < 10] + [now]
        if len(respawns) > 5 * count:
            log.error("workers keep dying; stopping")
            break
        spawn()
    on_stop()
    for pid in children:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + graceful + 5
    while children and time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid:
            children.discard(pid)
        else:
            time.sleep(0.05)
    for pid in children:
        log.warning("worker %d did not stop in time; killing it", pid)
        _signal(pid, signal.SIGKILL)


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"code {os.waitstatus_to_exitcode(status)}"
