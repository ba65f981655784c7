"""Our server against its peers on loopback, driven by wrk, interleaved in one run (issue 15).

    python -m benchmarks.servers                 # about 11 minutes on 2 cores, all ten servers
    python -m benchmarks.servers --quick         # smoke run, about 2 minutes
    python -m benchmarks.servers --servers granian,uwsgi,bjoern --rounds 5 --no-memory

Run from the repository root (it imports :mod:`harness`, which starts every server).  The
peers come from ``pip install ".[bench]"`` (granian, uWSGI - which compiles C - cheroot,
gunicorn, waitress) and the ``c-servers`` extra (bjoern, which needs libev-dev); a peer
that is not installed, or does not start, is skipped with a line that says why.

Servers (all on 127.0.0.1, each on a free port, all serving ``benchmarks.apps:app``; two
workers wherever the server has workers):

* wsgitypes, PEP 3333 checks on:  ``python -m wsgitypes serve benchmarks.apps:app --workers 2 --threads 8``
* wsgitypes, ``--no-check``:      the same, without the checks, so their cost is visible
* granian (Rust):                 ``--interface wsgi --workers 2 --http 1``, its default threads
* uWSGI (C):                      ``--http11-socket --master --processes 2 --threads T``, T = wrk's
                                  connections / 2.  The workers speak HTTP themselves, as with
                                  ``--http-socket``; but ``--http-socket`` closes the connection after
                                  every response (uWSGI's proto/http.c; ``--add-header "Connection:
                                  Keep-Alive"`` only adds the header and still closes, so wrk
                                  reconnects each time, and ``--so-keepalive`` is TCP keepalive
                                  probes, not HTTP).  ``--http-keepalive`` belongs to the ``--http``
                                  router, a proxy process in front of the workers.  ``--http11-socket``
                                  keeps the connection, but a thread stays with its connection until
                                  that idles ``--socket-timeout``: with fewer threads than wrk's
                                  connections, the rest wait unserved.  Hence T, and
                                  ``--socket-timeout`` = the keep-alive timeout below.
* bjoern (C, libev):              ``bjoern.run``, one process, one thread
* gunicorn gthread:               ``-k gthread -w 2 --threads 4``
* gunicorn with our worker:       ``-k wsgitypes.gunicorn.Worker -w 2 --threads 8`` (checks on): our
                                  engine in gunicorn's processes, for those who keep gunicorn
* waitress:                       default 4 threads; ``--connection-limit 2000`` (default 100)
                                  and ``--asyncore-use-poll`` (select() stops at 1024 fds),
                                  so it can hold the 1,000 idle connections
* wsgiref.simple_server:          one thread, HTTP/1.0 (closes every connection), backlog 5
* cheroot:                        ``cheroot.wsgi.Server``, default 10 threads, backlog 5;
                                  ``keep_alive_conn_limit = None`` (by default it closes idle
                                  keep-alive connections beyond the tenth)
* the Python floor:               ``python -m benchmarks.floor --workers 2``: the least a WSGI
                                  server in CPython can do per request (:mod:`benchmarks.floor`;
                                  no limits, timeouts or checks).  A yardstick, never the peer a
                                  goal compares with: how much of a gap to a C or Rust peer is
                                  Python's, and how much is ours

Every server that has one gets a 60 s keep-alive timeout (ours ``--timeout-keepalive``,
gunicorn ``--keep-alive``, waitress ``--channel-timeout``, cheroot ``timeout``, uWSGI
``--socket-timeout``, granian ``--http1-header-read-timeout``; bjoern has none) so none
closes an idle connection during the memory measurement.

Scenarios: hello world (GET /, 13 bytes, keep-alive), 1 MiB GET (GET /1mib) and 1 MiB
POST echo (POST /echo, a Lua script gives wrk the body).  All servers are started
first; then each round runs every scenario against every server in turn
(``wrk -t1 -c16 -d5s --latency`` by default, as in issue 15), and the median of the
rounds is reported with its p99 latency and the server's CPU time per request (user +
system, summed over its process tree, read from /proc before and after each wrk run).

Memory: each server is started afresh on its own; the script opens 1,000 keep-alive
connections one after another (one request on each, response read, connection kept;
a connection that gets no answer within 5 s counts as a failure, and after 3 failures
in a row no more are opened), holds them ``--hold`` seconds and samples RSS and PSS
summed over the server's process tree (PSS counts pages shared by forked workers once).
It then counts the connections the server still has open: only the servers that still
hold all of them count for the PSS goal.

Printed: what was measured (versions, command lines, wrk settings, load average at the
start, every round and the end), a table per scenario, the goals of issue 15 (and of
issues 4 and 11) with PASS/FAIL, and a Markdown summary table a note can quote.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import platform
import re
import resource
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import harness
from benchmarks.apps import HELLO, MIB
from harness import WORKER, Command, bjoern, cheroot, granian, gunicorn, ours, procfs, uwsgi, waitress, wsgiref

APP = "benchmarks.apps:app"
KEEPALIVE = 60  # seconds, for every server that has a keep-alive timeout
BIN = Path(sys.executable).parent


# --- the servers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contender:
    key: str  # for --servers
    name: str
    command: Callable[[argparse.Namespace], Command]
    missing: Callable[[], str | None]  # why it cannot run here, or None
    distribution: str | None  # whose version to print


def _module(module: str, install: str) -> Callable[[], str | None]:
    return lambda: None if importlib.util.find_spec(module) else f"not installed ({install})"


def _ours(*extra: str) -> Callable[[argparse.Namespace], Command]:
    return lambda args: ours(APP, "--workers", "2", "--threads", "8", "--timeout-keepalive", str(KEEPALIVE), "--log-level", "warning", *extra)


def _uwsgi(args: argparse.Namespace) -> Command:
    threads = max(1, -(-args.connections // 2))  # a thread per wrk connection (see the docstring)
    return uwsgi(APP, "--master", "--processes", "2", "--threads", str(threads), "--socket-timeout", str(KEEPALIVE),
                 "--disable-logging", socket="http11-socket")


def _floor(at: harness.Address) -> list[str]:
    return [sys.executable, "-m", "benchmarks.floor", APP, "--host", at.host, "--port", str(at.port), "--workers", "2"]


def _uwsgi_missing() -> str | None:
    return None if (BIN / "uwsgi").exists() else 'not installed (pip install uwsgi, or ".[bench]": it compiles C)'


CONTENDERS = [
    Contender("ours", "wsgitypes (checks on)", _ours(), lambda: None, "wsgitypes"),
    Contender("nocheck", "wsgitypes --no-check", _ours("--no-check"), lambda: None, "wsgitypes"),
    Contender("granian", "granian 2 workers", lambda args: granian(
        APP, "--workers", "2", "--http", "1", "--http1-header-read-timeout", str(KEEPALIVE * 1000), "--log-level", "warning"),
        _module("granian", 'pip install granian, or ".[bench]"'), "granian"),
    Contender("uwsgi", "uWSGI 2 processes", _uwsgi, _uwsgi_missing, "uwsgi"),
    Contender("bjoern", "bjoern (1 process)", lambda args: bjoern(APP),
              _module("bjoern", 'pip install bjoern, or ".[c-servers]": needs libev-dev'), "bjoern"),
    Contender("gunicorn", "gunicorn gthread 2x4", lambda args: gunicorn(
        APP, "-w", "2", "--threads", "4", "--keep-alive", str(KEEPALIVE), "--log-level", "warning", worker="gthread"),
        _module("gunicorn", 'pip install gunicorn, or ".[bench]"'), "gunicorn"),
    Contender("gunicorn-ours", "gunicorn, our worker 2x8", lambda args: gunicorn(
        APP, "-w", "2", "--threads", "8", "--keep-alive", str(KEEPALIVE), "--log-level", "warning", worker=WORKER),
        _module("gunicorn", 'pip install gunicorn, or ".[bench]"'), "gunicorn"),
    Contender("waitress", "waitress (4 threads)", lambda args: waitress(
        APP, f"--channel-timeout={KEEPALIVE}", "--connection-limit=2000", "--asyncore-use-poll"),
        _module("waitress", 'pip install waitress, or ".[bench]"'), "waitress"),
    Contender("wsgiref", "wsgiref.simple_server", lambda args: wsgiref(APP, "--quiet"), lambda: None, None),
    Contender("cheroot", "cheroot (10 threads)", lambda args: cheroot(APP, "--keep-alive", str(KEEPALIVE)),
              _module("cheroot", 'pip install cheroot, or ".[bench]"'), "cheroot"),
    Contender("floor", "Python floor 2 workers", lambda args: _floor, _module("httptools", "pip install httptools"), None),
]
BY_NAME = {contender.name: contender for contender in CONTENDERS}
_KEYS = {contender.key: contender.name for contender in CONTENDERS}
OURS, OURS_NOCHECK, GRANIAN, UWSGI, GUNICORN, WAITRESS, WSGIREF, FLOOR = (
    _KEYS[key] for key in ("ours", "nocheck", "granian", "uwsgi", "gunicorn", "waitress", "wsgiref", "floor"))
OURSELVES = (OURS, OURS_NOCHECK)  # must start: the run is about them
NOT_PEERS = (*OURSELVES, _KEYS["gunicorn-ours"], FLOOR)  # our engine however it runs, and the yardstick: never a goal's peer
WHY_NOT_ALL = {  # why a server holds fewer idle connections than it was given, where that is known
    WSGIREF: "it speaks HTTP/1.0 and closes every connection",
    UWSGI: "--http11-socket holds one connection per thread and leaves the rest unaccepted",
}


# --- starting servers -----------------------------------------------------------------------


class Unavailable(Exception):
    """A peer that did not start, or answered wrongly: skipped, with the reason."""


def log_path(logs: Path, name: str, run: str) -> Path:
    return logs / f"{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}-{run}.log"


def start(name: str, args: argparse.Namespace, log: Path) -> harness.Server:
    """Start server ``name`` (:mod:`harness`) and check that every scenario answers correctly."""
    try:
        server = harness.start(BY_NAME[name].command(args), log=log)
    except harness.ServerFailed as failed:
        raise Unavailable(f"did not start ({failed.reason}); see {log}") from None
    try:
        check_server(server.port)
    except (AssertionError, OSError) as error:
        server.stop()
        raise Unavailable(f"answered wrongly: {error}; see {log}") from None
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


def check_server(port: int) -> None:
    """Every scenario answers correctly before anything is timed."""
    status, body = http_request(port, "GET", "/", b"")
    assert status == 200 and body == HELLO, f"GET / -> {status}, {body[:100]!r}"
    status, body = http_request(port, "GET", "/1mib", b"")
    assert status == 200 and body == MIB, f"GET /1mib -> {status}, {len(body)} bytes"
    payload = os.urandom(1 << 20)
    status, body = http_request(port, "POST", "/echo", payload)
    assert status == 200 and body == payload, f"POST /echo -> {status}, {len(body)} bytes"


# --- process trees: memory and CPU ---------------------------------------------------------------


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
    pids = [process.pid for process in procfs.tree(pid)]
    rss = sum(_kib(f"/proc/{p}/status", "VmRSS:") for p in pids)
    pss = sum(_kib(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids)
    return rss / 1024, pss / 1024, len(pids)


def tree_cpu(pid: int) -> float:
    """Seconds of CPU (user + system, all threads) used so far by ``pid`` and its live descendants."""
    return sum(process.cpu for process in procfs.tree(pid))


# --- idle connections --------------------------------------------------------------------------

ANSWER_TIMEOUT = 5.0  # seconds for a connection to be accepted and answered (generous: the machine is shared)
GIVE_UP_AFTER = 3  # failures in a row: the server takes no more


@dataclass
class Memory:
    name: str
    base_rss: float
    base_pss: float
    peak_rss: float
    peak_pss: float
    processes: int
    wanted: int
    opened: int
    still_open: int
    failures: str

    @property
    def holds_all(self) -> bool:
        return self.still_open == self.wanted


def open_idle(port: int, count: int) -> tuple[list[socket.socket], str]:
    """Up to ``count`` keep-alive connections, each of which has been answered one GET /;
    and the failures, as text."""
    request = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    held: list[socket.socket] = []
    errors: dict[str, int] = {}
    in_a_row = 0
    for _ in range(count):
        sock = socket.socket()
        sock.settimeout(ANSWER_TIMEOUT)
        try:
            sock.connect(("127.0.0.1", port))
            sock.sendall(request)
            read_response(sock)
        except OSError as error:
            sock.close()
            errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
            in_a_row += 1
            if in_a_row == GIVE_UP_AFTER:
                errors[f"then stopped after {len(held)} answered"] = 0
                break
            continue
        in_a_row = 0
        held.append(sock)
    return held, ", ".join(f"{n} {kind}" if n else kind for kind, n in errors.items()) or "-"


def measure_idle(name: str, args: argparse.Namespace, logs: Path) -> Memory | None:
    try:
        server = start(name, args, log_path(logs, name, "memory"))
    except Unavailable as unavailable:
        print(f"  skipped in the memory test: {name} {unavailable}")
        return None
    try:
        for _ in range(20):
            http_request(server.port, "GET", "/", b"")
        time.sleep(0.5)
        base_rss, base_pss, _ = tree_memory(server.process.pid)
        held, failures = open_idle(server.port, args.idle)
        peak_rss = peak_pss = 0.0
        processes = 0
        deadline = time.monotonic() + args.hold
        while True:
            rss, pss, processes = tree_memory(server.process.pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            if time.monotonic() >= deadline:
                break
            time.sleep(1.0)
        still_open = sum(is_open(sock) for sock in held)
        for sock in held:
            sock.close()
        return Memory(name, base_rss, base_pss, peak_rss, peak_pss, processes, args.idle, len(held), still_open, failures)
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


def measure_throughput(names: list[str], servers: dict[str, harness.Server], args: argparse.Namespace, lua: Path) -> Results:
    results = Results()

    def run_all(seconds: float, record: bool) -> None:
        for scenario, (_, path, script) in SCENARIOS.items():
            for name in names:
                server = servers[name]
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
    return results


# --- reporting ---------------------------------------------------------------------------------


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} CPUs)"


def version_of(distribution: str) -> str:
    try:
        found = importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "?"
    if distribution == "wsgitypes":
        commit = subprocess.run(["git", "-C", str(harness.REPO_ROOT), "describe", "--always", "--dirty"],
                                capture_output=True, text=True).stdout.strip()
        found += f" (git {commit})" if commit else ""
    return found


def print_setup(names: list[str], args: argparse.Namespace) -> None:
    """What is measured, for a note to quote: machine, versions, wrk, command lines."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("[")[0].strip()
    print(f"machine: {cpu}, {os.cpu_count()} CPUs, Linux {platform.release()}; Python {platform.python_version()}; {wrk_version}")
    print(f"httptools {version_of('httptools')} (our parser)")
    example = harness.Address("127.0.0.1", 8000)
    for name in names:
        contender = BY_NAME[name]
        argv = contender.command(args)(example)
        shown = " ".join("python" if part == sys.executable else shlex.quote(part.removeprefix(str(BIN) + "/")) for part in argv)
        version = f" {version_of(contender.distribution)}" if contender.distribution else f" (Python {platform.python_version()})"
        print(f"  {name}:{version}: {shown}")
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s --latency --timeout 10s, {args.rounds} interleaved "
          f"round{'s' * (args.rounds > 1)} after {args.warmup:g} s of warm-up per server and scenario; "
          + ("no memory test" if args.no_memory else f"memory: {args.idle} idle keep-alive connections held {args.hold:g} s"))


