"""What happens when a rule breaks: raise, or log and carry on."""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any, Literal

from wsgitypes.rules import CLOSE_CALLED, Rule, WSGIViolation

Mode = Literal["raise", "report"]
Sink = Literal["logging", "wsgi.errors"]
SINKS: tuple[Sink, ...] = ("logging", "wsgi.errors")

logger = logging.getLogger("wsgitypes.validate")

_DROPPED_KEPT = 256  # descriptions of never-closed responses kept until unclosed() asks (each is reported anyway)


class Reporter:
    """Turns a broken rule into a :class:`WSGIViolation`, raised or reported.

    POLICY rules (HTTP practice beyond PEP 3333) are reported only when asked for
    and never raised, whatever the mode.  One reporter serves every request of a
    validator; what belongs to one request (the repeats of a rule, the violation an
    application swallowed) is kept by that request's exchange.

    It also keeps the validator's account of responses that have ``close()``: the
    ones handed to the server and not closed yet (:attr:`open`, by ``id``) and the
    ones the server dropped without closing (:attr:`dropped`).
    """

    __slots__ = ("raising", "sinks", "ignore", "policy", "logger", "open", "dropped")

    def __init__(
        self,
        mode: Mode,
        sinks: Collection[str],
        ignore: Collection[str],
        policy: bool,
        log: logging.Logger,
    ) -> None:
        self.raising = mode == "raise"
        self.sinks = frozenset(sinks)
        self.ignore = frozenset(ignore)
        self.policy = policy
        self.logger = log
        self.open: set[int] = set()
        self.dropped: list[str] = []

    def wants(self, rule: Rule) -> bool:
        """The rule is checked: not ignored, and not a POLICY rule unless ``http_policy``."""
        return rule.id not in self.ignore and (rule.level != "POLICY" or self.policy)

    def raises(self, rule: Rule) -> bool:
        return self.raising and rule.level != "POLICY"

    def seen(self, error: WSGIViolation) -> None:
        """Every violation found, raised or reported, passes here first (repeats too).

        Does nothing; an observer overrides it: the pytest plugin, to tell which test
        broke which rule, and tests that must see violations an application swallows.
        """

    def violation(self, rule: Rule, detail: str) -> None:
        """Raise (in raise mode) or report a violation that belongs to no request's exchange."""
        if not self.wants(rule):
            return
        error = WSGIViolation(rule, detail)
        self.seen(error)
        if self.raises(rule):
            raise error
        self.emit(str(error), None)

    def never_closed(self, description: str, errors: Any) -> None:
        """A response with ``close()`` was dropped unclosed: kept for ``unclosed()`` and reported.

        Called from ``__del__``, where an exception reaches nobody (``sys.unraisablehook``
        at best, a failure pinned on an unrelated test under ``filterwarnings=error``):
        this never raises, in either mode.
        """
        if not self.wants(CLOSE_CALLED):
            return
        if len(self.dropped) < _DROPPED_KEPT:
            self.dropped.append(description)
        error = WSGIViolation(CLOSE_CALLED, description)
        self.seen(error)
        self.emit(str(error), errors)

    def repeats(self, rule: Rule, count: int, errors: Any) -> None:
        """Close a request in which ``rule`` broke ``count`` times (the first one was reported)."""
        self.emit(f"[{rule.id}] {rule.party} {rule.level}: broken {count} times in this request, "
                  f"reported once above ({rule.source})", errors)

    def emit(self, text: str, errors: Any) -> None:
        """Write one report line to the sinks (``errors``: the request's own ``wsgi.errors``); never raises."""
        try:
            if "logging" in self.sinks:
                self.logger.warning("%s", text)
            if "wsgi.errors" in self.sinks and errors is not None:
                try:
                    errors.write(f"{text}\n")
                    errors.flush()  # PEP 3333: servers need not flush wsgi.errors; uWSGI buffers it until exit
                except Exception:  # a broken error stream must not take the response down
                    self.logger.warning("%s (wsgi.errors could not be written)", text)
        except Exception:  # logging at interpreter exit, a failing handler: the request goes on
            pass
