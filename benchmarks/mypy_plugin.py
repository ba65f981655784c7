"""What the mypy plugin costs: mypy's time with and without ``wsgitypes.mypy``.

Generates a WSGI code base (applications, middleware, environ reads, ``start_response``
calls, header lists, plus ordinary dict/list code that reaches the same hooks) of at
least 2,000 lines in a temporary directory, then times ``mypy --strict`` on it with and
without the plugin, runs interleaved, in three states of the cache:

* cold: a fresh cache directory (mypy also processes the standard library's stubs);
* warm: the cache is up to date, nothing to re-check;
* warm, one edit: one module changed, so it and its dependents are re-checked.

After an untimed warm-up run, Python modules load from bytecode caches, as they do in
normal use (``PYTHONDONTWRITEBYTECODE`` is dropped for the mypy processes, whose caches
go to the temporary directory).

Reports the median and the minimum of the wall time and of the CPU time (user + sys of
the mypy process, steadier on a shared machine) and the percentage the plugin adds;
with ``--instructions``, also the instructions one cold run executes, counted by valgrind,
which no other load on the machine disturbs.  Goal: <= 5 %.

    python benchmarks/mypy_plugin.py [--modules 20] [--apps 3] [--repeat 7] [--instructions]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "bench_wsgi"

MODULE = '''\
"""Generated WSGI module {i}: applications, middleware and helpers."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any, Final

from wsgitypes import ResponseHeaders, StartResponse, WSGIApplication, WSGIEnvironment
{import_previous}
STATUS_OK: Final = "200 OK"
NOT_FOUND: Final = "404 Not Found"
CONTENT_TYPE: Final = "Content-Type"
JSON_TYPE: Final = "application/json"
{apps}

class Prefix{i}:
    """Middleware: moves a path prefix from PATH_INFO to SCRIPT_NAME."""

    def __init__(self, app: WSGIApplication, prefix: str) -> None:
        self.app = app
        self.prefix = prefix
        self.calls = 0

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        self.calls += 1
        path: str = environ.get("PATH_INFO", "")
        if not path.startswith(self.prefix):
            start_response(NOT_FOUND, [("Content-Type", "text/plain"), ("Content-Length", "0")])
            return [b""]
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + self.prefix
        environ["PATH_INFO"] = path[len(self.prefix):]
        environ["bench.prefix"] = self.prefix
        try:
            return self.app(environ, start_response)
        except Exception:
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info())
            return [b"internal error"]


