"""The server's side of the call: is the environ what PEP 3333 promises?

``environ_looks_right`` is the hot path: a handful of C-level operations, True when
every environ rule holds.  When it says False, ``check_environ`` finds the broken
rule and builds the message.  Most of the answer is learned: an environ's *shape*
(its keys, in order) and the values a server repeats on every request are checked
in full once, and recognised afterwards.
"""

# pyright: reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnknownArgumentType=false
# (why: see wsgitypes/validate/__init__.py)

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any, Protocol

from wsgitypes import rules
from wsgitypes.rules import REQUIRED_KEYS, check_content_length, check_path_info, check_script_name
from wsgitypes.streams import is_error_stream, is_input_stream

_LEARN_LIMIT = 4096


class Violations(Protocol):
    """Where a broken rule goes: the request's exchange."""

    def violation(self, rule: rules.Rule, detail: str, /) -> None: ...


# A server sends few shapes (one per set of request headers), and each is checked
# once: it has every required key and no HTTP_CONTENT_* key.  A learned shape keeps
# one getter for all its keys, ordered so that one call both proves an environ has
# exactly these keys (given the same len()) and returns the values in blocks:
#
#   wsgi.version, then the fixed text values (learned, as one tuple, in _fixed_ok),
#   then the other text values (every CGI value, and the extension values that were
#   str when the shape was learned: all must be Latin-1 str), then the rest.
#
# The most recent shape of each length is tried first; the keys tuple finds the others.
_Getter = Callable[[dict[str, Any]], tuple[Any, ...]]
_Shape = tuple[_Getter, int, int]  # the getter, where the fixed values end, where the text values end
_shapes: dict[tuple[str, ...], _Shape] = {}
_latest: dict[int, _Shape] = {}
_fixed_ok: set[tuple[Any, ...]] = set()
_FIXED_TEXT = ("wsgi.url_scheme", "REQUEST_METHOD", "SERVER_NAME", "SERVER_PORT")
# SCRIPT_NAME is where the application is mounted: the same on every request, learned too.
_MOUNT = "SCRIPT_NAME"


def _fixed_keys(environ: dict[str, Any]) -> list[str]:
    return ["wsgi.version", *_FIXED_TEXT, *([_MOUNT] if _MOUNT in environ else [])]


def _learn_shape(environ: dict[str, Any]) -> None:
    keys = tuple(environ)
    if (
        len(_shapes) < _LEARN_LIMIT
        and all(type(key) is str for key in keys)
        and environ.keys() >= REQUIRED_KEYS
        and not any(key in environ for key in rules.HTTP_CONTENT_KEYS)
    ):
        fixed = _fixed_keys(environ)
        text = [key for key in keys if key not in fixed and (rules.is_cgi_key(key) or type(environ[key]) is str)]
        rest = [key for key in keys if key not in fixed and key not in text]
        _shapes[keys] = _latest[len(keys)] = (itemgetter(*fixed, *text, *rest), len(fixed), len(fixed) + len(text))


def _shape_values(env: dict[str, Any]) -> tuple[_Shape, tuple[Any, ...]] | None:
    shape = _latest.get(len(env))
    if shape is not None:
        try:
            return shape, shape[0](env)
        except KeyError:  # another shape of the same length
            pass
    shape = _shapes.get(tuple(env))
    if shape is None:
        return None
    _latest[len(env)] = shape
    return shape, shape[0](env)


def environ_looks_right(environ: Any, policy: bool) -> bool:
    """True when every environ rule holds (``policy``: the POLICY ones too)."""
    try:
        if type(environ) is not dict:
            return False
        env: dict[str, Any] = environ
        found = _shape_values(env)
        if found is None:
            return False
        (_, fixed_end, text_end), values = found
        # join() raises TypeError unless every value is str; encode() checks Latin-1.
        text = "".join(values[1:text_end])
        if not text.isascii():
            text.encode("latin-1")
        return bool(
            values[:fixed_end] in _fixed_ok
            and check_path_info(env.get("PATH_INFO", "")) is None
            and is_input_stream(env["wsgi.input"])
            and is_error_stream(env["wsgi.errors"])
            and callable(env.get("wsgi.file_wrapper", len))
            and (not policy or check_content_length(env.get("CONTENT_LENGTH", "")) is None)
        )
    except (TypeError, UnicodeEncodeError):
        return False


