"""What gunicorn, uvicorn and waitress users reach for (issue 14), each over a real
``python -m wsgitypes serve`` subprocess on loopback (:mod:`harness`):

``--version``; several listeners (``--bind`` TCP, IPv6, Unix, with ``--host/--port``
as one more); ``--max-requests`` recycling counted by worker pids, with no request
failing; ``--graceful-timeout``; ``--timeout`` replacing a worker whose heartbeat
stops; ``--reload`` after edits of a module in a temporary directory, an import error
in between; settings from ``--config``, ``[tool.wsgitypes.serve]`` and ``WSGITYPES_*``
in their precedence, and one-line errors naming where a bad value came from; access
log formats, ``--access-logfile``, ``--log-config``; the ``--debug`` error page and
its absence without the flag.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from harness import REPO_ROOT, WORKER, Address, Command, Server, free_port, gunicorn, ours, read_until_close, serve
from harness.procfs import processes
from test_server_http import split_response

pytest.importorskip("httptools")

PID_APP = "tests.apps.worker_pid:app"
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
ENV = {key: value for key, value in ENV.items() if not key.startswith("WSGITYPES_")}  # the settings under test are ours


def run_cli(*arguments: str, cwd: Path = REPO_ROOT, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wsgitypes", *arguments], cwd=cwd, env={**ENV, **(env or {})}, capture_output=True,
                          text=True, timeout=30, check=False, input=stdin)


def get(server: Server, path: str = "/", headers: str = "") -> tuple[int, dict[str, str], bytes]:
    raw, _ = server.exchange(f"GET {path} HTTP/1.1\r\nHost: t\r\n{headers}Connection: close\r\n\r\n".encode("latin-1"))
    return split_response(raw)


def get_unix(path: str) -> bytes:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(10)
        sock.connect(path)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    return split_response(b"".join(chunks))[2]


def wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.1)
    pytest.fail(f"not within {timeout} s: {what}")


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


# --- the command line --------------------------------------------------------------


def test_version() -> None:
    from wsgitypes import __version__

    for arguments in (["--version"], ["serve", "--version"]):
        result = run_cli(*arguments)
        assert (result.returncode, result.stdout.strip()) == (0, f"wsgitypes {__version__}"), result


def test_several_listeners(tmp_path: Path) -> None:
    unix = tmp_path / "app.sock"
    extra = ["-b", f"unix:{unix}"]
    port6 = free_port("::1") if ipv6_loopback() else 0
    if port6:
        extra += ["--bind", f"[::1]:{port6}"]
    port = free_port()
    with serve(ours(PID_APP, *extra, "--host", "127.0.0.1", "--port", str(port))) as server:  # harness adds its own --bind
        pid = get(server)[2]
        assert get_unix(str(unix)) == pid
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            assert sock.recv(65536).endswith(pid)
        if port6:
            connection = http.client.HTTPConnection("::1", port6, timeout=10)
            connection.request("GET", "/")
            assert connection.getresponse().read() == pid
            connection.close()
    line = next(line for line in server.log().splitlines() if "serving" in line)
    assert f"unix:{unix}" in line and f"http://127.0.0.1:{port}" in line and (not port6 or f"http://[::1]:{port6}" in line), line


def test_a_unix_socket_file_is_removed_at_stop_and_only_a_stale_one_replaced(tmp_path: Path) -> None:
    path = tmp_path / "app.sock"
    with socket.socket(socket.AF_UNIX) as killed_server:  # what a SIGKILLed server leaves: a socket file nobody listens on
        killed_server.bind(str(path))
    with serve(ours(PID_APP, "-b", f"unix:{path}")) as server:
        pid = get_unix(str(path))
        second = run_cli("serve", PID_APP, "-b", f"unix:{path}")
        assert second.returncode == 2 and second.stderr.strip().splitlines() == [
            f"wsgitypes: cannot listen on unix:{path}: another server is listening there"], second.stderr
        assert get_unix(str(path)) == pid  # the first one keeps its socket
    assert server.process.returncode == 0 and not path.exists(), server.log()
    path.write_text("not a socket")
    refused = run_cli("serve", PID_APP, "-b", f"unix:{path}")
    assert refused.returncode == 2 and "a file that is not a socket is there" in refused.stderr, refused.stderr
    assert path.read_text() == "not a socket"


def test_a_stopping_server_leaves_the_socket_file_of_its_successor_alone(tmp_path: Path) -> None:
    path = tmp_path / "app.sock"
    with serve(ours(PID_APP, "-b", f"unix:{path}", "--graceful-timeout", "10")) as old:
        with socket.socket(socket.AF_UNIX) as in_flight:
            in_flight.settimeout(10)
            in_flight.connect(str(path))
            in_flight.sendall(b"GET /slow?seconds=2 HTTP/1.1\r\nHost: t\r\n\r\n")
            time.sleep(0.3)
            old.process.send_signal(signal.SIGTERM)  # it stops listening at once, and finishes the slow request

            def refused() -> bool:
                try:
                    get_unix(str(path))
                except ConnectionRefusedError:
                    return True
                except ConnectionResetError:  # queued as the listener closed: the kernel resets those
                    pass
                return False

            wait_for(refused, 10, "the old server to stop listening")
            with serve(ours(PID_APP, "-b", f"unix:{path}")) as new:  # takes the path as stale
                assert old.process.wait(20) == 0, old.log()
                assert read_until_close(in_flight, timeout=10)[0].startswith(b"HTTP/1.1 200 ")
                assert get_unix(str(path)) == get(new)[2], "the old server removed its successor's socket file"
    assert not path.exists()


# What a Windows Python lacks, taken away before wsgitypes is imported: the path the server
# takes there, short of running on Windows itself.  (socketpair() stays: Windows has one,
# made over TCP; without AF_UNIX, Linux's would not work.)
WITHOUT_FORK = ("import os, runpy, select, signal, socket, sys; pair = socket.socketpair; unix = socket.AF_UNIX; "
                "socket.socketpair = lambda: pair(unix); del os.fork, socket.AF_UNIX, select.epoll, signal.SIGHUP, signal.SIGQUIT; "
                "sys.argv[0] = 'wsgitypes'; runpy.run_module('wsgitypes', run_name='__main__')")


def test_without_fork_unix_sockets_or_epoll_one_process_serves() -> None:
    def command(at: Address) -> list[str]:
        return [sys.executable, "-c", WITHOUT_FORK, "serve", PID_APP, "--bind", at.netloc, "--workers", "2"]

    with serve(command) as server:
        assert get(server)[2] == str(server.process.pid).encode()  # the process itself: no supervisor, no worker
    assert server.process.returncode == 0, server.log()
    log = server.log()
    assert "workers=2 is ignored" in log and ": 1 worker x 8 threads, event loop selectors (" in log, log
    for arguments, expected in ((["-b", "unix:/tmp/x.sock"], "'unix:/tmp/x.sock': this Python has no Unix sockets"),
                                (["--engine", "epoll"], "--engine epoll: this system has no epoll; use --engine selectors")):
        result = subprocess.run([sys.executable, "-c", WITHOUT_FORK, "serve", PID_APP, *arguments], cwd=REPO_ROOT, env=ENV,
                                capture_output=True, text=True, timeout=30, check=False)
        assert result.returncode == 2 and expected in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_short_flags_and_the_gunicorn_spellings() -> None:
    result = run_cli("serve", "-w", "3", "-t", "12", "--graceful-timeout", "7", "--print-config")
    assert result.returncode == 0, result
    assert "workers = 3  # from the command line" in result.stdout
    assert "timeout = 12.0  # from the command line" in result.stdout
    assert "graceful-timeout = 7.0  # from the command line" in result.stdout
    assert "graceful-timeout = 9.0" in run_cli("serve", "--timeout-graceful", "9", "--print-config").stdout  # the old spelling


# --- worker recycling -----------------------------------------------------------------


def test_max_requests_recycles_workers_without_failing_a_request() -> None:
    limit, jitter, clients, each = 5, 2, 3, 20
    with serve(ours(PID_APP, "-w", "2", "--max-requests", str(limit), "--max-requests-jitter", str(jitter))) as server:
        pids: Counter[bytes] = Counter()
        failures: list[str] = []
        lock = threading.Lock()

        def client() -> None:
            for _ in range(each):
                try:
                    status, _, body = get(server)
                except (OSError, ValueError) as error:  # (split_response raises ValueError on an empty answer)
                    failures.append(repr(error))
                    continue
                with lock:
                    if status != 200:
                        failures.append(f"status {status}")
                    pids[body] += 1

        threads = [threading.Thread(target=client) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        # one keep-alive client too: the response that reaches the count says Connection: close
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        for _ in range(each):
            connection.request("GET", "/")
            response = connection.getresponse()
            assert response.status == 200
            pids[response.read()] += 1
        connection.close()
    assert failures == []
    assert sum(pids.values()) == clients * each + each
    # every worker served at most its count, plus what it had accepted before it stopped accepting
    assert max(pids.values()) <= limit + jitter + clients, (pids, server.log())
    assert len(pids) >= (clients + 1) * each // (limit + jitter + clients), pids
    log = server.log()
    assert "retired after" in log and "exited" not in log and "Traceback" not in log, log


def test_timeout_replaces_a_worker_whose_heartbeat_stops() -> None:
    with serve(ours(PID_APP, "--timeout", "2", "--threads", "2")) as server:
        first = get(server)[2]
        with server.connect() as sock:  # its worker stops itself: no heartbeat, no answer
            sock.sendall(b"GET /freeze HTTP/1.1\r\nHost: t\r\n\r\n")
            wait_for(lambda: "sent no heartbeat" in server.log(), 20, "the supervisor noticing the silence")
        wait_for(lambda: get(server)[2] not in (b"", first), 20, "a fresh worker answering")
    assert "killing it" in server.log()


def test_sighup_replaces_every_worker_and_sigquit_stops_gracefully() -> None:
    """SIGHUP (a service manager's reload; to the whole group, as a closing terminal sends it) and SIGQUIT (Ctrl-\\)."""
    with serve(ours(PID_APP, "-w", "2")) as server:
        supervisor = server.process.pid

        def worker_pids() -> set[int]:
            return {process.pid for process in processes() if process.ppid == supervisor}

        wait_for(lambda: len(worker_pids()) == 2, 20, "two workers")
        before = worker_pids()
        with server.connect() as in_flight:
            in_flight.sendall(b"GET /slow?seconds=1 HTTP/1.1\r\nHost: t\r\n\r\n")
            time.sleep(0.3)  # it has reached the application
            os.killpg(supervisor, signal.SIGHUP)  # the whole group, as a closing terminal does: workers leave it to the supervisor
            answer, closed = read_until_close(in_flight, timeout=10)
        assert closed and answer.startswith(b"HTTP/1.1 200 ") and b"Connection: close" in answer, answer  # finished, not cut
        wait_for(lambda: len(worker_pids()) == 2 and not worker_pids() & before, 20, "two fresh workers")
        served_by = {int(get(server)[2]) for _ in range(10)}
        assert served_by and not served_by & before, (served_by, before)
        os.kill(supervisor, signal.SIGQUIT)
        assert server.process.wait(20) == 0, server.log()
    log = server.log()
    assert "SIGHUP: replacing every worker" in log and "retired after" in log, log
    assert "exited (" not in log and "Traceback" not in log, log


def test_graceful_timeout_cuts_requests_still_running() -> None:
    with serve(ours(PID_APP, "--graceful-timeout", "1")) as server:
        sock = server.connect(timeout=30)
        sock.sendall(b"GET /slow?seconds=20 HTTP/1.1\r\nHost: t\r\n\r\n")
        time.sleep(0.5)  # in the application now
        began = time.monotonic()
        server.stop()
        stopped_after = time.monotonic() - began
        sock.close()
    assert stopped_after < 15, f"the stop took {stopped_after:.1f} s; the request would have taken 20"
    assert "did not stop in time" in server.log() or "still in flight" in server.log(), server.log()


# --- reload ---------------------------------------------------------------------------

APP_SOURCE = """\
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [{body!r}]
"""


def test_reload_restarts_workers_on_edits_and_survives_an_import_error(tmp_path: Path) -> None:
    pytest.importorskip("watchfiles")
    module = tmp_path / "edited_app.py"
    module.write_text(APP_SOURCE.format(body=b"one"))
    with serve(ours("edited_app:app", "--reload", "--debug"), env={"PYTHONPATH": str(REPO_ROOT)}, cwd=tmp_path) as server:
        assert get(server)[2] == b"one"
        wait_for(lambda: "--reload: watching" in server.log(), 20, "the watcher starting")

        def edit_until(source: str, served: object, what: str) -> None:
            """Write ``source`` (again, every 2 s, in case the watcher missed it) until ``served(response)``."""
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                module.write_text(source)
                for _ in range(20):
                    if callable(served) and served(get(server)):
                        return
                    time.sleep(0.1)
            pytest.fail(f"after editing the module: {what}\n{server.log()}")

        edit_until(APP_SOURCE.format(body=b"two"), lambda answer: answer[2] == b"two", "the new code was not served")
        edit_until("def app(:\n", lambda answer: answer[0] == 500 and b"SyntaxError" in answer[2], "the import error was not shown")
        edit_until(APP_SOURCE.format(body=b"three"), lambda answer: answer[2] == b"three", "the fixed code was not served")
    log = server.log()
    assert "SyntaxError" in log and "every request gets this error until the next change" in log
    assert "edited_app.py changed; restarting the workers" in log


def test_reload_without_watchfiles_is_one_line() -> None:
    code = "import sys; sys.modules['watchfiles'] = None; from wsgitypes.cli import main; sys.exit(main(['serve', '--reload']))"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=ENV, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2
    assert result.stderr == "wsgitypes: --reload needs watchfiles: pip install 'wsgitypes[reload]'\n"


# --- configuration --------------------------------------------------------------------


def settings_of(*arguments: str, cwd: Path = REPO_ROOT, env: dict[str, str] | None = None) -> dict[str, str]:
    """``serve --print-config``: each setting's printed line, by key."""
    result = run_cli("serve", *arguments, "--print-config", cwd=cwd, env=env)
    assert result.returncode == 0, result
    return {line.split(" = ")[0]: line for line in result.stdout.splitlines() if " = " in line}


def test_precedence_command_line_over_environment_over_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.wsgitypes.serve]\nworkers = 4\nthreads = 3\nbind = ["127.0.0.1:1", "127.0.0.1:2"]\n')
    (tmp_path / "other.toml").write_text("workers = 5\n")
    env = {"WSGITYPES_WORKERS": "2", "WSGITYPES_ACCESS_LOG": "yes"}
    found = settings_of(cwd=tmp_path)
    assert found["workers"] == "workers = 4  # from pyproject.toml [tool.wsgitypes.serve]"
    assert found["bind"] == 'bind = ["127.0.0.1:1", "127.0.0.1:2"]  # from pyproject.toml [tool.wsgitypes.serve]'
    found = settings_of(cwd=tmp_path, env=env)
    assert found["workers"] == "workers = 2  # from WSGITYPES_WORKERS" and found["threads"].startswith("threads = 3")
    assert found["access-log"] == "access-log = true  # from WSGITYPES_ACCESS_LOG"
    found = settings_of("-w", "1", "-b", "unix:/tmp/x.sock", cwd=tmp_path, env=env)
    assert found["workers"] == "workers = 1  # from the command line"
    assert found["bind"] == 'bind = ["unix:/tmp/x.sock"]  # from the command line'  # replaced, not added to
    found = settings_of("--config", "other.toml", cwd=tmp_path)  # an explicit file: pyproject.toml is not read
    assert found["workers"] == "workers = 5  # from other.toml" and found["threads"] == "threads = 8"
    found = settings_of(cwd=tmp_path, env={"WSGITYPES_CONFIG": "other.toml", "WSGITYPES_BIND": "127.0.0.1:3 [::1]:4"})
    assert found["workers"] == "workers = 5  # from other.toml"
    assert found["bind"] == 'bind = ["127.0.0.1:3", "[::1]:4"]  # from WSGITYPES_BIND'


