"""The probe driver: a battery of HTTP requests to ``wsgitypes.probe:app``, judged rule by rule.

:func:`probe` sends the requests over raw sockets (see :mod:`wsgitypes.probe.client`),
reads the probe application's observations, and returns a :class:`Report`: one
:class:`Result` for every server-side rule of :data:`wsgitypes.rules.RULES`, and one
for each further check that PEP 3333's notes or HTTP ask of a server but the catalogue
does not hold (``readline(size)``, chunked request bodies, HEAD, ...).

Reading past the body.  A server that hands the application its raw socket makes
``wsgi.input.read()`` wait for bytes that never come.  Every input test therefore
sends a complete second request right after the body (pipelined): a server that
stops at ``CONTENT_LENGTH`` answers at once, one that does not hands those bytes to
the application, which reports them.  Where a read would still block (``read()``,
``readlines()``, iteration), the driver shuts down its sending side after ``stall``
seconds without an answer, so the server sees end-of-file, and the report says so.
"""

# The observations come from the probe application over HTTP, as JSON: the driver reads
# them through ``Any`` and checks every shape it relies on.
# pyright: reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnknownArgumentType=false

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import unquote_to_bytes, urlsplit

from wsgitypes.probe.client import ConnectFailed, RawResponse, build_request, request_framing, send_raw
from wsgitypes.probe.app import MARKER, PAYLOAD
from wsgitypes import rules
from wsgitypes.rules import REQUIRED_KEYS, RULES, check_latin1

__all__ = ["CHECKS", "ProbeError", "Report", "Result", "probe", "server_rules"]

Status = Literal["pass", "fail", "skip"]

CHECKS: dict[str, str] = {
    "input-methods": "PEP 3333, Input and Error Streams: read(size), read(), readline(), readlines() and "
    "iteration return the body, with the semantics of the Python library reference",
    "input-readline-size": "PEP 3333, Input and Error Streams, note 2: servers SHOULD support readline(size), "
    "returning at most size bytes",
    "input-chunked": "RFC 9112 §7.1: an HTTP/1.1 server decodes a chunked request body; the application "
    "then reads it to end-of-file, told so by wsgi.input_terminated (or a CONTENT_LENGTH)",
    "file-wrapper-output": "PEP 3333, Optional Platform-Specific File Handling: the wrapper's output is the "
    "file's content, for a real file and for a file-like object without fileno()",
    "exc-info-replace": "PEP 3333, Error Handling: before any output, start_response(..., exc_info) replaces "
    "the status and headers",
    "error-after-headers": "PEP 3333, Error Handling: an error after the headers were sent ends the response "
    "abnormally (no second status line, and a client can tell the body is incomplete)",
    "head-no-body": "RFC 9110 §9.3.2: a response to HEAD carries no content",
    "http-1.1": "RFC 9110 §2.5: an HTTP/1.1 request is answered with HTTP/1.1 by an HTTP/1.1 server",
    "query-string": "RFC 3875 §4.1.7 (CGI): QUERY_STRING is the query exactly as sent, not percent-decoded",
}
"""Checks beyond the catalogue: id -> what is checked and where it comes from."""

_READ_SIZE = re.compile(r"(?:read|readline)\((\d+)\)")
_BODY = b"0123456789"
_LINES = b"line one\nline two\nlast"
_CHUNKED = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
_CONTENT_TYPE = "application/x-wsgitypes-probe"


def server_rules() -> list[str]:
    """The ids of the catalogue's server-side rules, in catalogue order."""
    return [rule.id for rule in RULES.values() if rule.party == "server"]


class ProbeError(Exception):
    """The URL cannot be probed: nothing listens, it is not HTTP, or it is not the probe app."""


@dataclass
class Result:
    rule: str
    status: Status
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "status": self.status, "detail": self.detail}


@dataclass
class Report:
    """The outcome of one probe run."""

    url: str
    server: str
    software: str | None = None
    rules: list[Result] = field(default_factory=lambda: [])
    checks: list[Result] = field(default_factory=lambda: [])

    @staticmethod
    def _count(results: Iterable[Result]) -> dict[str, int]:
        counts = {"pass": 0, "fail": 0, "skip": 0}
        for result in results:
            counts[result.status] += 1
        return counts

    @property
    def failures(self) -> list[Result]:
        return [result for result in self.rules if result.status == "fail"]

    def to_json(self) -> dict[str, Any]:
        """``{"server", "rules": [{"rule", "status", "detail"}], ...}``; extra keys: url, software, checks, summary."""
        return {
            "server": self.server,
            "url": self.url,
            "software": self.software,
            "rules": [result.to_json() for result in self.rules],
            "checks": [result.to_json() for result in self.checks],
            "summary": {"rules": self._count(self.rules), "checks": self._count(self.checks)},
        }

    def to_text(self) -> str:
        """A readable table: the catalogue's server rules, then the other checks."""
        lines = [f"wsgitypes probe of {self.url}", f"server: {self.server}"]
        if self.software and self.software != self.server:
            lines.append(f"SERVER_SOFTWARE: {self.software}")
        for title, results in (
            ("PEP 3333 server-side rules (wsgitypes.rules)", self.rules),
            ("Other checks (PEP 3333 notes, HTTP)", self.checks),
        ):
            counts = self._count(results)
            lines += ["", f"{title}: {counts['pass']} pass, {counts['fail']} fail, {counts['skip']} skip"]
            width = max((len(result.rule) for result in results), default=4)
            lines.append(f"  {'rule'.ljust(width)}  status  detail")
            lines.append(f"  {'-' * width}  ------  ------")
            for result in results:
                lines.append(f"  {result.rule.ljust(width)}  {result.status.upper().ljust(6)}  {result.detail}")
        return "\n".join(lines)


