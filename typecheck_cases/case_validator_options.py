"""``validator()``'s options given from variables, as configuration code does.

A tuple of sink names kept in a variable is inferred ``tuple[str]``, not a tuple of
literals: ``report_to`` takes any collection of str (an unknown name is a
``ValueError`` at wrap time).  ``ignore`` takes str rule ids the same way.  (A bare str is a collection of str to a
checker; the validator refuses it at wrap time.)
"""

from __future__ import annotations

from collections.abc import Iterable

from wsgitypes import StartResponse, WSGIApplication, WSGIEnvironment
from wsgitypes.validate import validator


def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


sinks = ("wsgi.errors",)
both = ["logging", "wsgi.errors"]
ignored = {"content-length-match"}

checked: WSGIApplication = validator(app, report_to=sinks)
checked = validator(app, mode="report", report_to=both, ignore=ignored, sample=0.5)
checked = validator(app, report_to=("logging",))
checked = validator(app, mode="warn")  # E -- mode is "raise" or "report"