def test_settings_from_a_file_and_the_environment_reach_the_server(tmp_path: Path) -> None:
    (tmp_path / "serve.toml").write_text(
        f'app = "{PID_APP}"\nworkers = 2\naccess-log = true\naccess-log-format = \'%(s)s "%(a)s" from-file\'\n'
        f'bind = ["unix:{tmp_path}/never.sock"]\n'  # the command line's --bind (the harness's) replaces it
    )
    env = {"PYTHONPATH": str(REPO_ROOT), "WSGITYPES_CONFIG": "serve.toml", "WSGITYPES_MAX_REQUESTS": "3"}
    with serve(ours(None), env=env, cwd=tmp_path) as server:
        pids = {get(server)[2] for _ in range(12)}
    log = server.log()
    assert "2 workers" in log and "max 3 requests a worker" in log, log
    assert len(pids) >= 4 and log.count('200 "-" from-file') == 12, log
    assert not (tmp_path / "never.sock").exists()


@pytest.mark.parametrize(
    ("files", "env", "arguments", "expected"),
    [
        ({}, {"WSGITYPES_PORT": "abc"}, [], "wsgitypes: WSGITYPES_PORT: invalid port value: 'abc'"),
        ({}, {"WSGITYPES_NO_CHECK": "maybe"}, [], "wsgitypes: WSGITYPES_NO_CHECK: expected true or false, got 'maybe'"),
        ({}, {"WSGITYPES_ENGINE": "kqueue2"}, [], "wsgitypes: WSGITYPES_ENGINE: invalid choice: 'kqueue2' (choose from 'auto', 'epoll', 'selectors')"),
        ({}, {"WSGITYPES_BIND": "127.0.0.1:8000 ::1:80"}, [], "wsgitypes: WSGITYPES_BIND: '::1:80': put an IPv6 address in brackets, as in [::1]:8000"),
        ({"serve.toml": "workers = 0\n"}, {}, ["--config", "serve.toml"], "wsgitypes: serve.toml: workers: invalid positive integer value: '0'"),
        ({"serve.toml": "worker = 2\n"}, {}, ["--config", "serve.toml"], "wsgitypes: serve.toml: unknown setting 'worker' (did you mean workers?)"),
        ({"serve.toml": 'no-check = "yes"\n'}, {}, ["--config", "serve.toml"], "wsgitypes: serve.toml: no-check: expected true or false, got 'yes'"),
        ({"serve.toml": "threads = [2]\n"}, {}, ["--config", "serve.toml"], "wsgitypes: serve.toml: threads: expected one value, got a list"),
        ({"serve.toml": "host = 1\n"}, {}, ["--config", "serve.toml"], "wsgitypes: serve.toml: host: expected a string, got 1"),
        ({"serve.toml": 'config = "x.toml"\n'}, {}, ["--config", "serve.toml"], "wsgitypes: serve.toml: 'config' cannot be set in a file"),
        ({"serve.toml": "workers = \n"}, {}, ["--config", "serve.toml"], "wsgitypes: serve.toml: not valid TOML: "),
        ({"pyproject.toml": "[tool.wsgitypes.serve]\ntimeout = -1\n"}, {}, [], "wsgitypes: pyproject.toml [tool.wsgitypes.serve]: timeout: invalid seconds value: '-1'"),
        ({"pyproject.toml": "[tool.wsgitypes]\nserve = 3\n"}, {}, [], "wsgitypes: pyproject.toml: [tool.wsgitypes.serve] is not a table"),
        ({"log.json": '{"version": 1, "handlers": {"h": {"class": "no.such.Handler"}}}'}, {}, ["--log-config", "log.json"], "wsgitypes: --log-config log.json: Unable to configure handler 'h'"),
        ({"log.toml": "version = \n"}, {}, ["--log-config", "log.toml"], "wsgitypes: --log-config log.toml: not valid TOML"),
    ],
)
def test_bad_settings_are_one_line_naming_their_source(files: dict[str, str], env: dict[str, str], arguments: list[str], expected: str,
                                                        tmp_path: Path) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = run_cli("serve", *arguments, cwd=tmp_path, env=env)
    assert result.returncode == 2, result
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(expected), result.stderr


