"""A conformance probe for WSGI servers: PEP 3333's server-side rules, checked over HTTP.

* ``wsgitypes.probe:app`` is a WSGI application to load in the server under test;
* ``python -m wsgitypes probe URL [--json]`` (or :func:`probe`) sends it a battery of
  requests and reports each server-side rule of :data:`wsgitypes.rules.RULES` as
  pass, fail or skip, with its level and what was seen.

The rooms, in the order a run goes through them: :mod:`~wsgitypes.probe.battery` sends
the requests (over :mod:`~wsgitypes.probe.client`, a raw-socket HTTP client) and
returns frozen :mod:`~wsgitypes.probe.observations`; :mod:`~wsgitypes.probe.judges`
holds one judge per rule, in a table keyed by rule id; :mod:`~wsgitypes.probe.report`
turns the verdicts into a :class:`Report`.
"""

from wsgitypes.probe.app import app
from wsgitypes.probe.battery import ProbeError, send_battery
from wsgitypes.probe.judges import CHECKS, server_rules
from wsgitypes.probe.report import Report, Result

__all__ = ["CHECKS", "ProbeError", "Report", "Result", "app", "probe", "server_rules"]


def probe(url: str, *, timeout: float = 10.0, stall: float = 1.5) -> Report:
    """Probe the ``wsgitypes.probe:app`` served at ``url``; raise :class:`ProbeError` if it cannot be.

    ``timeout`` bounds each request; ``stall`` is how long an input test waits for an
    answer before shutting down its sending side (see :mod:`wsgitypes.probe.battery`).
    """
    return Report.judge(send_battery(url, timeout=timeout, stall=stall))
