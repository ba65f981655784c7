"""Listening sockets and worker processes (pre-fork), with graceful stops.

The calling process becomes a supervisor: it opens the listening sockets, forks the
workers (which inherit them and share the kernel's accept queues), restarts any that
die, and on SIGTERM, SIGINT or SIGQUIT passes the stop on and waits for each worker to
finish the requests it has in flight; SIGHUP replaces every worker the way a reload
does.  Where there is no ``fork`` (Windows), the one worker
runs in the calling process.

A worker may *retire* (``--max-requests``): it says so through its heartbeat pipe,
stops accepting and finishes what it has, while the supervisor starts its
replacement at once.  Connections that arrive meanwhile wait in the accept queue,
which stays open in the supervisor, so none is refused.  A reload (``--reload``)
retires every worker the same way when the file watcher, a child process of its own,
reports a change.

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
import stat
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any, NamedTuple

__all__ = [
    "AF_UNIX", "DEFAULT_PORT", "RESPAWN_BACKOFF_MAX", "STOP_SIGNALS", "Heartbeat", "ListenError", "SocketFile", "can_fork", "listen",
    "on_stop_signals", "parse_bind", "run_workers", "show_address",
]

log = logging.getLogger("wsgitypes.server")

AF_UNIX: int | None = getattr(socket, "AF_UNIX", None)
"""The Unix socket family; None where Python has none (Windows builds)."""

RESPAWN_BACKOFF_MAX = 10.0
_YOUNG = 5.0  # a worker that dies sooner than this after it started counts toward the back-off
DEFAULT_PORT = 8000
_BEAT, _RETIRING = b".", b"r"  # what a worker writes to its heartbeat pipe


class ListenError(OSError):
    """The address cannot be listened on; the message says which and why."""


def listen(host: str, port: int, backlog: int) -> socket.socket:
    """A listening TCP socket (IPv4 or IPv6, as ``host`` resolves), or a Unix socket for ``unix:/path``."""
    if host.startswith("unix:"):
        path = host[len("unix:") :]
        _clear_stale_socket(path)
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


def _clear_stale_socket(path: str) -> None:
    """Remove the socket file a stopped server left at ``path``; refuse a live one's, or any other file."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise ListenError(error.errno, f"cannot listen on unix:{path}: {error.strerror}") from None
    if not stat.S_ISSOCK(mode):
        raise ListenError(errno.EEXIST, f"cannot listen on unix:{path}: a file that is not a socket is there")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(path)
        except ConnectionRefusedError:  # nobody listens: left behind by a server that was killed
            os.unlink(path)
            return
        except TimeoutError:  # a listener too busy to take us within the second is still a listener
            pass
        except OSError as error:
            raise ListenError(error.errno, f"cannot listen on unix:{path}: {error.strerror}") from None
    raise ListenError(errno.EADDRINUSE, f"cannot listen on unix:{path}: another server is listening there")


class SocketFile(NamedTuple):
    """The file a Unix listener made, known by its inode as well as its path.

    Removed at the end only if the path still names that very file: from the moment a
    stopping server closes its listeners, a new server may take the path as stale and
    bind its own socket there, which the old one must leave alone.
    """

    path: str
    device: int
    inode: int

    @classmethod
    def of(cls, listener: socket.socket) -> SocketFile | None:
        """The socket file of ``listener``, a Unix one just bound; None for any other."""
        if listener.family != AF_UNIX:
            return None
        path = os.path.abspath(listener.getsockname())  # (a later chdir must not change which file is meant)
        made = os.stat(path)
        return cls(path, made.st_dev, made.st_ino)

    def remove(self) -> None:
        try:
            now = os.stat(self.path)
            if (now.st_dev, now.st_ino) == (self.device, self.inode):
                os.unlink(self.path)
        except OSError:
            pass  # gone already, or its directory is not ours to change


def parse_bind(text: str) -> tuple[str, int]:
    """A ``--bind`` address as ``(host, port)``; ``ValueError`` saying what is wrong.

    ``HOST:PORT``, ``[IPV6]:PORT``, ``HOST`` (port 8000), ``:PORT`` (every IPv4
    interface, as gunicorn reads it) or ``unix:PATH`` (returned as the host, port 0).
    """
    if text.startswith("unix:"):
        if not text[len("unix:") :]:
            raise ValueError(f"{text!r} has no path (unix:/run/app.sock, say)")
        if AF_UNIX is None:
            raise ValueError(f"{text!r}: this Python has no Unix sockets")
        return text, 0
    if text.startswith("["):
        host, closed, rest = text[1:].partition("]")
        if not closed or not host or (rest and not rest.startswith(":")):
            raise ValueError(f"{text!r} is not [IPV6]:PORT")
        port_text = rest[1:] if rest else None
    elif text.count(":") > 1:
        raise ValueError(f"{text!r}: put an IPv6 address in brackets, as in [::1]:8000")
    else:
        host, colon, port_text_ = text.partition(":")
        host, port_text = host or "0.0.0.0", port_text_ if colon else None
    if port_text is None:
        return host, DEFAULT_PORT
    if not (port_text.isdigit() and port_text.isascii()) or int(port_text) > 65535:
        raise ValueError(f"{text!r} has no valid port (0 to 65535)")
    return host, int(port_text)


