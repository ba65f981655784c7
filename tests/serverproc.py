"""Start ``python -m wsgitypes serve`` as a real subprocess on 127.0.0.1 for the server tests.

``with running_server("tests.apps.serving:app", "--workers", "2") as server:`` starts it on
a free port (read from its log), and on leaving sends SIGTERM and waits, escalating to
SIGKILL of the whole process group.  ``server.log()`` is everything it wrote.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # for tests.apps
START_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0
_LISTENING = re.compile(r"(?: on|Listening at:) http://(127\.0\.0\.1|\[::1\]):(\d+)")  # ours; gunicorn


@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    log_path: Path
    port: int = 0
    host: str = "127.0.0.1"
    final_log: str | None = None  # kept when the block ends and the log file goes

    def log(self) -> str:
        if self.final_log is not None:
            return self.final_log
        return self.log_path.read_text(errors="replace")

    def connect(self, timeout: float = 10.0) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, then wait; SIGKILL the group if it does not stop.  Returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout)
        return self.process.returncode


@contextmanager
def running_server(*arguments: str, env: dict[str, str] | None = None, command: list[str] | None = None, cwd: Path = REPO_ROOT) -> Iterator[RunningServer]:
    """``python -m wsgitypes serve --port 0 *arguments`` (or ``command``), running until the block ends."""
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "server.log"
        full_env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        argv = command or [sys.executable, "-m", "wsgitypes", "serve", "--port", "0", *arguments]
        with open(log_path, "wb") as log:
            process = subprocess.Popen(argv, cwd=cwd, env=full_env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        server = RunningServer(process, log_path)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline:
                found = _LISTENING.search(server.log())
                if found:
                    server.host = found.group(1).strip("[]")
                    server.port = int(found.group(2))
                    break
                if process.poll() is not None:
                    raise RuntimeError(f"the server exited with {process.returncode}:\n{server.log()}")
                time.sleep(0.05)
            else:
                raise RuntimeError(f"the server did not listen within {START_TIMEOUT} s:\n{server.log()}")
            yield server
        finally:
            server.stop()
            server.final_log = server.log()


def exchange(server: RunningServer, raw: bytes, timeout: float = 10.0) -> tuple[bytes, bool]:
    """Send ``raw`` on a new connection; return everything read until the server closes
    (or ``timeout``), and whether it closed."""
    with server.connect(timeout) as sock:
        sock.sendall(raw)
        chunks = []
        closed = False
        try:
            while data := sock.recv(65536):
                chunks.append(data)
            closed = True
        except TimeoutError:
            pass
        except ConnectionResetError:
            closed = True
        return b"".join(chunks), closed
