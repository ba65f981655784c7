"""An application that breaks PEP 3333 on purpose, validated like :mod:`tests.apps.validated`.

It proves that the server tests would see a violation: in raise mode the server logs
the ``WSGIViolation`` and answers 500; in report mode the ``wsgitypes.validate``
logger (or the request's ``wsgi.errors``, with ``WSGITYPES_VALIDATOR_REPORT_TO=wsgi.errors``)
reports it and the response goes out.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from wsgitypes.validate import validator


def headers_as_lists(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    # PEP 3333: response_headers is "a list of (header_name, header_value) tuples".
    start_response("200 OK", [["Content-Type", "text/plain"], ["Content-Length", "3"]])
    return [b"ok\n"]


application = validator(
    headers_as_lists,  # type: ignore[arg-type]
    mode=os.environ.get("WSGITYPES_VALIDATOR_MODE", "raise"),  # type: ignore[arg-type]
    report_to=os.environ.get("WSGITYPES_VALIDATOR_REPORT_TO", "logging").split(","),  # type: ignore[arg-type]
)


def injecting(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """A header value carrying CR LF: response splitting, if a server wrote it out as is."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Note", "a\r\nInjected: yes")])
    return [b"ok\n"]


class _LyingLength:
    """Says it holds three items and yields one (PEP 3333: len() must be accurate)."""

    def __len__(self) -> int:
        return 3

    def __iter__(self) -> Any:
        return iter([b"ok\n"])


def lying_len(environ: dict[str, Any], start_response: Callable[..., Any]) -> _LyingLength:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return _LyingLength()
