"""The ``wsgitypes`` command (also ``python -m wsgitypes``).

::

    wsgitypes serve [MODULE:APP] [-b ADDRESS]... [-w WORKERS] [--threads N] [--config FILE] [...]
    wsgitypes probe URL [--json] [--timeout SECONDS] [--stall SECONDS]
    wsgitypes --version

``python -m wsgitypes.probe`` is the same ``probe`` command.

Every ``serve`` option can also be set in a TOML file (``--config FILE``, else the
``[tool.wsgitypes.serve]`` table of ./pyproject.toml) and by a ``WSGITYPES_*``
environment variable, each derived from the option itself (:mod:`wsgitypes.config`):
the command line wins over the environment, which wins over the file.

A mistake on the command line, in the environment or in the file, an application
that cannot be loaded or an address that cannot be listened on is one line on stderr
and exit status 2, not a traceback.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import select
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, cast

from wsgitypes import __version__, config

__all__ = ["load_app", "main"]

ENV_PREFIX = "WSGITYPES_"
PYPROJECT_TABLE = ("tool", "wsgitypes", "serve")


class UsageError(Exception):
    """A bad argument: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    commands: dict[str, _Parser]  # the top-level parser's subcommands, by name

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


def _count(text: str) -> int:
    number = int(text)
    if number < 0:
        raise ValueError(text)
    return number


_count.__name__ = "non-negative integer"


