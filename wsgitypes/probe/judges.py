"""The judges: one plain function of the :class:`~wsgitypes.probe.observations.Observations` per rule.

:data:`RULE_JUDGES` holds an entry for every server-side rule of
:data:`wsgitypes.rules.RULES`: the judge that decides it from what the battery saw,
or, for a rule no HTTP request can reveal, :class:`NotRevealable` and why.
:data:`CHECK_JUDGES` does the same for :data:`CHECKS`, what PEP 3333's notes and
HTTP ask of a server beyond the catalogue.  Each judge returns a :class:`Verdict`:
pass, fail or skip, and what was seen.

What a value must look like is the catalogue's to say (``check_method``,
``REQUIRED_KEYS``, ``is_cgi_key``...); a judge only knows what the battery sent, and
so what should have come back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote_to_bytes

from wsgitypes.probe.app import PAYLOAD
from wsgitypes.probe.battery import CONTENT_TYPE, ENV_PATH, ENV_QUERY, INPUT_BODY, LINES_BODY
from wsgitypes.probe.observations import INPUT_MODES, Observations, Operation
from wsgitypes.rules import (
    HTTP_CONTENT_KEYS,
    REQUIRED_KEYS,
    RULES,
    Rule,
    check_content_length,
    check_latin1,
    check_method,
    check_path_info,
    check_script_name,
    check_server_name,
    check_server_port,
    check_url_scheme,
    is_cgi_key,
)

__all__ = ["CHECKS", "CHECK_JUDGES", "RULE_JUDGES", "Judge", "NotRevealable", "Status", "Verdict", "server_rules", "verdict"]

Status = Literal["pass", "fail", "skip"]


@dataclass(frozen=True)
class Verdict:
    status: Status
    detail: str
    """What was seen: why it failed, or what passed."""


Judge = Callable[[Observations], Verdict]


@dataclass(frozen=True)
class NotRevealable:
    """A server-side rule that no HTTP request can show kept or broken; reported as skip."""

    why: str


def server_rules() -> list[str]:
    """The ids of the catalogue's server-side rules, in catalogue order."""
    return [rule.id for rule in RULES.values() if rule.party == "server"]


def verdict(entry: Judge | NotRevealable, observations: Observations) -> Verdict:
    """The entry's verdict; a judge that breaks gives skip, so it cannot hide the other rules."""
    if isinstance(entry, NotRevealable):
        return Verdict("skip", f"not revealable over HTTP: {entry.why}")
    try:
        return entry(observations)
    except Exception as exc:
        return Verdict("skip", f"could not judge: {type(exc).__name__}: {exc}")


# --- words ----------------------------------------------------------------------------


def _outcome(problems: list[str], passed: str) -> Verdict:
    """Fail with the first three problems, or pass with ``passed``."""
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        return Verdict("fail", "; ".join(problems[:3]) + more)
    return Verdict("pass", passed)


def _show(data: bytes, limit: int = 40) -> str:
    return repr(data[:limit]) + ("..." if len(data) > limit else "")


def _show_all(items: Iterable[bytes | None], limit: int = 30) -> str:
    return "[" + ", ".join("<not bytes>" if item is None else _show(item, limit) for item in items) + "]"


# --- the environ ----------------------------------------------------------------------


def _server_call(seen: Observations) -> Verdict:
    answered = seen.answered()
    problems = [f"{reply.label}: called with {answer.positional} positional arguments and keywords {list(answer.keywords)}"
                for reply, answer in answered if answer.positional != 2 or answer.keywords]
    return _outcome(problems, f"app(environ, start_response), positionally, on all {len(answered)} requests")


def _environ_dict(seen: Observations) -> Verdict:
    environs = seen.environs()
    problems = [f"{reply.label}: environ is a {environ.type}" for reply, environ in environs if not environ.is_dict]
    return _outcome(problems, f"a builtin dict on all {len(environs)} requests")


