"""wsgi-header: a literal header name that is not an RFC 9110 token, a value with CR/LF
or control characters, or text outside Latin-1 (rules header-name, header-value).

Headers are checked where they are written as literals: inline in the
``start_response`` call (list of ``(name, value)`` tuples of literals or ``Final``
names), and in ``append`` / ``insert`` / ``extend`` / ``+=`` / ``+`` on a list annotated
``ResponseHeaders``.  A list built in a plain variable and passed by name is not
(mypy keeps no literal types for it).
"""

from __future__ import annotations

from typing import Final

from wsgitypes import ResponseHeaders, StartResponse

CONTENT_TYPE: Final = "Content-Type"
BAD_NAME: Final = "Content Type"
BAD_VALUE: Final = "text/html\r\nX-Injected: 1"


def good(start_response: StartResponse, length: str) -> None:
    start_response("200 OK", [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", length),
        ("X-Custom_Header", "caf\u00e9"),  # Latin-1 is fine
        ("Cache-Control", "no-cache,\tno-store"),  # a tab is allowed in a value
        (CONTENT_TYPE, "text/plain"),
        ("ETag", 'W/"1"'),
    ])


def bad_names(start_response: StartResponse) -> None:
    start_response("200 OK", [("Content Type", "text/plain")])  # E[mypy:wsgi-header] -- a space
    start_response("200 OK", [("X-Foo:", "bar")])  # E[mypy:wsgi-header] -- a colon
    start_response("200 OK", [("", "bar")])  # E[mypy:wsgi-header] -- empty
    start_response("200 OK", [("X-Caf\u00e9", "bar")])  # E[mypy:wsgi-header] -- not a token character
    start_response("200 OK", [(BAD_NAME, "text/plain")])  # E[mypy:wsgi-header] -- through a Final name


def bad_values(start_response: StartResponse) -> None:
    start_response("200 OK", [("Location", "/next\r\nSet-Cookie: a=b")])  # E[mypy:wsgi-header] -- CR LF
    start_response("200 OK", [("X-Note", "line\nbreak")])  # E[mypy:wsgi-header] -- LF
    start_response("200 OK", [("X-Note", "nul\x00")])  # E[mypy:wsgi-header] -- NUL
    start_response("200 OK", [("X-Note", "snowman \u2603")])  # E[mypy:wsgi-header] -- not Latin-1
    start_response("200 OK", [("Content-Type", BAD_VALUE)])  # E[mypy:wsgi-header] -- through a Final name


def multi_line(start_response: StartResponse) -> None:
    start_response(
        "200 OK",
        [
            ("Content-Type", "text/plain"),
            ("X-Bad Name", "1"),  # E[mypy:wsgi-header] -- reported on the header's own line
            ("X-Trace",
             "a\r\nb"),  # E[mypy:wsgi-header] -- a value is reported where the value is
        ],
    )


def response_headers_list(start_response: StartResponse) -> None:
    headers: ResponseHeaders = [("Content-Type", "text/plain")]
    headers.append(("X-Good", "1"))
    headers.append(("X Bad", "1"))  # E[mypy:wsgi-header]
    headers.insert(0, ("X-Value", "a\rb"))  # E[mypy:wsgi-header]
    headers.extend([("X-One", "1"), ("X-Two:", "2")])  # E[mypy:wsgi-header]
    headers += [("X-Three", "\u20ac3")]  # E[mypy:wsgi-header] -- the euro sign is not Latin-1
    headers = headers + [("X-Four", "4\n")]  # E[mypy:wsgi-header]
    start_response("200 OK", headers)


def not_checked(start_response: StartResponse, name: str) -> None:
    plain = [("X Bad", "a\r\nb")]  # a plain list's literals are lost: left to the validator
    start_response("200 OK", plain)
    unannotated: list[tuple[str, str]] = []
    unannotated.append(("X Bad", "1"))  # only lists annotated ResponseHeaders are watched
    start_response("200 OK", [(name, "a\r\nb")])  # E[mypy:wsgi-header] -- the value is literal, the name is not
    start_response("200 OK", [("X-Int", 1)])  # E -- an int value is a type error in both checkers
