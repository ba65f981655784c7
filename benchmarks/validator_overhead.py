"""Added cost per request of WSGI validators around a hello-world app, in-process.

Each validator wraps the same app; a minimal in-process "server" builds a realistic
environ (the keys gunicorn sets for a browser GET), calls the app, iterates and closes
the body.  Printed: µs per request with and without each validator, the µs added,
and each peer's added cost as a multiple of ours.  Goal: ours <= 1.5 µs added, and
below every peer.

    python benchmarks/validator_overhead.py [--requests N]
"""

from __future__ import annotations

import argparse
import io
import sys
import timeit
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from wsgitypes import StartResponse, WSGIEnvironment
from wsgitypes.validate import validator

App = Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]


def hello(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "13")])
    return [b"Hello, world!"]


TEMPLATE: dict[str, Any] = {
    "REQUEST_METHOD": "GET",
    "SCRIPT_NAME": "",
    "PATH_INFO": "/hello",
    "QUERY_STRING": "name=x",
    "RAW_URI": "/hello?name=x",
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
    body = app(environ, start_response)  # type: ignore[arg-type]
    try:
        for _ in body:
            pass
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def peers() -> dict[str, App]:
    found: dict[str, App] = {"wsgitypes.validate": validator(hello)}
    from wsgiref.validate import validator as wsgiref_validator

    found["wsgiref.validate"] = wsgiref_validator(hello)
    try:
        from werkzeug.middleware.lint import LintMiddleware

        found["werkzeug LintMiddleware"] = LintMiddleware(hello)
    except ImportError:
        pass
    try:
        from webtest.lint import middleware as webtest_lint

        found["webtest.lint"] = webtest_lint(hello)
    except ImportError:
        pass
    try:
        from paste.lint import middleware as paste_lint

        found["paste.lint"] = paste_lint(hello)
    except ImportError:
        pass
    return found


def per_request_us(app: App, requests: int) -> float:
    return min(timeit.repeat(lambda: serve_once(app), number=requests, repeat=7)) / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000, help="requests per timing round")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # some peers warn on every request
    apps = peers()
    for app in apps.values():  # warm caches and prove each peer accepts the app
        serve_once(app)
    # Interleave: bare, then each validator, twice over, keeping each one's best.
    bare = float("inf")
    cost = {name: float("inf") for name in apps}
    for _ in range(2):
        bare = min(bare, per_request_us(hello, args.requests))
        for name, app in apps.items():
            cost[name] = min(cost[name], per_request_us(app, args.requests))
    ours = cost["wsgitypes.validate"] - bare
    print(f"Python {sys.version.split()[0]}; hello-world app alone: {bare:.2f} µs per request")
    print(f"{'validator':26} {'µs/request':>10} {'µs added':>9} {'× ours':>7}")
    for name, total in sorted(cost.items(), key=lambda item: item[1]):
        added = total - bare
        print(f"{name:26} {total:10.2f} {added:9.2f} {added / ours:7.1f}")
    print(f"goal: ours <= 1.5 µs added -> {'met' if ours <= 1.5 else 'NOT met'} ({ours:.2f} µs)")


if __name__ == "__main__":
    main()
