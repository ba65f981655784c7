"""``python -m wsgitypes probe URL [--json]``: probe a server that serves ``wsgitypes.probe:app``."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys

from wsgitypes.probe import ProbeError, probe

__all__ = ["main"]

USAGE_EPILOG = """\
Serve the probe application in the server under test, then point the driver at it:

  gunicorn --bind 127.0.0.1:8000 wsgitypes.probe:app
  python -m wsgitypes probe http://127.0.0.1:8000 [--json]

Exit status: 0 when no PEP 3333 rule fails, 1 when one does, 2 when the URL cannot be
probed (nothing listening, not HTTP, or not the probe application) or h11 is missing.
The probe deliberately raises one exception inside the server (the exc_info test), and
writes two lines to wsgi.errors: both show up in the server's log.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m wsgitypes probe",
        description="Report, rule by rule, how a WSGI server follows PEP 3333.",
        epilog=USAGE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("url", help="where wsgitypes.probe:app is served, e.g. http://127.0.0.1:8000")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for each response (default 10)")
    parser.add_argument(
        "--stall",
        type=float,
        default=1.5,
        help="seconds an input test waits before shutting down its sending side (default 1.5)",
    )
    args = parser.parse_args(argv)
    if importlib.util.find_spec("h11") is None:
        print("wsgitypes probe: the probe needs h11: pip install 'wsgitypes[probe]'", file=sys.stderr)
        return 2
    try:
        report = probe(args.url, timeout=args.timeout, stall=args.stall)
    except ProbeError as exc:
        print(f"wsgitypes probe: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print(report.to_text())
    return 1 if report.failures else 0