def _environ_required(seen: Observations) -> Verdict:
    problems: list[str] = []
    for reply, environ in seen.environs():
        missing = sorted(REQUIRED_KEYS - environ.str_entries().keys())
        if missing:
            problems.append(f"{reply.label}: missing {', '.join(missing)}")
    return _outcome(problems, "every required CGI and wsgi.* key present")


def _environ_key_str(seen: Observations) -> Verdict:
    problems = [f"{reply.label}: key {entry.key} is {entry.key_type}"
                for reply, environ in seen.environs() for entry in environ.entries if entry.key_type != "str"]
    return _outcome(problems, "every key a str")


def _environ_cgi_str(seen: Observations) -> Verdict:
    problems = [f"{reply.label}: {key} is {entry.value_type} ({entry.repr or entry.value})"
                for reply, environ in seen.environs() for key, entry in environ.str_entries().items()
                if is_cgi_key(key) and entry.value_type != "str"]
    return _outcome(problems, "every CGI variable a str")


def _environ_latin1(seen: Observations) -> Verdict:
    problems: list[str] = []
    for reply, environ in seen.environs():
        for key, entry in environ.str_entries().items():
            if entry.value_type == "str" and isinstance(entry.value, str) and (problem := check_latin1(entry.value)):
                problems.append(f"{reply.label}: {key}: {problem}")
    notes: list[str] = []
    env = seen.env_get.environ
    if env is not None:
        latin1, utf8, path = env.text("HTTP_X_PROBE_LATIN1"), env.text("HTTP_X_PROBE_UTF8"), env.text("PATH_INFO")
        if latin1 is None:
            notes.append("header byte 0xE9 in X-Probe-Latin1: the header did not reach the environ")
        elif latin1 != "caf\xe9":
            problems.append(f"header bytes b'caf\\xe9' reached the environ as {ascii(latin1)}, not 'caf\\xe9' (Latin-1)")
        if utf8 is not None and utf8 != "\xc3\xa9":
            how = " (decoded as UTF-8, not Latin-1)" if utf8 == "\xe9" else ""
            problems.append(f"header bytes b'\\xc3\\xa9' reached the environ as {ascii(utf8)}, not '\\xc3\\xa9'{how}")
        if path is not None and "caf" in path and "caf\xc3\xa9" not in path:
            problems.append(f"path %C3%A9 became {ascii(path[path.find('caf'):])} in PATH_INFO, not 'caf\\xc3\\xa9' "
                            "(percent-decoded bytes not read as Latin-1)")
    raw = seen.env_raw_byte
    if raw.environ is not None:
        path = raw.environ.text("PATH_INFO") or ""
        if not path.endswith("raw\xe9"):
            problems.append(f"raw path byte 0xE9 became {ascii(path[path.find('raw'):])} in PATH_INFO, not 'raw\\xe9'")
    elif raw.response.ok:
        notes.append(f"a raw byte 0xE9 in the path was answered {raw.response.status} (not reached the application)")
    outcome = _outcome(problems, "values are Latin-1; header and path bytes decoded as Latin-1")
    return Verdict(outcome.status, "; ".join([outcome.detail, *notes]))


def _environ_method(seen: Observations) -> Verdict:
    problems: list[str] = []
    for reply, environ in seen.environs():
        method = environ.text("REQUEST_METHOD")
        if method is None or check_method(method) is not None:
            problems.append(f"{reply.label}: REQUEST_METHOD is {method!r}")
        elif method != reply.method:
            problems.append(f"{reply.label}: REQUEST_METHOD is {method!r} for a {reply.method} request")
    return _outcome(problems, "REQUEST_METHOD is the request's method (GET, POST)")