@dataclass
class _Seen:
    """One probe answer: which request, and the application's observations."""

    label: str
    method: str
    response: RawResponse
    data: dict[str, Any]

    def environ(self) -> dict[str, Any] | None:
        facts = self.data.get("environ")
        return facts if isinstance(facts, dict) else None

    def values(self) -> dict[str, Any]:
        """The environ's str-keyed entries (key -> entry)."""
        facts = self.environ() or {}
        entries: list[dict[str, Any]] = facts.get("keys") or []
        return {entry["key"]: entry for entry in entries if entry.get("key_type") == "str"}

    def text(self, key: str) -> str | None:
        entry = self.values().get(key)
        if entry is None:
            return None
        value = entry.get("value")
        return value if isinstance(value, str) and entry.get("value_type") == "str" else None

    def ops(self) -> list[dict[str, Any]]:
        operations = self.data.get("operations")
        return operations if isinstance(operations, list) else []


def _result_bytes(step: dict[str, Any]) -> bytes | None:
    result = step.get("result")
    if isinstance(result, dict) and result.get("type") == "bytes":
        return str(result.get("data", "")).encode("latin-1")
    return None


def _result_lines(step: dict[str, Any]) -> list[bytes] | None:
    result = step.get("result")
    if not (isinstance(result, dict) and result.get("type") == "list"):
        return None
    lines: list[bytes] = []
    for item in result.get("items", []):
        if not (isinstance(item, dict) and item.get("type") == "bytes"):
            return None
        lines.append(str(item.get("data", "")).encode("latin-1"))
    return lines


def _show(data: bytes, limit: int = 40) -> str:
    return repr(data[:limit]) + ("..." if len(data) > limit else "")


def _show_all(items: Iterable[bytes | None], limit: int = 30) -> str:
    return "[" + ", ".join("<not bytes>" if item is None else _show(item, limit) for item in items) + "]"


_EXPECT_LINES = [b"line one\n", b"line two\n", b"last"]


def _op_error(ops: list[dict[str, Any]]) -> str:
    errors = [f"{step['op']} raised {step['error']}" for step in ops if "error" in step]
    return errors[0] if errors else ""


def _compare(what: str, got: bytes | None, shown: str) -> tuple[str, str]:
    """(past-the-body problem, wrong-content problem) for data that should be the test body."""
    if got is None:
        return "", f"{what} returned {shown}, not bytes"
    expected = _LINES if what != "read()" else _BODY
    if got == expected:
        return "", ""
    if got.startswith(expected):
        return f"{what} returned {len(got) - len(expected)} bytes past the body: {shown}", ""
    return "", f"{what} returned {shown}"


def _input_problems(mode: str, ops: list[dict[str, Any]]) -> tuple[str, str]:
    """What an input test shows: (reading past CONTENT_LENGTH, wrong content or errors); '' for none."""
    if mode == "eof":
        body = b"".join(_result_bytes(step) or b"" for step in ops if step["op"].startswith("read(") and step["op"] != "read(64)")
        past = [(step["op"], _result_bytes(step)) for step in ops if step["op"] in ("read(64)", "readline()", "read()")]
        eof = ", ".join(f"{op} after CONTENT_LENGTH returned {len(data)} more bytes: {_show(data)}" for op, data in past if data)
        content = _op_error(ops) or ("" if body.startswith(_BODY) else f"read(size) calls returned {_show(body)}")
        return eof, content
    error = _op_error(ops)
    if mode == "read-all":
        data = _result_bytes(ops[0]) if ops else None
        eof, content = _compare("read()", data, _show_all([data], 40))
        return eof, error or content
    if mode == "readline":
        lines = [_result_bytes(step) for step in ops]
        if lines[:4] == [*_EXPECT_LINES, b""]:
            return "", error
        joined = b"".join(line or b"" for line in lines)
        eof, content = _compare("readline() calls", joined if None not in lines else None, _show_all(lines[:4]))
        return eof, error or content
    if mode in ("readlines", "iter"):
        got = _result_lines(ops[0]) if ops else None
        what = ops[0]["op"] if ops else mode
        if got == _EXPECT_LINES:
            return "", ""
        if got is None:
            return "", error or f"{what} returned no list of bytes"
        eof, content = _compare(what, b"".join(got), _show_all(got[:5]))
        if not eof and not content:
            content = f"{what} split the body as {_show_all(got)}"
        return eof, error or content
    results = [_result_bytes(step) for step in ops]
    return (f"read(100), readline() returned {_show_all(results)}" if any(results) else ""), error


