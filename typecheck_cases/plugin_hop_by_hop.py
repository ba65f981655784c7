"""wsgi-hop-by-hop: the application must not set hop-by-hop headers (rule hop-by-hop).

Connection, Keep-Alive, Proxy-Authenticate, Proxy-Authorization, Proxy-Connection, TE,
Trailers, Transfer-Encoding and Upgrade, in any letter case; they belong to the
server's connection.  ``Trailer`` (which announces trailer fields) is end-to-end.
"""

from __future__ import annotations

import wsgiref.types
from typing import Final

from wsgitypes import ResponseHeaders, StartResponse

CONNECTION: Final = "Connection"


def each_header(start_response: StartResponse) -> None:
    start_response("200 OK", [("Connection", "close")])  # E[mypy:wsgi-hop-by-hop]
    start_response("200 OK", [("Keep-Alive", "timeout=5")])  # E[mypy:wsgi-hop-by-hop]
    start_response("407 Proxy Authentication Required", [("Proxy-Authenticate", "Basic")])  # E[mypy:wsgi-hop-by-hop]
    start_response("200 OK", [("Proxy-Authorization", "Basic eA==")])  # E[mypy:wsgi-hop-by-hop]
    start_response("200 OK", [("Proxy-Connection", "keep-alive")])  # E[mypy:wsgi-hop-by-hop]
    start_response("200 OK", [("TE", "trailers")])  # E[mypy:wsgi-hop-by-hop]
    start_response("200 OK", [("Trailers", "X-Checksum")])  # E[mypy:wsgi-hop-by-hop]
    start_response("200 OK", [("Transfer-Encoding", "chunked")])  # E[mypy:wsgi-hop-by-hop]
    start_response("101 Switching Protocols", [("Upgrade", "websocket")])  # E[mypy:wsgi-hop-by-hop]


def any_case(start_response: StartResponse) -> None:
    start_response("200 OK", [("connection", "close")])  # E[mypy:wsgi-hop-by-hop]
    start_response("200 OK", [("TRANSFER-ENCODING", "chunked")])  # E[mypy:wsgi-hop-by-hop]
    start_response("200 OK", [("kEEp-aLIVe", "timeout=5")])  # E[mypy:wsgi-hop-by-hop]
    start_response("200 OK", [(CONNECTION, "close")])  # E[mypy:wsgi-hop-by-hop] -- a Final name


def end_to_end(start_response: StartResponse) -> None:
    start_response("200 OK", [
        ("Trailer", "X-Checksum"),
        ("Content-Length", "0"),
        ("X-Connection-Id", "7"),
        ("Upgrade-Insecure-Requests", "1"),
        ("Keep-Alive-Timeout", "5"),
    ])


def several_in_one_call(start_response: wsgiref.types.StartResponse) -> None:
    start_response("200 OK", [
        ("Content-Type", "text/plain"),
        ("Connection", "keep-alive"),  # E[mypy:wsgi-hop-by-hop]
        ("Transfer-Encoding", "chunked"),  # E[mypy:wsgi-hop-by-hop]
    ])


def on_a_headers_list(start_response: StartResponse) -> None:
    headers: ResponseHeaders = []
    headers.append(("Upgrade", "h2c"))  # E[mypy:wsgi-hop-by-hop]
    start_response("200 OK", headers)
