"""A pytest plugin: every WSGI call your tests make, checked against PEP 3333.

::

    pytest --wsgi-validate              # raise WSGIViolation where a rule breaks
    pytest --wsgi-validate=report       # list what breaks at the end; fail nothing

or in the project's configuration (``wsgi_validate = "raise"``, see below).  The
plugin is installed with wsgitypes (a ``pytest11`` entry point) and does nothing
until it is switched on; ``pytest -p wsgitypes.pytest`` loads it where plugin
autoloading is off.  pytest stays a test-time dependency: wsgitypes never imports
this module itself.

Switched on, it puts :func:`wsgitypes.validate.validator` around every application
called by

* werkzeug's test client (so Flask's ``app.test_client()``) and werkzeug's
  development server started in the test process;
* Django's test client (``django.test.Client``): Django hands the test a response
  object, not a WSGI call, so the plugin checks what Django's ``WSGIHandler`` would
  send: the test client's environ, Django's status line and headers, and the body
  (streamed bodies as the test reads them);
* WebTest's ``TestApp`` and anything else that uses WebOb's ``Request.get_response``;
* ``wsgiref``: ``wsgiref.simple_server`` and every ``wsgiref.handlers`` handler, and
  harnesses that wrap their app in ``wsgiref.validate.validator`` (ours goes around it).

Each violation is named with the rule and the test in the terminal summary.  In
raise mode a broken *application* rule raises :class:`~wsgitypes.WSGIViolation`
inside the call, so the test fails there, with the rule id in the message.  A
broken *server* rule is the test harness's (the test client is the server here,
and not your code): it is listed, not raised, unless ``wsgi_validate_harness =
raise``.  A response with ``close()`` that nobody closed by the end of the test is
a ``close-called`` finding of that test.

Configuration (``[tool.pytest.ini_options]`` or ``pytest.ini``)::

    wsgi_validate = raise              # or report; off by default
    wsgi_validate_harness = report     # or raise: server rules broken by the harness
    wsgi_validate_ignore = content-length-match http-etag
    wsgi_validate_http_policy = false  # also report POLICY rules

``--wsgi-validate-findings=PATH`` appends every finding to ``PATH`` as a JSON line
(``test``, ``rule``, ``party``, ``level``, ``raised``, ``message``).  A server the
tests start in a subprocess is checked too if that Python calls
:func:`install_from_environment` at start-up (from a ``sitecustomize`` module, say):
the plugin passes its settings on in ``WSGITYPES_VALIDATE*`` environment variables.
"""

from __future__ import annotations

import gc
import importlib.abc
import importlib.machinery
import json
import os
import sys
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest

from wsgitypes import rules
from wsgitypes.rules import Rule, WSGIViolation
from wsgitypes.validate import Validator
from wsgitypes.validate._report import Mode, Reporter, logger

__all__ = ["install_from_environment"]

_MODES = ("raise", "report")
_ENV_MODE = "WSGITYPES_VALIDATE"
_ENV_HARNESS = "WSGITYPES_VALIDATE_HARNESS"
_ENV_IGNORE = "WSGITYPES_VALIDATE_IGNORE"
_ENV_POLICY = "WSGITYPES_VALIDATE_HTTP_POLICY"
_ENV_FINDINGS = "WSGITYPES_VALIDATE_FINDINGS"


@dataclass(frozen=True)
class Finding:
    test: str
    rule: Rule
    raised: bool
    message: str