def _environ_path(seen: Observations) -> Verdict:
    problems: list[str] = []
    for reply, environ in seen.environs():
        for problem in (check_script_name(environ.text("SCRIPT_NAME") or ""), check_path_info(environ.text("PATH_INFO") or "")):
            if problem:
                problems.append(f"{reply.label}: {problem}")
    expected = unquote_to_bytes(seen.path_prefix + ENV_PATH.encode("ascii")).decode("latin-1")
    env = seen.env_get.environ
    if env is not None:
        got = (env.text("SCRIPT_NAME") or "") + (env.text("PATH_INFO") or "")
        if got != expected:
            problems.append(f"for the path {ascii(expected)}, SCRIPT_NAME + PATH_INFO is {ascii(got)}")
        split = f"SCRIPT_NAME={ascii(env.text('SCRIPT_NAME'))}, PATH_INFO={ascii(env.text('PATH_INFO'))}"
    else:
        split = "the percent-encoded path was not answered by the probe"
        problems.append(split)
    return _outcome(problems, f"{split} for {ascii(expected)}")


def _environ_server(seen: Observations) -> Verdict:
    problems: list[str] = []
    name = port = None
    for reply, environ in seen.environs():
        name, port = environ.text("SERVER_NAME"), environ.text("SERVER_PORT")
        for problem in (check_server_name(name or ""), check_server_port(port or "")):
            if problem:
                problems.append(f"{reply.label}: {problem}")
    return _outcome(problems, f"SERVER_NAME={name!r}, SERVER_PORT={port!r}")


def _environ_content_length(seen: Observations) -> Verdict:
    problems: list[str] = []
    for reply, environ in seen.environs():
        if problem := check_content_length(environ.text("CONTENT_LENGTH") or ""):
            problems.append(f"{reply.label}: {problem}")
    post = seen.env_post.environ
    if post is not None and post.text("CONTENT_LENGTH") != "5":
        problems.append(f"POST of 5 bytes: CONTENT_LENGTH is {post.text('CONTENT_LENGTH')!r}")
    get = seen.env_get.environ
    without = "not judged" if get is None else "absent" if not get.has("CONTENT_LENGTH") else repr(get.text("CONTENT_LENGTH"))
    return _outcome(problems, f"'5' for a 5-byte POST; for a GET without a body: {without}")


def _environ_no_http_content(seen: Observations) -> Verdict:
    problems = [f"{reply.label}: environ has {key}" for reply, environ in seen.environs()
                for key in HTTP_CONTENT_KEYS if environ.has(key)]
    post = seen.env_post.environ
    if post is not None and post.text("CONTENT_TYPE") != CONTENT_TYPE:
        problems.append(f"POST with Content-Type {CONTENT_TYPE}: CONTENT_TYPE is {post.text('CONTENT_TYPE')!r}")
    return _outcome(problems, "Content-Type and Content-Length appear only as CONTENT_TYPE / CONTENT_LENGTH")


def _environ_version(seen: Observations) -> Verdict:
    problems: list[str] = []
    for reply, environ in seen.environs():
        entry = environ.str_entries().get("wsgi.version")
        if entry is not None and (entry.value_type != "tuple" or entry.repr != "(1, 0)"):
            problems.append(f"{reply.label}: wsgi.version is {entry.repr or repr(entry.value)} ({entry.value_type})")
    return _outcome(problems, "(1, 0)")


def _environ_url_scheme(seen: Observations) -> Verdict:
    problems: list[str] = []
    for reply, environ in seen.environs():
        entry = environ.str_entries().get("wsgi.url_scheme")
        if entry is None:
            continue  # environ-required's to report
        scheme = environ.text("wsgi.url_scheme")
        problem = check_url_scheme(scheme) if scheme is not None else f"wsgi.url_scheme is a {entry.value_type}"
        if problem:
            problems.append(f"{reply.label}: {problem}")
        elif scheme != "http":
            problems.append(f"{reply.label}: wsgi.url_scheme is {scheme!r} on a plain http:// connection")
    return _outcome(problems, "'http' on a plain http:// connection")