def test_a_misspelt_environment_variable_is_warned_about() -> None:
    with serve(ours(PID_APP), env={"WSGITYPES_WORKER": "2", "WSGITYPES_PROBE_STATE": "x"}) as server:
        get(server)
    assert "WSGITYPES_WORKER is not a setting (did you mean WSGITYPES_WORKERS?); ignored" in server.log()
    assert "WSGITYPES_PROBE_STATE" not in server.log()  # (another part of wsgitypes reads that one)


# --- logs -------------------------------------------------------------------------------


def test_access_log_format_escapes_what_the_client_sent(tmp_path: Path) -> None:
    logfile = tmp_path / "access.log"
    form = '%(h)s "%(r)s" %(s)s %(b)s %(D)sus "%(a)s" %({x-request-id}i)s %({content-type}o)s %(p)s'
    with serve(ours(PID_APP, "--access-logfile", str(logfile), "--access-log-format", form)) as server:
        raw, _ = server.exchange(b'GET /?q="x" HTTP/1.1\r\nHost: t\r\nUser-Agent: evil" "\\ \xe9\r\nX-Request-ID: r1\r\nConnection: close\r\n\r\n')
        pid = split_response(raw)[2].decode()
        get(server, "/", "User-Agent: curl/8.0\r\n")
        server.stop()
    lines = logfile.read_text().splitlines()
    assert len(lines) == 2, lines
    head, duration, rest = lines[0].partition("us ")[0].rsplit(" ", 1)[0], lines[0].partition("us ")[0].rsplit(" ", 1)[1], lines[0].partition("us ")[2]
    assert head == f'127.0.0.1 "GET /?q=\\"x\\" HTTP/1.1" 200 {len(pid)}', lines[0]
    assert duration.isdigit()
    assert rest == f'"evil\\" \\"\\\\ \\xe9" r1 text/plain <{pid}>', lines[0]
    assert lines[1].endswith(f'"curl/8.0" - text/plain <{get_pid(lines[1])}>')


