"""The PEP 3333 rule catalogue: every rule that can be checked, once.

Each :class:`Rule` names who owes it (the server or the application), how strongly
PEP 3333 says it (MUST / SHOULD; ``POLICY`` marks HTTP good practice that PEP 3333
does not demand), the PEP section it comes from, and what it requires.  Rules about
a single value also carry a *check*: a plain function that returns ``None`` when the
value is fine and a short description of the problem otherwise.  The validator, the
reference server, the mypy plugin and the conformance probe all use these rules
and checks, so they never disagree about what PEP 3333 says.

The checks build text only on failure; callers run them on the slow path after a
cheap test has already failed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from wsgitypes.environ import WELL_KNOWN_KEYS

__all__ = [
    "HOP_BY_HOP_HEADERS",
    "RULES",
    "Rule",
    "WSGIViolation",
    "check_header_name",
    "check_header_value",
    "check_hop_by_hop",
    "check_latin1",
    "check_status_format",
    "check_status_chars",
    "check_status_latin1",
    "environ_value_type",
    "suggest_environ_key",
]

Party = Literal["server", "application"]
Level = Literal["MUST", "SHOULD", "POLICY"]
Check = Callable[[str], "str | None"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One requirement of PEP 3333 (or, at level POLICY, of HTTP good practice)."""

    id: str
    section: str
    party: Party
    level: Level
    requirement: str
    check: Check | None = None

    def __str__(self) -> str:
        return self.id


class WSGIViolation(Exception):
    """A broken PEP 3333 rule: names the rule, the offending value, and the PEP section."""

    def __init__(self, rule: Rule, detail: str) -> None:
        self.rule = rule
        self.detail = detail
        source = rule.section if rule.level == "POLICY" else f"PEP 3333, {rule.section}"
        super().__init__(f"[{rule.id}] {rule.party} {rule.level}: {rule.requirement} - {detail} ({source})")


# --- value checks -----------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # every control character but HTAB
_CONTROL_OR_TAB = re.compile(r"[\x00-\x1f\x7f]")
_STATUS = re.compile(r"[1-5][0-9]{2} [^\s](?:.*[^\s])?", re.DOTALL)
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")

HOP_BY_HOP_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "proxy-connection",
        "transfer-encoding",
        "upgrade",
    }
)
"""Header names (lower case) that only the server may send (RFC 9110 §7.6.1, PEP 3333)."""


def check_latin1(text: str) -> str | None:
    """Text must fit ISO-8859-1 (code points up to U+00FF)."""
    for index, char in enumerate(text):
        if ord(char) > 0xFF:
            return f"{text!r} has {char!r} (U+{ord(char):04X}) at index {index}, outside Latin-1"
    return None


def check_status_format(status: str) -> str | None:
    """A status is a three-digit code, one space and a reason phrase: ``"404 Not Found"``."""
    if _STATUS.fullmatch(status):
        return None
    return f"{status!r} is not of the form 'NNN Reason' (three digits, a space, a reason phrase)"


def check_status_chars(status: str) -> str | None:
    """A status holds no control characters and no CR or LF."""
    found = _CONTROL_OR_TAB.search(status)
    if found:
        return f"{status!r} has the control character {found.group()!r} at index {found.start()}"
    return None


def check_status_latin1(status: str) -> str | None:
    return check_latin1(status)


def check_header_name(name: str) -> str | None:
    """A header name is an RFC 9110 token: no spaces, colons or other separators."""
    if _TOKEN.fullmatch(name):
        return None
    if not name:
        return "the header name is empty"
    bad = next(char for char in name if not _TOKEN.fullmatch(char))
    return f"header name {name!r} has {bad!r}, which is not allowed in an RFC 9110 token"


def check_header_value(value: str) -> str | None:
    """A header value holds no control characters (HTAB excepted), CR or LF, and is Latin-1."""
    found = _CONTROL.search(value)
    if found:
        return f"header value {value!r} has the control character {found.group()!r} at index {found.start()}"
    return check_latin1(value)


def check_hop_by_hop(name: str) -> str | None:
    """Applications must not send hop-by-hop headers: they belong to the server's connection."""
    if name.lower() in HOP_BY_HOP_HEADERS:
        return f"{name!r} is a hop-by-hop header; only the server may set it"
    return None


