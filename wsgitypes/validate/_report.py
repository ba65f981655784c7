"""What happens when a rule breaks: raise, or log and carry on."""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any, Literal

from wsgitypes.rules import Rule, WSGIViolation

Mode = Literal["raise", "report"]
Sink = Literal["logging", "wsgi.errors"]

logger = logging.getLogger("wsgitypes.validate")


class Reporter:
    """Turns a broken rule into a :class:`WSGIViolation`, raised or reported.

    POLICY rules (HTTP practice beyond PEP 3333) are reported only when asked for
    and never raised, whatever the mode.
    """

    __slots__ = ("raising", "sinks", "ignore", "policy", "logger")

    def __init__(
        self,
        mode: Mode,
        sinks: Collection[Sink],
        ignore: Collection[str],
        policy: bool,
        log: logging.Logger,
    ) -> None:
        self.raising = mode == "raise"
        self.sinks = frozenset(sinks)
        self.ignore = frozenset(ignore)
        self.policy = policy
        self.logger = log

    def violation(self, rule: Rule, detail: str, environ: dict[str, Any] | None = None) -> WSGIViolation | None:
        """Raise (in raise mode) or report the violation; return it when it was only reported."""
        if rule.id in self.ignore or (rule.level == "POLICY" and not self.policy):
            return None
        error = WSGIViolation(rule, detail)
        if self.raising and rule.level != "POLICY":
            raise error
        self.emit(error, environ)
        return error

    def emit(self, error: WSGIViolation, environ: dict[str, Any] | None) -> None:
        if "logging" in self.sinks:
            self.logger.warning("%s", error)
        if "wsgi.errors" in self.sinks and environ is not None:
            try:
                stream = environ["wsgi.errors"]
                stream.write(f"{error}\n")
                stream.flush()  # PEP 3333: servers need not flush wsgi.errors; uWSGI buffers it until exit
            except Exception:  # a broken error stream must not take the response down
                self.logger.warning("%s (wsgi.errors could not be written)", error)
