"""The catalogue's value checks, as plain functions (the validator and the mypy plugin call them).

Each check returns ``None`` for a good value and a message naming the problem otherwise;
``suggest_environ_key`` must catch misspellings without ever flagging a legitimate key.
"""

from __future__ import annotations

import typing

import pytest

from wsgitypes import environ, rules
from wsgitypes.environ import WELL_KNOWN_KEYS
from wsgitypes.rules import (
    HOP_BY_HOP_HEADERS,
    check_header_name,
    check_header_value,
    check_hop_by_hop,
    check_latin1,
    check_status_chars,
    check_status_format,
    environ_value_type,
    suggest_environ_key,
)


@pytest.mark.parametrize(
    "status", ["200 OK", "404 Not Found", "599 Custom reason phrase", "302 Found", "200 Ökay", "600 High", "999 Unknown"]
)
def test_good_status(status: str) -> None:
    assert check_status_format(status) is None
    assert check_status_chars(status) is None
    assert check_latin1(status) is None


@pytest.mark.parametrize("status", ["200", "200 ", "200OK", "2000 OK", "OK 200", "099 Low", " 200 OK", "200  OK ", "２００ OK"])
def test_status_format(status: str) -> None:
    message = check_status_format(status)
    assert message is not None and repr(status) in message


@pytest.mark.parametrize("status", ["200 OK\r\n", "200 OK\nX: y", "200 O\x00K", "200 O\tK", "200 OK\x7f"])
def test_status_chars(status: str) -> None:
    message = check_status_chars(status)
    assert message is not None and "control character" in message


def test_status_latin1() -> None:
    assert check_latin1("200 \u00d6K") is None
    message = check_latin1("200 OK \u2014 fine")
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
        # a three-letter word among the CGI and wsgi. keys (a closed set)
        ("REQUEST_URL", "REQUEST_URI"),
        ("RAW_URL", "RAW_URI"),
        ("wsgi.uri_scheme", "wsgi.url_scheme"),
        # headers servers file under another key (rule environ-no-http-content)
        ("HTTP_CONTENT_TYPE", "CONTENT_TYPE"),
        ("HTTP_CONTENT_LENGTH", "CONTENT_LENGTH"),
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
        "REMOTE_ADDR2", "REDIRECT_URL", "SCRIPT_URL", "SCRIPT_URI",
        # three-letter request headers one letter from another: anyone may invent headers
        "HTTP_DNS", "HTTP_VIP", "HTTP_ECT", "HTTP_RTT", "HTTP_DPR", "SSL_PROTOCOL",
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


@pytest.mark.parametrize(
    "key",
    ["CONTENT_LENGTH", "CONTENT_TYPE", "QUERY_STRING", "HTTP_HOST", "HTTP_X_REQUEST_ID", "REMOTE_USER",
     "REMOTE_ADDR", "HTTPS", "wsgi.file_wrapper", "wsgi.input_terminated"],
)
def test_may_be_absent(key: str) -> None:
    """PEP 3333: "may be empty or absent", a header the client did not send, an optional key."""
    assert rules.may_be_absent(key)


@pytest.mark.parametrize(
    "key",
    [*rules.REQUIRED_KEYS, "SCRIPT_NAME", "PATH_INFO",  # present (SET_BY_EVERY_SERVER: a decision)
     "myapp.user", "SCRIPT_FILENAME", "HTTP_X.Y"],  # unknown to the catalogue: not ours to say
)
def test_may_not_be_absent(key: str) -> None:
    assert not rules.may_be_absent(key)


def test_environ_view_subscripts_exactly_the_keys_that_are_always_there() -> None:
    """``Environ``'s ``__getitem__`` overloads (static Literal types) follow ``may_be_absent``."""
    subscripted = {
        *typing.get_args(environ.PresentStrKey), *typing.get_args(environ.PresentBoolKey),
        "wsgi.input", "wsgi.errors", "wsgi.version",
    }
    assert subscripted == {key for key in WELL_KNOWN_KEYS if not rules.may_be_absent(key)}
    assert set(typing.get_args(environ.OptionalStrKey)) == {
        key for key in typing.get_args(environ.StrKey) if rules.may_be_absent(key)
    }


def test_status_without_reason_phrase() -> None:
    assert check_status_format("200") == "'200' has no reason phrase"
    assert check_status_format("200OK") == "'200OK' has no space after its code"


@pytest.mark.parametrize(("status", "in_range"), [("100 Continue", True), ("599 X", True), ("600 X", False), ("999 X", False)])
def test_status_code_range(status: str, in_range: bool) -> None:
    assert (rules.check_status_code_range(status) is None) is in_range


@pytest.mark.parametrize("value", ["0", "5", "0012", "1048576"])
def test_good_response_content_length(value: str) -> None:
    assert rules.check_response_content_length(value) is None


@pytest.mark.parametrize("value", ["", "+2", "-1", "1_0", " 5", "5 ", "5,5", "0x10", "\u00b2", "\u0663", "1e3"])
def test_response_content_length(value: str) -> None:
    # int() takes "+2", "1_0", " 5" and "\u0663": none of them is HTTP's 1*DIGIT
    assert rules.check_response_content_length(value) is not None


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (rules.check_method, ["GET", "PROPFIND", "M-SEARCH"], ["", "GE T", "GET\r", "G\u00c9T"]),
        (rules.check_server_port, ["80", "0", "65535"], ["", "eighty", "8o", "\u00b2", "/tmp/sock"]),
        (rules.check_server_name, ["localhost", "::1"], [""]),
        (rules.check_script_name, ["", "/app", "/a/b"], ["/", "/app/", "app"]),
        (rules.check_path_info, ["", "/", "/a"], ["a", "index.html"]),
        (rules.check_content_length, ["", "0", "42"], ["invalid", "-5", "+5", " 5", "\u00b2"]),
        (rules.check_url_scheme, ["http", "https"], ["HTTP", "ftp", ""]),
    ],
)
def test_environ_value_checks(check: rules.Check, good: list[str], bad: list[str]) -> None:
    for value in good:
        assert check(value) is None, value
    for value in bad:
        message = check(value)
        assert message is not None and repr(value) in message, (value, message)


@pytest.mark.parametrize(
    ("method", "status", "forbidden"),
    [("GET", "200 OK", False), ("HEAD", "200 OK", True), ("GET", "204 No Content", True),
     ("GET", "304 Not Modified", True), ("GET", "101 Switching Protocols", True), ("POST", "205 Reset Content", False),
     (None, "404 Not Found", False)],
)
def test_body_forbidden(method: str | None, status: str, forbidden: bool) -> None:
    assert rules.body_forbidden(method, status) is forbidden


@pytest.mark.parametrize(("status", "forbidden"), [("204 No Content", True), ("100 Continue", True), ("304 Not Modified", False), ("200 OK", False)])
def test_content_length_forbidden(status: str, forbidden: bool) -> None:
    assert rules.content_length_forbidden(status) is forbidden


def test_unknown_rule_ids_suggest_the_spelling() -> None:
    assert rules.unknown_rule_ids(["hop-by-hop", "status-format"]) is None
    message = rules.unknown_rule_ids(["hop_by_hop", "nonsense"])
    assert message is not None and "'hop_by_hop' (did you mean 'hop-by-hop'?)" in message and "'nonsense'" in message


def test_every_rule_says_how_to_mend_it() -> None:
    for rule in rules.RULES.values():
        assert rule.fix and rule.fix[0].islower() and not rule.fix.endswith("."), rule.id