def _squash(key: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", key).upper()


_KEY_PARTS = re.compile(r"([._])")  # words and the separators between them
_SQUASHED_KEYS = {_squash(known): known for known in WELL_KNOWN_KEYS}
_KNOWN_PARTS = {known: _KEY_PARTS.split(known) for known in WELL_KNOWN_KEYS}


def _edit_distance(word: str, known: str) -> int:
    """Optimal string alignment distance (an adjacent transposition is one edit)."""
    previous2: list[int] = []
    previous = list(range(len(known) + 1))
    for i, char in enumerate(word, 1):
        current = [i]
        for j, known_char in enumerate(known, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != known_char))
            if i > 1 and j > 1 and char == known[j - 2] and word[i - 2] == known_char:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def _misspelt_word(word: str, known: str) -> int | None:
    """How far ``word`` is from ``known`` if it reads as a misspelling of it, else None.

    One edit counts in words of four letters or more (and a swap of two neighbours in
    three-letter words), two edits from eight letters on.  A different digit makes a
    different name: ``COOKIE2``, ``ADDR2``.
    """
    if sorted(filter(str.isdigit, word)) != sorted(filter(str.isdigit, known)):
        return None
    distance = _edit_distance(word, known)
    if distance == 1 and (len(known) >= 4 or (len(word) == 3 and sorted(word) == sorted(known))):
        return 1
    if distance == 2 and len(known) >= 8:
        return 2
    return None


def suggest_environ_key(key: str) -> str | None:
    """The well-known environ key that ``key`` is probably a misspelling of, if any.

    Two kinds of near-miss, chosen so that legitimate keys are never flagged
    (a false alarm is worse than a miss):

    * the same letters in another case or with other separators: ``request_method``,
      ``HTTP_USER-AGENT``, ``wsgi_input``, ``QUERYSTRING``;
    * the same words but one, which is one edit away (two in long words):
      ``PATH_INF``, ``wsgi.inputt``, ``HTTP_USER_AGNET``, ``HTTP_REFERRER``.

    A key with an extra or missing word, or with a second word changed, is another
    name: ``HTTP_X_FORWARDED_SERVER``, ``SCRIPT_FILENAME``, ``SERVER_ADDR``,
    ``HTTP_PROXY_CONNECTION``.  The namespace of a dotted key is never corrected:
    ``uwsgi.version`` is uWSGI's own key, not a misspelt ``wsgi.version``.
    """
    if key in WELL_KNOWN_KEYS:
        return None
    squashed = _SQUASHED_KEYS.get(_squash(key))
    if squashed is not None:
        return squashed
    parts = _KEY_PARTS.split(key)
    best: tuple[int, str] | None = None
    for known, known_parts in _KNOWN_PARTS.items():
        if len(known_parts) != len(parts) or parts[1::2] != known_parts[1::2]:
            continue
        differing = [index for index in range(0, len(parts), 2) if parts[index] != known_parts[index]]
        if len(differing) != 1 or (differing[0] == 0 and "." in known):
            continue
        distance = _misspelt_word(parts[differing[0]], known_parts[differing[0]])
        if distance is not None and (best is None or distance < best[0]):
            best = (distance, known)
    return best[1] if best else None


def environ_value_type(key: str) -> str | None:
    """The name of the type of ``environ[key]``, when PEP 3333 and CGI fix it.

    A well-known key has its type from :data:`~wsgitypes.environ.WELL_KNOWN_KEYS`;
    any other ``HTTP_`` key is a request header, so a ``str`` (rule ``environ-cgi-str``);
    extension keys (``"myapp.user"``) and unknown CGI variables give ``None``.
    """
    known = WELL_KNOWN_KEYS.get(key)
    if known is not None:
        return known
    if key.startswith("HTTP_") and "." not in key:
        return "str"
    return None


# --- the catalogue ----------------------------------------------------------------

_SPEC = "Specification Details"
_ENV = "environ Variables"
_STREAMS = "Input and Error Streams"
_START = "The start_response() Callable"
_UNICODE = "Unicode Issues"
_ERRORS = "Error Handling"
_LENGTH = "Handling the Content-Length Header"
_WRITE = "The write() Callable"
_HTTP = "Other HTTP Features"
_FILES = "Optional Platform-Specific File Handling"


def _rule(id: str, section: str, party: Party, level: Level, requirement: str, check: Check | None = None) -> Rule:
    return Rule(id, section, party, level, requirement, check)


# Server side: how the application is called and what it is given.
SERVER_CALL = _rule("server-call", _SPEC, "server", "MUST",
    "the application is called with exactly two positional arguments (environ, start_response)")
