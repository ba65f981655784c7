"""The server's side of the call: is the environ what PEP 3333 promises?

``environ_looks_right`` is the hot path: C-level operations only, True when every
environ rule holds.  When it says False, ``check_environ`` finds the broken rule and
builds the message.  Some answers (request methods, ports) are learned: a value that
passed the full check once is accepted by the fast path afterwards.
"""

# The values checked here come from the other party and are of unknown type on
# purpose; narrowing them with type() leaves pyright with Unknown parts, which is
# the point of checking them, not a gap in the annotations.
# pyright: reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnknownArgumentType=false

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

from wsgitypes import rules
from wsgitypes.rules import REQUIRED_KEYS, check_content_length, check_path_info, check_script_name
from wsgitypes.streams import is_error_stream, is_input_stream
from wsgitypes.validate._report import Reporter

_LEARN_LIMIT = 4096


# An environ's "shape" is its tuple of keys.  A server sends few shapes (one per set
# of request headers), so each is checked once: it has every required key, no
# HTTP_CONTENT_* key, and here is the getter that pulls out its CGI values.
_shapes: dict[tuple[str, ...], Callable[[dict[str, Any]], Any]] = {}
# The values a server repeats on every request, checked together: one learned tuple.
_fixed_values = itemgetter("wsgi.version", "wsgi.url_scheme", "REQUEST_METHOD", "SERVER_NAME", "SERVER_PORT")
_fixed_ok: set[tuple[Any, ...]] = set()


def _learn_shape(environ: dict[str, Any]) -> None:
    keys = tuple(environ)
    if (
        len(_shapes) < _LEARN_LIMIT
        and all(type(key) is str for key in keys)
        and environ.keys() >= REQUIRED_KEYS
        and "HTTP_CONTENT_LENGTH" not in environ
        and "HTTP_CONTENT_TYPE" not in environ
    ):
        # A tuple-returning getter even for one key, so join() always gets an iterable.
        # Extension keys with str values are joined too: every environ str is Latin-1.
        cgi = [key for key in keys if rules.is_cgi_key(key) or (type(environ[key]) is str and key != "wsgi.url_scheme")]
        _shapes[keys] = itemgetter(*cgi, *cgi) if len(cgi) == 1 else itemgetter(*cgi)


def environ_looks_right(environ: Any) -> bool:
    try:
        if type(environ) is not dict:
            return False
        env: dict[str, Any] = environ
        cgi_values = _shapes.get(tuple(env))
        if cgi_values is None:
            return False
        # Every CGI value must be str (join() raises TypeError) and Latin-1, as must
        # the extension values that were str when the shape was learned.
        text = "".join(cgi_values(env))
        if not text.isascii():
            text.encode("latin-1")
        return bool(
            _fixed_values(env) in _fixed_ok
            and check_script_name(env.get("SCRIPT_NAME", "")) is None
            and check_path_info(env.get("PATH_INFO", "")) is None
            and check_content_length(env.get("CONTENT_LENGTH", "")) is None
            and is_input_stream(env["wsgi.input"])
            and is_error_stream(env["wsgi.errors"])
            and callable(env.get("wsgi.file_wrapper", len))
        )
    except (TypeError, UnicodeEncodeError):
        return False


def check_environ(environ: Any, report: Reporter) -> None:
    """Report every broken environ rule; learn the shape and values that passed."""
    if type(environ) is not dict:
        report.violation(rules.ENVIRON_DICT, f"got {type(environ).__name__}")
        if not isinstance(environ, dict):
            return
    env: dict[Any, Any] = environ
    missing = sorted(REQUIRED_KEYS - env.keys())
    if missing:
        report.violation(rules.ENVIRON_REQUIRED, f"missing {', '.join(missing)}", env)
    for key, value in env.items():
        if type(key) is not str:
            report.violation(rules.ENVIRON_KEY_STR, f"key {key!r} is {type(key).__name__}", env)
            continue
        if isinstance(value, str):
            problem = rules.check_latin1(value)
            if problem:
                report.violation(rules.ENVIRON_LATIN1, f"environ[{key!r}]: {problem}", env)
        elif rules.is_cgi_key(key):
            report.violation(rules.ENVIRON_CGI_STR, f"environ[{key!r}] is {type(value).__name__}: {value!r}", env)
    if _check_values(env, report) and len(_fixed_ok) < _LEARN_LIMIT:
        _fixed_ok.add(_fixed_values(env))
    _learn_shape(env)


def _text_problem(env: dict[Any, Any], key: str, check: Callable[[str], str | None]) -> str | None:
    """``check``'s verdict on ``env[key]`` when it is a str (other types are environ-cgi-str's)."""
    value = env.get(key)
    return check(value) if isinstance(value, str) else None


def _check_values(env: dict[Any, Any], report: Reporter) -> bool:
    """Report broken value rules; True when the values the fast path learns all passed."""
    fixed_ok = REQUIRED_KEYS <= env.keys()
    for key, rule, check in _LEARNED_CHECKS:
        value = env.get(key)
        problem = check(value) if isinstance(value, str) else f"{key} is {value!r}"
        if problem:
            fixed_ok = False
            if key in env:
                report.violation(rule, problem, env)
    for key, check in (("SCRIPT_NAME", check_script_name), ("PATH_INFO", check_path_info)):
        if (problem := _text_problem(env, key, check)) is not None:
            report.violation(rules.ENVIRON_PATH, problem, env)
    if (problem := _text_problem(env, "CONTENT_LENGTH", check_content_length)) is not None:
        report.violation(rules.ENVIRON_CONTENT_LENGTH, problem, env)
    for key in ("HTTP_CONTENT_LENGTH", "HTTP_CONTENT_TYPE"):
        if key in env:
            report.violation(rules.ENVIRON_NO_HTTP_CONTENT, f"environ has {key}", env)
    version = env.get("wsgi.version")
    if type(version) is not tuple or version != (1, 0):
        fixed_ok = False
        if "wsgi.version" in env:
            report.violation(rules.ENVIRON_VERSION, f"wsgi.version is {version!r}", env)
    if "wsgi.input" in env and not is_input_stream(env["wsgi.input"]):
        report.violation(rules.ENVIRON_INPUT, f"wsgi.input is {env['wsgi.input']!r}", env)
    if "wsgi.errors" in env and not is_error_stream(env["wsgi.errors"]):
        report.violation(rules.ENVIRON_ERRORS, f"wsgi.errors is {env['wsgi.errors']!r}", env)
    if not callable(env.get("wsgi.file_wrapper", len)):
        report.violation(rules.ENVIRON_FILE_WRAPPER, f"wsgi.file_wrapper is {env['wsgi.file_wrapper']!r}", env)
    return fixed_ok


# The checked values the fast path learns (see _fixed_values), with their rules.
_LEARNED_CHECKS: tuple[tuple[str, rules.Rule, Callable[[str], str | None]], ...] = (
    ("REQUEST_METHOD", rules.ENVIRON_METHOD, rules.check_method),
    ("SERVER_PORT", rules.ENVIRON_SERVER, rules.check_server_port),
    ("SERVER_NAME", rules.ENVIRON_SERVER, rules.check_server_name),
    ("wsgi.url_scheme", rules.ENVIRON_URL_SCHEME, rules.check_url_scheme),
)
