"""``tests.apps.serving:app`` plus the routes the fault suite (``tests/test_server_faults.py``) needs.

* ``/pid``                   the worker's process id (which worker served)
* ``/crash``                 ends the worker process at once (``os._exit``), as a segfaulting
                             extension would: no response, no cleanup
* ``/hang?seconds=F``        sleeps in the application (default 60 s): a stuck thread
* ``/environ-after-body``    reads the whole body, then answers the environ as JSON (as
                             ``/environ``), so trailers that arrived with the body had their chance
* ``/bad?case=NAME``         answers one of :data:`BAD_RESPONSES`: a status and headers that
                             break an HTTP wire rule (framing, injection, control characters)
* ``/raise``                 raises before ``start_response``: the server answers 500
* ``/no-content``            a 204 with a Content-Length, which the server must drop
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from urllib.parse import parse_qs

from tests.apps.serving import app as serving_app
from wsgitypes.types import StartResponse, WSGIEnvironment

BODY = b"0123456789"

BAD_RESPONSES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    # Content-Length the framing would trust: a second one, or one Python's int() reads
    "two-content-lengths": ("200 OK", [("Content-Length", "10"), ("Content-Length", "1")]),
    "content-length-underscore": ("200 OK", [("Content-Length", "1_0")]),
    "content-length-plus": ("200 OK", [("Content-Length", "+2")]),
    "content-length-minus": ("200 OK", [("Content-Length", "-1")]),
    # injection and control characters that --no-check must not let through
    "colon-in-name": ("200 OK", [("Set-Cookie: injected=1; X", "v")]),
    "nul-in-status": ("200 O\x00K", []),
    "esc-in-status": ("200 O\x1b[2JK", []),
    "del-in-status": ("200 O\x7fK", []),
    "bell-in-status": ("200 O\x07K", []),
    "tab-in-status": ("200 O\tK", []),
}
"""Responses the server must refuse with a 500 in every mode (``rules.WIRE`` rules)."""


def _environ_json(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    facts = {key: value for key, value in environ.items() if isinstance(value, str)}
    data = json.dumps(facts).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def app(environ: WSGIEnvironment, start_response: StartResponse, /) -> Iterable[bytes]:
    path: str = environ["PATH_INFO"]
    query = {key: values[-1] for key, values in parse_qs(environ["QUERY_STRING"]).items()}
    if path == "/pid":
        data = str(os.getpid()).encode()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
        return [data]
    if path == "/crash":
        os._exit(70)
    if path == "/hang":
        time.sleep(float(query.get("seconds", "60")))
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "4")])
        return [b"done"]
    if path == "/environ-after-body":
        environ["wsgi.input"].read()
        return _environ_json(environ, start_response)
    if path == "/bad":
        status, headers = BAD_RESPONSES[query["case"]]
        start_response(status, headers)
        return [BODY]
    if path == "/no-content":
        start_response("204 No Content", [("Content-Length", "10")])
        return []
    if path == "/raise":
        raise RuntimeError("failed before start_response (expected by the test)")
    return serving_app(environ, start_response)
