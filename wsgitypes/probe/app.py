"""The probe application: load ``wsgitypes.probe:app`` in any WSGI server.

Every request to ``.../probe/<route>`` is answered with what the application saw of
the server: how it was called, the environ (types, values, which keys), and, per
route, what ``wsgi.input``, ``wsgi.errors``, ``write()``, ``wsgi.file_wrapper``,
``start_response(..., exc_info)`` and ``close()`` did.  The driver
(``python -m wsgitypes probe URL``) sends the requests and judges the answers
against the rule catalogue; this module only observes and never judges.

The application is deliberately robust: every observation is taken inside
``try``/``except`` and reported as text, so an odd server produces a report rather
than a crash.  The one exception is the ``exc-info`` route, which lets the exception
``start_response`` raises propagate to the server, as PEP 3333 requires of an
application.

What happens after the response has gone (``close()``, the outcome of the
``exc_info`` re-raise) is written to a state directory and read back by a later
request to ``/probe/report?token=...``: ``$WSGITYPES_PROBE_STATE``, or
``<tempdir>/wsgitypes-probe-<uid>``.  Processes of a multi-process server on one host
share it; servers spread over several hosts behind one address do not, and each
response names its state directory's id so the driver can tell.
"""

# The environ and everything in it come from the server under test and are of unknown
# type on purpose: this module looks at them through ``Any`` and reports what it finds.
# pyright: reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnknownArgumentType=false

from __future__ import annotations

import io
import json
import os
import re
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from typing_extensions import get_protocol_members

from wsgitypes.rules import check_content_length
from wsgitypes.types import ErrorStream, InputStream

__all__ = ["MARKER", "PAYLOAD", "app", "state_dir"]

MARKER = "wsgitypes.probe/2"
"""Every JSON answer carries ``"probe": MARKER``: how the driver recognises the probe."""

PAYLOAD = bytes(range(256)) * 256
"""The 64 KiB served through ``wsgi.file_wrapper``: every byte value, in order."""

_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
_EVENT = re.compile(r"[a-z-]{1,32}")
_TEXT_LIMIT = 4096
_STATE_LOCK = threading.Lock()
_state: tuple[Path, str] | None = None

JSONValue = Any


# --- the state directory -------------------------------------------------------------