class _Prober:
    def __init__(self, url: str, timeout: float, stall: float) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ProbeError(f"{url}: give an http:// URL with a host (https is not supported)")
        self.url = url
        self.host = parts.hostname
        try:
            self.port = parts.port or 80
        except ValueError as exc:
            raise ProbeError(f"{url}: {exc}") from exc
        self.netloc = parts.netloc
        self.prefix = parts.path.rstrip("/").encode("latin-1")
        self.timeout = timeout
        self.stall = stall
        self.seen: list[_Seen] = []
        self.states: set[str] = set()
        self.responses: dict[str, RawResponse] = {}

    # -- sending ---------------------------------------------------------------------

    def path(self, suffix: str | bytes) -> bytes:
        return self.prefix + (suffix.encode("latin-1") if isinstance(suffix, str) else suffix)

    def send(
        self,
        label: str,
        method: str,
        target: bytes,
        headers: list[tuple[str, bytes]] | None = None,
        body: bytes = b"",
        *,
        pipeline: bool = False,
        timeout: float | None = None,
        content_length: bool = True,
        **options: Any,
    ) -> RawResponse:
        data = build_request(method, target, self.netloc, headers or (), body, content_length=content_length)
        if pipeline:
            data += self.pipelined()
        framing = request_framing(method, headers or (), body, content_length=content_length)
        try:
            response = send_raw(self.host, self.port, data, method=method, framing=framing,
                                timeout=timeout or self.timeout, **options)
        except ConnectFailed as exc:
            if not self.seen:
                raise ProbeError(str(exc)) from exc
            raise ProbeError(f"{exc} while sending {label}: the server stopped accepting connections "
                             "(did it crash? see its log)") from exc
        self.responses[label] = response
        return response

    def pipelined(self) -> bytes:
        """A complete second request, sent right after a body: data past CONTENT_LENGTH."""
        pads = [(f"X-Probe-Pad-{n}", b"p" * 24) for n in range(6)]
        return build_request("GET", self.path("/probe/ping?pipelined=1"), self.netloc, pads)

    def observe(self, label: str, method: str, response: RawResponse) -> _Seen | None:
        if not response.ok:
            return None
        try:
            data = json.loads(response.body.decode("utf-8"))
        except ValueError:
            return None
        if not (isinstance(data, dict) and data.get("probe") == MARKER):
            return None
        observations: dict[str, Any] = data
        seen = _Seen(label, method, response, observations)
        self.seen.append(seen)
        state = observations.get("state")
        if isinstance(state, str):
            self.states.add(state)
        return seen

    def ask(self, label: str, method: str, target: bytes, headers: list[tuple[str, bytes]] | None = None,
            body: bytes = b"", **options: Any) -> tuple[RawResponse, _Seen | None]:
        response = self.send(label, method, target, headers, body, **options)
        return response, self.observe(label, method, response)

    # -- the battery -----------------------------------------------------------------

    def run(self) -> Report:
        ping, seen = self.ask("GET /probe/ping", "GET", self.path("/probe/ping"))
        if seen is None:
            raise ProbeError(self._not_a_probe(ping))
        software = seen.data.get("software")
        report = Report(self.url, ping.header("server") or (software if isinstance(software, str) else "") or "unknown",
                        software if isinstance(software, str) else None)
        self.ping = ping

        env_target = self.path("/probe/env/a/b%20c/caf%C3%A9?x=1&y=%C3%A9+z")
        self.env_get = self.ask("GET env", "GET", env_target,
                                [("X-Probe-Latin1", b"caf\xe9"), ("X-Probe-Utf8", b"\xc3\xa9")])
        self.env_post = self.ask("POST env", "POST", self.path("/probe/env"),
                                 [("Content-Type", _CONTENT_TYPE.encode())], b"hello")
        self.env_raw = self.ask("GET raw-byte path", "GET", self.path(b"/probe/env/raw\xe9"))
        self.errors = self.ask("GET errors", "GET", self.path("/probe/errors"))

        self.inputs: dict[str, tuple[RawResponse, _Seen | None]] = {}
        octets = [("Content-Type", b"application/octet-stream")]
        for mode, body in (("size", _BODY), ("eof", _BODY), ("read-all", _BODY), ("readline", _LINES),
                           ("readline-size", b"abcdefgh\nij\n"), ("readlines", _LINES), ("iter", _LINES)):
            self.inputs[mode] = self.ask(f"POST input {mode} (+ a pipelined GET)", "POST", self.path(f"/probe/input?mode={mode}"),
                                         octets, body, pipeline=True, half_close_after=self.stall)
        self.inputs["empty"] = self.ask("GET input empty (+ a pipelined GET)", "GET", self.path("/probe/input?mode=empty"),
                                        pipeline=True, half_close_after=self.stall)
        chunked_headers = [("Transfer-Encoding", b"chunked"), *octets]
        response = self.send("POST input chunked", "POST",
                             self.path(f"/probe/input?mode=chunked&n={len(_CHUNKED)}"), chunked_headers,
                             _CHUNKED, content_length=False, half_close_after=self.stall)
        self.inputs["chunked"] = (response, self.observe("POST input chunked", "POST", response))

        self.write = self.send("GET write", "GET", self.path("/probe/write"))
        self.tokens = {name: uuid.uuid4().hex for name in ("filelike", "exc-after", "exc-before", "close")}
        self.file_real = self.send("GET file-wrapper (file)", "GET", self.path("/probe/file-wrapper?kind=file"))
        self.file_like = self.send("GET file-wrapper (file-like)", "GET",
                                   self.path(f"/probe/file-wrapper?kind=filelike&token={self.tokens['filelike']}"))
        self.exc_after = self.send("GET exc-info after headers", "GET",
                                   self.path(f"/probe/exc-info?when=after&token={self.tokens['exc-after']}"),
                                   timeout=max(self.stall * 2, 2.0))
        self.exc_before = self.send("GET exc-info before output", "GET",
                                    self.path(f"/probe/exc-info?when=before&token={self.tokens['exc-before']}"))
        self.close = self.send("GET close", "GET", self.path(f"/probe/close?token={self.tokens['close']}"))
        self.head = self.send("HEAD head", "HEAD", self.path("/probe/head"), [("Connection", b"close")],
                              linger=min(0.5, self.stall))
        self.records = self._records()

        report.rules = [self._judge_rule(rule_id) for rule_id in server_rules()]
        report.checks = [self._judge_check(check_id) for check_id in CHECKS]
        return report

    def _not_a_probe(self, response: RawResponse) -> str:
        where = f"{self.url.rstrip('/')}/probe/ping"
        if not response.ok:
            return f"{where}: {response.describe_failure()}"
        snippet = response.body[:120].decode("latin-1", "replace")
        return (f"{where} answered {response.status} {response.reason} but not as the probe application "
                f"({snippet!r}): serve wsgitypes.probe:app at that URL")

    def _records(self) -> dict[str, dict[str, Any]]:
        """The server-side records (close, exc_info outcome) per token, waiting briefly for late ones."""
        wanted = {"filelike": "filelike-close", "exc-after": "exc-info", "exc-before": "exc-info", "close": "close"}
        found: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + max(2.0, self.stall)
        while True:
            for name, token in self.tokens.items():
                if wanted[name] in found.get(name, {}):
                    continue
                _, seen = self.ask(f"GET report {name}", "GET", self.path(f"/probe/report?token={token}"))
                records = seen.data.get("records") if seen else None
                if isinstance(records, dict):
                    found[name] = records
            if all(wanted[name] in found.get(name, {}) for name in self.tokens) or time.monotonic() > deadline:
                return found
            time.sleep(0.2)

    # -- judging ---------------------------------------------------------------------

    def _judge_rule(self, rule_id: str) -> Result:
        judge: Callable[[], tuple[Status, str]] | None = getattr(self, "_rule_" + rule_id.replace("-", "_"), None)
        if judge is None:
            return Result(rule_id, "skip", "not revealable over HTTP by this probe")
        try:
            status, detail = judge()
        except Exception as exc:  # a judging bug must not hide the other rules
            status, detail = "skip", f"could not judge: {type(exc).__name__}: {exc}"
        return Result(rule_id, status, detail)

    def _judge_check(self, check_id: str) -> Result:
        judge: Callable[[], tuple[Status, str]] = getattr(self, "_check_" + check_id.replace("-", "_").replace(".", ""))
        try:
            status, detail = judge()
        except Exception as exc:
            status, detail = "skip", f"could not judge: {type(exc).__name__}: {exc}"
        return Result(check_id, status, detail)

    @staticmethod
    def _verdict(problems: list[str], passed: str) -> tuple[Status, str]:
        if problems:
            more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
            return "fail", "; ".join(problems[:3]) + more
        return "pass", passed

    def _environs(self) -> list[_Seen]:
        return [seen for seen in self.seen if seen.environ() is not None]

    def _rule_server_call(self) -> tuple[Status, str]:
        problems: list[str] = []
        for seen in self.seen:
            call = seen.data.get("call") or {}
            if call.get("positional") != 2 or call.get("keywords"):
                problems.append(f"{seen.label}: called with {call.get('positional')} positional arguments"
                                f" and keywords {call.get('keywords')}")
        return self._verdict(problems, f"app(environ, start_response), positionally, on all {len(self.seen)} requests")

    def _rule_environ_dict(self) -> tuple[Status, str]:
        problems = [f"{seen.label}: environ is a {(seen.environ() or {}).get('type')}"
                    for seen in self._environs() if not (seen.environ() or {}).get("is_dict")]
        return self._verdict(problems, f"a builtin dict on all {len(self._environs())} requests")

    def _rule_environ_required(self) -> tuple[Status, str]:
        problems: list[str] = []
        for seen in self._environs():
            missing = sorted(key for key in REQUIRED_KEYS if key not in seen.values())
            if missing:
                problems.append(f"{seen.label}: missing {', '.join(missing)}")
        return self._verdict(problems, "every required CGI and wsgi.* key present")

    def _rule_environ_key_str(self) -> tuple[Status, str]:
        problems: list[str] = []
        for seen in self._environs():
            entries: list[dict[str, Any]] = (seen.environ() or {}).get("keys") or []
            problems += [f"{seen.label}: key {entry['key']} is {entry['key_type']}"
                         for entry in entries if entry.get("key_type") != "str"]
        return self._verdict(problems, "every key a str")

    def _rule_environ_cgi_str(self) -> tuple[Status, str]:
        problems: list[str] = []
        for seen in self._environs():
            problems += [f"{seen.label}: {key} is {entry['value_type']} ({entry.get('repr', entry.get('value'))})"
                         for key, entry in seen.values().items() if "." not in key and entry["value_type"] != "str"]
        return self._verdict(problems, "every CGI variable a str")

    def _rule_environ_latin1(self) -> tuple[Status, str]:
        problems: list[str] = []
        for seen in self._environs():
            for key, entry in seen.values().items():
                if entry.get("value_type") == "str" and isinstance(entry.get("value"), str):
                    problem = check_latin1(entry["value"])
                    if problem:
                        problems.append(f"{seen.label}: {key}: {problem}")
        notes = []
        _, env = self.env_get
        if env is not None:
            latin1, utf8, path = env.text("HTTP_X_PROBE_LATIN1"), env.text("HTTP_X_PROBE_UTF8"), env.text("PATH_INFO")
            if latin1 is None:
                notes.append("header byte 0xE9 in X-Probe-Latin1: the header did not reach the environ")
            elif latin1 != "caf\xe9":
                problems.append(f"header bytes b'caf\\xe9' reached the environ as {ascii(latin1)}, not 'caf\\xe9' (Latin-1)")
            if utf8 is not None and utf8 != "\xc3\xa9":
                problems.append(f"header bytes b'\\xc3\\xa9' reached the environ as {ascii(utf8)}, not '\\xc3\\xa9' "
                                "(decoded as UTF-8, not Latin-1)" if utf8 == "\xe9" else
                                f"header bytes b'\\xc3\\xa9' reached the environ as {ascii(utf8)}, not '\\xc3\\xa9'")
            if path is not None and "caf" in path and "caf\xc3\xa9" not in path:
                problems.append(f"path %C3%A9 became {ascii(path[path.find('caf'):])} in PATH_INFO, not 'caf\\xc3\\xa9' "
                                "(percent-decoded bytes not read as Latin-1)")
        response, raw = self.env_raw
        if raw is not None:
            path = raw.text("PATH_INFO") or ""
            if not path.endswith("raw\xe9"):
                problems.append(f"raw path byte 0xE9 became {ascii(path[path.find('raw'):])} in PATH_INFO, not 'raw\\xe9'")
        elif response.ok:
            notes.append(f"a raw byte 0xE9 in the path was answered {response.status} (not reached the application)")
        status, detail = self._verdict(problems, "values are Latin-1; header and path bytes decoded as Latin-1")
        return status, "; ".join([detail, *notes])

    def _rule_environ_method(self) -> tuple[Status, str]:
        problems: list[str] = []
        for seen in self._environs():
            method = seen.text("REQUEST_METHOD")
            if method is None or rules.check_method(method) is not None:
                problems.append(f"{seen.label}: REQUEST_METHOD is {method!r}")
            elif method != seen.method:
                problems.append(f"{seen.label}: REQUEST_METHOD is {method!r} for a {seen.method} request")
        return self._verdict(problems, "REQUEST_METHOD is the request's method (GET, POST)")

    def _rule_environ_path(self) -> tuple[Status, str]:
        problems: list[str] = []
        for seen in self._environs():
            script, path = seen.text("SCRIPT_NAME"), seen.text("PATH_INFO")
            for problem in (rules.check_script_name(script or ""), rules.check_path_info(path or "")):
                if problem:
                    problems.append(f"{seen.label}: {problem}")
        _, env = self.env_get
        expected = unquote_to_bytes(self.prefix + b"/probe/env/a/b%20c/caf%C3%A9").decode("latin-1")
        got = ""
        if env is not None:
            got = (env.text("SCRIPT_NAME") or "") + (env.text("PATH_INFO") or "")
            if got != expected:
                problems.append(f"for the path {ascii(expected)}, SCRIPT_NAME + PATH_INFO is {ascii(got)}")
            split = f"SCRIPT_NAME={ascii(env.text('SCRIPT_NAME'))}, PATH_INFO={ascii(env.text('PATH_INFO'))}"
        else:
            split = "the percent-encoded path was not answered by the probe"
            problems.append(split)
        return self._verdict(problems, f"{split} for {ascii(expected)}")

    def _rule_environ_server(self) -> tuple[Status, str]:
        problems: list[str] = []
        port = name = None
        for seen in self._environs():
            name, port = seen.text("SERVER_NAME"), seen.text("SERVER_PORT")
            for problem in (rules.check_server_name(name or ""), rules.check_server_port(port or "")):
                if problem:
                    problems.append(f"{seen.label}: {problem}")
        return self._verdict(problems, f"SERVER_NAME={name!r}, SERVER_PORT={port!r}")

    def _rule_environ_content_length(self) -> tuple[Status, str]:
        problems: list[str] = []
        for seen in self._environs():
            problem = rules.check_content_length(seen.text("CONTENT_LENGTH") or "")
            if problem:
                problems.append(f"{seen.label}: {problem}")
        _, post = self.env_post
        _, get = self.env_get
        if post is not None and post.text("CONTENT_LENGTH") != "5":
            problems.append(f"POST of 5 bytes: CONTENT_LENGTH is {post.text('CONTENT_LENGTH')!r}")
        without = "not judged"
        if get is not None:
            value = get.text("CONTENT_LENGTH")
            without = "absent" if "CONTENT_LENGTH" not in get.values() else repr(value)
        return self._verdict(problems, f"'5' for a 5-byte POST; for a GET without a body: {without}")

    def _rule_environ_no_http_content(self) -> tuple[Status, str]:
        problems = [f"{seen.label}: environ has {key}" for seen in self._environs()
                    for key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH") if key in seen.values()]
        _, post = self.env_post
        if post is not None and post.text("CONTENT_TYPE") != _CONTENT_TYPE:
            problems.append(f"POST with Content-Type {_CONTENT_TYPE}: CONTENT_TYPE is {post.text('CONTENT_TYPE')!r}")
        return self._verdict(problems, "Content-Type and Content-Length appear only as CONTENT_TYPE / CONTENT_LENGTH")

    def _rule_environ_version(self) -> tuple[Status, str]:
        problems: list[str] = []
        for seen in self._environs():
            entry = seen.values().get("wsgi.version")
            if entry is not None and (entry["value_type"] != "tuple" or entry.get("repr") != "(1, 0)"):
                problems.append(f"{seen.label}: wsgi.version is {entry.get('repr')} ({entry['value_type']})")
        return self._verdict(problems, "(1, 0)")

    def _rule_environ_url_scheme(self) -> tuple[Status, str]:
        problems: list[str] = []
        for seen in self._environs():
            scheme = seen.text("wsgi.url_scheme")
            if "wsgi.url_scheme" in seen.values() and scheme != "http":
                problems.append(f"{seen.label}: wsgi.url_scheme is {scheme!r} on a plain http:// connection")
        return self._verdict(problems, "'http' on a plain http:// connection")

    def _stream_rule(self, part: str, methods: tuple[str, ...]) -> list[str]:
        problems: list[str] = []
        for seen in self._environs():
            facts = (seen.environ() or {}).get(part) or {}
            missing = [name for name in methods if not (facts.get("methods") or {}).get(name)]
            if missing:
                problems.append(f"{seen.label}: {facts.get('type')} has no {', '.join(missing)}")
        return problems

    def _rule_environ_input(self) -> tuple[Status, str]:
        problems = self._stream_rule("input", ("read", "readline", "readlines", "__iter__"))
        kind = (self.seen[0].environ() or {}).get("input", {}).get("type") if self.seen else None
        return self._verdict(problems, f"{kind} with read, readline, readlines, __iter__")

    def _rule_environ_errors(self) -> tuple[Status, str]:
        problems = self._stream_rule("errors", ("write", "writelines", "flush"))
        response, seen = self.errors
        if seen is None:
            problems.append(f"the errors test got no probe answer: {response.describe_failure() or response.status}")
        else:
            problems += [f"{step['op']} raised {step['error']}" for step in seen.ops() if "error" in step]
        kind = (self.seen[0].environ() or {}).get("errors", {}).get("type") if self.seen else None
        return self._verdict(problems, f"{kind}: write(str), writelines(list of str) and flush() work")

    def _rule_environ_file_wrapper(self) -> tuple[Status, str]:
        problems: list[str] = []
        present = False
        kind = None
        for seen in self._environs():
            facts = (seen.environ() or {}).get("file_wrapper") or {}
            if facts.get("present"):
                present, kind = True, facts.get("type")
                if not facts.get("callable"):
                    problems.append(f"{seen.label}: wsgi.file_wrapper is a {facts.get('type')}, not callable")
        if not present:
            return "pass", "not provided (it is optional)"
        return self._verdict(problems, f"provided, callable ({kind})")

    def _input_ops(self) -> list[tuple[str, dict[str, Any]]]:
        found = []
        for mode, (_, seen) in self.inputs.items():
            if seen is not None:
                found += [(mode, step) for step in seen.ops()]
        return found

    def _rule_input_bytes(self) -> tuple[Status, str]:
        problems: list[str] = []
        count = 0
        for mode, step in self._input_ops():
            result = step.get("result")
            if not isinstance(result, dict):
                continue
            count += 1
            if step["op"].startswith(("readlines", "list(")):
                if _result_lines(step) is None:
                    items = [item.get("type") for item in result.get("items", [])] if result.get("type") == "list" else []
                    problems.append(f"{mode}: {step['op']} returned {result.get('type')} {items or ''}".rstrip())
            elif result.get("type") != "bytes":
                problems.append(f"{mode}: {step['op']} returned {result.get('type')}")
        if not count:
            return "skip", "no input test got an answer from the probe"
        return self._verdict(problems, f"read, readline, readlines and iteration returned bytes ({count} calls)")

    def _rule_input_size(self) -> tuple[Status, str]:
        problems: list[str] = []
        for mode, step in self._input_ops():
            match = _READ_SIZE.fullmatch(step["op"])
            data = _result_bytes(step)
            if match and step["op"].startswith("read(") and data is not None and len(data) > int(match.group(1)):
                problems.append(f"{mode}: {step['op']} returned {len(data)} bytes: {_show(data)}")
        response, seen = self.inputs["size"]
        if seen is None:
            return "skip", f"the read(size) test got no probe answer: {response.describe_failure() or response.status}"
        return self._verdict(problems, "no read(size) returned more than size bytes")

    def _input_answer(self, mode: str) -> tuple[_Seen | None, str]:
        """The probe answer for an input mode, or why there is none; plus a half-close note."""
        response, seen = self.inputs[mode]
        note = " (answered only after the client shut down its sending side)" if response.half_closed else ""
        if seen is None:
            why = response.describe_failure() or f"{response.status} {response.reason}"
            if response.half_closed or response.timed_out:
                why = f"no answer within {self.stall:g} s, nor after the client shut down its sending side: " + why
            return None, why
        return seen, note

    _INPUT_MODES = ("eof", "read-all", "readline", "readlines", "iter", "empty")

    def _rule_input_eof(self) -> tuple[Status, str]:
        problems: list[str] = []
        for mode in self._INPUT_MODES:
            seen, note = self._input_answer(mode)
            if seen is None:
                problems.append(f"{mode}: {note}")
                continue
            eof, _ = _input_problems(mode, seen.ops())
            if eof:
                problems.append(f"{mode}: {eof}{note}")
        return self._verdict(problems, "read(size), read(), readline(), readlines() and iteration stop at "
                             "CONTENT_LENGTH; an empty body reads as b''")

    def _rule_start_response_write(self) -> tuple[Status, str]:
        response = self.write
        expected = b"written-by-write();returned-by-iterable;"
        if not response.ok or not response.complete:
            return "fail", f"GET /probe/write: {response.describe_failure() or response.status}"
        if response.body == expected:
            return "pass", "write() is callable and its bytes arrive before the iterable's"
        if response.body.startswith(b"start_response returned"):
            return "fail", response.body.decode("latin-1")
        return "fail", f"expected {expected!r}, got {_show(response.body, 60)}"

    def _rule_exc_info_reraise(self) -> tuple[Status, str]:
        record = self.records.get("exc-after", {}).get("exc-info")
        response = self.exc_after
        if record is None:
            if len(self.states) > 1:
                return "skip", "no record, and the server's processes do not share the probe's state directory"
            return "fail", (f"no record of the exc_info call (response: {response.status or response.describe_failure()}, "
                            f"{_show(response.body)})")
        if record.get("raised"):
            if record.get("same"):
                return "pass", "start_response(..., exc_info) after output re-raised the original exception"
            raised = f"{record.get('type')}: {record.get('message', '')}"
            if record.get("type") == "TypeError" and "argument" in str(record.get("message", "")):
                return "fail", f"start_response does not take exc_info at all: calling it with three arguments raised {raised}"
            return "pass", f"start_response(..., exc_info) after output raised {raised}"
        if response.status == 500 and b"partial-body;" not in response.body:
            return "pass", "the headers were still buffered: start_response(..., exc_info) replaced them"
        return "fail", (f"start_response(..., exc_info) returned normally after the headers and "
                        f"b'partial-body;' were sent (response {response.status}, body {_show(response.body)})")

    def _rule_close_called(self) -> tuple[Status, str]:
        record = self.records.get("close", {}).get("close")
        if record is not None:
            return "pass", "close() was called on the response iterable"
        if len(self.states) > 1:
            return "skip", "no record, and the server's processes do not share the probe's state directory"
        response = self.close
        return "fail", (f"close() not called within {max(2.0, self.stall):g} s of the response "
                        f"({response.status or response.describe_failure()}, body {_show(response.body)})")

    # -- checks beyond the catalogue ----------------------------------------------------

    def _check_input_methods(self) -> tuple[Status, str]:
        problems: list[str] = []
        for mode in ("size", *self._INPUT_MODES):
            seen, note = self._input_answer(mode)
            if seen is None:
                problems.append(f"{mode}: {note}")
                continue
            if mode == "size":
                got = [_result_bytes(step) for step in seen.ops()]
                if got[:2] != [b"012", b"3456"] or b"".join(data or b"" for data in got) != _BODY:
                    problems.append(f"size: read(3), read(4), read(3) of {_BODY!r} returned {_show_all(got)}")
                continue
            _, content = _input_problems(mode, seen.ops())
            if content:
                problems.append(f"{mode}: {content}{note}")
        return self._verdict(problems, "read(3), read(4), read(), readline(), readlines() and iteration return the body")

    def _check_input_readline_size(self) -> tuple[Status, str]:
        seen, note = self._input_answer("readline-size")
        if seen is None:
            return "fail", note
        ops = seen.ops()
        errors = [step for step in ops if "error" in step]
        if errors and errors[0] is ops[0]:
            return "skip", f"readline(3) raised {errors[0]['error']} (PEP 3333 lets a server omit the size argument)"
        lines = [_result_bytes(step) for step in ops]
        long = [line for line in lines if line is not None and len(line) > 3]
        if long:
            return "fail", f"readline(3) returned {len(long[0])} bytes: {_show(long[0])}{note}"
        expected = [b"abc", b"def", b"gh\n", b"ij\n", b""]
        if lines[:5] != expected:
            return "fail", f"readline(3) calls returned {_show_all(lines[:6])}, not {_show_all(expected)}{note}"
        return "pass", "readline(3) returned b'abc', b'def', b'gh\\n', b'ij\\n', b''"

    def _check_input_chunked(self) -> tuple[Status, str]:
        response, seen = self.inputs["chunked"]
        if seen is None:
            if response.ok and response.status in (411, 501, 400):
                return "fail", f"a chunked request body was refused: {response.status} {response.reason}"
            return "fail", f"chunked POST: {response.describe_failure() or response.status}"
        values = seen.values()
        terminated = values.get("wsgi.input_terminated", {}).get("value")
        length = seen.text("CONTENT_LENGTH")
        data = b"".join(_result_bytes(step) or b"" for step in seen.ops())
        how = (f"wsgi.input_terminated={terminated!r}" if "wsgi.input_terminated" in values else "no wsgi.input_terminated")
        how += f", CONTENT_LENGTH={length!r}" if "CONTENT_LENGTH" in values else ", no CONTENT_LENGTH"
        if data == b"hello world" and (terminated or (length and rules.check_content_length(length) is None)):
            return "pass", f"decoded to b'hello world'; {how}"
        if data.startswith(b"5\r\nhello"):
            return "fail", f"the application got the raw chunked framing {_show(data)}: not decoded; {how}"
        if data == b"hello world":
            return "fail", f"decoded, but {how}: an application cannot know where the body ends"
        return "fail", f"the application read {_show(data)}; {how}"

    def _check_file_wrapper_output(self) -> tuple[Status, str]:
        if self.file_real.status == 501:
            return "skip", "no wsgi.file_wrapper"
        problems: list[str] = []
        for kind, response in (("a real file", self.file_real), ("a file-like object without fileno()", self.file_like)):
            if not response.ok or not response.complete:
                problems.append(f"{kind}: {response.describe_failure() or response.status}")
            elif response.body != PAYLOAD:
                problems.append(f"{kind}: got {len(response.body)} bytes, not the file's {len(PAYLOAD)}")
        closed = self.records.get("filelike", {}).get("filelike-close")
        status, detail = self._verdict(problems, "the 64 KiB content arrived, from a real file and from a file-like object")
        if status == "pass":
            detail += "; the file-like object was closed" if closed else "; the file-like object's close() was not called"
            if not closed and len(self.states) <= 1:
                status = "fail"
        return status, detail

    def _check_exc_info_replace(self) -> tuple[Status, str]:
        response = self.exc_before
        record = self.records.get("exc-before", {}).get("exc-info")
        if record and record.get("raised"):
            return "fail", f"start_response(..., exc_info) before any output raised {record.get('type')}: {record.get('message', '')}"
        if response.protocol_error:
            return "fail", response.describe_failure()
        if response.status == 500 and response.body == b"replaced-by-exc-info;":
            return "pass", "the 200 was replaced by the 500 given with exc_info"
        return "fail", f"expected 500 with b'replaced-by-exc-info;', got {response.status or response.describe_failure()} {_show(response.body)}"

    def _check_error_after_headers(self) -> tuple[Status, str]:
        response = self.exc_after
        if response.status == 0:
            return "fail", response.describe_failure()
        tail = response.raw[response.raw.find(b"partial-body;"):] if b"partial-body;" in response.raw else b""
        if re.search(rb"HTTP/1\.[01] \d{3}", tail):
            return "fail", f"a second status line followed the partial body: {_show(tail, 80)}"
        if response.protocol_error:
            return "fail", response.describe_failure()
        if response.timed_out and not response.closed:
            return "fail", "the connection was left open, neither finished nor closed"
        chunked = (response.header("transfer-encoding") or "").lower() == "chunked"
        length = response.header("content-length")
        if response.complete and (chunked or length):
            return "fail", ("the broken response was ended like a complete one "
                            f"({'last chunk sent' if chunked else 'Content-Length satisfied'}): a client cannot tell")
        framing = "chunked, no last chunk" if chunked else "close-delimited: a client cannot tell" if not length else "short of Content-Length"
        return "pass", f"{response.status} then b'partial-body;' and the connection closed ({framing})"

    def _check_head_no_body(self) -> tuple[Status, str]:
        response = self.head
        if not response.ok:
            return "fail", f"HEAD: {response.describe_failure()}"
        if response.extra:
            return "fail", f"the server passed on the application's body: {len(response.extra)} bytes after the HEAD response's headers"
        return "pass", f"HEAD: {response.status}, headers only (Content-Length: {response.header('content-length')})"

    def _check_http_11(self) -> tuple[Status, str]:
        version = self.ping.version
        if version == "HTTP/1.1":
            return "pass", "HTTP/1.1"
        return "fail", f"an HTTP/1.1 request was answered with {version}"

    def _check_query_string(self) -> tuple[Status, str]:
        _, env = self.env_get
        if env is None:
            return "skip", "the query test got no probe answer"
        query = env.text("QUERY_STRING")
        if query == "x=1&y=%C3%A9+z":
            return "pass", "'x=1&y=%C3%A9+z', as sent"
        return "fail", f"QUERY_STRING is {query!r} for the query 'x=1&y=%C3%A9+z'"


def probe(url: str, *, timeout: float = 10.0, stall: float = 1.5) -> Report:
    """Probe the ``wsgitypes.probe:app`` served at ``url``; raise :class:`ProbeError` if it cannot be.

    ``timeout`` bounds each request; ``stall`` is how long an input test waits for an
    answer before shutting down its sending side (see the module docstring).
    """
    return _Prober(url, timeout, stall).run()