class Store{i}:
    """Ordinary code: dict and list operations that reach the plugin's hooks too."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {{}}
        self.order: list[str] = []
        self.counts: dict[str, int] = {{"created": 0, "deleted": 0}}

    def add(self, key: str, value: dict[str, Any]) -> None:
        self.items[key] = value
        self.order.append(key)
        self.counts["created"] = self.counts["created"] + 1

    def get(self, key: str) -> dict[str, Any] | None:
        found = self.items.get(key)
        if found is not None and found.get("deleted"):
            return None
        return found

    def names(self) -> list[str]:
        result: list[str] = []
        for key in self.order:
            item = self.items[key]
            result.append(str(item.get("name", key)))
        result.extend(["total", str(len(result))])
        return result


application{i}: WSGIApplication = Prefix{i}(app{i}_0, "/m{i}")
'''

APP = '''

def app{i}_{j}(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    method = environ["REQUEST_METHOD"]
    path = environ.get("PATH_INFO", "/")
    query = environ.get("QUERY_STRING", "")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length)
    agent = environ.get("HTTP_USER_AGENT", "")
    request_id = environ.get("HTTP_X_REQUEST_ID", "-")
    scheme = environ["wsgi.url_scheme"]
    user = environ.get("bench.user")
    environ["wsgi.errors"].write(f"{{method}} {{scheme}}://{{path}}?{{query}} {{agent}} {{request_id}}\\n")
    data: dict[str, Any] = json.loads(body or b"{{}}")
    name = str(data.get("name", "world"))
    if path == "/missing":
        start_response(NOT_FOUND, [("Content-Type", "text/plain"), ("Content-Length", "9")])
        return [b"not found"]
    if method not in ("GET", "HEAD", "POST"):
        start_response("405 Method Not Allowed", [("Allow", "GET, HEAD, POST")])
        return [b""]
    payload = json.dumps({{"hello": name, "user": str(user), "app": {j}}}).encode()
    headers: ResponseHeaders = [(CONTENT_TYPE, JSON_TYPE)]
    headers.append(("Content-Length", str(len(payload))))
    headers.append(("Cache-Control", "no-store"))
    headers.extend([("X-Request-Id", request_id), ("Vary", "Accept")])
    start_response(STATUS_OK, headers)
    return [payload]
'''


def generate(root: Path, modules: int, apps_per_module: int) -> int:
    """Write the package under ``root``; return its number of lines."""
    package = root / PACKAGE
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""Generated WSGI code base."""\n', encoding="utf-8")
    lines = 1
    for i in range(modules):
        previous = f"from {PACKAGE}.mod{i - 1} import application{i - 1} as previous_app\n" if i else ""
        apps = "".join(APP.format(i=i, j=j) for j in range(apps_per_module))
        text = MODULE.format(i=i, apps=apps, import_previous=previous)
        if i:
            text += f"\nchained{i}: WSGIApplication = Prefix{i}(previous_app, \"/c{i}\")\n"
        (package / f"mod{i}.py").write_text(text, encoding="utf-8")
        lines += text.count("\n")
    return lines


def child_env(root: Path) -> dict[str, str]:
    """As in normal use, Python modules (the plugin's, mypy's interpreted parts) load from
    bytecode caches: written once by a warm-up run, under ``root`` rather than the repository."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
    return env


def run_mypy(root: Path, config: Path, cache: Path) -> tuple[float, float]:
    """One mypy run: (wall seconds, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(cache),
         "--no-error-summary", str(root / PACKAGE)],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False, env=child_env(root),
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"mypy failed ({proc.returncode}):\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def count_instructions(root: Path, config: Path, cache: Path) -> int:
    """Instructions executed by one mypy run, counted by valgrind (deterministic, ~50x slower)."""
    out = root / "callgrind.out"
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
         sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(cache),
         "--no-error-summary", str(root / PACKAGE)],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False, env=child_env(root),
    )
    match = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode != 0 or match is None:
        raise SystemExit(f"valgrind failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    out.unlink(missing_ok=True)
    return int(match[1])


def check_plugin_active(root: Path, config: Path) -> None:
    """The timed runs must really load the plugin: it has to flag a bad status."""
    probe = root / "probe.py"
    probe.write_text(
        "from wsgitypes import StartResponse\n\n\n"
        "def app(start_response: StartResponse) -> None:\n"
        "    start_response('200', [])\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(root / "probe-cache"),
         str(probe)],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False, env=child_env(root),
    )
    if "[wsgi-status]" not in proc.stdout:
        raise SystemExit(f"the plugin did not run:\n{proc.stdout}{proc.stderr}")