def show_address(host: str, port: int) -> str:
    """``host:port``, with an IPv6 host in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def can_fork() -> bool:
    return hasattr(os, "fork")


# The signals that stop a server gracefully: systemd's and Docker's SIGTERM, Ctrl-C's SIGINT,
# Ctrl-\'s SIGQUIT (which would otherwise dump core); SIGQUIT is missing on Windows.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGQUIT") if hasattr(signal, name))


def on_stop_signals(handler: Callable[[], object]) -> None:
    """Call ``handler`` on each of :data:`STOP_SIGNALS` (the engine's drain)."""

    def handle(signum: int, frame: FrameType | None) -> None:
        handler()

    for signum in STOP_SIGNALS:
        signal.signal(signum, handle)


class Heartbeat:
    """A worker's side of its heartbeat pipe: :meth:`beat` at most once a second, never waiting;
    :meth:`retire` to say it is stopping and wants a replacement now."""

    __slots__ = ("_fd", "_last")

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._last = 0.0

    def beat(self) -> None:
        now = time.monotonic()
        if now - self._last >= 1.0:
            self._last = now
            self._send(_BEAT)

    def retire(self) -> None:
        """Ask for a replacement (safe from any thread): this worker is draining and will exit."""
        self._send(_RETIRING)

    def _send(self, message: bytes) -> None:
        try:
            os.write(self._fd, message)
        except OSError:
            pass  # a full pipe (the supervisor is busy) or a gone one: nothing to do here


class _Worker:
    __slots__ = ("pid", "heartbeat", "started", "last_beat", "retiring")

    def __init__(self, pid: int, heartbeat: int, started: float) -> None:
        self.pid = pid
        self.heartbeat = heartbeat  # the supervisor's end of the pipe
        self.started = started
        self.last_beat = started
        self.retiring = False  # draining; its replacement is started already


def _trim_heap() -> None:
    """Give the C heap's free pages back to the system (glibc), so that no child inherits them.

    Importing the server and the application leaves about a megabyte that malloc freed but
    keeps (files read, objects built and dropped): 1.1 MiB of every process's resident
    memory here, for a 44 KiB ``ctypes`` import.
    """
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (ImportError, AttributeError, OSError):
        pass  # not glibc (musl, macOS): nothing to give back this way


def _leave_to_the_supervisor(signum: int, frame: FrameType | None) -> None:
    pass


def run_workers(
    count: int,
    run_worker: Callable[[Heartbeat], int],
    graceful: float,
    on_stop: Callable[[], object],
    silence_limit: float = 0.0,
    watcher: Callable[[int], object] | None = None,
) -> None:
    """Fork ``count`` workers running ``run_worker`` and supervise them until a stop signal.

    ``run_worker`` returns the worker's exit status.  ``on_stop`` runs in the
    supervisor when the stop begins (to close its listening sockets).  A worker whose
    heartbeat is silent for ``silence_limit`` seconds is killed (0: never).
    ``watcher``, when given, runs in a child process of its own with the write end of
    a pipe: each byte written there retires every worker and starts fresh ones (a
    reload).  A worker that retires (:meth:`Heartbeat.retire`) is replaced at once.
    SIGHUP does what a reload does, for a service manager's ``reload`` (systemd's
    ``ExecReload=kill -HUP $MAINPID``): every worker finishes what it has while its
    replacement starts.
    """
    stopping = False
    restart_asked = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    def restart(signum: int, frame: FrameType | None) -> None:
        nonlocal restart_asked
        restart_asked = True

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)
    signal.signal(signal.SIGHUP, restart)
    wake_reader, wake_writer = os.pipe()  # a signal makes select() return at once
    for fd in (wake_reader, wake_writer):
        os.set_blocking(fd, False)
    signal.set_wakeup_fd(wake_writer)
    workers: dict[int, _Worker] = {}
    young_deaths = 0
    next_spawn = 0.0
    watching: tuple[int, int] | None = None  # the watcher's pid and the read end of its pipe
    next_watcher = 0.0

    def fork_child(body: Callable[[int], int], from_the_terminal: signal.Handlers = signal.SIG_DFL) -> tuple[int, int]:
        """Fork a child running ``body(write end of a new pipe)``; its pid and the read end.

        ``from_the_terminal``: what the child does on SIGINT and SIGQUIT (Ctrl-C, Ctrl-\\),
        set before anything else runs in it; SIGTERM keeps its default action.
        """
        gc.freeze()  # what the supervisor built is never collected in a child: its pages stay shared (no COW)
        _trim_heap()
        reader, writer = os.pipe()
        os.set_blocking(writer, False)
        pid = os.fork()
        if pid == 0:
            os.close(reader)
            signal.set_wakeup_fd(-1)
            inherited = [wake_reader, wake_writer, *(other.heartbeat for other in workers.values())]
            for fd in inherited + ([watching[1]] if watching else []):
                os.close(fd)
            code = 1
            try:
                for signum in STOP_SIGNALS:
                    signal.signal(signum, signal.SIG_DFL if signum == signal.SIGTERM else from_the_terminal)
                # A hangup sent to the whole group is the supervisor's to act on.  A handler that
                # does nothing, not SIG_IGN: an ignored signal stays ignored in programs the
                # application runs, a handled one does not.
                signal.signal(signal.SIGHUP, _leave_to_the_supervisor)
                code = body(writer)
            except BaseException:
                log.exception("process %d failed", os.getpid())
            finally:
                logging.shutdown()
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        os.close(writer)
        return pid, reader

    def spawn() -> None:
        pid, reader = fork_child(lambda writer: run_worker(Heartbeat(writer)))
        now = time.monotonic()
        workers[pid] = _Worker(pid, reader, now)

    def start_watcher(writer: int) -> int:
        assert watcher is not None
        watcher(writer)
        return 0

    def retire_all() -> None:
        for worker in workers.values():
            if not worker.retiring:
                worker.retiring = True
                _signal(worker.pid, signal.SIGTERM)

    while not stopping:
        if restart_asked:
            restart_asked = False
            log.info("SIGHUP: replacing every worker; each finishes what it has")
            retire_all()
        now = time.monotonic()
        if watcher is not None and watching is None and now >= next_watcher:
            try:
                watching = fork_child(start_watcher, signal.SIG_IGN)  # Ctrl-C stops the supervisor, which stops the watcher
            except OSError as error:
                log.error("cannot start the file watcher (%s); retrying", error.strerror)
                next_watcher = now + RESPAWN_BACKOFF_MAX / 2
        active = sum(not worker.retiring for worker in workers.values())
        if active < count and now >= next_spawn:
            try:
                spawn()
            except OSError as error:  # out of processes or memory: try again later
                log.error("cannot start a worker (%s); retrying", error.strerror)
                next_spawn = now + RESPAWN_BACKOFF_MAX / 2
            continue
        pipes = {worker.heartbeat: worker for worker in workers.values()}
        wait = 0.5 if active == count else max(0.01, min(0.5, next_spawn - now))
        watched: list[int] = [*pipes, wake_reader, *([watching[1]] if watching else [])]
        try:
            readable, _, _ = select.select(watched, [], [], wait)
        except InterruptedError:
            continue
        if wake_reader in readable:
            os.read(wake_reader, 4096)
            readable.remove(wake_reader)
        now = time.monotonic()
        for fd in readable:
            try:
                message = os.read(fd, 4096)
            except OSError:
                continue
            if watching and fd == watching[1]:
                if message:
                    retire_all()  # the watcher logged what changed
                continue
            worker = pipes[fd]
            if message:
                worker.last_beat = now
            if _RETIRING in message and not worker.retiring:
                worker.retiring = True
        for worker in list(workers.values()):
            if silence_limit and now - worker.last_beat > silence_limit:
                log.error("worker %d sent no heartbeat for %.0f s (its event loop is stuck); killing it", worker.pid, now - worker.last_beat)
                _signal(worker.pid, signal.SIGKILL)
                worker.last_beat = now  # once; reaped below when it is gone
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if not pid:
                break
            if watching and pid == watching[0]:
                os.close(watching[1])
                watching = None
                if not stopping:
                    log.error("the file watcher exited (%s); starting another in 1 s", _describe(status))
                    next_watcher = now + 1.0
                continue
            if pid not in workers:
                continue
            worker = workers.pop(pid)
            try:
                if _RETIRING in os.read(worker.heartbeat, 4096):  # said just before exiting, after the last select
                    worker.retiring = True
            except OSError:
                pass
            os.close(worker.heartbeat)
            if stopping:
                continue
            lived = now - worker.started
            if worker.retiring:
                log.info("worker %d retired after %.1f s (%s)", pid, lived, _describe(status))
                continue
            young_deaths = young_deaths + 1 if lived < _YOUNG else 0
            delay = 0.0 if young_deaths <= 1 else min(RESPAWN_BACKOFF_MAX, 0.1 * 2 ** (young_deaths - 2))
            next_spawn = now + delay
            log.warning("worker %d exited (%s) after %.1f s; starting another%s", pid, _describe(status), lived,
                        f" in {delay:.1f} s (workers keep dying young)" if delay else "")
    on_stop()
    if watching:
        _signal(watching[0], signal.SIGTERM)
    for worker in workers.values():
        _signal(worker.pid, signal.SIGTERM)
    deadline = time.monotonic() + graceful + 5
    while (workers or watching) and time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid in workers:
            os.close(workers.pop(pid).heartbeat)
        elif watching and pid == watching[0]:
            os.close(watching[1])
            watching = None
        elif not pid:
            time.sleep(0.05)
    for worker in workers.values():
        log.warning("worker %d did not stop in time; killing it", worker.pid)
        _signal(worker.pid, signal.SIGKILL)
    if watching:
        _signal(watching[0], signal.SIGKILL)
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