def get_pid(line: str) -> str:
    return line.rsplit("<", 1)[1].rstrip(">")


def test_access_log_to_stdout_and_the_combined_format() -> None:
    with serve(ours(PID_APP, "--access-logfile", "-", "--access-log-format", "combined")) as server:
        get(server, "/", "Referer: http://example.test/\r\nUser-Agent: probe/1\r\n")
        server.stop()
    line = next(line for line in server.log().splitlines() if '"GET / HTTP/1.1"' in line)
    assert line.startswith("127.0.0.1 - - [") and line.endswith('] "GET / HTTP/1.1" 200 ' + line.split(" 200 ")[1].split()[0]
                                                                + ' "http://example.test/" "probe/1"'), line


@pytest.mark.parametrize("kind", ["json", "toml"])
def test_log_config_file(kind: str, tmp_path: Path) -> None:
    logfile = tmp_path / "server.log"
    settings = {
        "version": 1,
        "formatters": {"tagged": {"format": "TAGGED %(levelname)s %(name)s %(message)s"}},
        "handlers": {"file": {"class": "logging.FileHandler", "filename": str(logfile), "formatter": "tagged"}},
        "loggers": {"wsgitypes.server": {"handlers": ["file"], "level": "INFO", "propagate": False},
                    "wsgitypes.access": {"handlers": ["file"], "level": "INFO", "propagate": False}},
    }
    config = tmp_path / f"logging.{kind}"
    if kind == "json":
        config.write_text(json.dumps(settings))
    else:
        config.write_text(
            'version = 1\n[formatters.tagged]\nformat = "TAGGED %(levelname)s %(name)s %(message)s"\n'
            f'[handlers.file]\nclass = "logging.FileHandler"\nfilename = "{logfile}"\nformatter = "tagged"\n'
            '[loggers."wsgitypes.server"]\nhandlers = ["file"]\nlevel = "INFO"\npropagate = false\n'
            '[loggers."wsgitypes.access"]\nhandlers = ["file"]\nlevel = "INFO"\npropagate = false\n'
        )
    with serve(ours(PID_APP, "--log-config", str(config))) as server:
        get(server, "/hello")
        server.stop()
    text = logfile.read_text()
    assert "TAGGED INFO wsgitypes.server serving tests.apps.worker_pid:app" in text, text
    assert 'TAGGED INFO wsgitypes.access 127.0.0.1 - - [' in text and '"GET /hello HTTP/1.1" 200' in text, text
    assert "serving" not in server.log()  # the file took the server's log over


