"""A conformance probe for WSGI servers: PEP 3333's server-side rules, checked over HTTP.

* ``wsgitypes.probe:app`` is a WSGI application to load in the server under test;
* ``python -m wsgitypes probe URL [--json]`` (or :func:`probe`) sends it a battery of
  requests and reports each server-side rule of :data:`wsgitypes.rules.RULES` as
  pass, fail or skip, with what was seen.
"""

from wsgitypes.probe.app import app
from wsgitypes.probe.driver import CHECKS, ProbeError, Report, Result, probe, server_rules

__all__ = ["CHECKS", "ProbeError", "Report", "Result", "app", "probe", "server_rules"]
