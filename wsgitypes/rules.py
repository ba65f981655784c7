"""The PEP 3333 rule catalogue: every rule that can be checked, decided once.

Each :class:`Rule` names who owes it (the server or the application), how strongly
its source says it (MUST / SHOULD; ``POLICY`` marks HTTP good practice that PEP 3333
does not demand), where it comes from (a PEP 3333 section, or an RFC for the HTTP
rules a WSGI exchange also has to keep), what it requires and how to mend it.  Rules
about a single value carry a *check*: a plain function that returns ``None`` when
the value is fine and a short description of the problem otherwise.

The validator, the reference server, the mypy plugin and the conformance probe all
take their rules and checks from here, so they never disagree about what PEP 3333
says; when a rule changes, it changes in this file only.  Alongside the checks live
the few other decisions more than one of them needs: the keys every environ holds
(:data:`REQUIRED_KEYS`), which responses carry no body (:func:`body_forbidden`), the
header names only a server may send (:data:`HOP_BY_HOP_HEADERS`).

Rules marked ``wire`` protect the HTTP message itself (its framing, its header
section): the reference server holds applications to them even with checks off.

The checks build text only on failure, so the common case costs a comparison or a
regular-expression match.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Literal, NamedTuple

from wsgitypes.environ import WELL_KNOWN_KEYS

__all__ = [
    "HOP_BY_HOP_HEADERS",
    "HTTP_CONTENT_KEYS",
    "REQUIRED_KEYS",
    "RULES",
    "SET_BY_EVERY_SERVER",
    "URL_SCHEMES",
    "Rule",
    "WSGIViolation",
    "body_forbidden",
    "check_content_length",
    "check_header_name",
    "check_header_value",
    "check_hop_by_hop",
    "check_latin1",
    "check_method",
    "check_path_info",
    "check_response_content_length",
    "check_script_name",
    "check_server_name",
    "check_server_port",
    "check_status_chars",
    "check_status_code_range",
    "check_status_format",
    "check_url_scheme",
    "content_length_forbidden",
    "environ_type_rule",
    "environ_value_type",
    "header_problems",
    "is_cgi_key",
    "may_be_absent",
    "status_problems",
    "suggest_environ_key",
    "unknown_rule_ids",
]

Party = Literal["server", "application"]
Level = Literal["MUST", "SHOULD", "POLICY"]
Check = Callable[[str], "str | None"]


class Rule(NamedTuple):
    """One requirement of PEP 3333 (or of HTTP, where its section names an RFC)."""

    id: str
    section: str
    """The PEP 3333 section (``"environ Variables"``) or the RFC (``"RFC 9110 §8.6"``)."""
    party: Party
    level: Level
    requirement: str
    check: Check | None = None
    fix: str = ""
    """How to mend a break, as one short imperative sentence."""
    wire: bool = False
    """Breaking it corrupts the HTTP message: the server refuses it even with checks off."""

    @property
    def source(self) -> str:
        """Where the rule is written: ``"PEP 3333, <section>"`` or the RFC section."""
        return self.section if self.section.startswith("RFC") else f"PEP 3333, {self.section}"

    def __str__(self) -> str:
        return self.id


class WSGIViolation(Exception):
    """A broken rule: names the rule, the offending value, the fix and where the rule is written."""

    def __init__(self, rule: Rule, detail: str) -> None:
        self.rule = rule
        self.detail = detail
        fix = f"; {rule.fix}" if rule.fix else ""
        super().__init__(f"[{rule.id}] {rule.party} {rule.level}: {rule.requirement} - {detail}{fix} ({rule.source})")


# --- value checks -----------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # every control character but HTAB
_CONTROL_OR_TAB = re.compile(r"[\x00-\x1f\x7f]")
# PEP 3333: "a three-digit code, one space, a reason phrase"; HTTP's status-code is 3DIGIT,
# and codes 600-999 are used (Falcon's HTTP_7xx, Bottle's "999 Unknown"), so any code
# from 100 to 999 is accepted.  The reason phrase starts and ends with a visible character.
_STATUS = re.compile(r"[1-9][0-9]{2} [^\s](?:.*[^\s])?", re.DOTALL)
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 §5.6.2
_DIGITS = re.compile(r"[0-9]+")  # ASCII digits only: str.isdigit() also takes "²" and "٣"

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

REQUIRED_KEYS = frozenset(
    {
        "REQUEST_METHOD",
        "SERVER_NAME",
        "SERVER_PORT",
        "SERVER_PROTOCOL",
        "wsgi.version",
        "wsgi.url_scheme",
        "wsgi.input",
        "wsgi.errors",
        "wsgi.multithread",
        "wsgi.multiprocess",
        "wsgi.run_once",
    }
)
"""Keys every environ holds (PEP 3333, "environ Variables").

