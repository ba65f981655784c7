"""Sending the battery: every request the probe makes, and what came back, judged nowhere.

:func:`send_battery` talks to the ``wsgitypes.probe:app`` served at a URL over raw
sockets (:mod:`wsgitypes.probe.client`) and returns frozen
:class:`~wsgitypes.probe.observations.Observations`; :mod:`wsgitypes.probe.judges`
then decides each rule from them.

Reading past the body.  A server that hands the application its raw socket makes
``wsgi.input.read()`` wait for bytes that never come.  Every input test therefore
sends a complete second request right after the body (pipelined): a server that
stops at ``CONTENT_LENGTH`` answers at once, one that does not hands those bytes to
the application, which reports them.  Where a read would still block (``read()``,
``readlines()``, iteration), the battery shuts down its sending side after ``stall``
seconds without an answer, so the server sees end-of-file, and the judges say so.

What happens after a response has gone (``close()``, the outcome of the ``exc_info``
re-raise) the application writes to its state directory; the battery asks for those
records by token at the end, waiting briefly for late ones.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import urlsplit

from wsgitypes.probe.client import ConnectFailed, RawResponse, build_request, request_framing, send_raw
from wsgitypes.probe.observations import Observations, Reply, ServerRecords, TokenRecords, parse_answer

__all__ = [
    "CONTENT_TYPE",
    "ENV_PATH",
    "ENV_QUERY",
    "INPUT_BODY",
    "LINES_BODY",
    "ProbeError",
    "send_battery",
]

INPUT_BODY = b"0123456789"
"""The body of the ``size``, ``eof`` and ``read-all`` input tests."""
LINES_BODY = b"line one\nline two\nlast"
"""The body of the ``readline``, ``readlines`` and ``iter`` input tests."""
_READLINE_SIZE_BODY = b"abcdefgh\nij\n"
_CHUNKED_BODY = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
CONTENT_TYPE = "application/x-wsgitypes-probe"
"""The Content-Type of the POST env request."""
ENV_PATH = "/probe/env/a/b%20c/caf%C3%A9"
"""The percent-encoded path of the GET env request (after the URL's own path)."""
ENV_QUERY = "x=1&y=%C3%A9+z"


class ProbeError(Exception):
    """The URL cannot be probed: nothing listens, it is not HTTP, or it is not the probe app."""


@dataclass(frozen=True)
class _Target:
    url: str
    host: str
    port: int
    netloc: str
    prefix: bytes

    @classmethod
    def parse(cls, url: str) -> _Target:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ProbeError(f"{url}: give an http:// URL with a host (https is not supported)")
        try:
            port = parts.port or 80
        except ValueError as exc:
            raise ProbeError(f"{url}: {exc}") from exc
        return cls(url, parts.hostname, port, parts.netloc, parts.path.rstrip("/").encode("latin-1"))


class _Sender:
    """Sends the battery's requests to one target, keeping every reply in order."""

    def __init__(self, target: _Target, timeout: float) -> None:
        self.target = target
        self.timeout = timeout
        self.replies: list[Reply] = []

    def path(self, suffix: str | bytes) -> bytes:
        return self.target.prefix + (suffix.encode("latin-1") if isinstance(suffix, str) else suffix)

    def send(
        self,
        label: str,
        method: str,
        target: bytes,
        headers: Sequence[tuple[str, bytes]] = (),
        body: bytes = b"",
        *,
        pipeline: bool = False,
        content_length: bool = True,
        timeout: float | None = None,
        half_close_after: float | None = None,
        linger: float = 0.0,
    ) -> Reply:
        """Send one request (with a second one pipelined after it, if asked) and read the response."""
        data = build_request(method, target, self.target.netloc, headers, body, content_length=content_length)
        if pipeline:
            data += self._pipelined()
        framing = request_framing(method, headers, body, content_length=content_length)
        try:
            response = send_raw(self.target.host, self.target.port, data, method=method, framing=framing,
                                timeout=timeout or self.timeout, half_close_after=half_close_after, linger=linger)
        except ConnectFailed as exc:
            if not self.replies:
                raise ProbeError(str(exc)) from exc
            raise ProbeError(f"{exc} while sending {label}: the server stopped accepting connections "
                             "(did it crash? see its log)") from exc
        reply = Reply(label, method, response, parse_answer(response))
        self.replies.append(reply)
        return reply

    def _pipelined(self) -> bytes:
        """A complete second request, sent right after a body: data past CONTENT_LENGTH."""
        pads = [(f"X-Probe-Pad-{n}", b"p" * 24) for n in range(6)]
        return build_request("GET", self.path("/probe/ping?pipelined=1"), self.target.netloc, pads)


def _not_a_probe(url: str, response: RawResponse) -> str:
    where = f"{url.rstrip('/')}/probe/ping"
    if not response.ok:
        return f"{where}: {response.describe_failure()}"
    snippet = response.body[:120].decode("latin-1", "replace")
    return (f"{where} answered {response.status} {response.reason} but not as the probe application "
            f"({snippet!r}): serve wsgitypes.probe:app at that URL")


# Which record each token's request leaves once the response has gone.
_RECORDED_EVENT = {"filelike": "filelike-close", "exc-after": "exc-info", "exc-before": "exc-info", "close": "close"}


def _wait_for_records(sender: _Sender, tokens: dict[str, str], stall: float) -> ServerRecords:
    """The application's records per token, asking again for late ones for up to max(2, stall) s."""
    found: dict[str, TokenRecords] = {}
    deadline = time.monotonic() + max(2.0, stall)
    while True:
        for name, token in tokens.items():
            if name in found and _RECORDED_EVENT[name] in found[name].events:
                continue
            answer = sender.send(f"GET report {name}", "GET", sender.path(f"/probe/report?token={token}")).answer
            if answer is not None and answer.records is not None:
                found[name] = answer.records
        complete = all(name in found and _RECORDED_EVENT[name] in found[name].events for name in tokens)
        if complete or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    nothing = TokenRecords(frozenset(), None)
    return ServerRecords(
        file_like_closed="filelike-close" in found.get("filelike", nothing).events,
        exc_after=found.get("exc-after", nothing).exc_info,
        exc_before=found.get("exc-before", nothing).exc_info,
        close_called="close" in found.get("close", nothing).events,
    )


def send_battery(url: str, *, timeout: float = 10.0, stall: float = 1.5) -> Observations:
    """Send the whole battery to the probe application at ``url``; raise :class:`ProbeError` if it cannot be.

    ``timeout`` bounds each request; ``stall`` is how long an input test waits for an
    answer before shutting down its sending side (see the module docstring).
    """
    target = _Target.parse(url)
    sender = _Sender(target, timeout)
    path = sender.path
    ping = sender.send("GET /probe/ping", "GET", path("/probe/ping"))
    if ping.answer is None:
        raise ProbeError(_not_a_probe(url, ping.response))

    env_get = sender.send("GET env", "GET", path(f"{ENV_PATH}?{ENV_QUERY}"),
                          [("X-Probe-Latin1", b"caf\xe9"), ("X-Probe-Utf8", b"\xc3\xa9")])
    env_post = sender.send("POST env", "POST", path("/probe/env"), [("Content-Type", CONTENT_TYPE.encode())], b"hello")
    env_raw_byte = sender.send("GET raw-byte path", "GET", path(b"/probe/env/raw\xe9"))
    errors = sender.send("GET errors", "GET", path("/probe/errors"))

    inputs: dict[str, Reply] = {}
    octets = [("Content-Type", b"application/octet-stream")]
    for mode, body in (("size", INPUT_BODY), ("eof", INPUT_BODY), ("read-all", INPUT_BODY), ("readline", LINES_BODY),
                       ("readline-size", _READLINE_SIZE_BODY), ("readlines", LINES_BODY), ("iter", LINES_BODY)):
        inputs[mode] = sender.send(f"POST input {mode} (+ a pipelined GET)", "POST", path(f"/probe/input?mode={mode}"),
                                   octets, body, pipeline=True, half_close_after=stall)
    inputs["empty"] = sender.send("GET input empty (+ a pipelined GET)", "GET", path("/probe/input?mode=empty"),
                                  pipeline=True, half_close_after=stall)
    inputs["chunked"] = sender.send("POST input chunked", "POST", path(f"/probe/input?mode=chunked&n={len(_CHUNKED_BODY)}"),
                                    [("Transfer-Encoding", b"chunked"), *octets], _CHUNKED_BODY, content_length=False,
                                    half_close_after=stall)

    write = sender.send("GET write", "GET", path("/probe/write"))
    tokens = {name: uuid.uuid4().hex for name in _RECORDED_EVENT}
    file_real = sender.send("GET file-wrapper (file)", "GET", path("/probe/file-wrapper?kind=file"))
    file_like = sender.send("GET file-wrapper (file-like)", "GET",
                            path(f"/probe/file-wrapper?kind=filelike&token={tokens['filelike']}"))
    exc_after = sender.send("GET exc-info after headers", "GET",
                            path(f"/probe/exc-info?when=after&token={tokens['exc-after']}"), timeout=max(stall * 2, 2.0))
    exc_before = sender.send("GET exc-info before output", "GET",
                             path(f"/probe/exc-info?when=before&token={tokens['exc-before']}"))
    close = sender.send("GET close", "GET", path(f"/probe/close?token={tokens['close']}"))
    head = sender.send("HEAD head", "HEAD", path("/probe/head"), [("Connection", b"close")], linger=min(0.5, stall))
    records = _wait_for_records(sender, tokens, stall)

    return Observations(
        url=url, path_prefix=target.prefix, stall=stall, ping=ping, env_get=env_get, env_post=env_post,
        env_raw_byte=env_raw_byte, errors=errors, inputs=MappingProxyType(inputs), write=write, file_real=file_real,
        file_like=file_like, exc_after=exc_after, exc_before=exc_before, close=close, head=head, records=records,
        replies=tuple(sender.replies),
    )