def check_environ(environ: Any, found: Violations) -> None:
    """Report every broken environ rule to ``found``; learn the shape and values that passed."""
    if type(environ) is not dict:
        found.violation(rules.ENVIRON_DICT, f"got {type(environ).__name__}")
        if not isinstance(environ, dict):
            return
    env: dict[Any, Any] = environ
    missing = sorted(REQUIRED_KEYS - env.keys())
    if missing:
        found.violation(rules.ENVIRON_REQUIRED, f"missing {', '.join(missing)}")
    for key, value in env.items():
        if type(key) is not str:
            found.violation(rules.ENVIRON_KEY_STR, f"key {key!r} is {type(key).__name__}")
            continue
        if isinstance(value, str):
            problem = rules.check_latin1(value)
            if problem:
                found.violation(rules.ENVIRON_LATIN1, f"environ[{key!r}]: {problem}")
        elif rules.is_cgi_key(key):
            found.violation(rules.ENVIRON_CGI_STR, f"environ[{key!r}] is {type(value).__name__}: {value!r}")
    if _check_values(env, found) and len(_fixed_ok) < _LEARN_LIMIT:
        _fixed_ok.add(tuple(env[key] for key in _fixed_keys(env)))
    _learn_shape(env)


def _text_problem(env: dict[Any, Any], key: str, check: Callable[[str], str | None]) -> str | None:
    """``check``'s verdict on ``env[key]`` when it is a str (other types are environ-cgi-str's)."""
    value = env.get(key)
    return check(value) if isinstance(value, str) else None


def _check_values(env: dict[Any, Any], found: Violations) -> bool:
    """Report broken value rules; True when the values the fast path learns all passed."""
    fixed_ok = REQUIRED_KEYS <= env.keys()
    for key, rule, check in _LEARNED_CHECKS:
        value = env.get(key)
        problem = check(value) if isinstance(value, str) else f"{key} is {value!r}"
        if problem:
            fixed_ok = False
            if key in env:
                found.violation(rule, problem)
    script_name = env.get("SCRIPT_NAME", "")
    if not isinstance(script_name, str):
        fixed_ok = False  # environ-cgi-str's
    elif (problem := check_script_name(script_name)) is not None:
        fixed_ok = False
        found.violation(rules.ENVIRON_PATH, problem)
    if (problem := _text_problem(env, "PATH_INFO", check_path_info)) is not None:
        found.violation(rules.ENVIRON_PATH, problem)
    if (problem := _text_problem(env, "CONTENT_LENGTH", check_content_length)) is not None:
        found.violation(rules.ENVIRON_CONTENT_LENGTH, problem)
    for key in rules.HTTP_CONTENT_KEYS:
        if key in env:
            found.violation(rules.ENVIRON_NO_HTTP_CONTENT, f"environ has {key}")
    version = env.get("wsgi.version")
    if type(version) is not tuple or version != (1, 0):
        fixed_ok = False
        if "wsgi.version" in env:
            found.violation(rules.ENVIRON_VERSION, f"wsgi.version is {version!r}")
    if "wsgi.input" in env and not is_input_stream(env["wsgi.input"]):
        found.violation(rules.ENVIRON_INPUT, f"wsgi.input is {env['wsgi.input']!r}")
    if "wsgi.errors" in env and not is_error_stream(env["wsgi.errors"]):
        found.violation(rules.ENVIRON_ERRORS, f"wsgi.errors is {env['wsgi.errors']!r}")
    if not callable(env.get("wsgi.file_wrapper", len)):
        found.violation(rules.ENVIRON_FILE_WRAPPER, f"wsgi.file_wrapper is {env['wsgi.file_wrapper']!r}")
    return fixed_ok


# The checked values the fast path learns (see _FIXED_TEXT), with their rules.
_LEARNED_CHECKS: tuple[tuple[str, rules.Rule, Callable[[str], str | None]], ...] = (
    ("REQUEST_METHOD", rules.ENVIRON_METHOD, rules.check_method),
    ("SERVER_PORT", rules.ENVIRON_SERVER, rules.check_server_port),
    ("SERVER_NAME", rules.ENVIRON_SERVER, rules.check_server_name),
    ("wsgi.url_scheme", rules.ENVIRON_URL_SCHEME, rules.check_url_scheme),
)
