"""The ``wsgitypes`` command (also ``python -m wsgitypes``).

::

    wsgitypes serve [MODULE:APP] [--host H] [--port P] [--workers N] [--threads N] [--no-check]
    wsgitypes probe URL [--json] [--timeout SECONDS] [--stall SECONDS]

``python -m wsgitypes.probe`` is the same ``probe`` command.

A mistake on the command line, an application that cannot be loaded or an address
that cannot be listened on is one line on stderr and exit status 2, not a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn, cast

__all__ = ["load_app", "main"]


class UsageError(Exception):
    """A bad argument: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)  # argparse would print the whole usage first


def _port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise ValueError(text)
    return port


_port.__name__ = "port"  # argparse names the type in its message: "invalid port value"


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise ValueError(text)
    return number


_positive.__name__ = "positive integer"


def _seconds(text: str) -> float:
    number = float(text)
    if not number > 0:
        raise ValueError(text)
    return number


_seconds.__name__ = "seconds"


_PROBE_EPILOG = """\
Serve the probe application in the server under test, then point the probe at it:

  gunicorn --bind 127.0.0.1:8000 wsgitypes.probe:app
  python -m wsgitypes probe http://127.0.0.1:8000 [--json]

Each rule and check is shown with its level: MUST or SHOULD as its source says it, or
POLICY (HTTP advice that PEP 3333 does not demand).

Exit status: 0 when no MUST or SHOULD rule of the catalogue fails (POLICY rules and the
other checks are only reported), 1 when one does, 2 when the URL cannot be probed
(nothing listening, not HTTP, or not the probe application) or h11 is missing, 141
when the report's reader has gone (a closed pipe, as after | head).

The probe deliberately raises one exception inside the server (the exc_info test), and
writes two lines to wsgi.errors: both show up in the server's log.
"""


def _non_negative(text: str) -> float:
    number = float(text)
    if not number >= 0:
        raise ValueError(text)
    return number


_non_negative.__name__ = "seconds"


