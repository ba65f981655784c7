"""Run the conformance probe across WSGI servers and write docs/conformance.md.

::

    python -m conformance.matrix                       # every server; writes docs/conformance.md
    python -m conformance.matrix --only waitress uwsgi --output -   # a few, to stdout
    python -m conformance.matrix --list                # the servers and whether they are installed

Run from the repository root (it imports :mod:`harness`).  Each server is started by
:mod:`harness` on 127.0.0.1 (a free port) with ``wsgitypes.probe:app``, the probe driver
runs its battery against it, and the server is stopped (SIGTERM, then SIGKILL to its
process group).  Then the validator's deployment recipes
(``conformance/recipe_app.py``) are served by gunicorn, waitress, uWSGI and mod_wsgi
with the command lines docs/validator.md gives, and checked.

Servers that are not installed are listed as such.  Install them into the project's
environment with ``pip install werkzeug waitress gunicorn cheroot netius uwsgi`` (uWSGI
builds with the system C compiler).  mod_wsgi needs Apache: ``apt-get install apache2
apache2-dev``; when this script runs as root, Apache's workers must run as another user
(``www-data``) that can read the Python installation, so the script builds mod_wsgi once
into a virtual environment of Debian's ``/usr/bin/python3`` under ``--workdir``.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import harness
from harness import REPO_ROOT as REPO, Command
from wsgitypes.probe import CHECKS, ProbeError, Report, probe, server_rules
from wsgitypes.probe.client import ConnectFailed, build_request, request_framing, send_raw
from wsgitypes.rules import RULES

BIN = Path(sys.executable).parent
START_TIMEOUT = 40.0  # Apache and uWSGI take their time
STOP_TIMEOUT = 10.0
DOC = REPO / "docs" / "conformance.md"
PROBE_APP = "wsgitypes.probe:app"


@dataclass
class Context:
    workdir: Path
    debian_venv: Path
    log_dir: Path


@dataclass
class Server:
    name: str
    title: str
    command: Callable[[Context], Command]
    version: Callable[[Context], str | None]
    missing: Callable[[Context], str | None] = lambda context: None
    note: str = ""
    started_as: str = ""


def _dist(name: str) -> Callable[[Context], str | None]:
    def version(context: Context) -> str | None:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return None

    return version


def _needs(*modules: str) -> Callable[[Context], str | None]:
    def missing(context: Context) -> str | None:
        for module in modules:
            try:
                importlib.metadata.version(module)
            except importlib.metadata.PackageNotFoundError:
                return f"not installed (pip install {module})"
        return None

    return missing


_GUNICORN = ("--workers", "2", "--timeout", "30", "--graceful-timeout", "2", "--no-control-socket")


def _gunicorn(*extra: str, worker: str = "sync", app: str = PROBE_APP) -> Callable[[Context], Command]:
    return lambda context: harness.gunicorn(app, *_GUNICORN, *extra, worker=worker)


def _uwsgi_missing(context: Context) -> str | None:
    return None if (BIN / "uwsgi").exists() else "not installed (pip install uwsgi: builds with the C compiler)"


def _uwsgi_version(context: Context) -> str | None:
    return _dist("uwsgi")(context)


def _uwsgi(*extra: str, app: str = PROBE_APP) -> Callable[[Context], Command]:
    return lambda context: harness.uwsgi(app, "--chdir", str(REPO), "--master", "--processes", "2", "--threads", "2", *extra)


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _mod_wsgi_express(context: Context) -> Path:
    return (context.debian_venv if _as_root() else BIN.parent) / "bin" / "mod_wsgi-express"


def _apache_missing(context: Context) -> str | None:
    if not (shutil.which("apache2") or Path("/usr/sbin/apache2").exists()) or not shutil.which("apxs"):
        return "Apache is not installed (apt-get install apache2 apache2-dev)"
    express = _mod_wsgi_express(context)
    if express.exists():
        return None
    if not _as_root():
        return "not installed (pip install mod_wsgi)"
    # As root, Apache's workers run as www-data, which cannot read a Python under /root:
    # build mod_wsgi into a venv of Debian's own Python, readable by everyone.
    print(f"building mod_wsgi into {context.debian_venv} (once) ...", file=sys.stderr)
    context.debian_venv.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(context.debian_venv.parent, 0o755)
    steps = [["/usr/bin/python3", "-m", "venv", str(context.debian_venv)],
             [str(context.debian_venv / "bin" / "pip"), "install", "--quiet", "--no-cache-dir", "mod_wsgi", "typing_extensions"]]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=600)
        if done.returncode:
            return f"could not build mod_wsgi for Debian's Python: {done.stderr.strip().splitlines()[-1:]}"
    return None


def _mod_wsgi_version(context: Context) -> str | None:
    express = _mod_wsgi_express(context)
    if not express.exists():
        return None
    python = express.parent / "python"
    done = subprocess.run([str(python), "-c", "import importlib.metadata as m; print(m.version('mod_wsgi'))"],
                          capture_output=True, text=True)
    apache = subprocess.run(["/usr/sbin/apache2", "-v"], capture_output=True, text=True).stdout
    found = re.search(r"Apache/([\d.]+)", apache)
    return f"{done.stdout.strip()} (Apache {found.group(1) if found else '?'})"


def _mod_wsgi(*extra: str, target: list[str] | None = None) -> Callable[[Context], Command]:
    def command(context: Context) -> Command:
        entry = target or ["--application-type", "module", "wsgitypes.probe", "--callable-object", "app"]
        user = ["--user", "www-data", "--group", "www-data"] if _as_root() else []
        return harness.mod_wsgi(entry, "--processes", "2", "--threads", "4", "--python-path", str(REPO), "--locale", "C.UTF-8",
                                *user, *extra, express=_mod_wsgi_express(context), server_root=context.workdir)

    return command


def _wsgitypes_version(context: Context) -> str | None:
    return _dist("wsgitypes")(context)


SERVERS = [
    Server("wsgiref", "wsgiref.simple_server", lambda context: harness.wsgiref(PROBE_APP),
           lambda context: platform.python_version(), note="the standard library's reference server (Python version shown)",
           started_as="make_server('127.0.0.1', PORT, app).serve_forever()"),
    Server("werkzeug", "Werkzeug dev server", lambda context: harness.werkzeug(PROBE_APP), _dist("werkzeug"), _needs("werkzeug"),
           started_as="werkzeug.serving.run_simple('127.0.0.1', PORT, app, threaded=True)"),
    Server("waitress", "waitress", lambda context: harness.waitress(PROBE_APP, "--threads=4"),
           _dist("waitress"), _needs("waitress"), started_as="waitress-serve --threads=4"),
    Server("gunicorn-sync", "gunicorn (sync)", _gunicorn(), _dist("gunicorn"), _needs("gunicorn"),
           started_as="gunicorn --workers 2 --worker-class sync"),
    Server("gunicorn-gthread", "gunicorn (gthread)", _gunicorn("--threads", "4", worker="gthread"),
           _dist("gunicorn"), _needs("gunicorn"), started_as="gunicorn --workers 2 --worker-class gthread --threads 4"),
    Server("cheroot", "cheroot", lambda context: harness.cheroot(PROBE_APP, "--threads", "4"), _dist("cheroot"), _needs("cheroot"),
           started_as="cheroot.wsgi.Server(('127.0.0.1', PORT), app, numthreads=4).start()"),
    Server("netius", "netius", lambda context: harness.netius(PROBE_APP), _dist("netius"), _needs("netius"),
           started_as="netius.servers.WSGIServer(app=app).serve(host='127.0.0.1', port=PORT)"),
    Server("bjoern", "bjoern", lambda context: harness.bjoern(PROBE_APP), _dist("bjoern"), _needs("bjoern"),
           started_as="bjoern.run(app, '127.0.0.1', PORT)"),
    Server("uwsgi", "uWSGI", _uwsgi(), _uwsgi_version, _uwsgi_missing,
           started_as="uwsgi --http 127.0.0.1:PORT --module wsgitypes.probe:app --master --processes 2 --threads 2"),
    Server("mod_wsgi", "mod_wsgi", _mod_wsgi(), _mod_wsgi_version, _apache_missing,
           started_as="mod_wsgi-express start-server --processes 2 --threads 4 (daemon mode)"),
    Server("wsgitypes", "wsgitypes (ours)", lambda context: harness.ours(PROBE_APP),
           _wsgitypes_version, started_as="python -m wsgitypes serve wsgitypes.probe:app"),
]

RECIPE_APP = "conformance.recipe_app:application"
RECIPES = [
    Server("gunicorn-sync", "gunicorn (sync)", _gunicorn(app=RECIPE_APP), _dist("gunicorn"), _needs("gunicorn"),
           started_as=f"gunicorn {RECIPE_APP}"),
    Server("gunicorn-gthread", "gunicorn (gthread)", _gunicorn("--threads", "4", worker="gthread", app=RECIPE_APP),
           _dist("gunicorn"), _needs("gunicorn"), started_as=f"gunicorn --worker-class gthread --threads 4 {RECIPE_APP}"),
    Server("waitress", "waitress",
           lambda context: harness.waitress(RECIPE_APP),
           _dist("waitress"), _needs("waitress"), started_as=f"waitress-serve --listen=127.0.0.1:PORT {RECIPE_APP}"),
    Server("uwsgi", "uWSGI", _uwsgi("--wsgi-manage-chunked-input", app=RECIPE_APP), _uwsgi_version, _uwsgi_missing,
           started_as=f"uwsgi --http :PORT --module {RECIPE_APP} --wsgi-manage-chunked-input"),
    Server("uwsgi-plain", "uWSGI", _uwsgi(app=RECIPE_APP), _uwsgi_version, _uwsgi_missing,
           started_as=f"uwsgi --http :PORT --module {RECIPE_APP}"),
    Server("mod_wsgi", "mod_wsgi", _mod_wsgi("--chunked-request", target=[str(REPO / "conformance" / "recipe_app.py")]),
           _mod_wsgi_version, _apache_missing,
           started_as="mod_wsgi-express start-server conformance/recipe_app.py --chunked-request "
                      "(= WSGIScriptAlias + WSGIChunkedRequest On)"),
]


# --- running a server -------------------------------------------------------------------


def start(server: Server, context: Context, path: str, run: str) -> harness.Server | str:
    """Start ``server`` and wait until ``path`` answers (uWSGI's router and Apache accept
    connections before their workers can answer).  The server, or why it did not start."""
    try:
        running = harness.start(server.command(context), log=context.log_dir / f"{run}-{server.name}.log", timeout=START_TIMEOUT)
    except harness.ServerFailed as failed:
        tail = " | ".join(failed.log.strip().splitlines()[-3:])
        return f"{failed.reason}: {tail[-300:]}"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            response = send_raw("127.0.0.1", running.port, build_request("GET", path.encode(), running.address.netloc), timeout=5)
            if response.status and response.status < 500:
                return running
        except ConnectFailed:
            pass
        time.sleep(0.2)
    running.stop(STOP_TIMEOUT)
    return f"did not answer {path} within {START_TIMEOUT:g} s"


# --- the probe matrix -------------------------------------------------------------------


@dataclass
class Outcome:
    server: Server
    version: str | None = None
    report: Report | None = None
    problem: str = ""


def run_probe(server: Server, context: Context) -> Outcome:
    outcome = Outcome(server)
    reason = server.missing(context)
    if reason:
        outcome.problem = reason
        return outcome
    outcome.version = server.version(context)
    running = start(server, context, "/probe/ping", "probe")
    if isinstance(running, str):
        outcome.problem = running
        return outcome
    try:
        outcome.report = probe(running.url, timeout=15, stall=2.0)
    except ProbeError as exc:
        outcome.problem = f"probe failed: {exc}"
    finally:
        running.stop(STOP_TIMEOUT)
    return outcome


# --- the validator recipes --------------------------------------------------------------

_RULE_LINE = re.compile(r"\[(" + "|".join(map(re.escape, RULES)) + r")\] (?:server|application) ")


@dataclass
class RecipeOutcome:
    server: Server
    version: str | None = None
    problem: str = ""
    checks: dict[str, tuple[bool, str]] = field(default_factory=lambda: {})
    notes: dict[str, str] = field(default_factory=lambda: {})


RECIPE_CHECKS = {
    "hello": "GET answered by the validated app",
    "head": "HEAD",
    "echo": "1 MiB POST echoed",
    "chunked": "chunked POST echoed",
    "stream": "generator body",
    "file": "wsgi.file_wrapper body",
    "raise": "raise mode: the violation reaches the server as an exception (500, or the connection closed, "
    "and the WSGIViolation traceback in its log)",
    "report": "report mode: the violation logged through wsgi.errors, the response left to the server",
    "clean": "no other violation in the log (no false positive)",
}


def _get(port: int, method: str, path: str, headers: list[tuple[str, bytes]] | None = None, body: bytes = b"",
         content_length: bool = True) -> tuple[int, bytes, str]:
    data = build_request(method, path.encode(), f"127.0.0.1:{port}", [*(headers or []), ("Connection", b"close")], body,
                         content_length=content_length)
    response = send_raw("127.0.0.1", port, data, method=method, timeout=20,
                        framing=request_framing(method, headers or (), body, content_length=content_length))
    return response.status, response.body, response.describe_failure()


def run_recipe(server: Server, context: Context) -> RecipeOutcome:
    from conformance.recipe_app import FILE_CONTENT

    outcome = RecipeOutcome(server)
    reason = server.missing(context)
    if reason:
        outcome.problem = reason
        return outcome
    outcome.version = server.version(context)
    running = start(server, context, "/good/hello", "recipe")
    if isinstance(running, str):
        outcome.problem = running
        return outcome
    checks = outcome.checks
    notes = outcome.notes
    try:
        port = running.port
        big = bytes(range(256)) * 4096
        chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (b"hello ", b"chunked ", b"world")) + b"0\r\n\r\n"
        status, body, why = _get(port, "GET", "/good/hello")
        checks["hello"] = (status == 200 and body == b"hello\n", f"{status} {body[:20]!r} {why}")
        status, body, why = _get(port, "HEAD", "/good/hello")
        checks["head"] = (status == 200, f"{status} {why}")
        status, body, why = _get(port, "POST", "/good/echo", [("Content-Type", b"application/octet-stream")], big)
        checks["echo"] = (status == 200 and body == big, f"{status}, {len(body)} bytes {why}")
        status, body, why = _get(port, "POST", "/good/echo", [("Transfer-Encoding", b"chunked")], chunked,
                                 content_length=False)
        checks["chunked"] = (status == 200 and body == b"hello chunked world",
                             f"{status}, {body[:40]!r}" + (" (the body reached the application empty)" if status == 200 and not body else ""))
        status, body, why = _get(port, "GET", "/good/stream")
        checks["stream"] = (status == 200 and body == b"".join(b"chunk %d;" % n for n in range(10)), f"{status} {why}")
        status, body, why = _get(port, "GET", "/good/file")
        checks["file"] = (status == 200 and body == FILE_CONTENT, f"{status}, {len(body)} bytes {why}")
        status, body, why = _get(port, "GET", "/broken-raise/")
        time.sleep(1.0)  # let the server flush its log
        log = running.log()
        answered = f"{status}" if status else f"no response: {why}"
        checks["raise"] = (status in (500, 0) and "WSGIViolation" in log and "[hop-by-hop]" in log, answered)
        notes["raise"] = answered
        before = log.count("[hop-by-hop]")
        status, body, why = _get(port, "GET", "/broken-report/")
        time.sleep(1.0)
        log = running.log()
        logged = log.count("[hop-by-hop]") > before
        checks["report"] = (logged and status in (200, 500), f"{status}, {'logged' if logged else 'not in the log'}")
        if status != 200:  # the server refused the header itself (waitress does)
            notes["report"] = f"the server itself answered {status}"
        others = sorted({rule for rule in _RULE_LINE.findall(log) if rule != "hop-by-hop"})
        checks["clean"] = (not others, f"also reported: {', '.join(others)}" if others else "")
    except ConnectFailed as exc:
        outcome.problem = f"stopped answering: {exc}"
    finally:
        running.stop(STOP_TIMEOUT)
    return outcome


# --- the document -----------------------------------------------------------------------


def _cell(status: str) -> str:
    return {"pass": "pass", "fail": "**FAIL**", "skip": "skip"}.get(status, status)


def render(outcomes: list[Outcome], recipes: list[RecipeOutcome], seconds: float) -> str:
    ran = [outcome for outcome in outcomes if outcome.report]
    lines = [
        "# WSGI server conformance",
        "",
        "<!-- Generated by conformance/matrix.py. Do not edit by hand: run `python -m conformance.matrix`. -->",
        "",
        "**Regenerate:** `python -m conformance.matrix` from the repository root (starts every server below on 127.0.0.1, "
        f"about {max(1, round(seconds / 60))} min; writes this file).",
        "",
        "Each server runs the probe application `wsgitypes.probe:app`, and the probe driver",
        "(`python -m wsgitypes probe URL`) sends it a battery of HTTP requests: odd bytes in the path",
        "and headers, bodies with bytes pipelined after them, `readline(size)`, `readlines()`, iteration,",
        "a chunked body, `write()`, `wsgi.file_wrapper` on a real file and on a file-like object,",
        "`start_response(..., exc_info)` before and after output, `close()`, HEAD.  The application",
        "reports what it saw; the driver judges every server-side rule of the catalogue",
        "(`wsgitypes.rules.RULES`, see [rules.md](rules.md)), then a few checks the catalogue does",
        "not hold (PEP 3333's notes and HTTP).  What the probe does and its limits:",
        "[the probe](#the-probe).",
        "",
        f"Generated {datetime.date.today().isoformat()} on Linux with Python {platform.python_version()} "
        "(2 cores; the servers' own defaults unless the table of servers says otherwise).",
        "",
        "## The matrix",
        "",
        "| rule | level | " + " | ".join(f"{o.server.name}" for o in ran) + " |",
        "|---|---|" + "---|" * len(ran),
    ]
    for rule_id in server_rules():
        rule = RULES[rule_id]
        cells: list[str] = []
        for outcome in ran:
            assert outcome.report is not None
            result = next(r for r in outcome.report.rules if r.rule == rule_id)
            cells.append(_cell(result.status))
        lines.append(f"| [`{rule_id}`](rules.md) | {rule.level} | " + " | ".join(cells) + " |")
    lines.append("| *other checks* | | " + " | ".join("" for _ in ran) + " |")
    for check_id in CHECKS:
        cells = []
        for outcome in ran:
            assert outcome.report is not None
            result = next(r for r in outcome.report.checks if r.rule == check_id)
            cells.append(_cell(result.status))
        lines.append(f"| `{check_id}` | | " + " | ".join(cells) + " |")
    totals: list[str] = []
    for outcome in ran:
        assert outcome.report is not None
        failed = len(outcome.report.failures)
        totals.append(f"{len(outcome.report.rules) - failed}/{len(outcome.report.rules)}")
    lines.append("| **rules passed** | | " + " | ".join(totals) + " |")
    keepers = [o.server.name for o in ran if o.report is not None and not o.report.failures]
    breakers = [f"{o.server.name} ({', '.join(f'`{r.rule}`' for r in o.report.failures)})"
                for o in ran if o.report is not None and o.report.failures]
    lines += ["", f"Every one of the {len(server_rules())} server-side rules kept by: {', '.join(keepers) or 'none'}. "
              f"Rules broken: {'; '.join(breakers) or 'none'}."]
    lines += ["", "Not run: " + ("; ".join(f"**{o.server.name}**: {o.problem}" for o in outcomes if not o.report) or "none") + ".", ""]

    lines += ["## Servers", "", "| column | server | version | started as |", "|---|---|---|---|"]
    for outcome in outcomes:
        version = outcome.version or "—"
        lines.append(f"| {outcome.server.name} | {outcome.server.title} | {version} | `{outcome.server.started_as}` |")
    lines.append("")

    lines += ["## What failed, as the probe saw it", ""]
    for outcome in ran:
        assert outcome.report is not None
        not_passed = [r for r in [*outcome.report.rules, *outcome.report.checks] if r.status != "pass"]
        lines.append(f"### {outcome.server.title} {outcome.version or ''}".rstrip())
        lines.append("")
        if not not_passed:
            lines += ["Every rule and check passed.", ""]
            continue
        for result in not_passed:
            detail = result.detail.replace("|", "\\|")
            lines.append(f"* `{result.rule}` ({result.status}): {detail}")
        lines.append("")

    lines += [
        "## The validator's deployment recipes on real servers",
        "",
        "The recipes of [validator.md](validator.md#deployment-recipes), run as written against",
        "`conformance/recipe_app.py`: a well-behaved application under `validator(app)` (raise mode),",
        "and an application that sends a hop-by-hop header under raise mode and under report mode",
        "(`report_to=(\"wsgi.errors\",)`).",
        "",
        "| server | command | " + " | ".join(RECIPE_CHECKS) + " |",
        "|---|---|" + "---|" * len(RECIPE_CHECKS),
    ]
    for recipe in recipes:
        name = f"{recipe.server.title} {recipe.version or ''}".rstrip()
        if recipe.problem:
            lines.append(f"| {name} | `{recipe.server.started_as}` | {recipe.problem.replace('|', '/')} |" + " |" * (len(RECIPE_CHECKS) - 1))
            continue
        cells = []
        for check in RECIPE_CHECKS:
            ok, why = recipe.checks.get(check, (False, "not run"))
            note = recipe.notes.get(check, "")
            cells.append((f"ok ({note})" if note and note != "500" else "ok") if ok else f"**no** ({why.strip()})".replace("|", "/"))
        lines.append(f"| {name} | `{recipe.server.started_as}` | " + " | ".join(cells) + " |")
    lines += ["", "Columns: " + "; ".join(f"*{key}*: {text}" for key, text in RECIPE_CHECKS.items()) + ".", ""]
    lines += [_PROBE_NOTES]
    return "\n".join(lines)


_PROBE_NOTES = """## The probe

