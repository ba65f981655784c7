"""The probe's report: one :class:`Result` per rule and per check, as a text table or JSON.

:meth:`Report.judge` runs every entry of :data:`~wsgitypes.probe.judges.RULE_JUDGES`
(in catalogue order) and of :data:`~wsgitypes.probe.judges.CHECK_JUDGES` over the
observations of one battery.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from wsgitypes.probe.judges import CHECK_JUDGES, CHECKS, RULE_JUDGES, Judge, NotRevealable, Status, server_rules, verdict
from wsgitypes.probe.observations import Observations
from wsgitypes.rules import RULES, Level, Rule

__all__ = ["Report", "Result"]


@dataclass(frozen=True)
class Result:
    """The verdict on one rule or check."""

    rule: str
    level: Level
    status: Status
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "level": self.level, "status": self.status, "detail": self.detail}


def _count(results: Iterable[Result]) -> dict[str, int]:
    counts = {"pass": 0, "fail": 0, "skip": 0}
    for result in results:
        counts[result.status] += 1
    return counts


@dataclass(frozen=True)
class Report:
    """The outcome of one probe run."""

    url: str
    server: str
    """The Server header, else SERVER_SOFTWARE, else "unknown"."""
    software: str | None
    """SERVER_SOFTWARE, as the application saw it."""
    rules: tuple[Result, ...]
    """Every server-side rule of the catalogue, in catalogue order."""
    checks: tuple[Result, ...]
    """Every check of :data:`~wsgitypes.probe.judges.CHECKS`."""

    @classmethod
    def judge(cls, observations: Observations) -> Report:
        """Judge every rule and check on what one battery saw."""
        answer = observations.ping.answer
        software = answer.software if answer else None
        server = observations.ping.response.header("server") or software or "unknown"
        rules = tuple(_result(RULES[rule_id], RULE_JUDGES[rule_id], observations) for rule_id in server_rules())
        checks = tuple(_result(CHECKS[check_id], judge, observations) for check_id, judge in CHECK_JUDGES.items())
        return cls(observations.url, server, software, rules, checks)

    @property
    def failures(self) -> list[Result]:
        """The rules that failed, whatever their level."""
        return [result for result in self.rules if result.status == "fail"]

    @property
    def pep3333_failures(self) -> list[Result]:
        """The MUST and SHOULD rules that failed: what makes the probe's exit status 1 (POLICY is HTTP advice)."""
        return [result for result in self.failures if result.level != "POLICY"]

    def to_json(self) -> dict[str, Any]:
        """``{"server", "rules": [{"rule", "level", "status", "detail"}], ...}``; also url, software, checks, summary."""
        return {
            "server": self.server,
            "url": self.url,
            "software": self.software,
            "rules": [result.to_json() for result in self.rules],
            "checks": [result.to_json() for result in self.checks],
            "summary": {"rules": _count(self.rules), "checks": _count(self.checks)},
        }

    def to_text(self) -> str:
        """A readable table: the catalogue's server rules, then the other checks; each with its level."""
        lines = [f"wsgitypes probe of {self.url}", f"server: {self.server}"]
        if self.software and self.software != self.server:
            lines.append(f"SERVER_SOFTWARE: {self.software}")
        for title, results in (
            ("PEP 3333 server-side rules (wsgitypes.rules)", self.rules),
            ("Other checks (PEP 3333 notes, HTTP)", self.checks),
        ):
            counts = _count(results)
            lines += ["", f"{title}: {counts['pass']} pass, {counts['fail']} fail, {counts['skip']} skip"]
            width = max((len(result.rule) for result in results), default=4)
            lines.append(f"  {'rule'.ljust(width)}  level   status  detail")
            lines.append(f"  {'-' * width}  ------  ------  ------")
            for result in results:
                lines.append(f"  {result.rule.ljust(width)}  {result.level.ljust(6)}  {result.status.upper().ljust(6)}  {result.detail}")
        return "\n".join(lines)


def _result(rule: Rule, entry: Judge | NotRevealable, observations: Observations) -> Result:
    found = verdict(entry, observations)
    return Result(rule.id, rule.level, found.status, found.detail)