def _parser() -> _Parser:
    from wsgitypes.server import Limits, Timeouts
    from wsgitypes.server.proxy import DEFAULT_TRUSTED

    limits, timeouts = Limits(), Timeouts()
    parser = _Parser(prog="wsgitypes", description="Typed WSGI (PEP 3333) tools.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    serve = commands.add_parser("serve", help="serve a WSGI application over HTTP/1.1, checking PEP 3333")
    serve.add_argument("app", nargs="?", metavar="MODULE:APP", help="the application, as module.path:name, module.path:factory() or module.path (default: a demo app)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on, or unix:/path (default: %(default)s)")
    serve.add_argument("--port", type=_port, default=8000, help="port (default: %(default)s; 0 picks a free one)")
    serve.add_argument("--workers", type=_positive, default=1, help="worker processes (default: %(default)s)")
    serve.add_argument("--threads", type=_positive, default=8, help="threads per worker (default: %(default)s)")
    serve.add_argument("--no-check", dest="check", action="store_false", help="do not check requests and responses against PEP 3333")
    serve.add_argument("--access-log", action="store_true", help="log each request (Common Log Format) to stderr")
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"], help="error log level (default: %(default)s)")
    serve.add_argument("--backlog", type=_positive, default=2048, help="listen backlog (default: %(default)s)")
    serve.add_argument("--script-name", default="", help="where the application is mounted, e.g. /app (default: the root)")
    serve.add_argument("--engine", default="auto", choices=["auto", "epoll", "selectors"], help="event loop: epoll (Linux) or the portable selectors one (default: %(default)s, epoll where there is one)")
    group = serve.add_argument_group("TLS and proxies")
    group.add_argument("--certfile", help="serve HTTPS with this certificate chain (PEM)")
    group.add_argument("--keyfile", help="the certificate's private key, if not in --certfile")
    group.add_argument("--ca-certs", help="ask clients for certificates signed by these CAs (PEM), and require one")
    group.add_argument("--forwarded-allow-ips", default=DEFAULT_TRUSTED, help="proxies whose Forwarded / X-Forwarded-* headers count: addresses, networks, 'unix', '*', or '' for none (default: %(default)s)")
    group = serve.add_argument_group("limits (answered with 413, 414 or 431)")
    group.add_argument("--limit-request-line", type=_positive, default=limits.max_request_line, help="bytes in the request target (default: %(default)s)")
    group.add_argument("--limit-header-line", type=_positive, default=limits.max_header_line, help="bytes in one header (default: %(default)s)")
    group.add_argument("--limit-header-bytes", type=_positive, default=limits.max_header_bytes, help="bytes in the request head (default: %(default)s)")
    group.add_argument("--limit-headers", type=_positive, default=limits.max_headers, help="header fields (default: %(default)s)")
    group.add_argument("--limit-body", type=_positive, default=limits.max_body, help="bytes in a request body (default: %(default)s)")
    group.add_argument("--limit-buffer-body", type=_positive, default=limits.buffer_body, help="request bodies up to this size are read before a thread is used (default: %(default)s)")
    group.add_argument("--limit-queue", type=_positive, default=limits.max_queued, help="requests waiting for a thread per worker; 503 beyond (default: %(default)s)")
    group = serve.add_argument_group("timeouts, in seconds")
    group.add_argument("--timeout-keepalive", type=_seconds, default=timeouts.keepalive, help="idle connection between requests (default: %(default)s)")
    group.add_argument("--timeout-header", type=_seconds, default=timeouts.header, help="from a request's first byte to the end of its head (default: %(default)s)")
    group.add_argument("--timeout-body", type=_seconds, default=timeouts.body, help="each wait while reading the body or writing the response (default: %(default)s)")
    group.add_argument("--timeout-graceful", type=_seconds, default=timeouts.graceful, help="for requests in flight after SIGTERM (default: %(default)s)")
    group.add_argument("--min-rate", type=_seconds, default=timeouts.min_rate, metavar="BYTES", help="bytes a second a body must arrive at, and a response be read at, after --timeout-body (default: %(default)s)")
    group.add_argument("--timeout", type=_non_negative, default=timeouts.app, help="replace a worker whose every thread has been in the application this long, with requests waiting; 0: never (default: %(default)s)")
    probe = commands.add_parser(
        "probe", help="check a running WSGI server against PEP 3333 (serve wsgitypes.probe:app on it first)",
        description="Report, rule by rule, how a WSGI server follows PEP 3333.", epilog=_PROBE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    probe.add_argument("url", help="where the server runs wsgitypes.probe:app, e.g. http://127.0.0.1:8000")
    probe.add_argument("--json", action="store_true", help="print the report as JSON")
    probe.add_argument("--timeout", type=_seconds, default=10.0, metavar="SECONDS", help="seconds to wait for each response (default: %(default)s)")
    probe.add_argument("--stall", type=_seconds, default=1.5, metavar="SECONDS", help="seconds an input test waits before shutting down its sending side (default: %(default)s)")
    return parser


def load_app(spec: str) -> object:
    """The object ``spec`` names: ``module``, ``module:name.attr`` or ``module:factory()``.

    A bare module gives its ``application`` or ``app``, as gunicorn does.  Raises
    :class:`UsageError` with a one-line reason.
    """
    module_name, _, attribute = spec.partition(":")
    if not module_name or (":" in spec and not attribute):
        raise UsageError(f"{spec!r} is not MODULE:APP (for example myproject.wsgi:application)")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # like gunicorn and waitress: the app lives where you run the command
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and module_name.startswith(error.name):
            raise UsageError(f"cannot import {module_name!r}: no module named {error.name!r} (run from the directory that contains it, or add it to PYTHONPATH)") from None
        raise UsageError(f"importing {module_name!r} failed: {error}") from None
    except SyntaxError as error:
        raise UsageError(f"importing {module_name!r} failed: SyntaxError at {error.filename}:{error.lineno}: {error.msg}") from None
    except Exception as error:
        raise UsageError(f"importing {module_name!r} failed: {type(error).__name__}: {error}") from None
    call = attribute.endswith("()")
    path = attribute.removesuffix("()") if attribute else ""
    if not path:
        for default in ("application", "app"):
            if hasattr(module, default):
                path = default
                break
        else:
            raise UsageError(f"module {module_name!r} has no 'application' or 'app'; name it: {module_name}:NAME")
    found: object = module
    for part in path.split("."):
        if not part.isidentifier():
            raise UsageError(f"{attribute!r} is not an attribute path (name.name, optionally ending in ())")
        try:
            found = getattr(found, part)
        except AttributeError:
            raise UsageError(f"module {module_name!r} has no attribute {path!r}") from None
    if call:
        if not callable(found):
            raise UsageError(f"{module_name}:{path} is not callable, so it cannot be a factory")
        try:
            found = found()
        except Exception as error:
            raise UsageError(f"the factory {module_name}:{path}() failed: {type(error).__name__}: {error}") from None
    if not callable(found):
        raise UsageError(f"{module_name}:{attribute} is a {type(found).__name__}, not a WSGI application (a callable)")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    try:
        arguments = _parser().parse_args(argv)
        if arguments.command == "probe":
            return _probe(arguments)
        return _serve(arguments)
    except UsageError as error:
        print(f"wsgitypes: {error}", file=sys.stderr)
        return 2


_CLOSED_PIPE = 128 + 13  # what a shell reports for a program ended by SIGPIPE


def _probe(arguments: argparse.Namespace) -> int:
    if importlib.util.find_spec("h11") is None:
        print("wsgitypes probe: the probe needs h11: pip install 'wsgitypes[probe]'", file=sys.stderr)
        return 2
    from wsgitypes.probe import ProbeError, probe

    try:
        report = probe(arguments.url, timeout=arguments.timeout, stall=arguments.stall)
    except ProbeError as error:
        print(f"wsgitypes probe: {error}", file=sys.stderr)
        return 2
    if not _print_out(json.dumps(report.to_json(), indent=2) if arguments.json else report.to_text()):
        return _CLOSED_PIPE
    return 1 if report.pep3333_failures else 0


def _print_out(text: str) -> bool:
    """Print ``text`` to stdout; False, quietly, when its reader has gone (``| head`` closed the pipe)."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # The interpreter flushes stdout once more on exit: give it somewhere harmless to write.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return False
    return True


def _serve(arguments: argparse.Namespace) -> int:
    if importlib.util.find_spec("httptools") is None:
        raise UsageError("the server needs httptools: pip install 'wsgitypes[server]'")
    from wsgitypes.server import Limits, ListenError, Timeouts, serve, tls_context
    from wsgitypes.server.proxy import TrustedProxies
    from wsgitypes.rules import check_script_name
    from wsgitypes.server.demo import app as demo_app
    from wsgitypes.types import WSGIApplication

    logging.basicConfig(level=arguments.log_level.upper(), format="%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    access = logging.getLogger("wsgitypes.access")
    access.propagate = False
    if arguments.access_log:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)
        access.setLevel(logging.INFO)
    else:
        access.setLevel(logging.WARNING)
    app = demo_app if arguments.app is None else cast(WSGIApplication, load_app(arguments.app))  # callable: load_app checked
    if (problem := check_script_name(arguments.script_name)) is not None:
        raise UsageError(f"--script-name: {problem}")
    limits = Limits(
        max_request_line=arguments.limit_request_line, max_header_line=arguments.limit_header_line,
        max_header_bytes=arguments.limit_header_bytes, max_headers=arguments.limit_headers, max_body=arguments.limit_body,
        buffer_body=arguments.limit_buffer_body, max_queued=arguments.limit_queue,
    )
    timeouts = Timeouts(
        keepalive=arguments.timeout_keepalive, header=arguments.timeout_header, body=arguments.timeout_body,
        min_rate=arguments.min_rate, graceful=arguments.timeout_graceful, app=arguments.timeout,
    )
    tls = None
    if arguments.certfile:
        try:
            tls = tls_context(arguments.certfile, arguments.keyfile, arguments.ca_certs)
        except OSError as error:  # (ssl.SSLError is one)
            raise UsageError(f"cannot load the TLS certificate {arguments.certfile!r}: {error.strerror or error}") from None
    elif arguments.keyfile or arguments.ca_certs:
        raise UsageError("--keyfile and --ca-certs need --certfile")
    try:
        TrustedProxies.parse(arguments.forwarded_allow_ips)
    except ValueError as error:
        raise UsageError(f"--forwarded-allow-ips: {error}") from None
    try:
        return serve(
            app, arguments.host, arguments.port, workers=arguments.workers, threads=arguments.threads, check=arguments.check,
            limits=limits, timeouts=timeouts, backlog=arguments.backlog, script_name=arguments.script_name, engine=arguments.engine,
            tls=tls, forwarded_allow_ips=arguments.forwarded_allow_ips,
        )
    except ListenError as error:
        raise UsageError(error.strerror) from None
