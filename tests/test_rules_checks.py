"""The catalogue's value checks, as plain functions (the validator and the mypy plugin call them).

Each check returns ``None`` for a good value and a message naming the problem otherwise;
``suggest_environ_key`` must catch misspellings without ever flagging a legitimate key.
"""

from __future__ import annotations

import pytest

from wsgitypes.environ import WELL_KNOWN_KEYS
from wsgitypes.rules import (
    HOP_BY_HOP_HEADERS,
    check_header_name,
    check_header_value,
    check_hop_by_hop,
    check_latin1,
    check_status_chars,
    check_status_format,
    check_status_latin1,
    environ_value_type,
    suggest_environ_key,
)


@pytest.mark.parametrize("status", ["200 OK", "404 Not Found", "599 Custom reason phrase", "302 Found", "200 Ökay"])
def test_good_status(status: str) -> None:
    assert check_status_format(status) is None
    assert check_status_chars(status) is None
    assert check_status_latin1(status) is None


@pytest.mark.parametrize("status", ["200", "200 ", "200OK", "2000 OK", "OK 200", "099 Low", "600 High", " 200 OK", "200  OK "])
def test_status_format(status: str) -> None:
    message = check_status_format(status)
    assert message is not None and "NNN Reason" in message and repr(status) in message


@pytest.mark.parametrize("status", ["200 OK\r\n", "200 OK\nX: y", "200 O\x00K", "200 O\tK", "200 OK\x7f"])
def test_status_chars(status: str) -> None:
    message = check_status_chars(status)
    assert message is not None and "control character" in message


def test_status_latin1() -> None:
    assert check_status_latin1("200 \u00d6K") is None
    message = check_status_latin1("200 OK \u2014 fine")
    assert message is not None and "U+2014" in message and "Latin-1" in message


@pytest.mark.parametrize("name", ["Content-Type", "X-Request-Id", "x_custom", "ETag", "A!#$%&'*+-.^_`|~9"])
def test_good_header_name(name: str) -> None:
    assert check_header_name(name) is None


@pytest.mark.parametrize(
    ("name", "bad"),
    [("Content Type", "' '"), ("X-Foo:", "':'"), ("X\r\nY", "'\\r'"), ("Caf\u00e9", "'\u00e9'"), ("(x)", "'('")],
)
def test_header_name(name: str, bad: str) -> None:
    message = check_header_name(name)
    assert message is not None and bad in message and "token" in message


def test_header_name_empty() -> None:
    assert check_header_name("") == "the header name is empty"


@pytest.mark.parametrize("value", ["text/plain; charset=utf-8", "a\tb", "", "caf\u00e9", 'W/"etag"'])
def test_good_header_value(value: str) -> None:
    assert check_header_value(value) is None


@pytest.mark.parametrize(
    ("value", "needle"),
    [("x\r\nSet-Cookie: a=b", "control character '\\r'"), ("x\ny", "control character '\\n'"),
     ("a\x00", "control character"), ("caf\u00e9 \u2014", "U+2014")],
)
def test_header_value(value: str, needle: str) -> None:
    message = check_header_value(value)
    assert message is not None and needle in message


def test_latin1() -> None:
    assert check_latin1("\u00ff") is None
    assert check_latin1("\u0100") is not None


@pytest.mark.parametrize(
    "name",
    ["Connection", "keep-alive", "PROXY-AUTHENTICATE", "Proxy-Authorization", "te", "Trailers",
     "Transfer-Encoding", "upgrade", "Proxy-Connection"],
)
def test_hop_by_hop(name: str) -> None:
    message = check_hop_by_hop(name)
    assert message is not None and "hop-by-hop" in message


@pytest.mark.parametrize("name", ["Trailer", "Content-Length", "X-Connection", "Keep-Alive-Timeout", "Upgrade-Insecure-Requests"])
def test_not_hop_by_hop(name: str) -> None:
    assert check_hop_by_hop(name) is None