class _TestReporter(Reporter):
    """A reporter that tells which test broke which rule, and raises server rules only if asked."""

    __slots__ = ("raise_harness", "findings", "findings_file", "_lock")

    def __init__(self, mode: Mode, raise_harness: bool, ignore: Collection[str], policy: bool, findings_file: str | None, log: bool) -> None:
        # In the test process the findings go to the terminal summary; a server
        # subprocess logs them too (its log is what a failing test shows).
        super().__init__(mode, ("logging",) if log else (), ignore, policy, logger)
        self.raise_harness = raise_harness
        self.findings: list[Finding] = []
        self.findings_file = findings_file
        self._lock = threading.Lock()

    def raises(self, rule: Rule) -> bool:
        return super().raises(rule) and (rule.party == "application" or self.raise_harness)

    def seen(self, error: WSGIViolation) -> None:
        finding = Finding(_current_test(), error.rule, self.raises(error.rule), str(error))
        with self._lock:
            self.findings.append(finding)
            if self.findings_file:
                record = {
                    "test": finding.test, "rule": error.rule.id, "party": error.rule.party,
                    "level": error.rule.level, "raised": finding.raised, "message": finding.message,
                }  # fmt: skip
                with open(self.findings_file, "a", encoding="utf-8") as out:
                    out.write(json.dumps(record) + "\n")


_reporter: _TestReporter | None = None
_running = ""  # the node id of the test being run (setup, call and teardown) in this process


def _current_test() -> str:
    """The running test: ours, or in a server subprocess the parent's (pytest keeps it in the environment)."""
    return _running or os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]


def _wrap(app: Any) -> Any:
    """``app`` inside the session's validator (once: a validated app is not wrapped again)."""
    if _reporter is None or isinstance(app, Validator):
        return app
    return Validator(app, _reporter, 1.0)


# --- the harnesses ----------------------------------------------------------------------
#
# One patch per module, applied when that module is imported (at once if it already
# is): the plugin never imports a framework the tests do not use.

_undo: list[Callable[[], None]] = []
_patched: set[str] = set()


def _patch(owner: Any, name: str, replacement: Callable[[Callable[..., Any]], Any]) -> None:
    original = getattr(owner, name)
    setattr(owner, name, replacement(original))
    _undo.append(lambda: setattr(owner, name, original))


def _patch_werkzeug_test(module: ModuleType) -> None:
    def run_wsgi_app(original: Callable[..., Any]) -> Callable[..., Any]:
        def run_wsgi_app(app: Any, environ: Any, buffered: bool = False) -> Any:
            return original(_wrap(app), environ, buffered)

        return run_wsgi_app

    _patch(module, "run_wsgi_app", run_wsgi_app)


def _patch_werkzeug_serving(module: ModuleType) -> None:
    def server_init(original: Callable[..., Any]) -> Callable[..., Any]:
        def __init__(self: Any, host: str, port: int, app: Any, *args: Any, **kwargs: Any) -> None:
            original(self, host, port, _wrap(app), *args, **kwargs)

        return __init__

    _patch(module.BaseWSGIServer, "__init__", server_init)


def _patch_webob_request(module: ModuleType) -> None:
    def call_application(original: Callable[..., Any]) -> Callable[..., Any]:
        def call_application(self: Any, application: Any, catch_exc_info: bool = False) -> Any:
            return original(self, _wrap(application), catch_exc_info)

        return call_application

    _patch(module.BaseRequest, "call_application", call_application)


def _patch_wsgiref_handlers(module: ModuleType) -> None:
    def run(original: Callable[..., Any]) -> Callable[..., Any]:
        def run(self: Any, application: Any) -> Any:
            return original(self, _wrap(application))

        return run

    _patch(module.BaseHandler, "run", run)


def _patch_wsgiref_validate(module: ModuleType) -> None:
    def validator(original: Callable[..., Any]) -> Callable[..., Any]:
        def validator(application: Any) -> Any:
            return _wrap(original(application))

        return validator

    _patch(module, "validator", validator)


def _harness_start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> Callable[[bytes], object]:
    return _no_write


def _no_write(data: bytes) -> None:
    pass