def _environ_input(seen: Observations) -> Verdict:
    problems = [f"{reply.label}: {environ.input.type} has no {', '.join(environ.input.missing)}"
                for reply, environ in seen.environs() if environ.input.missing]
    first = seen.first_environ()
    return _outcome(problems, f"{first.input.type if first else None} with read, readline, readlines, __iter__")


def _environ_errors(seen: Observations) -> Verdict:
    problems = [f"{reply.label}: {environ.errors.type} has no {', '.join(environ.errors.missing)}"
                for reply, environ in seen.environs() if environ.errors.missing]
    if seen.errors.answer is None:
        problems.append(f"the errors test got no probe answer: {seen.errors.response.summary()}")
    else:
        problems += seen.errors.answer.errors()
    first = seen.first_environ()
    return _outcome(problems, f"{first.errors.type if first else None}: write(str), writelines(list of str) and flush() work")


def _environ_file_wrapper(seen: Observations) -> Verdict:
    provided = [(reply, environ.file_wrapper) for reply, environ in seen.environs() if environ.file_wrapper.present]
    if not provided:
        return Verdict("pass", "not provided (it is optional)")
    problems = [f"{reply.label}: wsgi.file_wrapper is a {wrapper.type}, not callable"
                for reply, wrapper in provided if not wrapper.callable]
    return _outcome(problems, f"provided, callable ({provided[-1][1].type})")


# --- wsgi.input -------------------------------------------------------------------------


def _input_operations(seen: Observations) -> list[tuple[str, Operation]]:
    """Every operation of every input test that was answered, with its mode."""
    return [(mode, step) for mode, reply in seen.inputs.items() if reply.answer for step in reply.answer.operations]


def _input_answer(seen: Observations, mode: str) -> tuple[tuple[Operation, ...] | None, str]:
    """An input test's operations and a half-close note; or None and why there are none."""
    reply = seen.inputs[mode]
    response = reply.response
    if reply.answer is None:
        why = response.describe_failure() or f"{response.status} {response.reason}"
        if response.half_closed or response.timed_out:
            why = f"no answer within {seen.stall:g} s, nor after the client shut down its sending side: " + why
        return None, why
    note = " (answered only after the client shut down its sending side)" if response.half_closed else ""
    return reply.answer.operations, note


def _first_error(ops: Iterable[Operation]) -> str:
    return next((f"{step.name} raised {step.error}" for step in ops if step.error), "")


def _compare(what: str, got: bytes | None, shown: str) -> tuple[str, str]:
    """(past-the-body problem, wrong-content problem) for data that should be the test body."""
    if got is None:
        return "", f"{what} returned {shown}, not bytes"
    expected = INPUT_BODY if what == "read()" else LINES_BODY
    if got == expected:
        return "", ""
    if got.startswith(expected):
        return f"{what} returned {len(got) - len(expected)} bytes past the body: {shown}", ""
    return "", f"{what} returned {shown}"


_EXPECTED_LINES = LINES_BODY.splitlines(keepends=True)