def print_throughput(results: Results, names: list[str]) -> None:
    print("\n'ours ×' = wsgitypes (checks on) req/s ÷ this server's; 'CPU µs/req' = the server's CPU time "
          "(user + system, all its processes)\nper request, which other load on the machine disturbs less than req/s")
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


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


ISSUE_15, ISSUE_11, ISSUE_4 = "issue 15", "issue 11, the cost of the checks", "issue 4"
YARDSTICK = "the Python floor (no goal: how much of each gap Python itself explains)"


def speed_goals(results: Results, names: list[str]) -> dict[str, list[str]]:
    """The req/s goals of issues 15, 11 and 4, as PASS / FAIL / SKIP lines by issue."""
    peers = [name for name in names if name not in NOT_PEERS]

    def ratio(scenario: str, peer: str, factor: float, label: str, strictly: bool = False) -> str:
        if peer not in names:
            return f"SKIP  {label}: {peer} was not measured"
        value = results.rps(scenario, OURS) / results.rps(scenario, peer)
        passed = value > factor if strictly else value >= factor
        nocheck = results.rps(scenario, OURS_NOCHECK) / results.rps(scenario, peer) if OURS_NOCHECK in names else None
        reference = f"   (--no-check: {nocheck:.2f}×)" if nocheck is not None else ""
        return f"{verdict(passed)}  {label}: {value:.2f}× {peer}{reference}"

    def best(scenario: str) -> str:
        return max(peers, key=lambda peer: results.rps(scenario, peer))

    issue_15 = [ratio("hello", UWSGI, 1.0, "hello ≥ 1.0× uWSGI"), ratio("hello", GRANIAN, 0.5, "hello ≥ 0.5× granian")]
    if peers:
        issue_15.append(ratio("post", best("post"), 1.0, "1 MiB POST ≥ 1.0× the best peer"))
        issue_15.append(ratio("get", best("get"), 1.0, "1 MiB GET > 1.0× the best peer (ahead of every peer)", strictly=True))
    else:
        issue_15.append("SKIP  1 MiB POST and GET against the best peer: no peer measured")
    issue_11: list[str] = []
    if OURS_NOCHECK in names:
        value = results.rps("hello", OURS) / results.rps("hello", OURS_NOCHECK)
        on, off = results.cpu("hello", OURS), results.cpu("hello", OURS_NOCHECK)
        issue_11.append(f"{verdict(value >= 0.9)}  hello, checks on ≥ 0.9× --no-check: {value:.2f}×; "
                        f"{on - off:+.1f} CPU µs per request ({on:.1f} vs {off:.1f})")
    issue_4 = [ratio("hello", GUNICORN, 1.0, "hello ≥ 1.0× gunicorn"), ratio("hello", WAITRESS, 2.0, "hello ≥ 2.0× waitress")]
    yardstick: list[str] = []
    if FLOOR in names:
        for scenario in SCENARIOS:
            against = " ".join(f"= {results.rps(scenario, FLOOR) / results.rps(scenario, peer):.2f}× {peer};"
                               for peer in (UWSGI, GRANIAN) if peer in names)
            yardstick.append(f"{scenario}: the floor {against} ours = {results.rps(scenario, OURS) / results.rps(scenario, FLOOR):.2f}× "
                             f"the floor; CPU µs per request {results.cpu(scenario, OURS):.0f} vs {results.cpu(scenario, FLOOR):.0f}")
    return {ISSUE_15: issue_15, ISSUE_11: issue_11, ISSUE_4: issue_4, YARDSTICK: yardstick}