* **Status.** `pass` / `FAIL` / `skip` per rule; `skip` says why (for example, no record of
  `close()` when the server's processes do not share the probe's state directory).  The
  probe's exit status is 1 when a MUST or SHOULD rule of the catalogue fails; POLICY rules
  (HTTP advice PEP 3333 does not demand) and the *other checks* are reported but do not change it.
* **Input past `CONTENT_LENGTH`.** Each input test sends a complete second request right after
  the body.  A server that stops at `CONTENT_LENGTH` answers at once; one that hands the
  application its socket lets `read(64)`, `readline()`, `readlines()` or iteration return that
  request's bytes, and the application reports them.  Where a read would wait for ever, the
  driver shuts down its sending side after `--stall` seconds (1.5 by default) and says so.
* **`close()` and `exc_info`.** What happens after a response has gone is written by the probe
  application to a state directory (`$WSGITYPES_PROBE_STATE`, or `<tempdir>/wsgitypes-probe-<uid>`)
  and read back by a later request.  Processes of a pre-forking server on one host share it;
  servers behind one address on several hosts do not, and the probe then reports `skip`.
* **Chunked request bodies** are outside PEP 3333.  The check passes when the application can
  read the decoded body to its end, told where it ends by `wsgi.input_terminated` (or a
  `CONTENT_LENGTH` the server computed).