def _bind(text: str) -> str:
    from wsgitypes.server.process import parse_bind

    try:
        parse_bind(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _access_format(text: str) -> str:
    from wsgitypes.server.accesslog import check_format

    try:
        check_format(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _parser() -> _Parser:
    parser = _Parser(prog="wsgitypes", description="Typed WSGI (PEP 3333) tools.")
    parser.add_argument("--version", action="version", version=f"wsgitypes {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    serve = commands.add_parser(
        "serve", help="serve a WSGI application over HTTP/1.1, checking PEP 3333", epilog=_SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _serve_options(serve)
    probe = commands.add_parser(
        "probe", help="check a running WSGI server against PEP 3333 (serve wsgitypes.probe:app on it first)",
        description="Report, rule by rule, how a WSGI server follows PEP 3333.", epilog=_PROBE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    probe.add_argument("url", help="where the server runs wsgitypes.probe:app, e.g. http://127.0.0.1:8000")
    probe.add_argument("--json", action="store_true", help="print the report as JSON")
    probe.add_argument("--timeout", type=_seconds, default=10.0, metavar="SECONDS", help="seconds to wait for each response (default: %(default)s)")
    probe.add_argument("--stall", type=_seconds, default=1.5, metavar="SECONDS", help="seconds an input test waits before shutting down its sending side (default: %(default)s)")
    parser.commands = {"serve": serve, "probe": probe}
    return parser


_SERVE_EPILOG = """\
Addresses: -b/--bind may be repeated (HOST:PORT, [IPV6]:PORT, HOST, :PORT for every
interface, unix:PATH); --host/--port give one more, and are the default
(127.0.0.1:8000) when no --bind is given.

Every option is also a setting: --max-requests is max-requests in a TOML file (--config
FILE, or the [tool.wsgitypes.serve] table of ./pyproject.toml) and WSGITYPES_MAX_REQUESTS
in the environment. The command line wins over the environment, which wins over the
file. A flag takes true/false; a repeated option a TOML array, or words in the
environment (WSGITYPES_BIND="127.0.0.1:8000 unix:/run/app.sock").
"""


def _serve_options(serve: _Parser) -> None:
    """The ``serve`` options: each is also a config-file key and an environment variable (wsgitypes.config)."""
    from wsgitypes.server import Limits, Timeouts
    from wsgitypes.server.proxy import DEFAULT_TRUSTED

    limits, timeouts = Limits(), Timeouts()
    serve.add_argument("--version", action="version", version=f"wsgitypes {__version__}")
    serve.add_argument("app", nargs="?", metavar="MODULE:APP", help="the application, as module.path:name, module.path:factory() or module.path (default: a demo app)")
    serve.add_argument("-b", "--bind", action=config.Repeated, type=_bind, default=[], metavar="ADDRESS", help="listen on HOST:PORT, [IPV6]:PORT or unix:PATH; repeat for more (see below)")
    serve.add_argument("--host", help="one more address to listen on, or unix:/path (default: 127.0.0.1 when no --bind)")
    serve.add_argument("--port", type=_port, help="its port (default: 8000; 0 picks a free one)")
    serve.add_argument("-w", "--workers", type=_positive, default=1, help="worker processes (default: %(default)s)")
    serve.add_argument("--threads", type=_positive, default=8, help="threads per worker (default: %(default)s)")
    serve.add_argument("--no-check", dest="check", action="store_false", help="do not check requests and responses against PEP 3333")
    serve.add_argument("--config", metavar="FILE", help="read settings from this TOML file (default: [tool.wsgitypes.serve] in ./pyproject.toml, if there)")
    serve.add_argument("--print-config", action="store_true", help="print the settings in use, and where each came from, as TOML; then exit")
    serve.add_argument("--backlog", type=_positive, default=2048, help="listen backlog (default: %(default)s)")
    serve.add_argument("--script-name", default="", help="where the application is mounted, e.g. /app (default: the root)")
    serve.add_argument("--engine", default="auto", choices=["auto", "epoll", "selectors"], help="event loop: epoll (Linux) or the portable selectors one (default: %(default)s, epoll where there is one)")
    group = serve.add_argument_group("workers")
    group.add_argument("--max-requests", type=_count, default=0, metavar="N", help="retire a worker after N requests, starting its replacement as it finishes them; 0: never (default: %(default)s)")
    group.add_argument("--max-requests-jitter", type=_count, default=0, metavar="N", help="add up to N, chosen per worker, so workers do not all retire at once (default: %(default)s)")
    group = serve.add_argument_group("development")
    group.add_argument("--reload", action="store_true", help="restart the workers when a Python file changes (needs: pip install 'wsgitypes[reload]')")
    group.add_argument("--reload-dir", action=config.Repeated, default=[], metavar="DIR", help="watch this directory instead of the working directory; repeat for more")
    group.add_argument("--debug", action="store_true", help="show why in the body of a 500 (rule, message, traceback); never in production. Also on with --log-level debug")
    group = serve.add_argument_group("logging")
    group.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"], help="error log level (default: %(default)s)")
    group.add_argument("--log-config", metavar="FILE", help="configure logging with logging.config.dictConfig from this JSON or TOML file")
    group.add_argument("--access-log", action="store_true", help="log each request to stderr")
    group.add_argument("--access-logfile", metavar="FILE", help="log each request to this file ('-': stdout); implies --access-log")
    group.add_argument("--access-log-format", type=_access_format, default="common", metavar="FORMAT", help="'common' (the Common Log Format, the default), 'combined' (adds referer and user agent), or gunicorn's atoms, e.g. '%%(h)s \"%%(r)s\" %%(s)s %%(L)s \"%%(a)s\"'")
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
    group.add_argument("--limit-buffer-body", type=_positive, default=limits.buffer_body, help="bytes of one request body kept in memory; a larger body goes to a temporary file (default: %(default)s)")
    group.add_argument("--limit-buffer-memory", type=_positive, default=limits.buffer_memory, help="bytes of request bodies kept in memory per worker, in all; beyond, bodies go to temporary files (default: %(default)s)")
    group.add_argument("--limit-buffer-disk", type=_positive, default=limits.buffer_disk, help="bytes of request bodies kept in temporary files per worker, in all; a body beyond is read by the thread serving it (default: %(default)s)")
    group.add_argument("--limit-queue", type=_positive, default=limits.max_queued, help="requests waiting for a thread per worker; 503 beyond (default: %(default)s)")
    group = serve.add_argument_group("timeouts, in seconds")
    group.add_argument("-t", "--timeout", type=_non_negative, default=timeouts.app, help="replace a worker whose event loop is stuck, or whose every thread has been in the application this long with requests waiting; 0: never (default: %(default)s)")
    group.add_argument("--graceful-timeout", "--timeout-graceful", type=_seconds, default=timeouts.graceful, help="for requests in flight after SIGTERM, or in a retiring worker (default: %(default)s)")
    group.add_argument("--timeout-keepalive", type=_seconds, default=timeouts.keepalive, help="idle connection between requests (default: %(default)s)")
    group.add_argument("--timeout-header", type=_seconds, default=timeouts.header, help="from a request's first byte to the end of its head (default: %(default)s)")
    group.add_argument("--timeout-body", type=_seconds, default=timeouts.body, help="each wait while reading the body or writing the response (default: %(default)s)")
    group.add_argument("--min-rate", type=_seconds, default=timeouts.min_rate, metavar="BYTES", help="bytes a second a body must arrive at, and a response be read at, after --timeout-body (default: %(default)s)")


def load_app(spec: str) -> object:
    """The object ``spec`` names (see :func:`wsgitypes.server.loader.load_app`); :class:`UsageError` with a one-line reason."""
    from wsgitypes.server.loader import LoadError, load_app as load

    try:
        return load(spec)
    except LoadError as error:
        raise UsageError(str(error)) from None


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        parser = _parser()
        arguments = _parse(parser, argv)
        if arguments.command == "probe":
            return _probe(arguments)
        settings, warnings = _serve_settings(parser, argv, os.environ)
        if settings.print_config:
            known = config.settings(parser.commands["serve"], ENV_PREFIX)
            del known["print-config"], known["config"]
            return 0 if _print_out(config.to_toml(config.Layered(vars(settings), settings.sources), known)) else _CLOSED_PIPE
        return _serve(settings, warnings)
    except UsageError as error:
        print(f"wsgitypes: {error}", file=sys.stderr)
        return 2


def _parse(parser: _Parser, argv: Sequence[str]) -> argparse.Namespace:
    """``parser.parse_args``, with a mistyped option named alone, and a likely meaning."""
    arguments, extras = parser.parse_known_args(argv)
    if extras:
        options = [extra.partition("=")[0] for extra in extras if extra.startswith("-") and extra != "-"]
        if not options:
            parser.error(f"unrecognized arguments: {' '.join(extras)}")
        command = parser.commands.get(getattr(arguments, "command", ""), parser)
        known = [flag for action in command._actions for flag in action.option_strings]  # argparse has no public list
        hints: list[str] = []
        for option in options:
            import difflib  # (here, not at the top: a server process would carry it for an error message)

            close = difflib.get_close_matches(option, known, n=1, cutoff=0.75)
            hints.append(option + (f" (did you mean {close[0]}?)" if close else ""))
        parser.error(f"unrecognized option{'s' * (len(hints) > 1)}: {', '.join(hints)}")
    return arguments


def _serve_settings(parser: _Parser, argv: Sequence[str], environ: Any) -> tuple[argparse.Namespace, list[str]]:
    """The ``serve`` settings from the command line, the environment and the config file
    (in that precedence), and warnings about environment variables that look misspelt."""
    command = parser.commands["serve"]
    known = config.settings(command, ENV_PREFIX)
    defaults = {setting.dest: setting.action.default for setting in known.values()}
    try:
        given = config.given(parser, command, argv)
        from_environ, warnings = config.from_environ(environ, ENV_PREFIX, known)
        config_file = given.get("config", from_environ.get("config"))
        file_values: dict[str, object] = {}
        file_source = ""
        if isinstance(config_file, str):
            path = Path(config_file)
            file_source = f"{config_file}" + (" [tool.wsgitypes.serve]" if path.name == "pyproject.toml" else "")
            table = config.read_table(path, PYPROJECT_TABLE if path.name == "pyproject.toml" else ())
            if table is None:
                raise UsageError(f"{file_source}: no such table")
            file_values = config.from_table(table, file_source, known, refused=["config"])
        elif Path("pyproject.toml").is_file():
            table = config.read_table(Path("pyproject.toml"), PYPROJECT_TABLE)
            if table is not None:
                file_source = "pyproject.toml [tool.wsgitypes.serve]"
                file_values = config.from_table(table, file_source, known, refused=["config"])
    except config.ConfigError as error:
        raise UsageError(str(error)) from None
    layered = config.layer(defaults, (file_values, file_source), (from_environ, {setting.dest: setting.variable for setting in known.values()}), (given, "the command line"))
    arguments = layered.namespace()
    arguments.command = "serve"
    arguments.sources = layered.sources
    return arguments, warnings


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
    import json  # (only the probe's --json and --log-config read or write JSON)

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


def _serve(arguments: argparse.Namespace, warnings: Sequence[str] = ()) -> int:
    if importlib.util.find_spec("httptools") is None:
        raise UsageError("the server needs httptools: pip install 'wsgitypes[server]'")
    from wsgitypes.rules import check_script_name
    from wsgitypes.server import Limits, ListenError, Timeouts, reloader, serve, tls_context
    from wsgitypes.server.loader import LoadError, check_spec
    from wsgitypes.server.proxy import TrustedProxies
    from wsgitypes.types import WSGIApplication

    _configure_logging(arguments)
    log = logging.getLogger("wsgitypes.server")
    for warning in warnings:
        log.warning("%s", warning)
    if (problem := check_script_name(arguments.script_name)) is not None:
        raise UsageError(f"--script-name: {problem}")
    limits = Limits(
        max_request_line=arguments.limit_request_line, max_header_line=arguments.limit_header_line,
        max_header_bytes=arguments.limit_header_bytes, max_headers=arguments.limit_headers, max_body=arguments.limit_body,
        buffer_body=arguments.limit_buffer_body, buffer_memory=arguments.limit_buffer_memory,
        buffer_disk=arguments.limit_buffer_disk, max_queued=arguments.limit_queue,
    )
    timeouts = Timeouts(
        keepalive=arguments.timeout_keepalive, header=arguments.timeout_header, body=arguments.timeout_body,
        min_rate=arguments.min_rate, graceful=arguments.graceful_timeout, app=arguments.timeout,
    )
    tls = None
    if arguments.certfile:
        try:
            tls = tls_context(arguments.certfile, arguments.keyfile, arguments.ca_certs)
        except OSError as error:  # (ssl.SSLError is one)
            raise UsageError(f"cannot load the TLS certificate {arguments.certfile!r}: {error.strerror or error}") from None
    elif arguments.keyfile or arguments.ca_certs:
        raise UsageError("--keyfile and --ca-certs need --certfile")
    if arguments.engine == "epoll" and not hasattr(select, "epoll"):
        raise UsageError("--engine epoll: this system has no epoll; use --engine selectors")
    try:
        TrustedProxies.parse(arguments.forwarded_allow_ips)
    except ValueError as error:
        raise UsageError(f"--forwarded-allow-ips: {error}") from None
    app: WSGIApplication | str
    spec: str = arguments.app or "wsgitypes.server.demo:app"
    if arguments.reload:
        if not reloader.available():
            raise UsageError("--reload needs watchfiles: pip install 'wsgitypes[reload]'")
        if not hasattr(os, "fork"):
            raise UsageError("--reload needs os.fork, which this system lacks")
        try:
            check_spec(spec)
        except LoadError as error:
            raise UsageError(str(error)) from None
        app = spec  # each worker loads it anew
    else:
        app = cast(WSGIApplication, load_app(spec))  # load_app checked it is callable
    try:
        return serve(
            app, arguments.host, arguments.port, bind=arguments.bind, workers=arguments.workers, threads=arguments.threads,
            check=arguments.check, limits=limits, timeouts=timeouts, backlog=arguments.backlog, script_name=arguments.script_name,
            engine=arguments.engine, tls=tls, forwarded_allow_ips=arguments.forwarded_allow_ips,
            max_requests=arguments.max_requests, max_requests_jitter=arguments.max_requests_jitter,
            reload=arguments.reload, reload_dirs=arguments.reload_dir, debug=arguments.debug or arguments.log_level == "debug",
            access_log_format=arguments.access_log_format,
        )
    except ListenError as error:
        raise UsageError(error.strerror) from None


def _configure_logging(arguments: argparse.Namespace) -> None:
    """The error log to stderr at ``--log-level``; the access log where asked; then ``--log-config`` over both."""
    logging.basicConfig(level=arguments.log_level.upper(), format="%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    access = logging.getLogger("wsgitypes.access")
    access.propagate = False
    if arguments.access_logfile or arguments.access_log:
        handler: logging.Handler
        if arguments.access_logfile in (None, "-"):
            handler = logging.StreamHandler(sys.stdout if arguments.access_logfile == "-" else sys.stderr)
        else:
            try:
                handler = logging.FileHandler(arguments.access_logfile)  # appending: each line is one write
            except OSError as error:
                raise UsageError(f"--access-logfile {arguments.access_logfile}: {error.strerror}") from None
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)
        access.setLevel(logging.INFO)
    else:
        access.setLevel(logging.WARNING)
    if arguments.log_config:
        _apply_log_config(arguments.log_config)


def _apply_log_config(path: str) -> None:
    """``logging.config.dictConfig`` with the dictionary in ``path`` (TOML if it ends in .toml, else JSON)."""
    import json
    import logging.config  # (with its handlers, sockets and pickle: 0.8 MiB a server process need not carry)
    import tomllib

    where = f"--log-config {path}"
    try:
        with open(path, "rb") as file:
            loaded: object = tomllib.load(file) if path.endswith(".toml") else json.load(file)
    except OSError as error:
        raise UsageError(f"{where}: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, ValueError) as error:
        raise UsageError(f"{where}: not valid {'TOML' if path.endswith('.toml') else 'JSON'}: {error}") from None
    if not isinstance(loaded, dict):
        raise UsageError(f"{where}: expected a dictConfig table, got {type(loaded).__name__}")
    settings: dict[str, Any] = {"disable_existing_loggers": False, **loaded}  # the server's own loggers exist already: keep them
    try:
        logging.config.dictConfig(settings)
    except (ValueError, TypeError, AttributeError, ImportError) as error:
        cause = f": {error.__cause__}" if error.__cause__ else ""
        raise UsageError(f"{where}: {error}{cause}") from None
