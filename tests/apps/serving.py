"""One WSGI application for the server tests: each path exercises one server duty.

* ``/hello``                 a fixed 13-byte body
* ``/environ[/...]``         the environ's str and bool values and the wsgi.* facts, as JSON
* ``/echo``                  the request body, read with ``read()`` (``?mode=chunks`` reads
                             ``read(N)`` pieces, ``?mode=lines`` iterates lines); Content-Length set
* ``/stream-echo``           the body echoed back as a generator (chunked response)
* ``/upload``                JSON {"size", "sha256"} of the body
* ``/download?size=N&seed=S&chunked=1``  N deterministic pseudo-random bytes
* ``/slow?seconds=F``        sleeps, then answers (for graceful-stop tests)
* ``/write``                 the body through ``write()``
* ``/file?size=N``           a temporary file through ``wsgi.file_wrapper``
* ``/status?code=204``       an empty response with that status
* ``/exc-before``            raises after start_response, before any body: the server sends 500
* ``/exc-after``             sends part of the body, then start_response(exc_info): re-raised
* ``/close``                 counts close() calls; ``/closed`` reports the count
* ``/thread``                the name of the thread serving it
* ``/keep-write``            answers, keeping its ``write`` callable; ``/stale-write`` calls that one
                             and answers with what the call raised
* ``/overlap?seconds=F``     reads the body and sleeps, counting the requests in the application
                             at once; ``/overlap-max`` reports the most seen, and starts counting again
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import parse_qs

from wsgitypes.types import StartResponse, WSGIEnvironment

HELLO = b"Hello, World!"
_closed = 0
_kept_write: list[Callable[[bytes], object]] = []
_overlap = {"now": 0, "most": 0}
_overlap_lock = threading.Lock()


def pseudo_random(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


class _Closing:
    def __iter__(self) -> Iterator[bytes]:
        yield b"closing"

    def close(self) -> None:
        global _closed
        _closed += 1


def app(environ: WSGIEnvironment, start_response: StartResponse, /) -> Iterable[bytes]:
    path: str = environ["PATH_INFO"]
    query = {key: values[-1] for key, values in parse_qs(environ["QUERY_STRING"]).items()}
    body_input = environ["wsgi.input"]
    if path == "/hello":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(HELLO)))])
        return [HELLO]
    if path.startswith("/environ"):
        facts = {key: value for key, value in environ.items() if isinstance(value, (str, bool))}
        facts["wsgi.version"] = list(environ["wsgi.version"])
        facts["has_file_wrapper"] = callable(environ.get("wsgi.file_wrapper"))
        data = json.dumps(facts).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]
    if path == "/echo":
        mode = query.get("mode", "read")
        if mode == "chunks":
            parts = []
            while piece := body_input.read(int(query.get("size", "1000"))):
                parts.append(piece)
            data = b"".join(parts)
        elif mode == "lines":
            data = b"".join(body_input)
        else:
            data = body_input.read()
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(data)))])
        return [data]
    if path == "/stream-echo":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return iter(lambda: body_input.read(65536), b"")
    if path == "/upload":
        digest = hashlib.sha256()
        size = 0
        while piece := body_input.read(65536):
            digest.update(piece)
            size += len(piece)
        data = json.dumps({"size": size, "sha256": digest.hexdigest()}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]
    if path == "/download":
        data = pseudo_random(int(query.get("size", "0")), int(query.get("seed", "0")))
        if query.get("chunked"):
            start_response("200 OK", [("Content-Type", "application/octet-stream")])
            return (data[i : i + 100_000] for i in range(0, len(data), 100_000))
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(data)))])
        return [data]
    if path == "/slow":
        time.sleep(float(query.get("seconds", "1")))
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "4")])
        return [b"slow"]
    if path == "/write":
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written ")
        write(b"directly")
        return [b", then returned"]
    if path == "/file":
        handle = tempfile.TemporaryFile()
        handle.write(pseudo_random(int(query.get("size", "100000")), 7))
        handle.seek(0)
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return environ["wsgi.file_wrapper"](handle, 65536)
    if path == "/status":
        start_response(f"{query.get('code', '204')} Whatever", [])
        return []
    if path == "/exc-before":
        start_response("200 OK", [("Content-Type", "text/plain")])
        raise RuntimeError("failed before the body (expected by the test)")
    if path == "/exc-after":
        return _fail_after_body(start_response)
    if path == "/close":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return _Closing()
    if path == "/closed":
        data = str(_closed).encode()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
        return [data]
    if path == "/keep-write":
        _kept_write[:] = [start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "4")])]
        return [b"kept"]
    if path == "/stale-write":
        try:
            _kept_write[0](b"late bytes")
            data = b"no error"
        except Exception as error:
            data = f"{type(error).__name__}: {error}".encode()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
        return [data]
    if path == "/thread":
        data = threading.current_thread().name.encode()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
        return [data]
    if path == "/overlap":
        with _overlap_lock:
            _overlap["now"] += 1
            _overlap["most"] = max(_overlap["most"], _overlap["now"])
        try:
            body_input.read()
            time.sleep(float(query.get("seconds", "0")))
        finally:
            with _overlap_lock:
                _overlap["now"] -= 1
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]
    if path == "/overlap-max":
        with _overlap_lock:
            data, _overlap["most"] = str(_overlap["most"]).encode(), 0
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
        return [data]
    start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
    return [b"not found"]


def _fail_after_body(start_response: StartResponse) -> Iterator[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"partial"
    try:
        raise RuntimeError("failed after the headers were sent (expected by the test)")
    except RuntimeError:
        start_response("500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info())
    yield b"never sent"