def _input_problems(mode: str, ops: tuple[Operation, ...]) -> tuple[str, str]:
    """What an input test shows: (reading past CONTENT_LENGTH, wrong content or errors); '' for none."""
    error = _first_error(ops)
    if mode == "eof":
        body = b"".join(step.data() or b"" for step in ops if step.name.startswith("read(") and step.name != "read(64)")
        past = [(step.name, step.data()) for step in ops if step.name in ("read(64)", "readline()", "read()")]
        eof = ", ".join(f"{name} after CONTENT_LENGTH returned {len(data)} more bytes: {_show(data)}" for name, data in past if data)
        return eof, error or ("" if body.startswith(INPUT_BODY) else f"read(size) calls returned {_show(body)}")
    if mode == "read-all":
        data = ops[0].data() if ops else None
        eof, content = _compare("read()", data, _show_all([data], 40))
        return eof, error or content
    if mode == "readline":
        lines = [step.data() for step in ops]
        if lines[:4] == [*_EXPECTED_LINES, b""]:
            return "", error
        joined = None if None in lines else b"".join(line or b"" for line in lines)
        eof, content = _compare("readline() calls", joined, _show_all(lines[:4]))
        return eof, error or content
    if mode in ("readlines", "iter"):
        got = ops[0].result.as_lines() if ops and ops[0].result else None
        what = ops[0].name if ops else mode
        if got == _EXPECTED_LINES:
            return "", ""
        if got is None:
            return "", error or f"{what} returned no list of bytes"
        eof, content = _compare(what, b"".join(got), _show_all(got[:5]))
        if not eof and not content:
            content = f"{what} split the body as {_show_all(got)}"
        return eof, error or content
    results = [step.data() for step in ops]  # "empty": a GET without a body
    return (f"read(100), readline() returned {_show_all(results)}" if any(results) else ""), error


def _input_bytes(seen: Observations) -> Verdict:
    problems: list[str] = []
    count = 0
    for mode, step in _input_operations(seen):
        if step.result is None:
            continue
        count += 1
        if step.name.startswith(("readlines", "list(")):
            if step.result.as_lines() is None:
                items = [item.type for item in step.result.items or ()]
                problems.append(f"{mode}: {step.name} returned {step.result.type} {items or ''}".rstrip())
        elif step.result.type != "bytes":
            problems.append(f"{mode}: {step.name} returned {step.result.type}")
    if not count:
        return Verdict("skip", "no input test got an answer from the probe")
    return _outcome(problems, f"read, readline, readlines and iteration returned bytes ({count} calls)")


def _input_size(seen: Observations) -> Verdict:
    problems: list[str] = []
    for mode, step in _input_operations(seen):
        data = step.data()
        if step.name.startswith("read(") and step.size is not None and data is not None and len(data) > step.size:
            problems.append(f"{mode}: {step.name} returned {len(data)} bytes: {_show(data)}")
    if seen.inputs["size"].answer is None:
        return Verdict("skip", f"the read(size) test got no probe answer: {seen.inputs['size'].response.summary()}")
    return _outcome(problems, "no read(size) returned more than size bytes")


def _input_eof(seen: Observations) -> Verdict:
    problems: list[str] = []
    for mode in INPUT_MODES:
        ops, note = _input_answer(seen, mode)
        if ops is None:
            problems.append(f"{mode}: {note}")
        elif (eof := _input_problems(mode, ops)[0]):
            problems.append(f"{mode}: {eof}{note}")
    return _outcome(problems, "read(size), read(), readline(), readlines() and iteration stop at "
                    "CONTENT_LENGTH; an empty body reads as b''")


# --- start_response, exc_info, close() ---------------------------------------------------


def _start_response_write(seen: Observations) -> Verdict:
    response = seen.write.response
    expected = b"written-by-write();returned-by-iterable;"
    if not response.ok or not response.complete:
        return Verdict("fail", f"GET /probe/write: {response.summary()}")
    if response.body == expected:
        return Verdict("pass", "write() is callable and its bytes arrive before the iterable's")
    if response.body.startswith(b"start_response returned"):
        return Verdict("fail", response.body.decode("latin-1"))
    return Verdict("fail", f"expected {expected!r}, got {_show(response.body, 60)}")


_NOT_SHARED = "no record, and the server's processes do not share the probe's state directory"


