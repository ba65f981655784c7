"""A plugin error code can be switched off like any other: here ``wsgi-hop-by-hop``
by an inline configuration comment (the same as ``--disable-error-code`` on the
command line or ``disable_error_code`` in the config file); the other codes stay on.
"""
# mypy: disable-error-code="wsgi-hop-by-hop"

from __future__ import annotations

from wsgitypes import StartResponse


def app(start_response: StartResponse) -> None:
    start_response("200 OK", [("Connection", "close"), ("Transfer-Encoding", "chunked")])
    start_response("200", [("Connection", "close")])  # E[mypy:wsgi-status]
