"""Our server against its peers on loopback, driven by wrk, interleaved in one run.

    python -m benchmarks.servers                 # about 6 minutes on 2 cores
    python -m benchmarks.servers --quick         # smoke run, under a minute
    python -m benchmarks.servers --rounds 5 --duration 5 --connections 16 --no-memory

Run from the repository root (it imports :mod:`harness`, which starts every server).
Servers (all on 127.0.0.1, each on a free port, all serving ``benchmarks.apps:app``):

* wsgitypes, PEP 3333 checks on:  ``python -m wsgitypes serve benchmarks.apps:app --workers 2`` (default 8 threads)
* wsgitypes, ``--no-check``:      the same, without the checks, so their cost is visible
* gunicorn gthread:               ``-k gthread -w 2 --threads 4``
* waitress:                       default 4 threads; ``--connection-limit 2000`` (default 100)
                                  and ``--asyncore-use-poll`` (select() stops at 1024 fds),
                                  so it can hold the 1,000 idle connections
* wsgiref.simple_server:          one thread, HTTP/1.0 (closes every connection), backlog 5
* cheroot:                        ``cheroot.wsgi.Server``, default 10 threads, backlog 5;
                                  ``keep_alive_conn_limit = None`` (by default it closes idle
                                  keep-alive connections beyond the tenth)

Every server gets a 60 s keep-alive timeout (ours ``--timeout-keepalive``, gunicorn
``--keep-alive``, waitress ``--channel-timeout``, cheroot ``timeout``) so none closes
an idle connection during the memory measurement.

Scenarios: hello world (GET /, 13 bytes, keep-alive), 1 MiB GET (GET /1mib) and 1 MiB
POST echo (POST /echo, a Lua script gives wrk the body).  All servers are started
first; then each round runs every scenario against every server in turn
(``wrk -t2 -c16 -d4s --latency`` by default), and the median of the rounds is
reported, with ratios: ours (checks on) over each server, and the goals of issue 4.

Memory: each server is started afresh on its own; the script opens 1,000 keep-alive
connections (one request on each, response read, connection kept), holds them
``--hold`` seconds and samples the RSS summed over the server's process tree
(VmRSS of the server and all descendants; PSS too, which counts pages shared by
forked workers once).  It then counts the connections the server still has open.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import harness
from benchmarks.apps import HELLO, MIB
from harness import Command, cheroot, gunicorn, ours, waitress, wsgiref

APP = "benchmarks.apps:app"
KEEPALIVE = 60  # seconds, for every server

OURS, OURS_NOCHECK, GUNICORN, WAITRESS, WSGIREF, CHEROOT = (
    "wsgitypes (checks on)",
    "wsgitypes --no-check",
    "gunicorn gthread 2x4",
    "waitress (4 threads)",
    "wsgiref.simple_server",
    "cheroot (10 threads)",
)
PEERS = (GUNICORN, WAITRESS, WSGIREF, CHEROOT)


def command(name: str) -> Command:
    if name in (OURS, OURS_NOCHECK):
        extra = ["--no-check"] if name == OURS_NOCHECK else []
        return ours(APP, "--workers", "2", "--threads", "8", "--timeout-keepalive", str(KEEPALIVE), "--log-level", "warning", *extra)
    if name == GUNICORN:
        return gunicorn(APP, "-w", "2", "--threads", "4", "--keep-alive", str(KEEPALIVE), "--log-level", "warning", worker="gthread")
    if name == WAITRESS:
        return waitress(APP, f"--channel-timeout={KEEPALIVE}", "--connection-limit=2000", "--asyncore-use-poll")
    if name == WSGIREF:
        return wsgiref(APP, "--quiet")
    if name == CHEROOT:
        return cheroot(APP, "--keep-alive", str(KEEPALIVE))
    raise ValueError(name)


# --- starting servers -----------------------------------------------------------------------


def log_path(logs: Path, name: str, run: str) -> Path:
    return logs / f"{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}-{run}.log"


def start(name: str, log: Path) -> harness.Server:
    """Start server ``name`` (:mod:`harness`) and check that every scenario answers correctly."""
    try:
        server = harness.start(command(name), log=log)
    except harness.ServerFailed as failed:
        raise SystemExit(f"{name} did not start; see {log}:\n{failed.log[-2000:]}") from None
    try:
        check_server(name, server.port)
    except BaseException:
        server.stop()
        raise
    return server


def http_request(port: int, method: str, path: str, body: bytes) -> tuple[int, bytes]:
    """One request on a fresh connection: (status, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        sock.sendall(head.encode() + body)
        return read_response(sock, until_close=True)


def read_response(sock: socket.socket, until_close: bool = False) -> tuple[int, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        piece = sock.recv(65536)
        if not piece:
            raise ConnectionError("closed before the response head")
        data += piece
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    match = re.search(rb"\r\ncontent-length:\s*(\d+)", head, re.I)
    if match:
        length = int(match.group(1))
        while len(rest) < length:
            piece = sock.recv(1 << 20)
            if not piece:
                raise ConnectionError("closed inside the response body")
            rest += piece
        return status, rest[:length]
    while until_close and (piece := sock.recv(1 << 20)):
        rest += piece
    return status, rest


def check_server(name: str, port: int) -> None:
    """Every scenario answers correctly before anything is timed."""
    status, body = http_request(port, "GET", "/", b"")
    assert status == 200 and body == HELLO, f"{name}: GET / -> {status}, {body[:100]!r}"
    status, body = http_request(port, "GET", "/1mib", b"")
    assert status == 200 and body == MIB, f"{name}: GET /1mib -> {status}, {len(body)} bytes"
    payload = os.urandom(1 << 20)
    status, body = http_request(port, "POST", "/echo", payload)
    assert status == 200 and body == payload, f"{name}: POST /echo -> {status}, {len(body)} bytes"


# --- process trees and memory --------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _kib(path: str, key: str) -> int:
    try:
        with open(path) as file:
            for line in file:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_memory(pid: int) -> tuple[float, float, int]:
    """(RSS MiB, PSS MiB, processes) summed over ``pid`` and its descendants."""
    pids = [pid, *descendants(pid)]
    rss = sum(_kib(f"/proc/{p}/status", "VmRSS:") for p in pids)
    pss = sum(_kib(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids)
    return rss / 1024, pss / 1024, len(pids)


@dataclass
class Memory:
    name: str
    base_rss: float
    base_pss: float
    peak_rss: float
    peak_pss: float
    processes: int
    opened: int
    still_open: int
    failures: str


def measure_idle(name: str, logs: Path, count: int, hold: float) -> Memory:
    server = start(name, log_path(logs, name, "memory"))
    try:
        for _ in range(20):
            http_request(server.port, "GET", "/", b"")
        time.sleep(0.5)
        base_rss, base_pss, _ = tree_memory(server.process.pid)
        request = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode()
        held: list[socket.socket] = []
        errors: dict[str, int] = {}
        for _ in range(count):
            sock = socket.socket()
            sock.settimeout(10)
            try:
                sock.connect(("127.0.0.1", server.port))
                sock.sendall(request)
                read_response(sock)
            except OSError as error:
                errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
                sock.close()
                continue
            held.append(sock)
        opened = len(held)
        peak_rss = peak_pss = 0.0
        processes = 0
        deadline = time.monotonic() + hold
        while True:
            rss, pss, processes = tree_memory(server.process.pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            if time.monotonic() >= deadline:
                break
            time.sleep(1.0)
        still_open = sum(is_open(sock) for sock in held)
        for sock in held:
            sock.close()
        failures = ", ".join(f"{n} {kind}" for kind, n in errors.items()) or "-"
        return Memory(name, base_rss, base_pss, peak_rss, peak_pss, processes, opened, still_open, failures)
    finally:
        server.stop()


def is_open(sock: socket.socket) -> bool:
    """Whether the server still has the connection open (nothing unread is expected)."""
    sock.setblocking(False)  # with a timeout set, recv would first wait for data that never comes
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


# --- wrk ---------------------------------------------------------------------------------------

SCENARIOS = {
    "hello": ("hello-world keep-alive (GET /, 13 bytes)", "/", None),
    "get": ("1 MiB GET (GET /1mib)", "/1mib", None),
    "post": ("1 MiB POST echo (POST /echo)", "/echo", "post.lua"),
}
POST_LUA = """\
wrk.method = "POST"
wrk.body = string.rep("x", 1048576)
wrk.headers["Content-Type"] = "application/octet-stream"
"""
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


@dataclass
class Run:
    rps: float
    p99_ms: float
    errors: str
    requests: int = 0
    cpu_us: float = 0.0  # server CPU time (user + system, whole process tree) per request


_TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """Seconds of CPU (user + system) used so far by ``pid`` and its live descendants."""
    total = 0
    for p in [pid, *descendants(pid)]:
        try:
            with open(f"/proc/{p}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICK


def wrk(url: str, lua: Path | None, threads: int, connections: int, seconds: float) -> Run:
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "10s"]
    if lua is not None:
        args += ["-s", str(lua)]
    out = subprocess.run(args + [url], capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = re.search(r"Requests/sec:\s*([\d.]+)", out)
    requests = re.search(r"^\s*(\d+) requests in", out, re.M)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m|h)\s*$", out, re.M)
    if rps is None or p99 is None:
        raise RuntimeError(f"cannot read wrk's output:\n{out}")
    problems: list[str] = []
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if socket_errors:
        problems.append("socket errors: " + socket_errors.group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        problems.append(f"{non_2xx.group(1)} non-2xx")
    return Run(float(rps.group(1)), float(p99.group(1)) * _UNITS[p99.group(2)], "; ".join(problems), int(requests.group(1)) if requests else 0)


@dataclass
class Results:
    runs: dict[tuple[str, str], list[Run]] = field(default_factory=dict[tuple[str, str], list[Run]])

    def add(self, scenario: str, server: str, run: Run) -> None:
        self.runs.setdefault((scenario, server), []).append(run)

    def rps(self, scenario: str, server: str) -> float:
        return statistics.median(run.rps for run in self.runs[scenario, server])

    def p99(self, scenario: str, server: str) -> float:
        return statistics.median(run.p99_ms for run in self.runs[scenario, server])

    def cpu(self, scenario: str, server: str) -> float:
        return statistics.median(run.cpu_us for run in self.runs[scenario, server])


# --- reporting ---------------------------------------------------------------------------------


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} CPUs)"


def print_throughput(results: Results, names: list[str], rounds: int, wrk_args: str) -> None:
    print(f"\nThroughput: {wrk_args}, median of {rounds} round{'s' * (rounds > 1)}; "
          "'ours ×' = wsgitypes (checks on) req/s ÷ this server's; 'CPU µs/req' = the server's\n"
          "CPU time (user + system, all its processes) per request, which other load on the machine disturbs less")
    for scenario, (title, _, _) in SCENARIOS.items():
        ours = results.rps(scenario, OURS)
        print(f"\n{title}")
        print(f"  {'server':24} {'req/s':>9} {'p99 ms':>9} {'ours ×':>7} {'CPU µs/req':>10}   req/s per round")
        for name in names:
            runs = results.runs[scenario, name]
            rps = results.rps(scenario, name)
            per_round = " ".join(f"{run.rps:.0f}" for run in runs)
            problems = sorted({run.errors for run in runs if run.errors})
            note = f"   [{' | '.join(problems)}]" if problems else ""
            print(f"  {name:24} {rps:9.0f} {results.p99(scenario, name):9.2f} {ours / rps:7.2f} {results.cpu(scenario, name):10.0f}   {per_round}{note}")
        if OURS_NOCHECK in names:
            nocheck = results.rps(scenario, OURS_NOCHECK)
            added = results.cpu(scenario, OURS) - results.cpu(scenario, OURS_NOCHECK)
            print(f"  cost of the checks: {ours:.0f} vs {nocheck:.0f} req/s without ({100 * (ours / nocheck - 1):+.1f}%); "
                  f"{added:+.1f} CPU µs per request")


def print_goals(results: Results, names: list[str]) -> list[str]:
    lines: list[str] = []

    def goal(label: str, scenario: str, peer: str, factor: float) -> None:
        for who in (OURS, OURS_NOCHECK):
            if who not in names:
                continue
            ratio = results.rps(scenario, who) / results.rps(scenario, peer)
            tag = "" if who == OURS else " [--no-check, for reference]"
            lines.append(f"{'PASS' if ratio >= factor else 'FAIL'}  {label}: ours ≥ {factor:.1f}× {peer}: {ratio:.2f}×{tag}")

    def best(scenario: str) -> str:
        return max((p for p in PEERS if p in names), key=lambda p: results.rps(scenario, p))

    if GUNICORN in names:
        goal("hello", "hello", GUNICORN, 1.0)
    if WAITRESS in names:
        goal("hello", "hello", WAITRESS, 2.0)
    if any(p in names for p in PEERS):
        goal("1 MiB GET", "get", best("get"), 1.0)
        goal("1 MiB POST", "post", best("post"), 1.0)
    print("\nGoals (issue 4):")
    for line in lines:
        print("  " + line)
    return lines


def print_memory(memories: list[Memory], count: int, hold: float) -> None:
    print(f"\nMemory holding {count} idle keep-alive connections (each served one GET /), held {hold:g} s;"
          " MiB summed over the server's process tree; peak of samples taken once a second")
    ours = next((m.peak_rss for m in memories if m.name == OURS), None)
    print(f"  {'server':24} {'procs':>5} {'idle RSS':>9} {'peak RSS':>9} {'× ours':>7} {'KiB/conn':>8} {'idle PSS':>9} {'peak PSS':>9} {'served':>7} {'open at end':>11}  failures")
    for m in memories:
        per_conn = (m.peak_rss - m.base_rss) * 1024 / m.opened if m.opened else float("nan")
        ratio = f"{m.peak_rss / ours:7.2f}" if ours else f"{'-':>7}"
        print(f"  {m.name:24} {m.processes:5d} {m.base_rss:9.1f} {m.peak_rss:9.1f} {ratio} {per_conn:8.1f} "
              f"{m.base_pss:9.1f} {m.peak_pss:9.1f} {m.opened:7d} {m.still_open:11d}  {m.failures}")
    print("  (RSS counts pages shared by forked workers once per process; PSS splits them. "
          "wsgiref speaks HTTP/1.0 and closes every connection, so it holds none.)")


def versions() -> str:
    from importlib.metadata import version

    found = [f"Python {sys.version.split()[0]}"]
    for package in ("gunicorn", "waitress", "cheroot", "httptools"):
        try:
            found.append(f"{package} {version(package)}")
        except Exception:
            found.append(f"{package} missing")
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("[")[0].strip()
    return ", ".join(found + [wrk_version])


# --- main ----------------------------------------------------------------------------------------


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.servers", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the median is reported (default: %(default)s)")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per wrk run (default: %(default)s)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of wrk per server and scenario before the rounds (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default: %(default)s)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default: %(default)s)")
    parser.add_argument("--idle", type=int, default=1000, help="idle keep-alive connections for the memory test (default: %(default)s)")
    parser.add_argument("--hold", type=float, default=8.0, help="seconds the idle connections are held while sampling (default: %(default)s)")
    parser.add_argument("--no-memory", action="store_true", help="skip the idle-connection memory test")
    parser.add_argument("--memory-only", action="store_true", help="only the idle-connection memory test")
    parser.add_argument("--servers", help="comma-separated subset, by prefix: ours,nocheck,gunicorn,waitress,wsgiref,cheroot")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 round of 1 s, no warm-up, 200 idle connections held 2 s")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.duration, args.warmup, args.idle, args.hold = 1, 1.0, 0.0, 200, 2.0
    names = [OURS, OURS_NOCHECK, GUNICORN, WAITRESS, WSGIREF, CHEROOT]
    if args.servers:
        keys = {"ours": OURS, "nocheck": OURS_NOCHECK, "gunicorn": GUNICORN, "waitress": WAITRESS, "wsgiref": WSGIREF, "cheroot": CHEROOT}
        names = [keys[key.strip()] for key in args.servers.split(",")]
        if OURS not in names:
            names.insert(0, OURS)
    raise_fd_limit()
    print(versions())
    print(f"start: {load()}")
    logs = Path(tempfile.mkdtemp(prefix="wsgitypes-bench-"))
    lua = logs / "post.lua"
    lua.write_text(POST_LUA)

    if not args.memory_only:
        servers: dict[str, harness.Server] = {}
        try:
            for name in names:
                servers[name] = start(name, log_path(logs, name, "throughput"))
            wrk_args = f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s"
            results = Results()

            def run_all(seconds: float, record: bool) -> None:
                for scenario, (_, path, script) in SCENARIOS.items():
                    for name, server in servers.items():
                        cpu_before = tree_cpu(server.process.pid)
                        run = wrk(server.url + path, lua if script else None, args.threads, args.connections, seconds)
                        if run.requests:
                            run.cpu_us = (tree_cpu(server.process.pid) - cpu_before) / run.requests * 1e6
                        if record:
                            results.add(scenario, name, run)
                        for other, running in servers.items():  # a crashed server would skew everything after it
                            if running.process.poll() is not None:
                                raise SystemExit(f"{other} exited; see {running.log_path}")

            if args.warmup > 0:
                run_all(args.warmup, record=False)
            for number in range(1, args.rounds + 1):
                print(f"round {number}/{args.rounds}: {load()}", flush=True)
                run_all(args.duration, record=True)
        finally:
            for server in servers.values():
                server.stop()
        print_throughput(results, names, args.rounds, wrk_args)
        print_goals(results, names)

    if not args.no_memory:
        print(f"\nmemory test: {load()}", flush=True)
        memories = [measure_idle(name, logs, args.idle, args.hold) for name in names]
        print_memory(memories, args.idle, args.hold)
    print(f"\nend: {load()}")
    print(f"server logs: {logs}")


if __name__ == "__main__":
    main()