def _exc_info_reraise(seen: Observations) -> Verdict:
    record = seen.records.exc_after
    response = seen.exc_after.response
    if record is None:
        if not seen.shared_state:
            return Verdict("skip", _NOT_SHARED)
        return Verdict("fail", f"no record of the exc_info call (response: {response.status or response.describe_failure()}, "
                               f"{_show(response.body)})")
    if record.raised:
        if record.same:
            return Verdict("pass", "start_response(..., exc_info) after output re-raised the original exception")
        raised = f"{record.type}: {record.message}"
        if record.type == "TypeError" and "argument" in record.message:
            return Verdict("fail", f"start_response does not take exc_info at all: calling it with three arguments raised {raised}")
        return Verdict("pass", f"start_response(..., exc_info) after output raised {raised}")
    if response.status == 500 and b"partial-body;" not in response.body:
        return Verdict("pass", "the headers were still buffered: start_response(..., exc_info) replaced them")
    return Verdict("fail", f"start_response(..., exc_info) returned normally after the headers and "
                           f"b'partial-body;' were sent (response {response.status}, body {_show(response.body)})")


def _close_called(seen: Observations) -> Verdict:
    if seen.records.close_called:
        return Verdict("pass", "close() was called on the response iterable")
    if not seen.shared_state:
        return Verdict("skip", _NOT_SHARED)
    response = seen.close.response
    return Verdict("fail", f"close() not called within {max(2.0, seen.stall):g} s of the response "
                           f"({response.status or response.describe_failure()}, body {_show(response.body)})")


RULE_JUDGES: dict[str, Judge | NotRevealable] = {
    "server-call": _server_call,
    "environ-dict": _environ_dict,
    "environ-required": _environ_required,
    "environ-key-str": _environ_key_str,
    "environ-cgi-str": _environ_cgi_str,
    "environ-latin1": _environ_latin1,
    "environ-method": _environ_method,
    "environ-path": _environ_path,
    "environ-server": _environ_server,
    "environ-content-length": _environ_content_length,
    "environ-no-http-content": _environ_no_http_content,
    "environ-version": _environ_version,
    "environ-url-scheme": _environ_url_scheme,
    "environ-input": _environ_input,
    "environ-errors": _environ_errors,
    "environ-file-wrapper": _environ_file_wrapper,
    "input-bytes": _input_bytes,
    "input-eof": _input_eof,
    "input-size": _input_size,
    "start-response-write": _start_response_write,
    "exc-info-reraise": _exc_info_reraise,
    "close-called": _close_called,
}
"""Every server-side rule of the catalogue: its judge, or why the probe cannot reveal it."""


# --- checks beyond the catalogue ----------------------------------------------------------

_STREAMS = "Input and Error Streams"

CHECKS: dict[str, Rule] = {check.id: check for check in (
    Rule("input-methods", _STREAMS, "server", "MUST",
         "read(size), read(), readline(), readlines() and iteration return the body, with the semantics of "
         "the Python library reference"),
    Rule("input-readline-size", _STREAMS, "server", "SHOULD",
         "readline(size) is supported (note 2), returning at most size bytes"),
    Rule("input-chunked", "RFC 9112 §7.1", "server", "MUST",
         "an HTTP/1.1 server decodes a chunked request body; the application then reads it to end-of-file, "
         "told so by wsgi.input_terminated (or a CONTENT_LENGTH)"),
    Rule("file-wrapper-output", "Optional Platform-Specific File Handling", "server", "MUST",
         "the wrapper's output is the file's content, for a real file and for a file-like object without fileno()"),
    Rule("exc-info-replace", "Error Handling", "server", "SHOULD",
         "before any output, start_response(..., exc_info) replaces the status and headers"),
    Rule("error-after-headers", "Error Handling", "server", "SHOULD",
         "an error after the headers were sent ends the response abnormally (no second status line, and a "
         "client can tell the body is incomplete)"),
    Rule("head-no-body", "RFC 9110 §9.3.2", "server", "MUST", "a response to HEAD carries no content"),
    Rule("http-1.1", "RFC 9110 §2.5", "server", "SHOULD",
         "an HTTP/1.1 request is answered with HTTP/1.1 by an HTTP/1.1 server"),
    Rule("query-string", "RFC 3875 §4.1.7", "server", "MUST",
         "QUERY_STRING (a CGI variable, as PEP 3333 asks) is the query exactly as sent, not percent-decoded"),
)}
"""What PEP 3333's notes and HTTP ask of a server beyond the catalogue, described like its rules.

They are not in :data:`wsgitypes.rules.RULES`: only the probe holds servers to them, and
their failures do not change the probe's exit status.
"""