class _StreamedBody:
    """A streamed Django body handed to the validator: iterable once, nothing else."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.chunks)


def _patch_django_test_client(module: ModuleType) -> None:
    def handler_call(original: Callable[..., Any]) -> Callable[..., Any]:
        def __call__(self: Any, environ: dict[str, Any]) -> Any:
            made: list[Any] = []

            def as_wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
                # What django.core.handlers.wsgi.WSGIHandler sends for this response.
                response = original(self, environ)
                made.append(response)
                status = f"{response.status_code} {response.reason_phrase}"
                cookies = [("Set-Cookie", cookie.OutputString()) for cookie in response.cookies.values()]
                start_response(status, [*response.items(), *cookies])
                if not response.streaming:
                    return [response.content]
                if response.is_async:  # read by the test with `async for`: left alone
                    return []
                return _StreamedBody(response.streaming_content)

            body = _wrap(as_wsgi)(environ, _harness_start_response)
            if not made:  # the validator refused the environ before Django ran (report mode never does)
                return original(self, environ)
            response = made[0]
            if response.streaming and not response.is_async:
                response.streaming_content = body  # the test reads it through the validator
            else:
                for _ in body:
                    pass
                close = getattr(body, "close", None)
                if close is not None:
                    close()
            return response

        return __call__

    _patch(module.ClientHandler, "__call__", handler_call)


_HARNESSES: dict[str, Callable[[ModuleType], None]] = {
    "werkzeug.test": _patch_werkzeug_test,
    "werkzeug.serving": _patch_werkzeug_serving,
    "webob.request": _patch_webob_request,
    "wsgiref.handlers": _patch_wsgiref_handlers,
    "wsgiref.validate": _patch_wsgiref_validate,
    "django.test.client": _patch_django_test_client,
}


def _patch_module(name: str, module: ModuleType) -> None:
    if name in _patched:
        return
    _patched.add(name)
    try:
        _HARNESSES[name](module)
    except Exception as error:  # a version that looks different: say so, and leave it unwrapped
        logger.warning("wsgitypes.pytest: cannot wrap the applications %s calls: %r", name, error)


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: it lets the import of a harness module run, then patches it."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name not in _HARNESSES or name in _patched:
            return None
        spec: importlib.machinery.ModuleSpec | None = None
        for finder in sys.meta_path:
            find: Any = getattr(finder, "find_spec", None)
            if finder is not self and find is not None and (spec := find(name, path, target)) is not None:
                break
        if spec is None:
            return None
        loader: Any = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run_module = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run_module(module)
            _patch_module(name, module)

        loader.exec_module = exec_module  # this loader serves this module only
        return spec


_finder = _PatchOnImport()


def install(
    mode: Mode,
    *,
    harness: Mode = "report",
    ignore: Iterable[str] = (),
    http_policy: bool = False,
    findings_file: str | None = None,
    log: bool = False,
) -> None:
    """Validate every application the harnesses call, from now on (see the module docstring)."""
    global _reporter
    ignore = list(ignore)
    unknown = rules.unknown_rule_ids(ignore)
    if unknown:
        raise ValueError(f"wsgi_validate_ignore: {unknown}")
    if mode not in _MODES or harness not in _MODES:
        raise ValueError(f"wsgi_validate and wsgi_validate_harness are 'raise' or 'report', got {mode!r}, {harness!r}")
    uninstall()
    _reporter = _TestReporter(mode, harness == "raise", ignore, http_policy, findings_file, log)
    for name in _HARNESSES:
        if name in sys.modules:
            _patch_module(name, sys.modules[name])
    sys.meta_path.insert(0, _finder)


def uninstall() -> None:
    global _reporter
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    while _undo:
        _undo.pop()()
    _patched.clear()
    _reporter = None


def install_from_environment() -> None:
    """In a process the tests started (a server), validate as the plugin in the parent does.

    Does nothing unless ``WSGITYPES_VALIDATE`` is set (the plugin sets it while on).
    """
    mode = os.environ.get(_ENV_MODE)
    if mode not in _MODES:
        return
    install(
        mode,  # type: ignore[arg-type]  # checked above
        harness="raise" if os.environ.get(_ENV_HARNESS) == "raise" else "report",
        ignore=os.environ.get(_ENV_IGNORE, "").split(),
        http_policy=os.environ.get(_ENV_POLICY) == "1",
        findings_file=os.environ.get(_ENV_FINDINGS) or None,
        log=True,
    )


# --- pytest hooks ------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wsgitypes", "PEP 3333 checks of every WSGI call (wsgitypes)")
    group.addoption(
        "--wsgi-validate", nargs="?", const="raise", choices=("raise", "report", "off"), default=None,
        help="validate every WSGI application the tests call: raise (default) or report",
    )  # fmt: skip
    group.addoption("--wsgi-validate-findings", metavar="PATH", default=None, help="append each finding to PATH as a JSON line")
    parser.addini("wsgi_validate", "raise, report or off (default): validate every WSGI call", default="off")
    parser.addini("wsgi_validate_harness", "report (default) or raise: server rules broken by test harnesses", default="report")
    parser.addini("wsgi_validate_ignore", "rule ids not to check", type="args", default=[])
    parser.addini("wsgi_validate_http_policy", "also report POLICY rules", type="bool", default=False)


def pytest_configure(config: pytest.Config) -> None:
    mode = config.getoption("wsgi_validate") or config.getini("wsgi_validate")
    if mode == "off":
        return
    if mode not in _MODES:
        raise pytest.UsageError(f"wsgi_validate must be raise, report or off, got {mode!r}")
    harness = config.getini("wsgi_validate_harness")
    ignore = config.getini("wsgi_validate_ignore")
    policy = config.getini("wsgi_validate_http_policy")
    findings = config.getoption("wsgi_validate_findings")
    try:
        install(mode, harness=harness, ignore=ignore, http_policy=policy, findings_file=findings)
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    os.environ.update({_ENV_MODE: mode, _ENV_HARNESS: harness, _ENV_IGNORE: " ".join(ignore), _ENV_POLICY: "1" if policy else ""})
    if findings:
        os.environ[_ENV_FINDINGS] = os.path.abspath(findings)
    config.add_cleanup(_unconfigure)


def _unconfigure() -> None:
    uninstall()
    for name in (_ENV_MODE, _ENV_HARNESS, _ENV_IGNORE, _ENV_POLICY, _ENV_FINDINGS):
        os.environ.pop(name, None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    global _running
    _running = item.nodeid
    try:
        yield
    finally:
        _running = ""


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    """After the test's own teardown: a response nobody closed is this test's finding."""
    yield
    reporter = _reporter
    if reporter is None:
        return
    if reporter.open:
        gc.collect()  # a response dropped in a reference cycle reaches __del__ now
    dropped, reporter.dropped = reporter.dropped, []
    raised = [text for text in dropped if reporter.raises(rules.CLOSE_CALLED)]
    if raised:
        pytest.fail("\n".join(f"[close-called] {text}" for text in raised), pytrace=False)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    reporter = _reporter
    if reporter is None:
        return
    mode = "raise" if reporter.raising else "report"
    if not reporter.findings:
        terminalreporter.write_line(f"wsgitypes ({mode} mode): every WSGI call followed PEP 3333")
        return
    grouped: dict[tuple[str, str], tuple[int, Finding]] = {}
    for finding in reporter.findings:
        key = (finding.rule.id, finding.test)
        count, first = grouped.get(key, (0, finding))
        grouped[key] = (count + 1, first)
    terminalreporter.section(f"wsgitypes: PEP 3333 violations ({mode} mode)")
    for (_, test), (count, first) in sorted(grouped.items()):
        times = f" ({count} times)" if count > 1 else ""
        terminalreporter.write_line(f"{test or '(outside a test)'}: {first.message}{times}")
    tests = {test for _, test in grouped}
    terminalreporter.write_line(f"{len(reporter.findings)} violations of {len({rule for rule, _ in grouped})} rules in {len(tests)} tests")
