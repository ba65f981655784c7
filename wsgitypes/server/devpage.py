"""The development error page (``--debug``): why a request got a 500, in its body.

Without ``--debug`` a failing application's client gets a short 500 that points to
the server's error log, and the traceback stays in the log: a traceback shows code,
paths and sometimes data that are nobody else's business.  With it, the page shows
what the log shows, so the developer sees it in the browser:

* for a :class:`~wsgitypes.WSGIViolation`, the rule's id, what it requires and where
  PEP 3333 (or the HTTP RFC) says so, the message, and the traceback;
* for any other exception (an import that failed under ``--reload`` included), the
  exception and its traceback.

A client that asks for HTML (``Accept: text/html``, as browsers do) gets an HTML
page; ``curl`` and the rest get plain text.
"""

from __future__ import annotations

import traceback
from http import HTTPStatus

from wsgitypes.rules import WSGIViolation
from wsgitypes.server.response import http_date

__all__ = ["debug_response"]


def debug_response(error: BaseException, method: str, target: str, accept: str) -> bytes:
    """A complete 500 response explaining ``error``, closing the connection (headers only for HEAD)."""
    status = HTTPStatus.INTERNAL_SERVER_ERROR
    lines = "".join(traceback.format_exception(error)).rstrip("\n")
    if isinstance(error, WSGIViolation):
        rule = error.rule
        title = f"The application broke rule {rule.id}"
        facts = [("rule", f"{rule.id} ({rule.party} {rule.level})"), ("requires", rule.requirement), ("found", error.detail)]
        facts += [("fix", rule.fix)] * bool(rule.fix) + [("source", rule.source)]
    else:
        title = f"The application raised {type(error).__name__}"
        facts = [("exception", f"{type(error).__qualname__}: {error}")]
    facts.append(("request", f"{method} {target}"))
    if "text/html" in accept:
        import html  # (here: html.entities costs every server process memory, and --debug is rare)

        escape = html.escape
        rows = "".join(f"<tr><th>{escape(name)}</th><td><code>{escape(value)}</code></td></tr>" for name, value in facts)
        body = (
            f'<!doctype html><html><head><meta charset="utf-8"><title>500: {escape(title)}</title>'
            "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto}th{text-align:left;padding-right:1em;vertical-align:top}"
            "pre{background:#f3f3f3;padding:1em;overflow:auto}</style></head><body>"
            f"<h1>500 Internal Server Error</h1><h2>{escape(title)}</h2><table>{rows}</table>"
            f"<h3>Traceback</h3><pre>{escape(lines)}</pre>"
            "<p>Shown because the server runs with <code>--debug</code>; without it this page is a plain 500 "
            "and the traceback is only in the server's error log.</p></body></html>\n"
        ).encode()
        content_type = "text/html; charset=utf-8"
    else:
        text = [f"500 Internal Server Error: {title}", ""] + [f"{name + ':':<10} {value}" for name, value in facts]
        text += ["", lines, "", "(shown because the server runs with --debug)"]
        body = ("\n".join(text) + "\n").encode()
        content_type = "text/plain; charset=utf-8"
    head = (
        f"HTTP/1.1 {status.value} {status.phrase}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        f"Cache-Control: no-store\r\nConnection: close\r\nDate: {http_date()}\r\n\r\n"
    ).encode("latin-1")
    return head if method == "HEAD" else head + body