* **The probe raises once on purpose** (the `exc_info` test) and writes two lines to
  `wsgi.errors`: both appear in the server's log.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.matrix", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="server names (default: all)")
    parser.add_argument("--output", default=str(DOC), help="where to write the document ('-' for stdout)")
    parser.add_argument("--workdir", default=str(Path(os.environ.get("TMPDIR", "/tmp")) / "wsgitypes-conformance"))
    parser.add_argument("--no-recipes", action="store_true", help="skip the validator recipes")
    parser.add_argument("--list", action="store_true", help="list the servers and whether they can run")
    args = parser.parse_args(argv)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(workdir, 0o755)  # Apache's workers (www-data) read their config below it
    log_dir = workdir / "logs"
    log_dir.mkdir(exist_ok=True)
    context = Context(workdir, workdir / "debian-venv", log_dir)
    if args.list:
        for server in SERVERS:
            print(f"{server.name:18} {server.missing(context) or 'ready, ' + (server.version(context) or '?')}")
        return 0
    wanted = set(args.only or [])
    started = time.monotonic()
    outcomes: list[Outcome] = []
    for server in SERVERS:
        if wanted and server.name not in wanted:
            continue
        print(f"probing {server.name} ...", file=sys.stderr, flush=True)
        outcome = run_probe(server, context)
        summary = (f"{len(outcome.report.failures)} rule failures" if outcome.report else outcome.problem)
        print(f"  {server.name}: {summary}", file=sys.stderr, flush=True)
        outcomes.append(outcome)
    recipes: list[RecipeOutcome] = []
    if not args.no_recipes:
        for server in RECIPES:
            if wanted and server.name.removesuffix("-plain") not in wanted:
                continue
            print(f"recipe on {server.name} ...", file=sys.stderr, flush=True)
            recipe = run_recipe(server, context)
            failed = [name for name, (ok, _) in recipe.checks.items() if not ok]
            print(f"  {server.name}: {recipe.problem or ('all ok' if not failed else 'not ok: ' + ', '.join(failed))}",
                  file=sys.stderr, flush=True)
            recipes.append(recipe)
    text = render(outcomes, recipes, time.monotonic() - started)
    if args.output == "-":
        print(text)
    else:
        Path(args.output).write_text(text)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