def touch(root: Path) -> None:
    """Change the first module (a new helper), so it and the modules importing it are re-checked."""
    module = root / PACKAGE / "mod0.py"
    text = module.read_text(encoding="utf-8")
    count = text.count("def extra_")
    module.write_text(text + f"\n\ndef extra_{count}() -> int:\n    return {count}\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", type=int, default=20)
    parser.add_argument("--apps", type=int, default=3, help="applications per module")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--instructions", action="store_true",
        help="also count the instructions of one run per variant and cache state with valgrind (~4 min)",
    )
    args = parser.parse_args()

    import mypy.version

    with tempfile.TemporaryDirectory(prefix="wsgitypes-mypy-bench-") as tmp:
        root = Path(tmp)
        lines = generate(root, args.modules, args.apps)
        configs = {}
        for variant, plugins in (("without", ""), ("with", "plugins = wsgitypes.mypy\n")):
            configs[variant] = root / f"{variant}.ini"
            configs[variant].write_text(
                f"[mypy]\nstrict = True\npython_version = 3.11\n{plugins}", encoding="utf-8"
            )
        check_plugin_active(root, configs["with"])
        for variant in ("without", "with"):  # warm-up: bytecode caches, the OS's file cache
            run_mypy(root, configs[variant], root / f"cache-warm-up-{variant}")
        results: dict[tuple[str, str], list[tuple[float, float]]] = {}
        variants = ("without", "with")
        for rep in range(args.repeat):
            # interleaved, and alternating which variant goes first
            order = variants if rep % 2 == 0 else variants[::-1]
            for variant in order:
                cache = root / f"cache-{variant}-{rep}"
                results.setdefault(("cold", variant), []).append(run_mypy(root, configs[variant], cache))
                results.setdefault(("warm", variant), []).append(run_mypy(root, configs[variant], cache))
            for variant in order:
                # the edit is made once per variant, into that variant's warm cache
                cache = root / f"cache-{variant}-{rep}"
                touch(root)
                results.setdefault(("warm, one edit", variant), []).append(
                    run_mypy(root, configs[variant], cache)
                )
            print(f"repetition {rep + 1}/{args.repeat} done", file=sys.stderr)
        instructions: dict[tuple[str, str], int] = {}
        if args.instructions:
            if shutil.which("valgrind") is None:
                raise SystemExit("--instructions needs valgrind")
            for variant in variants:
                cache = root / f"cache-vg-{variant}"
                instructions[("cold", variant)] = count_instructions(root, configs[variant], cache)
                instructions[("warm", variant)] = count_instructions(root, configs[variant], cache)
            for variant in variants:
                touch(root)
                instructions[("warm, one edit", variant)] = count_instructions(
                    root, configs[variant], root / f"cache-vg-{variant}"
                )

    print(f"mypy {mypy.version.__version__}, Python {sys.version.split()[0]}, "
          f"{args.modules} modules, {lines} lines, {args.repeat} interleaved repetitions")
    print(f"{'cache':15} {'':6} {'wall without':>12} {'wall with':>10} {'added':>7}   "
          f"{'CPU without':>11} {'CPU with':>9} {'added':>7}")
    for state in ("cold", "warm", "warm, one edit"):
        for label, pick in (("median", statistics.median), ("min", min)):
            wall = {variant: pick(w for w, _ in results[(state, variant)]) for variant in variants}
            cpu = {variant: pick(c for _, c in results[(state, variant)]) for variant in variants}
            print(
                f"{state if label == 'median' else '':15} {label:6} {wall['without']:11.3f}s {wall['with']:9.3f}s "
                f"{(wall['with'] / wall['without'] - 1) * 100:+6.1f}%   "
                f"{cpu['without']:10.3f}s {cpu['with']:8.3f}s {(cpu['with'] / cpu['without'] - 1) * 100:+6.1f}%"
            )
    if instructions:
        print(f"{'cache':15} {'instructions (valgrind)':>12} {'without':>10} {'with':>9} {'added':>7}")
        for state in ("cold", "warm", "warm, one edit"):
            without, with_ = instructions[(state, "without")], instructions[(state, "with")]
            print(f"{state:15} {'':12} {without / 1e9:9.3f}G {with_ / 1e9:8.3f}G "
                  f"{(with_ / without - 1) * 100:+6.1f}%")
    print(textwrap.fill(
        "Goal: the plugin adds <= 5 %. CPU is user + sys time of the mypy process; on a shared "
        "machine the minimum is the least disturbed run. Warm runs re-check nothing, so they "
        "measure loading the plugin; 'one edit' re-checks the edited module and its importers.", 100))

if __name__ == "__main__":
    main()