def memory_goal(memories: list[Memory], idle: int) -> str:
    """Issue 15's PSS goal, against the leanest peer that still held every idle connection."""
    label = f"PSS at {idle} idle connections ≤ 1.5× the leanest peer holding them all"
    ours = next((m for m in memories if m.name == OURS), None)
    holding = [m for m in memories if m.name not in NOT_PEERS and m.holds_all]
    if ours is None or not holding:
        return f"SKIP  {label}: " + ("ours was not measured" if ours is None else "no peer held them all")
    leanest = min(holding, key=lambda m: m.peak_pss)
    value = ours.peak_pss / leanest.peak_pss
    short = "" if ours.holds_all else f"; but ours held only {ours.still_open}"
    return (f"{verdict(value <= 1.5 and ours.holds_all)}  {label}: {ours.peak_pss:.1f} MiB = {value:.2f}× "
            f"{leanest.name} ({leanest.peak_pss:.1f} MiB){short}")


def print_memory(memories: list[Memory], idle: int, hold: float) -> None:
    print(f"\nMemory holding {idle} idle keep-alive connections (each served one GET /), held {hold:g} s;"
          " MiB summed over the server's process tree; peak of samples taken once a second")
    ours = next((m.peak_pss for m in memories if m.name == OURS), None)
    print(f"  {'server':24} {'procs':>5} {'idle RSS':>9} {'peak RSS':>9} {'idle PSS':>9} {'peak PSS':>9} {'PSS÷ours':>8} "
          f"{'KiB/conn':>8} {'served':>7} {'open at end':>11}  failures")
    for m in memories:
        per_conn = (m.peak_pss - m.base_pss) * 1024 / m.opened if m.opened else float("nan")
        ratio = f"{m.peak_pss / ours:8.2f}" if ours else f"{'-':>8}"
        print(f"  {m.name:24} {m.processes:5d} {m.base_rss:9.1f} {m.peak_rss:9.1f} {m.base_pss:9.1f} {m.peak_pss:9.1f} {ratio} "
              f"{per_conn:8.1f} {m.opened:7d} {m.still_open:11d}  {m.failures}")
    print("  (RSS counts pages shared by forked workers once per process; PSS splits them; KiB/conn from PSS.)")
    short = [m.name + (f" ({WHY_NOT_ALL[m.name]})" if m.name in WHY_NOT_ALL else "") for m in memories if not m.holds_all]
    print(f"  did not hold all {idle}, so not counted for the PSS goal: {'; '.join(short) if short else 'none'}")


