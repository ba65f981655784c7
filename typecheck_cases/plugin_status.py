"""wsgi-status: a literal or ``Final`` status that is not ``NNN Reason``, has control
characters or CR/LF, or is not Latin-1 (rules status-format, status-chars, status-latin1).

Checked on ``StartResponse`` from wsgitypes, ``wsgiref.types`` and ``_typeshed.wsgi``.
pyright has no plugins: it is silent on every such line (they are all ``E[mypy:...]``).
A status computed at run time is not checked; a ``bytes`` status is a type error in both.
"""

from __future__ import annotations

import sys
import wsgiref.types
from typing import TYPE_CHECKING, Final, Literal

import wsgitypes

if TYPE_CHECKING:
    import _typeshed.wsgi

OK: Final = "200 OK"
NO_REASON: Final = "204"
TEAPOT = "418"  # not Final: its type is plain str, so it is not checked


def good(start_response: wsgitypes.StartResponse) -> None:
    start_response("200 OK", [])
    start_response("404 Not Found", [])
    start_response("599 A long, custom reason phrase", [])
    start_response("200 \u00d6kay", [])  # Latin-1 is fine
    start_response(OK, [])


def format_errors(start_response: wsgitypes.StartResponse) -> None:
    start_response("200", [])  # E[mypy:wsgi-status] -- no reason phrase
    start_response("200 ", [])  # E[mypy:wsgi-status] -- an empty reason phrase
    start_response("200OK", [])  # E[mypy:wsgi-status] -- no space
    start_response("OK", [])  # E[mypy:wsgi-status]
    start_response("2000 OK", [])  # E[mypy:wsgi-status] -- four digits
    start_response(NO_REASON, [])  # E[mypy:wsgi-status] -- a Final name is as good as a literal
    start_response(TEAPOT, [])


def character_errors(start_response: wsgitypes.StartResponse) -> None:
    start_response("200 OK\r\n", [])  # E[mypy:wsgi-status] -- CR LF: header injection
    start_response("200 OK\nSet-Cookie: a=b", [])  # E[mypy:wsgi-status]
    start_response("200 O\x00K", [])  # E[mypy:wsgi-status] -- NUL
    start_response("200 O\tK", [])  # E[mypy:wsgi-status] -- not even a tab
    start_response("200 OK \u2014 done", [])  # E[mypy:wsgi-status] -- an em dash is not Latin-1


def literal_types(start_response: wsgitypes.StartResponse, status: Literal["200 OK", "404"]) -> None:
    start_response(status, [])  # E[mypy:wsgi-status] -- "404", one member of the Literal union


def computed(start_response: wsgitypes.StartResponse, code: int, reason: str) -> None:
    start_response(f"{code} {reason}", [])
    start_response(str(code), [])  # not literal: left to the validator at run time


def wsgiref_types(start_response: wsgiref.types.StartResponse) -> None:
    start_response("200 OK", [])
    start_response("200", [])  # E[mypy:wsgi-status]
    start_response("200 OK\r\n", [])  # E[mypy:wsgi-status]


def typeshed_wsgi(start_response: _typeshed.wsgi.StartResponse) -> None:
    start_response("302 Found", [])
    start_response("302", [])  # E[mypy:wsgi-status]


def with_exc_info(start_response: wsgitypes.StartResponse) -> None:
    try:
        pass
    except Exception:
        start_response("500", [], sys.exc_info())  # E[mypy:wsgi-status]
        raise


def multi_line(start_response: wsgitypes.StartResponse) -> None:
    start_response(
        "200 OK",
        [],
    )
    start_response(
        "301",  # E[mypy:wsgi-status] -- reported on the status's own line
        [],
    )


def bytes_status(start_response: wsgitypes.StartResponse) -> None:
    start_response(b"200 OK", [])  # E -- a type error, not the plugin's business