def state_dir() -> tuple[Path, str]:
    """The shared state directory and its id (created on first use)."""
    global _state
    with _STATE_LOCK:
        if _state is None:
            configured = os.environ.get("WSGITYPES_PROBE_STATE")
            uid = os.getuid() if hasattr(os, "getuid") else 0
            path = Path(configured) if configured else Path(tempfile.gettempdir()) / f"wsgitypes-probe-{uid}"
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            id_file = path / "id"
            try:
                fd = os.open(id_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                ident = ""
                for _ in range(100):  # another process is writing it right now
                    ident = id_file.read_text().strip()
                    if ident:
                        break
                    threading.Event().wait(0.01)
            else:
                ident = uuid.uuid4().hex
                with os.fdopen(fd, "w") as out:
                    out.write(ident)
            _state = (path, ident)
        return _state


def _record(token: str, event: str, data: dict[str, JSONValue]) -> None:
    """Write one event for a token, atomically (a reader never sees half a file)."""
    if not (_TOKEN.fullmatch(token) and _EVENT.fullmatch(event)):
        return
    try:
        path, _ = state_dir()
        temp = path / f".{token}.{event}.{os.getpid()}.{threading.get_ident()}"
        temp.write_text(json.dumps(data))
        os.replace(temp, path / f"{token}.{event}.json")
    except Exception:  # a read-only temp dir must not break the response
        pass


def _read_records(token: str) -> dict[str, JSONValue]:
    records: dict[str, JSONValue] = {}
    if not _TOKEN.fullmatch(token):
        return records
    path, _ = state_dir()
    for file in path.glob(f"{token}.*.json"):
        event = file.name[len(token) + 1 : -len(".json")]
        try:
            records[event] = json.loads(file.read_text())
        except (OSError, ValueError):
            continue
    return records


# --- describing what the server gave -------------------------------------------------


def _text(value: str) -> str:
    return value if len(value) <= _TEXT_LIMIT else value[:_TEXT_LIMIT] + "..."


def _short_repr(value: object) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # a server object whose __repr__ fails
        text = f"<{type(value).__name__}: repr failed: {exc!r}>"
    return text if len(text) <= 200 else text[:200] + "..."


def describe(value: object) -> dict[str, JSONValue]:
    """A JSON-safe description of a value: its type, and its text if it is bytes or str."""
    kind = type(value).__name__
    if isinstance(value, bytes):
        return {"type": kind, "len": len(value), "data": _text(value.decode("latin-1"))}
    if isinstance(value, str):
        return {"type": kind, "len": len(value), "data": _text(value)}
    if isinstance(value, list):
        items: list[Any] = value
        return {"type": kind, "len": len(items), "items": [describe(item) for item in items[:64]]}
    return {"type": kind, "repr": _short_repr(value)}


def attempt(operation: str, call: Callable[[], object], size: int | None = None) -> dict[str, JSONValue]:
    """Run one operation on a server object: what it returned, or what it raised.

    ``size`` is the size argument of a read, for the driver to compare with the result.
    """
    step: dict[str, JSONValue] = {"op": operation} if size is None else {"op": operation, "size": size}
    try:
        result = call()
    except Exception as exc:
        return {**step, "error": f"{type(exc).__name__}: {exc}"}
    return {**step, "result": describe(result)}


def _stream(stream: object, protocol: type) -> dict[str, JSONValue]:
    """The stream's type, and the methods of its protocol (InputStream, ErrorStream) it lacks."""
    missing = sorted(name for name in get_protocol_members(protocol) if not callable(getattr(stream, name, None)))
    return {"type": type(stream).__name__, "missing": missing}


def describe_environ(environ: Any) -> dict[str, JSONValue]:
    """Everything the driver needs to judge the environ rules of this request."""
    facts: dict[str, JSONValue] = {"type": type(environ).__name__, "is_dict": type(environ) is dict}
    try:
        items = list(environ.items())
    except Exception as exc:
        facts["error"] = f"environ.items() failed: {type(exc).__name__}: {exc}"
        return facts
    keys: list[dict[str, JSONValue]] = []
    for key, value in items:
        entry: dict[str, JSONValue] = {
            "key": key if isinstance(key, str) else _short_repr(key),
            "key_type": type(key).__name__,
            "value_type": type(value).__name__,
        }
        if isinstance(value, str):
            entry["value"] = _text(value)
        elif isinstance(value, (bool, int)):
            entry["value"] = value
        else:
            entry["repr"] = _short_repr(value)
        keys.append(entry)
    facts["keys"] = keys
    get: Callable[[str], Any] = environ.get
    facts["input"] = _stream(get("wsgi.input"), InputStream)
    facts["errors"] = _stream(get("wsgi.errors"), ErrorStream)
    present = "wsgi.file_wrapper" in environ
    wrapper = get("wsgi.file_wrapper")
    kind = wrapper if isinstance(wrapper, type) else type(wrapper)
    facts["file_wrapper"] = {"present": present, "callable": callable(wrapper), "type": f"{kind.__module__}.{kind.__qualname__}"}
    return facts


# --- the routes ----------------------------------------------------------------------


class _Request:
    __slots__ = ("environ", "start_response", "call", "query", "route")

    def __init__(self, environ: Any, start_response: Any, call: dict[str, JSONValue]) -> None:
        self.environ = environ
        self.start_response = start_response
        self.call = call
        self.query: dict[str, str] = {}
        self.route = ""
        try:
            self.query = dict(parse_qsl(str(environ.get("QUERY_STRING") or ""), keep_blank_values=True))
            full = str(environ.get("SCRIPT_NAME") or "") + str(environ.get("PATH_INFO") or "")
            at = full.find("/probe/")
            if at >= 0:
                self.route = full[at + len("/probe/") :].split("/", 1)[0]
        except Exception:
            pass

    def get(self, key: str) -> Any:
        try:
            return self.environ.get(key)
        except Exception:
            return None

    def content_length(self) -> int | None:
        value = self.get("CONTENT_LENGTH")
        if isinstance(value, str) and value and check_content_length(value) is None:
            return int(value)
        return None

    def answer(self, observations: dict[str, JSONValue], status: str = "200 OK") -> list[bytes]:
        _, state_id = state_dir()
        payload = {"probe": MARKER, "route": self.route, "call": self.call, "state": state_id, **observations}
        body = json.dumps(payload).encode("ascii")
        self.start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def _route_env(request: _Request) -> list[bytes]:
    observations: dict[str, JSONValue] = {"environ": describe_environ(request.environ)}
    length = request.content_length()
    stream = request.get("wsgi.input")
    if length and stream is not None:  # consume the body, as a well-behaved application does
        observations["body"] = attempt(f"read({length})", lambda: stream.read(length))
    return request.answer(observations)


def _route_errors(request: _Request) -> list[bytes]:
    errors = request.get("wsgi.errors")
    operations = [
        attempt("write(str)", lambda: errors.write("wsgitypes.probe: wsgi.errors.write() accepts str\n")),
        attempt("writelines(list[str])", lambda: errors.writelines(["wsgitypes.probe: ", "wsgi.errors.writelines() accepts a list of str\n"])),
        attempt("flush()", lambda: errors.flush()),
    ]
    return request.answer({"environ": describe_environ(request.environ), "operations": operations})


def _read_exactly(stream: Any, length: int) -> tuple[bytes, list[dict[str, JSONValue]]]:
    """Read ``length`` bytes with read(size) calls (a short read is allowed), stopping at b""."""
    data = b""
    log: list[dict[str, JSONValue]] = []
    for _ in range(64):
        if len(data) >= length:
            break
        size = length - len(data)
        step = attempt(f"read({size})", lambda: stream.read(size), size)
        log.append(step)
        chunk = stream_result(step)
        if not chunk:
            break
        data += chunk
    return data, log


def stream_result(step: dict[str, JSONValue]) -> bytes:
    """The bytes an attempted read returned (b"" for an error or a non-bytes result)."""
    result = step.get("result")
    if isinstance(result, dict) and result.get("type") == "bytes":
        data = result.get("data")
        if isinstance(data, str):
            return data.encode("latin-1")
    return b""


def _route_input(request: _Request) -> list[bytes]:
    stream = request.get("wsgi.input")
    mode = request.query.get("mode", "")
    length = request.content_length()
    ops: list[dict[str, JSONValue]] = []
    if stream is None:
        ops.append({"op": "environ['wsgi.input']", "error": "missing"})
    elif mode == "size":
        ops += [attempt("read(3)", lambda: stream.read(3), 3), attempt("read(4)", lambda: stream.read(4), 4)]
        if length:
            ops += _read_exactly(stream, length - 7)[1]
    elif mode == "eof":
        ops += _read_exactly(stream, length or 0)[1]
        ops += [attempt("read(64)", lambda: stream.read(64), 64), attempt("readline()", lambda: stream.readline()),
                attempt("read()", lambda: stream.read())]
    elif mode == "read-all":
        ops.append(attempt("read()", lambda: stream.read()))
    elif mode in ("readline", "readline-size"):
        size = 3 if mode == "readline-size" else None
        for _ in range(8):
            step = attempt(f"readline({size or ''})", (lambda: stream.readline(size)) if size else (lambda: stream.readline()))
            ops.append(step)
            if "error" in step or not stream_result(step):
                break
    elif mode == "readlines":
        ops.append(attempt("readlines()", lambda: stream.readlines()))
    elif mode == "iter":
        ops.append(attempt("list(iter(wsgi.input))", lambda: list(iter(stream))))
    elif mode == "empty":
        ops += [attempt("read(100)", lambda: stream.read(100), 100), attempt("readline()", lambda: stream.readline())]
    elif mode == "chunked":
        terminated = request.get("wsgi.input_terminated")
        if terminated:
            ops.append(attempt("read()", lambda: stream.read()))
        elif length is not None:
            ops += _read_exactly(stream, length)[1]
        else:  # neither promise: read no more than the raw chunked framing the driver sent
            framing = int(request.query.get("n", "0") or "0")
            ops.append(attempt(f"read({framing})", lambda: stream.read(framing), framing))
    else:
        ops.append({"op": f"mode {mode!r}", "error": "unknown input mode"})
    return request.answer({"environ": describe_environ(request.environ), "mode": mode, "operations": ops})


def _route_write(request: _Request) -> list[bytes]:
    write = request.start_response("200 OK", [("Content-Type", "text/plain")])
    if not callable(write):
        return [f"start_response returned {_short_repr(write)}, not a callable".encode("latin-1", "replace")]
    write(b"written-by-write();")
    return [b"returned-by-iterable;"]


class _ProbeFile(io.BytesIO):
    """A file-like object without a real file descriptor, that records its close()."""

    def __init__(self, data: bytes, token: str) -> None:
        super().__init__(data)
        self.token = token

    def fileno(self) -> int:
        raise io.UnsupportedOperation("fileno")

    def close(self) -> None:
        _record(self.token, "filelike-close", {"closed": True})
        super().close()


def _route_file_wrapper(request: _Request) -> Iterable[bytes]:
    wrapper = request.get("wsgi.file_wrapper")
    if not callable(wrapper):
        return request.answer({"file_wrapper": describe(wrapper), "present": wrapper is not None}, "501 Not Implemented")
    token = request.query.get("token", "")
    if request.query.get("kind") == "filelike":
        file: Any = _ProbeFile(PAYLOAD, token)
    else:
        file = tempfile.TemporaryFile()
        file.write(PAYLOAD)
        file.seek(0)
    request.start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(PAYLOAD)))])
    make: Any = wrapper
    wrapped: Iterable[bytes] = make(file, 8192)
    return wrapped