def print_summary(results: Results | None, memories: list[Memory] | None, names: list[str], idle: int) -> None:
    """One Markdown table, in the layout of issue 15."""
    memory = {m.name: m for m in memories or []}
    what = ["req/s, median of the rounds, (p99 ms); server CPU µs per hello request"] if results else []
    what += [f"peak PSS MiB holding {idle} idle connections"] if memories is not None else []
    print(f"\nSummary (Markdown): {'; '.join(what)}\n")
    print(f"| | hello | 1 MiB GET | 1 MiB POST echo | CPU µs / hello | PSS, {idle} idle |")
    print("|---|---|---|---|---|---|")
    for name in names:
        cells = [name]
        for scenario in SCENARIOS:
            cells.append(f"{results.rps(scenario, name):,.0f} ({results.p99(scenario, name):.2f})" if results else "-")
        cells.append(f"{results.cpu('hello', name):.0f}" if results else "-")
        m = memory.get(name)
        cells.append("-" if m is None else f"{m.peak_pss:.1f}" + ("" if m.holds_all else f" (held {m.still_open})"))
        print("| " + " | ".join(cells) + " |")


# --- main ----------------------------------------------------------------------------------------


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def chosen(parser: argparse.ArgumentParser, spec: str | None) -> list[str]:
    """The servers ``--servers`` names (by key, or a prefix of one key), ours always first; all by default."""
    if not spec:
        return [c.name for c in CONTENDERS]
    keys: set[str] = set()
    for word in filter(None, (part.strip() for part in spec.split(","))):
        found = [c.key for c in CONTENDERS if c.key == word] or [c.key for c in CONTENDERS if c.key.startswith(word)]
        if len(found) != 1:
            parser.error(f"--servers: {word!r} names {'no' if not found else 'more than one'} server; "
                         f"choose from {', '.join(c.key for c in CONTENDERS)}")
        keys.add(found[0])
    keys.add("ours")
    return [c.name for c in CONTENDERS if c.key in keys]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.servers", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the median is reported (default: %(default)s)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per wrk run (default: %(default)s)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of wrk per server and scenario before the rounds (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default: %(default)s)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default: %(default)s)")
    parser.add_argument("--idle", type=int, default=1000, help="idle keep-alive connections for the memory test (default: %(default)s)")
    parser.add_argument("--hold", type=float, default=8.0, help="seconds the idle connections are held while sampling (default: %(default)s)")
    parser.add_argument("--no-memory", action="store_true", help="skip the idle-connection memory test")
    parser.add_argument("--memory-only", action="store_true", help="only the idle-connection memory test")
    parser.add_argument("--servers", help="comma-separated subset, by key prefix: " + ",".join(c.key for c in CONTENDERS))
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 round of 1 s, no warm-up, 200 idle connections held 2 s")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.duration, args.warmup, args.idle, args.hold = 1, 1.0, 0.0, 200, 2.0
    if args.rounds < 1 or args.duration <= 0 or args.connections < 1 or args.threads < 1 or args.idle < 1:
        parser.error("--rounds, --duration, --connections, --threads and --idle must be positive")
    began = time.monotonic()
    names: list[str] = []
    for name in chosen(parser, args.servers):
        reason = BY_NAME[name].missing()
        if reason:
            print(f"skipped: {name}: {reason}")
        else:
            names.append(name)
    raise_fd_limit()
    print_setup(names, args)
    print(f"start: {load()}", flush=True)
    logs = Path(tempfile.mkdtemp(prefix="wsgitypes-bench-"))
    lua = logs / "post.lua"
    lua.write_text(POST_LUA)

    results: Results | None = None
    if not args.memory_only:
        servers: dict[str, harness.Server] = {}
        try:
            for name in list(names):
                try:
                    servers[name] = start(name, args, log_path(logs, name, "throughput"))
                except Unavailable as unavailable:
                    if name in OURSELVES:
                        raise SystemExit(f"{name} {unavailable}") from None
                    print(f"skipped: {name} {unavailable}")
                    names.remove(name)
            results = measure_throughput(names, servers, args, lua)
        finally:
            for server in servers.values():
                server.stop()
        print_throughput(results, names)

    memories: list[Memory] | None = None
    if not args.no_memory:
        print(f"\nmemory test: {load()}", flush=True)
        measured = [measure_idle(name, args, logs) for name in names]
        memories = [m for m in measured if m is not None]
        print_memory(memories, args.idle, args.hold)

    sections: dict[str, list[str]] = speed_goals(results, names) if results else {ISSUE_15: []}
    if memories is not None:
        sections[ISSUE_15].append(memory_goal(memories, args.idle))
        floor = next((m for m in memories if m.name == FLOOR), None)
        if floor is not None:
            sections.setdefault(YARDSTICK, []).append(f"PSS at {args.idle} idle connections: the floor {floor.peak_pss:.1f} MiB, "
                                                      f"{floor.processes} processes")
    print("\nGoals (req/s with checks on; --no-check for reference):")
    for issue, lines in sections.items():
        if lines:
            print(f"  {issue}:\n" + "".join(f"    {line}\n" for line in lines), end="")
    print_summary(results, memories, names, args.idle)
    print(f"\nend: {load()}; took {(time.monotonic() - began) / 60:.1f} min")
    print(f"server logs: {logs}")


if __name__ == "__main__":
    main()