ENVIRON_DICT = _rule("environ-dict", _SPEC, "server", "MUST",
    "environ is a builtin dict, not a subclass or other mapping")
ENVIRON_REQUIRED = _rule("environ-required", _ENV, "server", "MUST",
    "environ holds REQUEST_METHOD, SERVER_NAME, SERVER_PORT, SERVER_PROTOCOL and every wsgi.* key")
ENVIRON_KEY_STR = _rule("environ-key-str", _UNICODE, "server", "MUST", "environ keys are native str")
ENVIRON_CGI_STR = _rule("environ-cgi-str", _ENV, "server", "MUST",
    "every CGI variable (a key without a dot) has a str value")
ENVIRON_LATIN1 = _rule("environ-latin1", _UNICODE, "server", "MUST",
    "environ strings hold only Latin-1 code points", check_latin1)
ENVIRON_METHOD = _rule("environ-method", _ENV, "server", "MUST",
    "REQUEST_METHOD is a non-empty HTTP method token")
ENVIRON_PATH = _rule("environ-path", _ENV, "server", "MUST",
    "SCRIPT_NAME and PATH_INFO are empty or start with '/', and SCRIPT_NAME is not '/'")
ENVIRON_SERVER = _rule("environ-server", _ENV, "server", "MUST",
    "SERVER_NAME is non-empty and SERVER_PORT is a non-empty string of digits")
ENVIRON_CONTENT_LENGTH = _rule("environ-content-length", _ENV, "server", "MUST",
    "CONTENT_LENGTH, when present and not empty, is a string of digits")
ENVIRON_NO_HTTP_CONTENT = _rule("environ-no-http-content", _ENV, "server", "SHOULD",
    "the Content-Type and Content-Length request headers appear as CONTENT_TYPE / CONTENT_LENGTH, "
    "not HTTP_CONTENT_TYPE / HTTP_CONTENT_LENGTH")
ENVIRON_VERSION = _rule("environ-version", _ENV, "server", "MUST", "wsgi.version is the tuple (1, 0)")
ENVIRON_URL_SCHEME = _rule("environ-url-scheme", _ENV, "server", "MUST",
    "wsgi.url_scheme is 'http' or 'https'")
ENVIRON_INPUT = _rule("environ-input", _STREAMS, "server", "MUST",
    "wsgi.input has read, readline, readlines and __iter__")
ENVIRON_ERRORS = _rule("environ-errors", _STREAMS, "server", "MUST",
    "wsgi.errors has write, writelines and flush")
ENVIRON_FILE_WRAPPER = _rule("environ-file-wrapper", _FILES, "server", "MUST",
    "wsgi.file_wrapper, when present, is callable")
INPUT_BYTES = _rule("input-bytes", _UNICODE, "server", "MUST",
    "wsgi.input returns bytes (read, readline, readlines, iteration)")
INPUT_EOF = _rule("input-eof", _STREAMS, "server", "SHOULD",
    "wsgi.input gives end-of-file at CONTENT_LENGTH instead of more data")
INPUT_SIZE = _rule("input-size", _STREAMS, "server", "MUST",
    "wsgi.input.read(size) returns at most size bytes")
START_RESPONSE_WRITE = _rule("start-response-write", _START, "server", "MUST",
    "start_response returns a write(body_data) callable")
EXC_INFO_RERAISE = _rule("exc-info-reraise", _START, "server", "MUST",
    "start_response raises when called with exc_info after the headers were sent")
CLOSE_CALLED = _rule("close-called", _SPEC, "server", "MUST",
    "the server calls close() on the response iterable when it has one")

# Application side: start_response.
START_RESPONSE_ARGS = _rule("start-response-args", _START, "application", "MUST",
    "start_response is called with two or three positional arguments")
STATUS_STR = _rule("status-str", _UNICODE, "application", "MUST", "the status is a native str")
STATUS_FORMAT = _rule("status-format", _START, "application", "MUST",
    "the status is 'NNN Reason': a three-digit code, one space, a reason phrase", check_status_format)
STATUS_CHARS = _rule("status-chars", _START, "application", "MUST",
    "the status holds no control characters, CR or LF", check_status_chars)
STATUS_LATIN1 = _rule("status-latin1", _UNICODE, "application", "MUST",
    "the status holds only Latin-1 code points", check_status_latin1)
HEADERS_LIST = _rule("headers-list", _START, "application", "MUST",
    "response_headers is a builtin list")
