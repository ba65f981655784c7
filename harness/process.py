"""Run one server command as a subprocess: a free address, readiness, its log, the stop.

Readiness is the same for every server: the address is chosen before the server starts
and passed on its command line, then connected to until a connection is accepted, as
long as the process is alive.  No server's log is parsed.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Generator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0


@dataclass(frozen=True)
class Address:
    """Where a server listens: ``host``:``port``, or the Unix socket ``path`` when it is set."""

    host: str = "127.0.0.1"
    port: int = 0
    path: str = ""

    @property
    def netloc(self) -> str:
        """``host:port``, an IPv6 host in brackets (``[::1]:8000``)."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


Command = Callable[[Address], list[str]]
"""A server's command line for an address (see :mod:`harness.servers`)."""


class ServerFailed(RuntimeError):
    """The server exited, or did not accept a connection, before it was ready."""

    def __init__(self, reason: str, log: str) -> None:
        super().__init__(f"{reason}:\n{log}")
        self.reason = reason
        self.log = log


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on.  Chosen below the kernel's ephemeral range, so that no
    outgoing connection of another process takes it before the server binds it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as ports:
            ephemeral = int(ports.read().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral = 0
    for _ in range(100):
        port = random.randrange(10000, ephemeral) if ephemeral > 11000 else 0
        with socket.socket(family) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            chosen: int = sock.getsockname()[1]
            return chosen
    raise OSError(f"no free port on {host}")


def read_until_close(sock: socket.socket, timeout: float) -> tuple[bytes, bool]:
    """Everything ``sock`` receives within ``timeout`` seconds, and whether the peer closed it."""
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            data = sock.recv(65536)
        except TimeoutError:
            return b"".join(chunks), False
        except ConnectionResetError:
            return b"".join(chunks), True
        if not data:
            return b"".join(chunks), True
        chunks.append(data)
    return b"".join(chunks), False


@dataclass
class Server:
    """A server started by :func:`start`.  ``log()`` is everything it wrote so far (after
    :meth:`stop`, everything it wrote)."""

    process: subprocess.Popen[bytes]
    address: Address
    log_path: Path
    workdir: Path  # private: the Unix socket, the log unless one was given; removed by stop()
    final_log: str | None = None

    @property
    def host(self) -> str:
        return self.address.host

    @property
    def port(self) -> int:
        return self.address.port

    @property
    def url(self) -> str:
        return f"http://{self.address.netloc}"

    def log(self) -> str:
        if self.final_log is not None:
            return self.final_log
        return self.log_path.read_text(errors="replace")

    def connect(self, timeout: float = 10.0) -> socket.socket:
        """A new connection to the server (TCP_NODELAY on TCP)."""
        if self.address.path:
            sock = socket.socket(socket.AF_UNIX)
            sock.settimeout(timeout)
            try:
                sock.connect(self.address.path)
            except OSError:
                sock.close()
                raise
            return sock
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def exchange(self, raw: bytes, timeout: float = 10.0) -> tuple[bytes, bool]:
        """Send ``raw`` on a new connection; everything read until the server closes it (or
        ``timeout`` seconds pass), and whether it closed."""
        with self.connect(timeout) as sock:
            try:
                sock.sendall(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # closed early: what it answered is still readable (or the reset says enough)
            return read_until_close(sock, timeout)

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM to the server, wait ``timeout`` seconds, then SIGKILL to its process group
        (a server that hung, or workers it left behind).  Returns its exit status."""
        if self.final_log is not None:  # stopped already: its group id may belong to another process by now
            return self.process.returncode
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # the group is gone already
        self.process.wait(timeout)
        self.final_log = self.log()
        shutil.rmtree(self.workdir, ignore_errors=True)
        return self.process.returncode


def start(
    command: Command,
    *,
    host: str = "127.0.0.1",
    unix: bool = False,
    env: Mapping[str, str] | None = None,
    cwd: Path = REPO_ROOT,
    log: Path | None = None,
    timeout: float = START_TIMEOUT,
) -> Server:
    """Start ``command`` on a free port of ``host`` (or a Unix socket, with ``unix``) and
    return once it accepts connections; :class:`ServerFailed` if it does not.

    The server runs in its own session, from ``cwd``, with stdin closed and stdout and
    stderr written to ``log`` (a temporary file by default).  Its environment is ours
    with the repository root on ``PYTHONPATH`` (so ``tests.apps``, ``benchmarks.apps``,
    ``conformance.recipe_app`` and ``harness.launch`` import from anywhere),
    ``PYTHONUNBUFFERED=1``, then ``env``.
    """
    workdir = Path(tempfile.mkdtemp(prefix="harness-"))
    address = Address(path=str(workdir / "server.sock")) if unix else Address(host, free_port(host))
    try:
        argv = command(address)
    except BaseException:  # an address the server cannot take
        shutil.rmtree(workdir)
        raise
    log_path = log or workdir / "server.log"
    full_env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    with open(log_path, "wb") as out:
        process = subprocess.Popen(
            argv, cwd=cwd, env=full_env, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True
        )
    server = Server(process, address, log_path, workdir)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            server.stop()
            raise ServerFailed(f"the server exited with status {process.returncode} before accepting connections", server.log())
        try:
            server.connect(timeout=1.0).close()
            return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise ServerFailed(f"the server accepted no connection within {timeout:g} s", server.log())
        time.sleep(0.05)


@contextmanager
def serve(
    command: Command,
    *,
    host: str = "127.0.0.1",
    unix: bool = False,
    env: Mapping[str, str] | None = None,
    cwd: Path = REPO_ROOT,
    log: Path | None = None,
    timeout: float = START_TIMEOUT,
) -> Generator[Server, None, None]:
    """:func:`start` for the length of a ``with`` block, then :meth:`Server.stop`."""
    server = start(command, host=host, unix=unix, env=env, cwd=cwd, log=log, timeout=timeout)
    try:
        yield server
    finally:
        server.stop()