def _input_methods(seen: Observations) -> Verdict:
    problems: list[str] = []
    size_ops, note = _input_answer(seen, "size")
    if size_ops is None:
        problems.append(f"size: {note}")
    else:
        got = [step.data() for step in size_ops]
        if got[:2] != [b"012", b"3456"] or b"".join(data or b"" for data in got) != INPUT_BODY:
            problems.append(f"size: read(3), read(4), read(3) of {INPUT_BODY!r} returned {_show_all(got)}")
    for mode in INPUT_MODES:
        ops, note = _input_answer(seen, mode)
        if ops is None:
            problems.append(f"{mode}: {note}")
        elif (content := _input_problems(mode, ops)[1]):
            problems.append(f"{mode}: {content}{note}")
    return _outcome(problems, "read(3), read(4), read(), readline(), readlines() and iteration return the body")


def _input_readline_size(seen: Observations) -> Verdict:
    ops, note = _input_answer(seen, "readline-size")
    if ops is None:
        return Verdict("fail", note)
    if ops and ops[0].error:
        return Verdict("skip", f"readline(3) raised {ops[0].error} (PEP 3333 lets a server omit the size argument)")
    lines = [step.data() for step in ops]
    long = [line for line in lines if line is not None and len(line) > 3]
    if long:
        return Verdict("fail", f"readline(3) returned {len(long[0])} bytes: {_show(long[0])}{note}")
    expected = [b"abc", b"def", b"gh\n", b"ij\n", b""]
    if lines[:5] != expected:
        return Verdict("fail", f"readline(3) calls returned {_show_all(lines[:6])}, not {_show_all(expected)}{note}")
    return Verdict("pass", "readline(3) returned b'abc', b'def', b'gh\\n', b'ij\\n', b''")


def _input_chunked(seen: Observations) -> Verdict:
    reply = seen.inputs["chunked"]
    response = reply.response
    if reply.answer is None or reply.environ is None:
        if response.ok and response.status in (411, 501, 400):
            return Verdict("fail", f"a chunked request body was refused: {response.status} {response.reason}")
        return Verdict("fail", f"chunked POST: {response.summary()}")
    environ = reply.environ
    terminated_entry = environ.str_entries().get("wsgi.input_terminated")
    terminated = terminated_entry.value if terminated_entry else None
    length = environ.text("CONTENT_LENGTH")
    data = b"".join(step.data() or b"" for step in reply.answer.operations)
    how = f"wsgi.input_terminated={terminated!r}" if terminated_entry else "no wsgi.input_terminated"
    how += f", CONTENT_LENGTH={length!r}" if environ.has("CONTENT_LENGTH") else ", no CONTENT_LENGTH"
    if data == b"hello world" and (terminated or (length and check_content_length(length) is None)):
        return Verdict("pass", f"decoded to b'hello world'; {how}")
    if data.startswith(b"5\r\nhello"):
        return Verdict("fail", f"the application got the raw chunked framing {_show(data)}: not decoded; {how}")
    if data == b"hello world":
        return Verdict("fail", f"decoded, but {how}: an application cannot know where the body ends")
    return Verdict("fail", f"the application read {_show(data)}; {how}")