# --- the development error page ---------------------------------------------------------


@pytest.mark.parametrize("flag", ["--debug", "--log-level=debug"])
def test_debug_page_shows_the_broken_rule(flag: str) -> None:
    with serve(ours(None, flag)) as server:  # the demo app: /broken breaks status-format
        status, headers, body = get(server, "/broken")
        assert status == 500 and headers["content-type"] == "text/plain; charset=utf-8"
        text = body.decode()
        assert "The application broke rule status-format" in text and "'200' has no reason phrase" in text
        assert "PEP 3333, The start_response() Callable" in text and "Traceback (most recent call last)" in text
        status, headers, body = get(server, "/broken", "Accept: text/html,application/xhtml+xml\r\n")
        assert status == 500 and headers["content-type"] == "text/html; charset=utf-8" and headers["cache-control"] == "no-store"
        assert b"<h2>The application broke rule status-format</h2>" in body and b"<pre>Traceback" in body
        raw, _ = server.exchange(b"HEAD /broken HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        assert raw.startswith(b"HTTP/1.1 500 ") and raw.endswith(b"\r\n\r\n")  # headers only


def test_no_debug_page_without_the_flag() -> None:
    with serve(ours(None)) as server:
        for accept in ("", "Accept: text/html\r\n"):
            status, _, body = get(server, "/broken", accept)
            assert status == 500 and b"status-format" not in body and b"Traceback" not in body and b"demo.py" not in body
            assert body == b"500 Internal Server Error: the application failed; see the server's error log\n"
    assert "[status-format]" in server.log()


# --- the same inside gunicorn (our worker class) -------------------------------------------


def _gunicorn(*options: str) -> Command:
    return gunicorn(PID_APP, "-w", "1", "--threads", "4", "--graceful-timeout", "5", *options, worker=WORKER)


def test_gunicorn_worker_uses_gunicorns_access_log_and_max_requests(tmp_path: Path) -> None:
    pytest.importorskip("gunicorn")
    access = tmp_path / "access.log"
    form = '%(h)s "%(r)s" %(s)s %(b)s %(L)s "%(a)s" %({content-type}o)s'
    with serve(_gunicorn("--max-requests", "4", "--access-logfile", str(access), "--access-logformat", form)) as server:
        pids = [get(server, "/", 'User-Agent: say "hi"\r\n')[2] for _ in range(12)]
        server.stop()
    counts = Counter(pids)
    assert len(counts) >= 3 and max(counts.values()) <= 4, counts
    lines = access.read_text().splitlines()
    assert len(lines) == 12, lines
    assert all(line.startswith('127.0.0.1 "GET / HTTP/1.1" 200 ') and line.endswith(' "say \\"hi\\"" text/plain') for line in lines), lines
    log = server.log()
    assert "Autorestarting worker after current request." in log
    # our engine's own lines come out in gunicorn's error-log format: [date] [pid] [LEVEL] message
    assert any(line.startswith("[") and "[INFO] request 4 began (--max-requests)" in line for line in log.splitlines()), log


def test_gunicorn_worker_heartbeat_honours_timeout() -> None:
    pytest.importorskip("gunicorn")
    with serve(_gunicorn("--timeout", "2")) as server:
        first = get(server)[2]
        with server.connect() as sock:  # the worker stops itself: no heartbeat reaches gunicorn's master
            sock.sendall(b"GET /freeze HTTP/1.1\r\nHost: t\r\n\r\n")
            wait_for(lambda: "WORKER TIMEOUT" in server.log(), 20, "gunicorn noticing the silence")
        wait_for(lambda: get(server)[2] not in (b"", first), 20, "a fresh worker answering")


def test_gunicorn_worker_debug_page_with_log_level_debug() -> None:
    pytest.importorskip("gunicorn")
    with serve(gunicorn("wsgitypes.server.demo:app", "--log-level", "debug", worker=WORKER)) as server:
        status, _, body = get(server, "/broken")
    assert status == 500 and b"The application broke rule status-format" in body
    with serve(gunicorn("wsgitypes.server.demo:app", worker=WORKER)) as server:
        status, _, body = get(server, "/broken")
    assert status == 500 and b"status-format" not in body