Every other key may be absent: SCRIPT_NAME, PATH_INFO, QUERY_STRING, CONTENT_TYPE and
CONTENT_LENGTH when they would be empty, every ``HTTP_`` key when the client did not
send that header, and the optional ``wsgi.file_wrapper`` / ``wsgi.input_terminated``.
Which of those an application must read with ``.get()``: :func:`may_be_absent`.
"""

SET_BY_EVERY_SERVER = frozenset({"SCRIPT_NAME", "PATH_INFO"})
"""Keys PEP 3333 lets a server leave out, but that an application may subscript.

PEP 3333 requires SCRIPT_NAME and PATH_INFO ("must be present unless their value would
be an empty string"), and every server we know sets both, to ``""`` when empty:
wsgiref, gunicorn, waitress, Werkzeug's development server and this project's server
(read in their sources).  Werkzeug alone subscripts them nine times.  Flagging
``environ["PATH_INFO"]`` would be a false alarm on such code, while the crash it warns
of needs a server nobody runs; so :func:`may_be_absent` leaves them out.

QUERY_STRING is *not* here, although those servers set it too: PEP 3333 says in so
many words that it "may be empty or absent", as it says of CONTENT_TYPE and
CONTENT_LENGTH (and wsgiref does leave CONTENT_LENGTH out of a GET).
"""

HTTP_CONTENT_KEYS = {"HTTP_CONTENT_TYPE": "CONTENT_TYPE", "HTTP_CONTENT_LENGTH": "CONTENT_LENGTH"}
"""Keys a server does not set (rule ``environ-no-http-content``), with the key that holds that header."""


def may_be_absent(key: str) -> bool:
    """True for a well-known key or request header that a server may leave out of the environ.

    Read such a key with ``environ.get(key)``: ``environ[key]`` raises ``KeyError``
    when it is absent (a GET has no CONTENT_LENGTH, an HTTP/1.0 request may have no
    Host).  False for :data:`REQUIRED_KEYS`, for :data:`SET_BY_EVERY_SERVER`, and for
    keys this catalogue knows nothing about (``"myapp.user"`` is there if your own
    middleware put it there).  The mypy plugin's ``wsgi-environ-absent`` and the
    deprecated overloads of :class:`~wsgitypes.environ.Environ` follow this answer.
    """
    if key in REQUIRED_KEYS or key in SET_BY_EVERY_SERVER:
        return False
    return key in WELL_KNOWN_KEYS or (key.startswith("HTTP_") and "." not in key)

URL_SCHEMES = frozenset({"http", "https"})
"""The values ``wsgi.url_scheme`` may take."""


def is_cgi_key(key: str) -> bool:
    """A CGI variable (``PATH_INFO``, ``HTTP_HOST``), as opposed to a dotted extension key."""
    return "." not in key


def check_latin1(text: str) -> str | None:
    """Text must fit ISO-8859-1 (code points up to U+00FF)."""
    if text.isascii():
        return None
    for index, char in enumerate(text):
        if ord(char) > 0xFF:
            return f"{text!r} has {char!r} (U+{ord(char):04X}) at index {index}, outside Latin-1"
    return None


def check_status_format(status: str) -> str | None:
    """A status is a three-digit code, one space and a reason phrase: ``"404 Not Found"``."""
    if _STATUS.fullmatch(status):
        return None
    if not (len(status) >= 3 and status[:3].isascii() and status[:3].isdigit() and status[0] != "0"):
        return f"{status!r} does not start with a three-digit code from 100 to 999"
    if len(status) == 3:
        return f"{status!r} has no reason phrase"
    if status[3] != " ":
        return f"{status!r} has no space after its code"
    return f"{status!r} has no reason phrase, or one with space around it"


def check_status_chars(status: str) -> str | None:
    """A status holds no control characters and no CR or LF."""
    found = _CONTROL_OR_TAB.search(status)
    if found:
        return f"{status!r} has the control character {found.group()!r} at index {found.start()}"
    return None


def check_status_code_range(status: str) -> str | None:
    """HTTP defines codes 100 to 599 (RFC 9110 §15); clients treat others as 5xx."""
    code = status[:3]
    if code.isascii() and code.isdigit() and "100" <= code <= "599":
        return None
    return f"the code {code!r} is outside HTTP's 100-599"


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
    problem = check_latin1(value)
    return None if problem is None else f"header value {problem}"


def check_hop_by_hop(name: str) -> str | None:
    """Applications must not send hop-by-hop headers: they belong to the server's connection."""
    if name.lower() in HOP_BY_HOP_HEADERS:
        return f"{name!r} is a hop-by-hop header"
    return None


def check_response_content_length(value: str) -> str | None:
    """A response's Content-Length is one decimal number: ``1*DIGIT`` (RFC 9110 §8.6).

    Not ``+2``, ``1_0``, ``-1`` or ``" 5"`` (which ``int()`` would all take), nor a list.
    """
    if _DIGITS.fullmatch(value):
        return None
    return f"Content-Length {value!r} is not a decimal number"


def check_method(method: str) -> str | None:
    """REQUEST_METHOD is an HTTP method: a non-empty token (RFC 9110 §9.1)."""
    if _TOKEN.fullmatch(method):
        return None
    return f"REQUEST_METHOD is {method!r}, not a method token"


def check_server_name(name: str) -> str | None:
    """SERVER_NAME is never empty."""
    return None if name else "SERVER_NAME is ''"


def check_server_port(port: str) -> str | None:
    """SERVER_PORT is a non-empty string of ASCII digits."""
    if _DIGITS.fullmatch(port):
        return None
    return f"SERVER_PORT is {port!r}, not a port number"


def check_script_name(script_name: str) -> str | None:
    """SCRIPT_NAME is empty (the application is at the root) or ``/path`` without a trailing ``/``."""
    if not script_name or (script_name[0] == "/" and script_name[-1] != "/"):
        return None
    return f"SCRIPT_NAME is {script_name!r}, which " + ("ends with '/'" if script_name[0] == "/" else "does not start with '/'")


def check_path_info(path_info: str) -> str | None:
    """PATH_INFO is empty or starts with ``/``."""
    if not path_info or path_info[0] == "/":
        return None
    return f"PATH_INFO is {path_info!r}, which does not start with '/'"


def check_content_length(length: str) -> str | None:
    """CONTENT_LENGTH, when not empty, is a string of ASCII digits."""
    if not length or _DIGITS.fullmatch(length):
        return None
    return f"CONTENT_LENGTH is {length!r}, not a number"


def check_url_scheme(scheme: str) -> str | None:
    """``wsgi.url_scheme`` is ``"http"`` or ``"https"``."""
    if scheme in URL_SCHEMES:
        return None
    return f"wsgi.url_scheme is {scheme!r}, neither 'http' nor 'https'"


# --- response framing -------------------------------------------------------------


def body_forbidden(method: str | None, status: str) -> bool:
    """True when the response carries no body on the wire, whatever the application yields.

    A response to HEAD (RFC 9110 §9.3.2), and every 1xx, 204 and 304 response
    (RFC 9110 §6.4.1).  The server drops what the application yields for them.
    """
    code = status[:3]
    return method == "HEAD" or code[:1] == "1" or code == "204" or code == "304"


def content_length_forbidden(status: str) -> bool:
    """True for 1xx and 204 responses, which must not carry Content-Length (RFC 9110 §8.6).

    A 304 may: it gives the length the 200 would have had.
    """
    code = status[:3]
    return code[:1] == "1" or code == "204"


# --- what several enforcers ask of a whole status or header -------------------------


def status_problems(status: str) -> list[tuple[Rule, str]]:
    """Every status rule ``status`` breaks, with its message (control characters first)."""
    found: list[tuple[Rule, str]] = []
    for rule in STATUS_RULES:
        problem = rule.check(status) if rule.check else None
        if problem:
            found.append((rule, problem))
    return found


def header_problems(name: str, value: str) -> list[tuple[Rule, str]]:
    """Every rule a ``(name, value)`` response header breaks, with its message."""
    found: list[tuple[Rule, str]] = []
    problem = check_header_name(name)
    if problem:
        found.append((HEADER_NAME, problem))
    elif (problem := check_hop_by_hop(name)) is not None:
        found.append((HOP_BY_HOP, problem))
    elif name.lower() == "content-length" and (problem := check_response_content_length(value)) is not None:
        found.append((CONTENT_LENGTH_HEADER, problem))
    problem = check_header_value(value)
    if problem:
        found.append((HEADER_VALUE, problem))
    return found


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


def _misspelt_word(word: str, known: str, closed_set: bool) -> int | None:
    """How far ``word`` is from ``known`` if it reads as a misspelling of it, else None.

    One edit counts in words of four letters or more, two edits from eight letters on.
    In three-letter words one edit counts only among the CGI and ``wsgi.`` keys
    (``closed_set``: ``REQUEST_URL``, ``wsgi.uri_scheme``), where no other name is
    one letter away; among request headers, which anyone may invent, only a swap of
    two neighbours does.  A different digit makes a different name: ``COOKIE2``, ``ADDR2``.
    """
    if sorted(filter(str.isdigit, word)) != sorted(filter(str.isdigit, known)):
        return None
    distance = _edit_distance(word, known)
    if distance == 1 and (
        len(known) >= 4 or (len(word) == 3 and (closed_set or sorted(word) == sorted(known)))
    ):
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
      ``PATH_INF``, ``wsgi.inputt``, ``HTTP_USER_AGNET``, ``HTTP_REFERRER``, ``REQUEST_URL``;
    * a header under the key servers never use for it (:data:`HTTP_CONTENT_KEYS`):
      ``HTTP_CONTENT_TYPE`` is ``CONTENT_TYPE``.

    A key with an extra or missing word, or with a second word changed, is another
    name: ``HTTP_X_FORWARDED_SERVER``, ``SCRIPT_FILENAME``, ``SERVER_ADDR``,
    ``HTTP_PROXY_CONNECTION``.  The namespace of a dotted key is never corrected:
    ``uwsgi.version`` is uWSGI's own key, not a misspelt ``wsgi.version``.
    """
    if key in WELL_KNOWN_KEYS:
        return None
    if key in HTTP_CONTENT_KEYS:
        return HTTP_CONTENT_KEYS[key]
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
        distance = _misspelt_word(parts[differing[0]], known_parts[differing[0]], not known.startswith("HTTP_"))
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


def environ_type_rule(key: str) -> Rule | None:
    """The rule that fixes the type of ``environ[key]``, for the keys whose type PEP 3333 fixes.

    Every CGI variable is a ``str`` (``environ-cgi-str``), ``wsgi.version`` the tuple
    ``(1, 0)``, ``wsgi.url_scheme`` a ``str``.  The streams and the file wrapper are
    protocols a real object may exceed, and the flags need only "evaluate true":
    None for them, as for extension keys.
    """
    if key == "wsgi.version":
        return ENVIRON_VERSION
    if key == "wsgi.url_scheme":
        return ENVIRON_URL_SCHEME
    if is_cgi_key(key) and environ_value_type(key) == "str":
        return ENVIRON_CGI_STR
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

# Server side: how the application is called and what it is given.
SERVER_CALL = Rule("server-call", _SPEC, "server", "MUST",
    "the application is called with exactly two positional arguments (environ, start_response)",
    fix="call app(environ, start_response), positionally")
ENVIRON_DICT = Rule("environ-dict", _SPEC, "server", "MUST",
    "environ is a builtin dict, not a subclass or other mapping", fix="pass a plain dict")
ENVIRON_REQUIRED = Rule("environ-required", _ENV, "server", "MUST",
    "environ holds REQUEST_METHOD, SERVER_NAME, SERVER_PORT, SERVER_PROTOCOL and wsgi.version, .url_scheme, .input, .errors, .multithread, .multiprocess, .run_once",
    fix="set every key of wsgitypes.rules.REQUIRED_KEYS")
ENVIRON_KEY_STR = Rule("environ-key-str", _UNICODE, "server", "MUST", "environ keys are native str",
    fix="use str keys")
ENVIRON_CGI_STR = Rule("environ-cgi-str", _ENV, "server", "MUST",
    "every CGI variable (a key without a dot) has a str value", fix="store CGI values as str")
ENVIRON_LATIN1 = Rule("environ-latin1", _UNICODE, "server", "MUST",
    "environ strings hold only Latin-1 code points", check_latin1,
    fix="decode request bytes as Latin-1 (bytes.decode('latin-1'))")
ENVIRON_METHOD = Rule("environ-method", _ENV, "server", "MUST",
    "REQUEST_METHOD is a non-empty HTTP method token", check_method, fix="pass the request's method as sent")
ENVIRON_PATH = Rule("environ-path", _ENV, "server", "MUST",
    "SCRIPT_NAME and PATH_INFO are empty or start with '/', and SCRIPT_NAME does not end with '/'",
    fix="split the path so that SCRIPT_NAME + PATH_INFO is the request path, each part empty or starting with '/'")
ENVIRON_SERVER = Rule("environ-server", _ENV, "server", "MUST",
    "SERVER_NAME is non-empty and SERVER_PORT is a non-empty string of digits",
    fix="set SERVER_NAME to the host and SERVER_PORT to the port number, as str")
ENVIRON_CONTENT_LENGTH = Rule("environ-content-length", "RFC 9112 §6.3", "server", "POLICY",
    "CONTENT_LENGTH, when present and not empty, is a string of digits", check_content_length,
    fix="refuse such a request with 400 (PEP 3333 lets the client's header through as it is, HTTP does not); "
    "an application must not trust CONTENT_LENGTH to be a number")
ENVIRON_NO_HTTP_CONTENT = Rule("environ-no-http-content", _ENV, "server", "SHOULD",
    "the Content-Type and Content-Length request headers appear as CONTENT_TYPE / CONTENT_LENGTH, "
    "not HTTP_CONTENT_TYPE / HTTP_CONTENT_LENGTH", fix="store those two headers under CONTENT_TYPE / CONTENT_LENGTH")
ENVIRON_VERSION = Rule("environ-version", _ENV, "server", "MUST", "wsgi.version is the tuple (1, 0)",
    fix="set wsgi.version to (1, 0)")
ENVIRON_URL_SCHEME = Rule("environ-url-scheme", _ENV, "server", "MUST",
    "wsgi.url_scheme is 'http' or 'https'", check_url_scheme, fix="set it from the connection: 'http' or 'https'")
ENVIRON_INPUT = Rule("environ-input", _STREAMS, "server", "MUST",
    "wsgi.input has read, readline, readlines and __iter__", fix="give a stream with all four methods")
ENVIRON_ERRORS = Rule("environ-errors", _STREAMS, "server", "MUST",
    "wsgi.errors has write, writelines and flush", fix="give a text stream such as sys.stderr")
ENVIRON_FILE_WRAPPER = Rule("environ-file-wrapper", _FILES, "server", "MUST",
    "wsgi.file_wrapper, when present, is callable", fix="leave the key out, or give a callable")
INPUT_BYTES = Rule("input-bytes", _UNICODE, "server", "MUST",
    "wsgi.input returns bytes (read, readline, readlines, iteration)", fix="return bytes, not str")
INPUT_EOF = Rule("input-eof", _STREAMS, "server", "SHOULD",
    "wsgi.input gives end-of-file at CONTENT_LENGTH instead of more data",
    fix="stop the stream at CONTENT_LENGTH bytes")
INPUT_SIZE = Rule("input-size", _STREAMS, "server", "MUST",
    "wsgi.input.read(size) returns at most size bytes", fix="return at most size bytes")
START_RESPONSE_WRITE = Rule("start-response-write", _START, "server", "MUST",
    "start_response returns a write(body_data) callable", fix="return the write callable")
EXC_INFO_RERAISE = Rule("exc-info-reraise", _START, "server", "MUST",
    "start_response raises when called with exc_info after the headers were sent",
    fix="re-raise exc_info[1] with its traceback once the headers are out")
CLOSE_CALLED = Rule("close-called", _SPEC, "server", "MUST",
    "the server calls close() on the response iterable when it has one",
    fix="call close() when the response ends, also after an error")

# Application side: start_response.
START_RESPONSE_ARGS = Rule("start-response-args", _START, "application", "MUST",
    "start_response is called with two or three positional arguments",
    fix="call start_response(status, headers) or start_response(status, headers, sys.exc_info())")
STATUS_STR = Rule("status-str", _UNICODE, "application", "MUST", "the status is a native str",
    fix="pass a str such as '200 OK'")
STATUS_FORMAT = Rule("status-format", _START, "application", "MUST",
    "the status is 'NNN Reason': a three-digit code, one space, a reason phrase", check_status_format,
    fix="write it like '200 OK'", wire=True)
STATUS_CHARS = Rule("status-chars", _START, "application", "MUST",
    "the status holds no control characters, CR or LF", check_status_chars,
    fix="remove the control characters", wire=True)
STATUS_LATIN1 = Rule("status-latin1", _UNICODE, "application", "MUST",
    "the status holds only Latin-1 code points", check_latin1, fix="use a Latin-1 (preferably ASCII) reason phrase",
    wire=True)
HEADERS_LIST = Rule("headers-list", _START, "application", "MUST",
    "response_headers is a builtin list", fix="pass a list of (name, value) tuples")
HEADER_TUPLE = Rule("header-tuple", _START, "application", "MUST",
    "each response header is a (name, value) tuple of two native str", fix="give each header as a (str, str) tuple")
HEADER_NAME = Rule("header-name", _START, "application", "MUST",
    "each header name is a valid HTTP field name (an RFC 9110 token)", check_header_name,
    fix="use letters, digits and -, with no spaces or colons", wire=True)
HEADER_VALUE = Rule("header-value", _START, "application", "MUST",
    "each header value is Latin-1 text without control characters, CR or LF", check_header_value,
    fix="drop control characters; encode text beyond Latin-1 (RFC 8187 or percent-encoding)", wire=True)
HOP_BY_HOP = Rule("hop-by-hop", _HTTP, "application", "MUST",
    "the application sends no hop-by-hop header (Connection, Transfer-Encoding, ...)", check_hop_by_hop,
    fix="leave it out: only the server manages the connection", wire=True)
CONTENT_LENGTH_HEADER = Rule("content-length-header", "RFC 9110 §8.6", "application", "MUST",
    "a response has at most one Content-Length header, and it is a decimal number",
    check_response_content_length, fix="send one Content-Length of ASCII digits, or none", wire=True)
EXC_INFO_TUPLE = Rule("exc-info-tuple", _START, "application", "MUST",
    "exc_info is None or a sys.exc_info() tuple", fix="pass sys.exc_info() from inside the except block")
START_RESPONSE_ONCE = Rule("start-response-once", _START, "application", "MUST",
    "start_response is called again only with exc_info", fix="pass sys.exc_info() when replacing the status")
EXC_INFO_NOT_TRAPPED = Rule("exc-info-not-trapped", _ERRORS, "application", "MUST",
    "the application does not trap the exception start_response raised for exc_info",
    fix="let the exception start_response raises propagate")

# Application side: the response body.
RESPONSE_ITERABLE = Rule("response-iterable", _SPEC, "application", "MUST",
    "the application returns an iterable of bytestrings (not None, str or bytes itself)",
    fix="return a list of bytes, e.g. [body]")
BODY_BYTES = Rule("body-bytes", _UNICODE, "application", "MUST",
    "every item the response iterable yields is bytes", fix="encode text before yielding it")
START_BEFORE_BODY = Rule("start-before-body", _SPEC, "application", "MUST",
    "start_response is called before the first non-empty body bytestring",
    fix="call start_response before yielding body bytes")
START_CALLED = Rule("start-called", _SPEC, "application", "MUST",
    "start_response is called before the response iterable is exhausted", fix="call start_response")
RESPONSE_LEN = Rule("response-len", _SPEC, "application", "MUST",
    "len() of the response iterable, when it works, equals the number of items it yields",
    fix="make __len__ agree with the items, or drop it")
CONTENT_LENGTH_MATCH = Rule("content-length-match", _LENGTH, "application", "SHOULD",
    "the body has exactly as many bytes as the Content-Length header says (HEAD, 1xx, 204 and 304 excepted)",
    fix="set Content-Length to len() of the body, or leave it out")
WRITE_BYTES = Rule("write-bytes", _UNICODE, "application", "MUST", "write() is given bytes",
    fix="encode text before writing it")
WRITE_NOT_IN_ITERABLE = Rule("write-not-in-iterable", _WRITE, "application", "MUST",
    "write() is not called from within the response iterable", fix="yield the bytes instead")
WRITE_AFTER_START = Rule("write-after-start", _WRITE, "application", "MUST",
    "write() is called only between start_response and the end of the response",
    fix="write before returning from the application")
FILE_WRAPPER_STARTED = Rule("file-wrapper-started", _FILES, "application", "MUST",
    "start_response is called before a wsgi.file_wrapper response is returned",
    fix="call start_response before returning the wrapper")

# Application side: the streams.
READ_PAST_LENGTH = Rule("read-past-length", _STREAMS, "application", "SHOULD",
    "the application does not read more than CONTENT_LENGTH bytes from wsgi.input",
    fix="read at most CONTENT_LENGTH bytes")
INPUT_ARGS = Rule("input-args", _STREAMS, "application", "MUST",
    "wsgi.input methods are called with an int size (or none) and nothing else", fix="pass an int size")
ERRORS_STR = Rule("errors-str", _STREAMS, "application", "MUST",
    "wsgi.errors is given str (write) or a sequence of str (writelines)", fix="write text, not bytes")
STREAM_NOT_CLOSED = Rule("stream-not-closed", _STREAMS, "application", "MUST",
    "the application does not close wsgi.input or wsgi.errors", fix="leave closing them to the server")
# PEP 3333 says applications "must not use any other methods or attributes" of the streams;
# code that does works on the server whose stream has them, so it is a portability note
# (POLICY: reported with http_policy, never raised), not a failure.
STREAM_EXTENSION = Rule("stream-extension", _STREAMS, "application", "POLICY",
    "the application uses only the stream methods PEP 3333 lists (wsgi.input: read, readline, readlines, "
    "__iter__; wsgi.errors: write, writelines, flush)",
    fix="use only those, or copy the body into io.BytesIO before seeking it")

# HTTP good practice beyond PEP 3333: reported only when asked for, never fatal.
POLICY_STATUS_RANGE = Rule("http-status-code", "RFC 9110 §15", "application", "POLICY",
    "the status code is one HTTP defines a class for (100-599)", check_status_code_range,
    fix="clients treat other codes as 5xx; use them only between your own components")
POLICY_CONTENT_TYPE = Rule("http-content-type", "RFC 9110 §8.3", "application", "POLICY",
    "a response with a body has a Content-Type header", fix="add a Content-Type header")
POLICY_NO_BODY_STATUS = Rule("http-no-body-status", "RFC 9110 §15", "application", "POLICY",
    "1xx, 204 and 304 responses have no body and 1xx/204 no Content-Length",
    fix="send no body (the server drops it) and no Content-Length")
POLICY_ETAG = Rule("http-etag", "RFC 9110 §8.8.3", "application", "POLICY",
    "an ETag value is a quoted string, optionally prefixed with W/", fix='quote it: \'"v1"\' or \'W/"v1"\'')

STATUS_RULES = (STATUS_CHARS, STATUS_LATIN1, STATUS_FORMAT)
"""The rules every status is held to, in the order they are checked."""

RULES: dict[str, Rule] = {
    rule.id: rule for rule in list(globals().values()) if isinstance(rule, Rule)
}
"""Every rule, by id, in catalogue order."""


def unknown_rule_ids(ids: Iterable[str]) -> str | None:
    """A message naming the ids that are not in :data:`RULES` (with the likely id), or None."""
    unknown = sorted(set(ids) - RULES.keys())
    if not unknown:
        return None
    named: list[str] = []
    for rule_id in unknown:
        normal = rule_id.strip().lower().replace("_", "-").replace(" ", "-")
        named.append(f"{rule_id!r} (did you mean {normal!r}?)" if normal in RULES else repr(rule_id))
    return f"unknown rule ids: {', '.join(named)}; see wsgitypes.rules.RULES"