def test_hop_by_hop_set_is_lower_case() -> None:
    assert all(name == name.lower() for name in HOP_BY_HOP_HEADERS)


@pytest.mark.parametrize(
    ("key", "meant"),
    [
        ("PATH_INF", "PATH_INFO"),
        ("wsgi.inputt", "wsgi.input"),
        ("wsgi.inptu", "wsgi.input"),
        ("REQUEST_METHD", "REQUEST_METHOD"),
        ("CONTENT_LENGHT", "CONTENT_LENGTH"),
        ("wsgi.error", "wsgi.errors"),
        ("wsgi.multithreaded", "wsgi.multithread"),
        ("HTTP_USER_AGNET", "HTTP_USER_AGENT"),
        ("HTTP_HOTS", "HTTP_HOST"),
        ("HTTP_REFERRER", "HTTP_REFERER"),
        ("HTTP_AUTHORISATION", "HTTP_AUTHORIZATION"),
        ("HTTP_X_FORWARDED_FRO", "HTTP_X_FORWARDED_FOR"),
        # another case, other separators
        ("http_host", "HTTP_HOST"),
        ("request_method", "REQUEST_METHOD"),
        ("Path_Info", "PATH_INFO"),
        ("HTTP_USER-AGENT", "HTTP_USER_AGENT"),
        ("wsgi_input", "wsgi.input"),
        ("QUERYSTRING", "QUERY_STRING"),
        ("wsgi.runonce", "wsgi.run_once"),
    ],
)
def test_suggest_environ_key(key: str, meant: str) -> None:
    assert suggest_environ_key(key) == meant


@pytest.mark.parametrize(
    "key",
    [
        # other request headers: legitimate, never "corrected" (difflib used to flag most of these)
        "HTTP_X_FORWARDED_SERVER", "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX",
        "HTTP_X_FORWARDED_PROTOCOL", "HTTP_X_FORWARDED_SSL", "HTTP_X_FORWARDED_BY", "HTTP_X_REAL_PORT",
        "HTTP_X_REQUEST_ID", "HTTP_X_REQUESTED_BY", "HTTP_COOKIE2", "HTTP_PROXY_CONNECTION", "HTTP_TK",
        "HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK", "HTTP_ACCEPT_DATETIME", "HTTP_ACCEPT_CH",
        "HTTP_PREFER", "HTTP_DATE", "HTTP_IF", "HTTP_DEPTH", "HTTP_KEEP_ALIVE", "HTTP_X_API_KEY",
        "HTTP_UPGRADE_INSECURE_REQUESTS", "HTTP_SEC_FETCH_MODE", "HTTP_TRACEPARENT", "HTTP_X_FOO",
        # other CGI and server variables
        "SCRIPT_FILENAME", "SERVER_ADDR", "SERVER_PORT_SECURE", "REQUEST_SCHEME", "DOCUMENT_ROOT",
        "REMOTE_ADDR2", "REDIRECT_URL", "REQUEST_URL", "SCRIPT_URI", "SSL_PROTOCOL",
        # extension keys, including other servers' namespaces
        "uwsgi.version", "gunicorn.socket", "wsgi.early_hints", "myapp.session", "werkzeug.request",
        # the well-known keys themselves
        *WELL_KNOWN_KEYS,
    ],
)
def test_suggest_environ_key_leaves_legitimate_keys_alone(key: str) -> None:
    assert suggest_environ_key(key) is None


def test_environ_value_type() -> None:
    assert environ_value_type("PATH_INFO") == "str"
    assert environ_value_type("wsgi.input") == "InputStream"
    assert environ_value_type("wsgi.multithread") == "bool"
    assert environ_value_type("HTTP_X_REQUEST_ID") == "str"  # any request header is a str
    assert environ_value_type("myapp.session") is None
    assert environ_value_type("SCRIPT_FILENAME") is None
    assert all(environ_value_type(key) == name for key, name in WELL_KNOWN_KEYS.items())