def _route_exc_info(request: _Request) -> Iterable[bytes]:
    """start_response(..., exc_info): after the headers went out with a first body block, or before any output."""
    token = request.query.get("token", "")

    def fail_with_exc_info() -> bytes:
        try:
            raise RuntimeError("wsgitypes.probe: deliberate error for the exc_info test (expected in the server's log)")
        except RuntimeError:
            exc_info = sys.exc_info()
            try:
                request.start_response("500 Internal Server Error", [("Content-Type", "text/plain")], exc_info)
            except BaseException as raised:
                _record(token, "exc-info", {"raised": True, "type": type(raised).__name__, "same": raised is exc_info[1],
                                            "message": str(raised)[:200]})
                raise  # never trap it: PEP 3333, Error Handling
            _record(token, "exc-info", {"raised": False})
        return b"second-status-accepted;"

    def after_output() -> Iterator[bytes]:
        yield b"partial-body;"  # PEP 3333: the server sends the headers and this block before asking for the next
        yield fail_with_exc_info()

    request.start_response("200 OK", [("Content-Type", "text/plain")])
    if request.query.get("when") == "before":
        fail_with_exc_info()
        return [b"replaced-by-exc-info;"]
    return after_output()


class _ClosingBody:
    """A response iterable whose close() leaves a record for a later report request."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __iter__(self) -> Iterator[bytes]:
        yield b"body-with-close;"

    def close(self) -> None:
        _record(self.token, "close", {"closed": True, "pid": os.getpid()})


def _route_close(request: _Request) -> Iterable[bytes]:
    request.start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "16")])
    return _ClosingBody(request.query.get("token", ""))


def _route_head(request: _Request) -> list[bytes]:
    body = b"h" * 100
    request.start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def _route_report(request: _Request) -> list[bytes]:
    return request.answer({"records": _read_records(request.query.get("token", ""))})


def _route_ping(request: _Request) -> list[bytes]:
    software = request.get("SERVER_SOFTWARE")
    return request.answer({"software": software if isinstance(software, str) else None, "environ": describe_environ(request.environ)})


_ROUTES: dict[str, Callable[[_Request], Iterable[bytes]]] = {
    "ping": _route_ping,
    "env": _route_env,
    "errors": _route_errors,
    "input": _route_input,
    "write": _route_write,
    "file-wrapper": _route_file_wrapper,
    "exc-info": _route_exc_info,
    "close": _route_close,
    "head": _route_head,
    "report": _route_report,
}


def app(*args: Any, **kwargs: Any) -> Iterable[bytes]:
    """The probe: a WSGI application that reports what the server gave it.

    It takes ``*args, **kwargs`` so that it can see how it was called (PEP 3333:
    exactly two positional arguments).
    """
    call: dict[str, JSONValue] = {"positional": len(args), "keywords": sorted(str(key) for key in kwargs)}
    environ: Any = args[0] if args else kwargs.get("environ")
    start_response: Any = args[1] if len(args) > 1 else kwargs.get("start_response")
    request = _Request(environ, start_response, call)
    handler = _ROUTES.get(request.route)
    if handler is None:
        return request.answer({"error": f"no probe route {request.route!r}; routes: {sorted(_ROUTES)}"}, "404 Not Found")
    if handler is _route_exc_info:
        return handler(request)  # the one route that lets an exception reach the server
    try:
        return handler(request)
    except Exception as exc:
        message = f"wsgitypes.probe: {request.route} failed: {type(exc).__name__}: {exc}"
        try:
            return request.answer({"error": message}, "500 Internal Server Error")
        except Exception:  # start_response already called: give the server bytes, not a traceback
            return [message.encode("latin-1", "replace")]
