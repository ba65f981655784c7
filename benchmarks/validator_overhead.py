"""Added cost per request of WSGI validators, in-process, on three hello-world apps.

Each validator wraps the same app; a minimal in-process "server" builds a realistic
environ (the keys gunicorn sets for a browser GET), calls the app, iterates and closes
the body.  The apps: a plain WSGI hello, a Flask view and a Django view (settings in
code: no database, the usual security middleware).  The peers: Werkzeug's
LintMiddleware, wsgiref.validate, webtest.lint and paste.lint, where installed.

A second part times our own server's request path in-process: the request bytes
parsed by ``wsgitypes.server.http``, the environ and ``wsgi.input`` built by
``wsgitypes.server.environ`` / ``connection``, the app called, the response head
framed, with and without the validator (checks on and ``--no-check``).  The ratio
leaves out the sockets and the event loop, so the real server's ratio is closer to
1.0; ``python benchmarks/servers.py`` measures that one.

Times are CPU time of this thread (other processes on the machine do not count); the
cost added is the median of paired rounds (the app alone, then wrapped, back to back).  Goals (issue 11): ours <= 1.5 µs added on the
plain hello, <= 3 µs on the Flask and Django views, checks-on >= 0.9x --no-check.

    python benchmarks/validator_overhead.py [--requests N] [--rounds N]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
import timeit
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from wsgitypes.validate import validator

App = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

HELLO = b"Hello, world!"


def hello(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "13")])
    return [HELLO]


def flask_hello() -> App:
    from flask import Flask

    app = Flask("bench")

    @app.route("/")
    def index() -> str:
        return "Hello, world!"

    return app  # type: ignore[return-value]


def django_hello() -> App:
    import django
    from django.conf import settings
    from django.http import HttpRequest, HttpResponse
    from django.urls import path

    def index(request: HttpRequest) -> HttpResponse:
        return HttpResponse("Hello, world!", content_type="text/plain")

    settings.configure(
        DEBUG=False,
        SECRET_KEY="benchmark-not-secret",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
        ],
        INSTALLED_APPS=[],
        DATABASES={},
        USE_TZ=True,
    )
    globals()["urlpatterns"] = [path("", index)]
    django.setup()
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()  # type: ignore[return-value]


TEMPLATE: dict[str, Any] = {
    "REQUEST_METHOD": "GET",
    "SCRIPT_NAME": "",
    "PATH_INFO": "/",
    "QUERY_STRING": "name=x",
    "RAW_URI": "/?name=x",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "SERVER_NAME": "127.0.0.1",
    "SERVER_PORT": "8000",
    "SERVER_SOFTWARE": "bench",
    "REMOTE_ADDR": "127.0.0.1",
    "REMOTE_PORT": "50312",
    "HTTP_HOST": "127.0.0.1:8000",
    "HTTP_USER_AGENT": "bench/1.0",
    "HTTP_ACCEPT": "*/*",
    "HTTP_ACCEPT_ENCODING": "gzip, deflate",
    "HTTP_CONNECTION": "keep-alive",
    "wsgi.version": (1, 0),
    "wsgi.url_scheme": "http",
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": True,
    "wsgi.multiprocess": False,
    "wsgi.run_once": False,
    "wsgi.input_terminated": True,
}


def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> Callable[[bytes], object]:
    return _write


def _write(data: bytes) -> None:
    pass


def serve_once(app: App) -> None:
    environ = TEMPLATE.copy()
    environ["wsgi.input"] = io.BytesIO(b"")
    body = app(environ, start_response)
    try:
        for _ in body:
            pass
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def validators() -> dict[str, Callable[[App], App]]:
    found: dict[str, Callable[[App], App]] = {"wsgitypes.validate": validator}
    try:
        from werkzeug.middleware.lint import LintMiddleware

        found["werkzeug LintMiddleware"] = LintMiddleware
    except ImportError:
        pass
    from wsgiref.validate import validator as wsgiref_validator

    found["wsgiref.validate"] = wsgiref_validator
    try:
        from webtest.lint import middleware as webtest_lint

        found["webtest.lint"] = webtest_lint
    except ImportError:
        pass
    try:
        from paste.lint import middleware as paste_lint

        found["paste.lint"] = paste_lint
    except ImportError:
        pass
    return found


def best_us(timers: dict[str, timeit.Timer], requests: int, rounds: int) -> dict[str, float]:
    """The best per-request CPU time of each, over interleaved rounds."""
    best = {name: float("inf") for name in timers}
    for _ in range(rounds):
        for name, timer in timers.items():
            best[name] = min(best[name], timer.timeit(requests) / requests * 1e6)
    return best


def added_us(alone: timeit.Timer, wrapped: dict[str, timeit.Timer], requests: int, rounds: int) -> dict[str, float]:
    """Per validator, the median over rounds of (wrapped - alone), each pair timed back to back.

    Pairing cancels the drift a busy machine puts into both; the median drops the
    rounds another process disturbed.  A framework view costs 100 µs or more, so a
    difference of a few µs needs this.
    """
    differences: dict[str, list[float]] = {name: [] for name in wrapped}
    for _ in range(rounds):
        for name, timer in wrapped.items():
            base = alone.timeit(requests)
            differences[name].append((timer.timeit(requests) - base) / requests * 1e6)
    return {name: statistics.median(values) for name, values in differences.items()}
def _timer(call: Callable[[], object]) -> timeit.Timer:
    return timeit.Timer(call, timer=time.thread_time)


def measure_apps(requests: int, rounds: int) -> dict[str, dict[str, float]]:
    """µs added by each validator on each app (and the app alone under 'alone')."""
    apps: dict[str, App] = {"hello": hello}
    for name, make in (("Flask view", flask_hello), ("Django view", django_hello)):
        try:
            apps[name] = make()
        except ImportError:
            pass
    added: dict[str, dict[str, float]] = {}
    for app_name, app in apps.items():
        wrapped = {name: wrap(app) for name, wrap in validators().items()}
        for checked in wrapped.values():  # warm caches, and prove each validator accepts the app
            serve_once(checked)
        alone = _timer(lambda: serve_once(app))
        timers = {name: _timer(lambda checked=checked: serve_once(checked)) for name, checked in wrapped.items()}
        added[app_name] = {"alone": best_us({"alone": alone}, requests, rounds)["alone"], **added_us(alone, timers, requests, rounds)}
    return added


def measure_server_path(requests: int, rounds: int) -> tuple[float, float]:
    """µs per request of our server's in-process request path: checks off, checks on.

    The sans-IO core does what a connection does for a request: parse, build the
    environ, call the application, write the head and body (without a socket).
    """
    from wsgitypes.server.environ import ConnectionInfo, make_environ
    from wsgitypes.server.request import RequestParser
    from wsgitypes.server.response import ResponseWriter
    from wsgitypes.server.settings import Limits
    from wsgitypes.server.streams import FileWrapper, RequestBody

    wire = b"GET /?name=x HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: bench/1.0\r\nAccept: */*\r\n\r\n"
    info = ConnectionInfo(("127.0.0.1", 8000), "http", "", False, True, FileWrapper)
    parser = RequestParser(Limits())
    head: list[Any] = []

    def server_start(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> Callable[[bytes], object]:
        head[:] = [status, headers]
        return _write

    def no_more_body(request: object, wanted: int) -> None:
        raise AssertionError("a complete request needs no connection")

    def serve(app: App) -> None:
        parser.feed(wire)
        request = parser.ready.pop(0)
        environ = make_environ(request, info, ("127.0.0.1", "50312"), RequestBody(request, no_more_body), sys.stderr)
        body = app(environ, server_start)  # type: ignore[arg-type]
        try:
            writer = ResponseWriter(request.method, request.version, True)
            writer.head(head[0], head[1], None)
            for data in body:
                writer.body(data)
            writer.end()
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    checked = validator(hello)
    serve(hello)
    serve(checked)
    costs = best_us({"off": _timer(lambda: serve(hello)), "on": _timer(lambda: serve(checked))}, requests, rounds)
    return costs["off"], costs["on"]


GOALS = {"hello": 1.5, "Flask view": 3.0, "Django view": 3.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="requests per timing round")
    parser.add_argument("--rounds", type=int, default=31, help="paired timing rounds (the median counts)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # some peers warn on every request
    print(f"Python {sys.version.split()[0]}; CPU µs per request, {args.rounds} rounds of {args.requests} requests")
    added = measure_apps(args.requests, args.rounds)
    names = [name for name in next(iter(added.values())) if name != "alone"]
    print(f"\n{'µs added':26}" + "".join(f"{app:>14}" for app in added))
    print(f"{'(the app alone)':26}" + "".join(f"{costs['alone']:14.2f}" for costs in added.values()))
    for name in names:
        print(f"{name:26}" + "".join(f"{costs[name]:14.2f}" for costs in added.values()))
    for app, costs in added.items():
        ours = costs["wsgitypes.validate"]
        peers = ", ".join(f"{name} {costs[name] / ours:.1f}x" for name in names[1:])
        verdict = "met" if ours <= GOALS[app] else "NOT met"
        print(f"{app}: ours {ours:.2f} µs added, goal <= {GOALS[app]} µs {verdict}; peers' cost as a multiple of ours: {peers}")
    off, on = measure_server_path(args.requests, args.rounds)
    ratio = off / on
    print(
        f"\nwsgitypes server request path in-process (parse, environ, app, head): --no-check {off:.2f} µs, "
        f"checks on {on:.2f} µs: {ratio:.2f}x, goal >= 0.9x {'met' if ratio >= 0.9 else 'NOT met'} "
        "(without sockets and the event loop; benchmarks/servers.py measures the server itself)"
    )


if __name__ == "__main__":
    main()
