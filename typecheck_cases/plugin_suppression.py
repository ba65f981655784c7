"""The plugin's errors are ordinary mypy errors with their own codes.

``# type: ignore[wsgi-status]`` silences one line; with ``--strict`` (which turns on
``warn_unused_ignores``) an ignore the plugin did not need would be an error, so every
ignore below also proves that the plugin fired.  An ignore with another plugin code
does not cover the line.  pyright's runs here do not honour ``# type: ignore``.
"""

from __future__ import annotations

from wsgitypes import StartResponse, WSGIEnvironment


def ignored(start_response: StartResponse, environ: WSGIEnvironment) -> None:
    start_response("200", [])  # type: ignore[wsgi-status]
    start_response("200 OK", [("Connection", "close")])  # type: ignore[wsgi-hop-by-hop]
    start_response("200 OK", [("X Bad", "1")])  # type: ignore[wsgi-header]
    print(environ["PATH_INF"])  # type: ignore[wsgi-environ-key]
    start_response("200", [("Connection", "close")])  # type: ignore[wsgi-status, wsgi-hop-by-hop]


def wrong_code(start_response: StartResponse) -> None:
    start_response("200", [])  # type: ignore[wsgi-header]  # E[mypy:wsgi-status]


def unused(start_response: StartResponse) -> None:
    start_response("200 OK", [])  # type: ignore[wsgi-status]  # E[mypy:unused-ignore]
