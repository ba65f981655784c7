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
unwrapped, so platform fast paths such as ``sendfile`` keep working.  Nothing either
side gets is changed: a short list body is handed back as it is, a longer body is one
iteration however often ``iter()`` is called on it, and stream methods beyond PEP
3333's (``seek``...) work, noted as ``stream-extension``.  What the application can
tell: ``wsgi.input`` and ``wsgi.errors`` are wrappers, not the server's own objects.

Report mode reports a rule once per request and counts its repeats.  A response the
server drops without ``close()`` is reported, never raised (it is found in ``__del__``),
and :meth:`Validator.unclosed` lists it; ``pytest --wsgi-validate``
(:mod:`wsgitypes.pytest`) checks that at the end of every test.
"""

# The values checked in this package come from the other party and are of unknown
# type on purpose; narrowing them with type() leaves pyright with Unknown parts, which
# is the point of checking them, not a gap in the annotations.  Each module of the
# package says so to pyright with the line below.
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
from wsgitypes.validate._exchange import Exchange, FileWrapperSpy
from wsgitypes.validate._report import SINKS, Mode, Reporter, Sink, logger
from wsgitypes.validate._streams import ErrorsWrapper, InputWrapper

__all__ = ["Validator", "WSGIViolation", "validator"]


class Validator:
    """The WSGI application :func:`validator` returns; see the module docstring."""

    __slots__ = ("app", "report", "sample")

    def __init__(self, app: WSGIApplication, report: Reporter, sample: float) -> None:
        self.app = app
        self.report = report
        self.sample = sample

    def __call__(self, *args: Any, **kwargs: Any) -> Iterable[bytes]:
        if self.sample < 1.0 and random() >= self.sample:
            return self.app(*args, **kwargs)
        if kwargs or len(args) != 2:
            self.report.violation(rules.SERVER_CALL, f"called with {len(args)} positional arguments and keywords {sorted(kwargs)}")
            return self.app(*args, **kwargs)
        environ, start_response = args
        report = self.report
        exchange = Exchange(report, environ, start_response)
        if not environ_looks_right(environ, report.policy):
            check_environ(environ, exchange)
            if not isinstance(environ, dict):
                return self.app(environ, start_response)
        if "wsgi.input" in environ:
            environ["wsgi.input"] = InputWrapper(environ["wsgi.input"], exchange, environ)
        if "wsgi.errors" in environ:
            environ["wsgi.errors"] = ErrorsWrapper(environ["wsgi.errors"], exchange)
        file_wrapper = environ.get("wsgi.file_wrapper")
        if file_wrapper is not None and not isinstance(file_wrapper, type):
            file_wrapper = environ["wsgi.file_wrapper"] = FileWrapperSpy(file_wrapper)
        try:
            result = self.app(environ, exchange.start_response)
        except BaseException as error:
            exchange.app_raised(error)
            raise
        body: Iterable[bytes] = exchange.app_returned(result, environ, file_wrapper)
        return body

    def unclosed(self) -> list[str]:
        """The responses with ``close()`` that the server dropped without calling it; then forgets them.

        Each is described as ``"GET /path: the server never called close() on generator"``,
        and was also reported (never raised) when it was dropped.  A response the server
        still holds is not listed yet: :meth:`open_responses` counts those (call
        ``gc.collect()`` first when the server may hold one in a reference cycle).
        """
        dropped, self.report.dropped = self.report.dropped, []
        return dropped

    def open_responses(self) -> int:
        """How many responses with ``close()`` were handed to the server and are neither closed nor dropped."""
        return len(self.report.open)


_TO_LOGGING: tuple[Sink, ...] = ("logging",)


def validator(
    app: WSGIApplication,
    /,
    *,
    mode: Mode = "raise",
    sample: float = 1.0,
    report_to: Collection[str] = _TO_LOGGING,
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
    if isinstance(report_to, str) or not set(report_to) <= set(SINKS):
        raise ValueError(f"report_to must be a collection of {' and/or '.join(map(repr, SINKS))}, got {report_to!r}")
    return Validator(app, Reporter(mode, report_to, ignore, http_policy, log), sample)
