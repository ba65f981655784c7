"""The app ``python -m wsgitypes serve`` runs when none is named: WSGI, shown from inside.

Each page is a lesson on one part of PEP 3333, answered by a plain WSGI function
typed with the wsgitypes protocols:

* ``/``        the environ this request produced, key by key, and the rules checked;
* ``/echo``    a POST body read from ``wsgi.input``;
* ``/stream``  a generator body, sent chunked because it has no Content-Length;
* ``/write``   the legacy ``write()`` callable;
* ``/broken``  an application that breaks a rule (a status without a reason
  phrase): with checks on, the server answers 500 and logs the WSGIViolation; run
  with ``--debug`` and the 500 page itself names the rule, shows what PEP 3333 asks
  and where the application broke it.

Browsers get HTML; ``curl`` and other clients that do not ask for it get text.
"""

from __future__ import annotations

import html
from collections.abc import Iterator

from wsgitypes.environ import WELL_KNOWN_KEYS
from wsgitypes.rules import RULES, Rule
from wsgitypes.types import StartResponse, WSGIEnvironment

__all__ = ["app"]

_PAGES = {
    "/": "the environ of this request, and the rules checked",
    "/echo": "POST a body: read from wsgi.input",
    "/stream": "a generator body, sent chunked",
    "/write": "the write() callable",
    "/broken": "an application that breaks a rule (start with --debug to see which in the 500 page)",
}


def app(environ: WSGIEnvironment, start_response: StartResponse, /) -> Iterator[bytes] | list[bytes]:
    """The demo application; see the module docstring."""
    path: str = environ["PATH_INFO"]
    wants_html = "text/html" in environ.get("HTTP_ACCEPT", "")
    if path == "/echo":
        return _echo(environ, start_response, wants_html)
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
        return _count_down()
    if path == "/write":
        write = start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
        write(b"write() sends these bytes before the application even returns.\n")
        write(b"PEP 3333 keeps write() for old frameworks; new code returns an iterable.\n")
        return []
    if path == "/broken":
        start_response("200", [("Content-Type", "text/plain")])  # no reason phrase: rule status-format
        return [b"With --no-check this goes out; with checks on the server answers 500 (with --debug, naming the rule).\n"]
    if path != "/":
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [f"No page {path!r} here. Pages: {', '.join(_PAGES)}\n".encode()]
    page = _environ_page(environ, wants_html)
    content_type = "text/html; charset=utf-8" if wants_html else "text/plain; charset=utf-8"
    start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(page)))])
    return [page]


def _checks_on(environ: WSGIEnvironment) -> bool:
    """The validator wraps wsgi.input, so its type tells whether checks run."""
    return type(environ["wsgi.input"]).__module__.startswith("wsgitypes.validate")


def _environ_page(environ: WSGIEnvironment, wants_html: bool) -> bytes:
    rows = [(key, repr(value), type(value).__name__, WELL_KNOWN_KEYS.get(key, "")) for key, value in sorted(environ.items())]
    server_rules = [rule for rule in RULES.values() if rule.party == "server"]
    app_rules = [rule for rule in RULES.values() if rule.party == "application" and rule.level != "POLICY"]
    checks = "on" if _checks_on(environ) else "off (--no-check)"
    intro = (
        "A WSGI application is a callable app(environ, start_response). The server put this request "
        "into the dict below (the environ), called the application, and sent back what it returned. "
        "Bytes from the wire arrive as str decoded from Latin-1, as PEP 3333 requires."
    )
    if not wants_html:
        lines = ["wsgitypes demo: this request as a WSGI application sees it", "", intro, "", f"PEP 3333 checks: {checks}", ""]
        lines += [f"{key:<24} {shown:<50} {kind}" for key, shown, kind, _ in rows]
        lines += ["", f"{len(server_rules)} server rules checked on this environ and its streams,"]
        lines += [f"{len(app_rules)} application rules checked on this response. See docs/rules.md.", ""]
        lines += [f"{page:<10} {what}" for page, what in _PAGES.items()]
        return ("\n".join(lines) + "\n").encode()
    escape = html.escape
    table = "".join(
        f"<tr><td><code>{escape(key)}</code></td><td><code>{escape(shown)}</code></td><td>{escape(kind)}</td><td>{escape(declared)}</td></tr>"
        for key, shown, kind, declared in rows
    )

    def rule_list(chosen: list[Rule]) -> str:
        return "".join(f"<li><code>{escape(rule.id)}</code> {escape(rule.requirement)}</li>" for rule in chosen)

    links = "".join(f'<li><a href="{page}">{page}</a> {escape(what)}</li>' for page, what in _PAGES.items())
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>wsgitypes demo</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td{{padding:.1em .6em;vertical-align:top}}
tr:nth-child(odd){{background:#f3f3f3}}code{{word-break:break-all}}</style></head><body>
<h1>Your request, as a WSGI application sees it</h1><p>{escape(intro)}</p>
<p>PEP 3333 checks: <b>{checks}</b>.</p><ul>{links}</ul>
<h2>The environ</h2><p>The last column is the type <code>wsgitypes.Environ</code> gives the key, so mypy and pyright know it too.</p>
<table><tr><th>key</th><th>value</th><th>runtime type</th><th>typed as</th></tr>{table}</table>
<h2>Checked on this request</h2><h3>What the server owes the application ({len(server_rules)} rules)</h3>
<ul>{rule_list(server_rules)}</ul><h3>What the application owes the server ({len(app_rules)} rules)</h3>
<ul>{rule_list(app_rules)}</ul></body></html>""".encode()


def _echo(environ: WSGIEnvironment, start_response: StartResponse, wants_html: bool) -> list[bytes]:
    if environ["REQUEST_METHOD"] != "POST":
        form = b'<form method="post" action="/echo"><textarea name="text"></textarea><button>POST</button></form>'
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8" if wants_html else "text/plain; charset=utf-8")])
        return [form if wants_html else b"POST a body here: curl --data-binary @file http://HOST:PORT/echo\n"]
    body = environ["wsgi.input"].read()  # safe without a size: the server ends the stream at the body's end
    reply = f"wsgi.input gave {len(body)} bytes (CONTENT_LENGTH {environ.get('CONTENT_LENGTH', '') or 'absent: chunked'}):\n".encode() + body
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(reply)))])
    return [reply]


def _count_down() -> Iterator[bytes]:
    for n in range(5, 0, -1):
        yield f"{n}: each yielded bytestring is sent as it comes (chunked: no Content-Length was given)\n".encode()
    yield b"done\n"
