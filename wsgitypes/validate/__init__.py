"""A validator middleware that checks both sides of every WSGI call against PEP 3333.

::

    from wsgitypes.validate import validator
    app = validator(app)                      # raise WSGIViolation on any broken rule
    app = validator(app, mode="report", sample=0.01)   # production: log 1% of requests' problems

It sits between a server and an application and checks what each owes the other,
using the rules of :mod:`wsgitypes.rules`: the environ and streams the server
provides, how it calls the application and honours ``exc_info`` and ``close()``;
the application's status, headers, ``start_response`` / ``write`` protocol, its use
of the streams, and the response iterable (bytes only, ``len()`` accurate, body
length equal to Content-Length where HTTP requires it).

A response made by the server's ``wsgi.file_wrapper`` is handed back to the server
unwrapped, so platform fast paths such as ``sendfile`` keep working.
"""

# The values checked here come from the other party and are of unknown type on
# purpose; narrowing them with type() leaves pyright with Unknown parts, which is
# the point of checking them, not a gap in the annotations.
# pyright: reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnknownArgumentType=false

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from random import random
from typing import Any

from wsgitypes import rules
from wsgitypes.rules import WSGIViolation
from wsgitypes.types import WSGIApplication
from wsgitypes.validate._environ import check_environ, environ_looks_right
from wsgitypes.validate._exchange import Exchange
from wsgitypes.validate._report import Mode, Reporter, Sink, logger
from wsgitypes.validate._streams import ErrorsWrapper, InputWrapper

__all__ = ["Validator", "WSGIViolation", "validator"]


class _FileWrapperSpy:
    """Stands in for a function-style ``wsgi.file_wrapper`` for one request, to know what it made.

    Per request and by identity: remembering the *types* it returned would let any
    response of such a type (a generator, say) skip every check on later requests.
    """

    __slots__ = ("wrapper", "made")

    def __init__(self, wrapper: Any) -> None:
        self.wrapper = wrapper
        self.made: tuple[Any, ...] = ()

    def __call__(self, *args: Any) -> Any:
        result = self.wrapper(*args)
        self.made += (result,)
        return result


class Validator:
    """The WSGI application :func:`validator` returns; see the module docstring."""

    __slots__ = ("app", "report", "sample", "_errors")

    def __init__(self, app: WSGIApplication, report: Reporter, sample: float) -> None:
        self.app = app
        self.report = report
        self.sample = sample
        self._errors: dict[int, ErrorsWrapper] = {}

    def __call__(self, *args: Any, **kwargs: Any) -> Iterable[bytes]:
        if self.sample < 1.0 and random() >= self.sample:
            return self.app(*args, **kwargs)
        if kwargs or len(args) != 2:
            self.report.violation(rules.SERVER_CALL, f"called with {len(args)} positional arguments and keywords {sorted(kwargs)}")
            return self.app(*args, **kwargs)
        environ, start_response = args
        if not environ_looks_right(environ):
            check_environ(environ, self.report)
            if not isinstance(environ, dict):
                return self.app(environ, start_response)
        report = self.report
        exchange = Exchange(report, environ, start_response)
        if "wsgi.input" in environ:
            environ["wsgi.input"] = InputWrapper(environ["wsgi.input"], report, environ)
        if "wsgi.errors" in environ:
            environ["wsgi.errors"] = self._errors_wrapper(environ["wsgi.errors"])
        file_wrapper = environ.get("wsgi.file_wrapper")
        if file_wrapper is not None and not isinstance(file_wrapper, type):
            file_wrapper = environ["wsgi.file_wrapper"] = _FileWrapperSpy(file_wrapper)
        try:
            result = self.app(environ, exchange.start_response)
        except WSGIViolation:
            raise
        except BaseException:
            if exchange.first_violation is not None and report.raising:
                raise exchange.first_violation from None
            raise
        if file_wrapper is not None and (
            type(result) is file_wrapper
            or (type(file_wrapper) is _FileWrapperSpy and any(result is made for made in file_wrapper.made))
        ):
            if exchange.reraised or exchange.first_violation is not None:
                exchange.check_returned()  # a trapped exc_info, a violation the application swallowed
            if not exchange.status:
                exchange.violation(rules.FILE_WRAPPER_STARTED, "a wsgi.file_wrapper response was returned before start_response")
            return result
        body: Iterable[bytes] = exchange.app_returned(result)
        return body

    def _errors_wrapper(self, stream: Any) -> ErrorsWrapper:
        wrapper = self._errors.get(id(stream))
        if wrapper is None or wrapper.stream is not stream:
            wrapper = ErrorsWrapper(stream, self.report)
            if len(self._errors) < 64:  # servers reuse a handful of error streams at most
                self._errors[id(stream)] = wrapper
        return wrapper


_TO_LOGGING: tuple[Sink, ...] = ("logging",)


def validator(
    app: WSGIApplication,
    /,
    *,
    mode: Mode = "raise",
    sample: float = 1.0,
    report_to: Collection[Sink] = _TO_LOGGING,
    ignore: Collection[str] = (),
    http_policy: bool = False,
    log: logging.Logger = logger,
) -> WSGIApplication:
    """Wrap ``app`` so that every call is checked against PEP 3333.

    * ``mode="raise"`` (default) raises :class:`~wsgitypes.WSGIViolation` at the first
      broken rule; ``mode="report"`` logs it and lets the request carry on.
    * ``sample``: the share of requests checked (0.0 to 1.0); the rest go straight
      to ``app``.  Meant for report mode in production.
    * ``report_to``: where report mode writes: ``"logging"`` (logger
      ``wsgitypes.validate``) and/or ``"wsgi.errors"`` (the request's error stream).
    * ``ignore``: rule ids (see :data:`wsgitypes.rules.RULES`) not to check.
    * ``http_policy``: also report HTTP practice beyond PEP 3333 (Content-Type
      present, ETag quoted, ...).  These are logged, never raised.
    """
    unknown = rules.unknown_rule_ids(ignore)
    if unknown:
        raise ValueError(f"ignore: {unknown}")
    if not 0.0 <= sample <= 1.0:
        raise ValueError(f"sample must be between 0.0 and 1.0, got {sample!r}")
    if mode not in ("raise", "report"):
        raise ValueError(f"mode must be 'raise' or 'report', got {mode!r}")
    return Validator(app, Reporter(mode, report_to, ignore, http_policy, log), sample)
