"""Instructions per request, counted by valgrind's callgrind: a cost the rest of the machine cannot move.

::

    python -m benchmarks.instructions                        # hello world, every server, about 6 minutes
    python -m benchmarks.instructions --path /1mib --servers ours,uwsgi

Requests per second on a shared 2-core VM move by 10 to 20 % from one run to the next
with nothing changed (steal, frequency, the other tenants), which hides any change
smaller than that.  The instructions a server runs for a request hardly move: for this
server and the floor, runs agree within about 3 %.  So this is the figure to compare a
change by, before and after.  A server whose threads take turns on the connections
(uWSGI's) varies more (34,000 to 52,000 here), so the ratios between servers are rough;
they are those of the work each does in user space (the kernel's share, about the same
system calls for every server, is not counted).

Each server runs one worker (one process serving, plus a supervisor where it has one:
every process is counted) under ``valgrind --tool=callgrind``, on 127.0.0.1.  It is
started twice: once to answer :data:`FEW` requests, once :data:`MANY`, four keep-alive
connections taking turns, one request at a time; the difference between the two runs'
totals, divided by the difference in requests, is what one more request costs, with the
start and the stop cancelled out.  A server that is not installed, or does not start
under valgrind, is skipped with a line.  Needs valgrind (``apt-get install valgrind``).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import sys
import tempfile
from pathlib import Path

import harness
from benchmarks.servers import read_response
from harness import Address, Command, bjoern, granian, ours, uwsgi

APP = "benchmarks.apps:app"
FEW, MANY = 300, 1300
CONNECTIONS = 4
START_TIMEOUT = 120.0  # seconds: a Python server under valgrind takes 10 to 30 s to start
STOP_TIMEOUT = 60.0  # each process writes its counts as it exits


def _floor(at: Address) -> list[str]:
    return [sys.executable, "-m", "benchmarks.floor", APP, "--host", at.host, "--port", str(at.port), "--workers", "1"]


SERVERS: dict[str, tuple[str, Command]] = {
    "ours": ("wsgitypes, checks on", ours(APP, "--workers", "1", "--threads", "8", "--log-level", "warning")),
    "nocheck": ("wsgitypes --no-check", ours(APP, "--workers", "1", "--threads", "8", "--log-level", "warning", "--no-check")),
    "floor": ("the Python floor", _floor),
    "uwsgi": ("uWSGI", uwsgi(APP, "--master", "--processes", "1", "--threads", str(CONNECTIONS), "--socket-timeout", "60",
                             "--disable-logging", socket="http11-socket")),
    "granian": ("granian", granian(APP, "--workers", "1", "--http", "1", "--log-level", "warning")),
    "bjoern": ("bjoern", bjoern(APP)),
}


def under_callgrind(command: Command, counts: Path) -> Command:
    def argv(at: Address) -> list[str]:
        return ["valgrind", "--tool=callgrind", f"--callgrind-out-file={counts}/callgrind.%p", *command(at)]

    return argv


def ask(address: Address, path: str, requests: int) -> None:
    """``requests`` GETs of ``path``, over :data:`CONNECTIONS` keep-alive connections in turn."""
    request = f"GET {path} HTTP/1.1\r\nHost: {address.netloc}\r\nUser-Agent: benchmarks\r\nAccept: */*\r\n\r\n".encode()
    connections = [socket.create_connection((address.host, address.port), timeout=60) for _ in range(CONNECTIONS)]
    try:
        for n in range(requests):
            connection = connections[n % CONNECTIONS]
            connection.sendall(request)
            status, _ = read_response(connection)
            if status != 200:
                raise ConnectionError(f"GET {path} answered {status}")
    finally:
        for connection in connections:
            connection.close()


def total_instructions(command: Command, path: str, requests: int) -> int:
    """User-space instructions of every process of one run that answered ``requests``."""
    counts = Path(tempfile.mkdtemp(prefix="wsgitypes-callgrind-"))
    try:
        server = harness.start(under_callgrind(command, counts), timeout=START_TIMEOUT)
        try:
            ask(server.address, path, requests)
        finally:
            server.stop(STOP_TIMEOUT)
        total = 0
        for output in counts.glob("callgrind.*"):
            for line in output.read_text(errors="replace").splitlines():
                if line.startswith("totals:"):
                    total += int(line.split()[1])
        if not total:
            raise RuntimeError("callgrind wrote no counts")
        return total
    finally:
        shutil.rmtree(counts, ignore_errors=True)


def per_request(command: Command, path: str) -> float:
    return (total_instructions(command, path, MANY) - total_instructions(command, path, FEW)) / (MANY - FEW)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--servers", default=",".join(SERVERS), help="comma-separated, of: %(default)s")
    parser.add_argument("--path", default="/", help="what to GET (default: /, the hello world; /1mib: 1 MiB)")
    args = parser.parse_args()
    names = [name.strip() for name in args.servers.split(",") if name.strip()]
    unknown = [name for name in names if name not in SERVERS]
    if unknown:
        parser.error(f"--servers: unknown {', '.join(unknown)}; choose from {', '.join(SERVERS)}")
    if shutil.which("valgrind") is None:
        raise SystemExit("needs valgrind: apt-get install valgrind")
    print(f"GET {args.path}: user-space instructions per request (callgrind; {MANY} - {FEW} requests, "
          f"{CONNECTIONS} keep-alive connections in turn; one worker, every process counted)", flush=True)
    measured: dict[str, float] = {}
    for name in names:
        label, command = SERVERS[name]
        try:
            measured[name] = per_request(command, args.path)
        except (harness.ServerFailed, OSError, RuntimeError) as error:
            print(f"  skipped: {label}: {str(error).splitlines()[0] if str(error) else type(error).__name__}", flush=True)
            continue
        print(f"  {label:24} {measured[name]:>10,.0f}", flush=True)
    references = [name for name in ("uwsgi", "floor") if name in measured]
    if references:
        print("\nAs multiples (more is more work per request):")
        print(f"  {'':24} " + " ".join(f"{'of ' + SERVERS[reference][0]:>18}" for reference in references))
        for name, value in measured.items():
            print(f"  {SERVERS[name][0]:24} " + " ".join(f"{value / measured[reference]:>17.2f}×" for reference in references))


if __name__ == "__main__":
    main()