HEADER_TUPLE = _rule("header-tuple", _START, "application", "MUST",
    "each response header is a (name, value) tuple of two native str")
HEADER_NAME = _rule("header-name", _START, "application", "MUST",
    "each header name is a valid HTTP field name (an RFC 9110 token)", check_header_name)
HEADER_VALUE = _rule("header-value", _START, "application", "MUST",
    "each header value is Latin-1 text without control characters, CR or LF", check_header_value)
HOP_BY_HOP = _rule("hop-by-hop", _HTTP, "application", "MUST",
    "the application sends no hop-by-hop header (Connection, Transfer-Encoding, ...)", check_hop_by_hop)
EXC_INFO_TUPLE = _rule("exc-info-tuple", _START, "application", "MUST",
    "exc_info is None or a sys.exc_info() tuple")
START_RESPONSE_ONCE = _rule("start-response-once", _START, "application", "MUST",
    "start_response is called again only with exc_info")
EXC_INFO_NOT_TRAPPED = _rule("exc-info-not-trapped", _ERRORS, "application", "MUST",
    "the application does not trap the exception start_response raised for exc_info")

# Application side: the response body.
RESPONSE_ITERABLE = _rule("response-iterable", _SPEC, "application", "MUST",
    "the application returns an iterable of bytestrings (not None, str or bytes itself)")
BODY_BYTES = _rule("body-bytes", _UNICODE, "application", "MUST",
    "every item the response iterable yields is bytes")
START_BEFORE_BODY = _rule("start-before-body", _SPEC, "application", "MUST",
    "start_response is called before the first non-empty body bytestring")
START_CALLED = _rule("start-called", _SPEC, "application", "MUST",
    "start_response is called before the response iterable is exhausted")
RESPONSE_LEN = _rule("response-len", _SPEC, "application", "MUST",
    "len() of the response iterable, when it works, equals the number of items it yields")
CONTENT_LENGTH_MATCH = _rule("content-length-match", _LENGTH, "application", "SHOULD",
    "the body has exactly as many bytes as the Content-Length header says "
    "(HEAD, 1xx, 204 and 304 excepted)")
WRITE_BYTES = _rule("write-bytes", _UNICODE, "application", "MUST", "write() is given bytes")
WRITE_NOT_IN_ITERABLE = _rule("write-not-in-iterable", _WRITE, "application", "MUST",
    "write() is not called from within the response iterable")
WRITE_AFTER_START = _rule("write-after-start", _WRITE, "application", "MUST",
    "write() is called only between start_response and the end of the response")
FILE_WRAPPER_STARTED = _rule("file-wrapper-started", _FILES, "application", "MUST",
    "start_response is called before a wsgi.file_wrapper response is returned")

# Application side: the streams.
READ_PAST_LENGTH = _rule("read-past-length", _STREAMS, "application", "SHOULD",
    "the application does not read more than CONTENT_LENGTH bytes from wsgi.input")
INPUT_ARGS = _rule("input-args", _STREAMS, "application", "MUST",
    "wsgi.input methods are called with an int size (or none) and nothing else")
ERRORS_STR = _rule("errors-str", _STREAMS, "application", "MUST",
    "wsgi.errors is given str (write) or a sequence of str (writelines)")
STREAM_NOT_CLOSED = _rule("stream-not-closed", _STREAMS, "application", "MUST",
    "the application does not close wsgi.input or wsgi.errors")

# HTTP good practice beyond PEP 3333: reported only when asked for, never fatal.
POLICY_CONTENT_TYPE = _rule("http-content-type", "HTTP (RFC 9110 §8.3)", "application", "POLICY",
    "a response with a body has a Content-Type header")
POLICY_NO_BODY_STATUS = _rule("http-no-body-status", "HTTP (RFC 9110 §15)", "application", "POLICY",
    "1xx, 204 and 304 responses have no body and 1xx/204 no Content-Length")
POLICY_ETAG = _rule("http-etag", "HTTP (RFC 9110 §8.8.3)", "application", "POLICY",
    "an ETag value is a quoted string, optionally prefixed with W/")
POLICY_CONTENT_LENGTH = _rule("http-content-length", "HTTP (RFC 9110 §8.6)", "application", "POLICY",
    "a Content-Length header is a string of digits")

RULES: dict[str, Rule] = {
    rule.id: rule for rule in list(globals().values()) if isinstance(rule, Rule)
}
"""Every rule, by id, in catalogue order."""