def _file_wrapper_output(seen: Observations) -> Verdict:
    if seen.file_real.response.status == 501:
        return Verdict("skip", "no wsgi.file_wrapper")
    problems: list[str] = []
    for kind, reply in (("a real file", seen.file_real), ("a file-like object without fileno()", seen.file_like)):
        response = reply.response
        if not response.ok or not response.complete:
            problems.append(f"{kind}: {response.summary()}")
        elif response.body != PAYLOAD:
            problems.append(f"{kind}: got {len(response.body)} bytes, not the file's {len(PAYLOAD)}")
    outcome = _outcome(problems, "the 64 KiB content arrived, from a real file and from a file-like object")
    if outcome.status != "pass":
        return outcome
    if seen.records.file_like_closed:
        return Verdict("pass", outcome.detail + "; the file-like object was closed")
    return Verdict("fail" if seen.shared_state else "pass", outcome.detail + "; the file-like object's close() was not called")


def _exc_info_replace(seen: Observations) -> Verdict:
    response = seen.exc_before.response
    record = seen.records.exc_before
    if record and record.raised:
        return Verdict("fail", f"start_response(..., exc_info) before any output raised {record.type}: {record.message}")
    if response.protocol_error:
        return Verdict("fail", response.describe_failure())
    if response.status == 500 and response.body == b"replaced-by-exc-info;":
        return Verdict("pass", "the 200 was replaced by the 500 given with exc_info")
    return Verdict("fail", "expected 500 with b'replaced-by-exc-info;', got "
                           f"{response.status or response.describe_failure()} {_show(response.body)}")


def _error_after_headers(seen: Observations) -> Verdict:
    response = seen.exc_after.response
    if response.status == 0:
        return Verdict("fail", response.describe_failure())
    at = response.raw.find(b"partial-body;")
    tail = response.raw[at:] if at >= 0 else b""
    if b"HTTP/1." in tail:
        return Verdict("fail", f"a second status line followed the partial body: {_show(tail, 80)}")
    if response.protocol_error:
        return Verdict("fail", response.describe_failure())
    if response.timed_out and not response.closed:
        return Verdict("fail", "the connection was left open, neither finished nor closed")
    chunked = (response.header("transfer-encoding") or "").lower() == "chunked"
    length = response.header("content-length")
    if response.complete and (chunked or length):
        return Verdict("fail", "the broken response was ended like a complete one "
                               f"({'last chunk sent' if chunked else 'Content-Length satisfied'}): a client cannot tell")
    framing = "chunked, no last chunk" if chunked else "close-delimited: a client cannot tell" if not length else "short of Content-Length"
    return Verdict("pass", f"{response.status} then b'partial-body;' and the connection closed ({framing})")


def _head_no_body(seen: Observations) -> Verdict:
    response = seen.head.response
    if not response.ok:
        return Verdict("fail", f"HEAD: {response.describe_failure()}")
    if response.extra:
        return Verdict("fail", f"the server passed on the application's body: {len(response.extra)} bytes after the HEAD response's headers")
    return Verdict("pass", f"HEAD: {response.status}, headers only (Content-Length: {response.header('content-length')})")


def _http_11(seen: Observations) -> Verdict:
    version = seen.ping.response.version
    if version == "HTTP/1.1":
        return Verdict("pass", "HTTP/1.1")
    return Verdict("fail", f"an HTTP/1.1 request was answered with {version}")


def _query_string(seen: Observations) -> Verdict:
    env = seen.env_get.environ
    if env is None:
        return Verdict("skip", "the query test got no probe answer")
    query = env.text("QUERY_STRING")
    if query == ENV_QUERY:
        return Verdict("pass", f"{ENV_QUERY!r}, as sent")
    return Verdict("fail", f"QUERY_STRING is {query!r} for the query {ENV_QUERY!r}")


CHECK_JUDGES: dict[str, Judge] = {
    "input-methods": _input_methods,
    "input-readline-size": _input_readline_size,
    "input-chunked": _input_chunked,
    "file-wrapper-output": _file_wrapper_output,
    "exc-info-replace": _exc_info_replace,
    "error-after-headers": _error_after_headers,
    "head-no-body": _head_no_body,
    "http-1.1": _http_11,
    "query-string": _query_string,
}
"""The judge of every check in :data:`CHECKS`."""
