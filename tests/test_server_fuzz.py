"""A differential fuzzer: our request parser against h11 as a strict server-side parser (issue 12).

Each case is a request from the malformed corpus (``tests/malformed/corpus.py``) or a
valid one, mutated by a seeded mutator: bytes, header lines, framing (Content-Length,
Transfer-Encoding, chunk sizes), whitespace, line endings, pipelining.  It is read by
:class:`wsgitypes.server.request.RequestParser` (what our server serves) and by
``h11.Connection(h11.SERVER)``, each request as the application would see it: method,
target, header fields, body, and so where the next request starts.

The oracle: **no request is served that h11 would read differently.**  Where the two
disagree, the disagreement must be one of :data:`DISAGREEMENTS`, each with the RFC text
that says which side is right; a new kind fails the test with the request that shows it.
Where our parser is stricter than h11 (refusing what h11 accepts) the refusal must also
be a listed kind, so the list is the full account of how the two differ.

The second half sends mutated requests to a real server subprocess: no crash, no hang
(every connection answered or closed within the timeouts), and every response parses
with h11 as a client.

Bounded for the default run (a few thousand cases in-process, 300 over sockets, well
under a minute together); ``WSGITYPES_FUZZ_CASES=N`` and ``WSGITYPES_FUZZ_WIRE=N`` run
more, ``WSGITYPES_FUZZ_SEED`` another seed.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import h11
import pytest

from harness import Server, ours, read_until_close, serve
from tests.malformed.corpus import ACCEPTED, PIPELINES, REFUSED, SMALL_FLAGS, SMALL_LIMITS, UNTERMINATED, WITHIN_LIMITS
from wsgitypes.server.request import RequestParser

pytest.importorskip("httptools")

CASES = int(os.environ.get("WSGITYPES_FUZZ_CASES", "4000"))
WIRE_CASES = int(os.environ.get("WSGITYPES_FUZZ_WIRE", "300"))
SEED = int(os.environ.get("WSGITYPES_FUZZ_SEED", "20261201"))

VALID = [
    b"GET / HTTP/1.1\r\nHost: example.test\r\n\r\n",
    b"GET /a/b?c=d&e HTTP/1.1\r\nHost: example.test:8080\r\nAccept: */*\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nHost: example.test\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world",
    b"POST /echo HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n",
    b"HEAD /hello HTTP/1.1\r\nHost: example.test\r\n\r\nGET /hello HTTP/1.1\r\nHost: example.test\r\n\r\n",
    b"GET /hello HTTP/1.0\r\n\r\n",
    b"GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /x HTTP/1.0\r\n\r\n",
    b"PUT /x HTTP/1.1\r\nHost: example.test\r\nContent-Length: 3\r\n\r\nabcPOST /y HTTP/1.1\r\nHost: example.test\r\nContent-Length: 2\r\n\r\nde",
    b"OPTIONS * HTTP/1.1\r\nHost: example.test\r\n\r\n",
    b"GET http://example.test/abs HTTP/1.1\r\nHost: other.test\r\n\r\n",
    b"DELETE /item/1 HTTP/1.1\r\nHost: example.test\r\nX-Value: a, b\t c\r\n\r\n",
]


def seeds() -> list[bytes]:
    corpus = [case.raw for case in REFUSED] + [case.raw for case in ACCEPTED]
    corpus += [raw for _, raw, _ in PIPELINES] + [raw for _, raw, _ in WITHIN_LIMITS] + [raw for _, raw, _ in UNTERMINATED]
    return VALID * 8 + corpus


# --- the mutator --------------------------------------------------------------------------

INTERESTING = [b" ", b"\t", b"\r", b"\n", b"\r\n", b":", b";", b",", b"=", b"\x00", b"\x7f", b"\xff", b"\x0b", b"0", b"a", b'"', b"_", b"-", b"/", b"?", b"#", b"%", b"@"]
HEADERS = [
    b"Content-Length: 5", b"Content-Length: 0", b"Transfer-Encoding: chunked", b"Transfer-Encoding: gzip, chunked",
    b"Host: other.test", b"Connection: close", b"Connection: keep-alive", b"Connection: upgrade", b"Upgrade: h2c",
    b"Expect: 100-continue", b"X_Forwarded_For: 1.2.3.4", b"Cookie: c=3", b"Trailer: X-T", b"TE: trailers",
]


def _lines(raw: bytes) -> tuple[list[bytes], bytes]:
    head, found, rest = raw.partition(b"\r\n\r\n")
    return head.split(b"\r\n"), rest if found else b""


def _join(lines: list[bytes], rest: bytes) -> bytes:
    return b"\r\n".join(lines) + b"\r\n\r\n" + rest


def _mutate_byte(raw: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(raw) + 1)
    choice = rng.random()
    if choice < 0.4:
        return raw[:at] + rng.choice(INTERESTING) + raw[at:]
    if choice < 0.7:
        return raw[:at] + raw[at + 1 :]
    return raw[:at] + rng.choice(INTERESTING) + raw[at + 1 :]


def _mutate_header(raw: bytes, rng: random.Random) -> bytes:
    lines, rest = _lines(raw)
    if len(lines) < 2:
        return raw
    choice = rng.random()
    index = rng.randrange(1, len(lines))
    if choice < 0.3:
        lines.insert(rng.randrange(1, len(lines) + 1), rng.choice(HEADERS))
    elif choice < 0.45:
        lines.insert(index, lines[index])  # a repeated field
    elif choice < 0.6:
        del lines[index]
    elif choice < 0.75:
        name, colon, value = lines[index].partition(b":")
        lines[index] = rng.choice([name.upper(), name.lower(), name + b" ", b" " + name, name]) + colon + rng.choice([b"", b" ", b"\t", b"  "]) + value + rng.choice([b"", b" ", b"\t"])
    else:
        other = rng.randrange(1, len(lines))
        lines[index], lines[other] = lines[other], lines[index]
    return _join(lines, rest)


def _mutate_framing(raw: bytes, rng: random.Random) -> bytes:
    choice = rng.random()
    if choice < 0.35:
        def length(match: re.Match[bytes]) -> bytes:
            number = int(match[1])
            return b"Content-Length: " + rng.choice([b"%d" % (number + rng.choice([-1, 1, 2])), b"+%d" % number, b"0%d" % number, b"%d, %d" % (number, number), b"%d " % number, b"-1", b"%x" % number])
        return re.sub(rb"Content-Length: *([0-9]+)", length, raw, count=1)
    if choice < 0.75:
        def size(match: re.Match[bytes]) -> bytes:
            number = int(match[1], 16)
            return rng.choice([b"%x" % (number + rng.choice([-1, 1])), b"0%x" % number, b"%X" % number, b"%x " % number, b"%x ;a=b" % number, b"%x;a= b" % number, b"%x\t;\tq" % number, b" %x" % number, b"%x;" % number])
        return re.sub(rb"(?<=\n)([0-9a-fA-F]+)(?=\r\n)", size, raw, count=1)
    if choice < 0.9:  # line endings
        positions = [m.start() for m in re.finditer(rb"\r\n", raw)]
        if not positions:
            return raw
        at = rng.choice(positions)
        return raw[:at] + rng.choice([b"\n", b"\r", b"\r\r\n", b"\n\r", b"\r\n\r\n"]) + raw[at + 2 :]
    return raw[: rng.randrange(len(raw) + 1)]  # truncated


def mutate(raw: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        choice = rng.random()
        if choice < 0.35:
            raw = _mutate_byte(raw, rng)
        elif choice < 0.65:
            raw = _mutate_header(raw, rng)
        elif choice < 0.95:
            raw = _mutate_framing(raw, rng)
        else:
            raw = raw + rng.choice(VALID)  # pipelined
    return raw


def cases(count: int, seed: int) -> Iterator[bytes]:
    rng = random.Random(seed)
    corpus = seeds()
    for _ in range(count):
        yield mutate(rng.choice(corpus), rng)


# --- reading a request both ways -------------------------------------------------------------


@dataclass
class Read:
    """One request as the application would see it."""

    method: str
    target: bytes
    headers: list[tuple[bytes, bytes]]  # lower-case names, in order, as the environ is built from them
    body: bytes | None  # None: not complete
    broken: bool = False  # the reader refused the body


@dataclass
class Reading:
    requests: list[Read] = field(default_factory=list)
    error: str | None = None  # why the reading stopped (after the requests)
    error_method: str | None = None  # the method of the request it stopped at (broken or unfinished), when known


def ours_reads(raw: bytes) -> Reading:
    parser = RequestParser(SMALL_LIMITS)
    parser.feed(raw)
    reading = Reading()
    for request in parser.ready:
        body = b"".join(request.body) if request.complete else None
        broken = not request.complete and parser.error is not None
        reading.requests.append(Read(request.method, request.target, [(name.lower(), value) for name, value in request.headers], body, broken))
        if not request.keep_alive:
            break
    if parser.error is not None:
        reading.error = f"{parser.error.status.value} {parser.error.detail}"
    reading.error_method = parser.error_method
    return reading


_NO_BODY = (h11.Response(status_code=200, headers=[("Content-Length", "0")]), h11.EndOfMessage())


def h11_reads(raw: bytes) -> Reading:
    """h11 as a server: requests until an error, the end of the data, or the connection's last."""
    server = h11.Connection(h11.SERVER, max_incomplete_event_size=SMALL_LIMITS.max_header_bytes)
    server.receive_data(raw)
    reading = Reading()
    current: Read | None = None
    body: list[bytes] = []
    try:
        while True:
            event = server.next_event()
            if isinstance(event, h11.ConnectionClosed):  # (no data at all reads as the end of it)
                break
            if event is h11.NEED_DATA or event is h11.PAUSED:
                if current is not None and server.their_state is h11.SEND_BODY:
                    reading.requests.append(current)  # its body incomplete
                if event is h11.PAUSED and server.their_state is h11.DONE:
                    for reply in _NO_BODY:
                        server.send(reply)
                    if server.our_state is h11.DONE and server.their_state is h11.DONE:
                        server.start_next_cycle()
                        continue
                    if server.trailing_data[0]:
                        reading.error = "h11: the connection must close after this request"
                elif event is h11.PAUSED and server.trailing_data[0]:
                    reading.error = "h11: paused (protocol switch)"
                break
            if isinstance(event, h11.Request):
                target = event.target
                current = Read(event.method.decode("latin-1"), bytes(target), [(bytes(name), bytes(value)) for name, value in event.headers], None)
                body = []
            elif isinstance(event, h11.Data):
                body.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                assert current is not None
                current.body = b"".join(body)
                reading.requests.append(current)
                current = None
    except h11.ProtocolError as error:
        if current is not None:
            current.broken = True
            reading.requests.append(current)
        reading.error = str(error)
    return reading


# --- the application's view, and the listed disagreements -------------------------------------

_ABSOLUTE = re.compile(rb"(?i:https?)://([^/?#]*)(.*)")


def as_the_app_sees_it(read: Read) -> Read:
    """h11's reading after the server's documented policies (docs/server.md): header names
    with ``_`` dropped, Transfer-Encoding not passed on, an absolute-form target's
    authority as the Host (RFC 9112 §3.2.2)."""
    headers = [(name, value) for name, value in read.headers if b"_" not in name and name != b"transfer-encoding"]
    matched = _ABSOLUTE.fullmatch(read.target)
    if matched:
        headers = [(name, value) for name, value in headers if name != b"host"] + [(b"host", matched[1])]
    return Read(read.method, read.target, headers, read.body)


@dataclass(frozen=True)
class Disagreement:
    id: str
    reference: str
    right: str  # "ours" or "h11": who reads it as the RFC says, or "either" where the RFC allows both
    ours: re.Pattern[str]  # matches our error ("" when we served it)
    h11: re.Pattern[str]  # matches h11's error ("" when it read it)
    raw: re.Pattern[bytes]  # and the request shows the feature

    @property
    def served(self) -> bool:
        """We serve the request h11 reads otherwise (else: we refuse what h11 reads)."""
        return self.ours.pattern == "^$"


def _d(id: str, reference: str, right: str, ours: str, h11_: str, raw: bytes) -> Disagreement:
    return Disagreement(id, reference, right, re.compile(ours, re.S), re.compile(h11_, re.S), re.compile(raw, re.S))


DISAGREEMENTS = [
    # --- we accept, h11 refuses
    _d("chunk-ext-bws", "RFC 9112 §7.1.1 chunk-ext = *( BWS \";\" BWS ... ); RFC 9110 §5.6.3: a recipient MUST accept BWS",
       "ours", r"^$", r"illegal chunk header", rb"[0-9a-fA-F][ \t]+;|;[ \t]|[ \t]="),
    _d("leading-empty-lines", "RFC 9112 §2.2: a server SHOULD ignore at least one empty line (CRLF) received before the request-line, "
       "and MAY take a bare LF for a line's end (here: a stray LF after a body)",
       "ours", r"^$", r"illegal request line|no request line received", rb"(?:^|\r\n\r\n)\r?\n|[^\r\n]\n(?=[A-Z]+ )"),
    _d("http10-keep-alive", "RFC 9112 §9.3 and Appendix C.2.2: keep-alive for HTTP/1.0 is an optional extension, which h11 does not implement",
       "either", r"^$", r"must close|expecting EOF", rb"HTTP/1\.0.*(?i:keep-alive)"),
    _d("upgrade-served-as-http11", "RFC 9110 §7.8: a server MAY ignore Upgrade, and §7.6.1: a sender of Upgrade MUST name it in Connection; we serve a "
       "request with Upgrade as HTTP/1.1 (the connection's last when Connection names upgrade, else like any other), h11 stops at any Upgrade",
       "ours", r"^$", r"paused|must close|expecting EOF", rb"(?i)upgrade"),
    # --- we refuse, h11 accepts
    _d("host-syntax", "RFC 9112 §3.2: a server MUST respond 400 to an invalid Host field value",
       "ours", r"^400 invalid Host", r"^$|.", rb""),
    _d("bare-lf-or-cr", "RFC 9112 §2.2: a recipient MAY recognise a bare LF as a line terminator; a bare CR MUST be refused or replaced. We refuse both",
       "either", r"^400 (malformed request|malformed request head|a chunked body line does not end in CRLF)", r"^$|.", rb"(?<!\r)\n|\r(?!\n)"),
    _d("obs-fold", "RFC 9112 §5.2: a server MUST either reject obs-fold with 400 or replace it with SP; we reject",
       "either", r"^400 malformed request", r"^$|.", rb"\r?\n[ \t]"),
    _d("methods-llhttp-knows", "RFC 9110 §9.1: an unrecognised method is 501; llhttp knows a fixed list (h11 takes any token)",
       "either", r"^(501 method|400 invalid method token)", r"^$|.", rb""),
    _d("target-form", "RFC 9112 §3.2: origin-form, absolute-form, authority-form (CONNECT), asterisk-form (OPTIONS); a fragment is never sent "
       "(RFC 9110 §7.1); an http(s) URI with an empty host is invalid (RFC 9110 §4.2.1)",
       "ours", r"^(400 invalid request target|400 a request target has no fragment|400 the asterisk target|400 the request target .* names no host|"
       r"400 malformed request: .*(URL|url))", r"^$|.", rb""),
    _d("expectation", "RFC 9110 §10.1.1: a server that receives an Expect it does not support MAY answer 417",
       "ours", r"^417 ", r"^$|.", rb"(?i)expect"),
    _d("transfer-encoding-http10", "RFC 9112 §6.1: a server MAY reject Transfer-Encoding in HTTP/1.0 (treat it as faulty framing); we do",
       "ours", r"^400 Transfer-Encoding is not allowed in an HTTP/1\.0", r"^$|.", rb"HTTP/1\.0"),
    _d("content-length-with-transfer-encoding", "RFC 9112 §6.1: a server MAY reject a request with both; they are the smuggling classic",
       "ours", r"^400 malformed request: .*(Content-Length|Transfer-Encoding)", r"^$|.", rb"(?i)content-length"),
    _d("chunk-size-syntax", "RFC 9112 §7.1: chunk-size = 1*HEXDIG, then chunk-ext = *( BWS \";\" ...): no whitespace before the CRLF without an extension; h11 allows trailing whitespace and anything after \";\"",
       "ours", r"^400 invalid chunk size line", r"^$|.", rb""),
    _d("chunk-data-framing", "RFC 9112 §7.1: chunk-data is followed by CRLF",
       "ours", r"^400 (chunk data is longer than its size|a chunked body line does not end in CRLF)", r"^$|.", rb""),
    _d("trailer-fields", "RFC 9110 §6.5.1: trailer fields that frame the message (Content-Length, Transfer-Encoding) are refused; RFC 9112 §5.1 field syntax",
       "ours", r"^400 (invalid trailer field|control character in trailer|Content-Length is not allowed in a trailer|Transfer-Encoding is not allowed in a trailer)", r"^$|.", rb""),
    _d("limits", "RFC 9112 §3 / RFC 6585 §5: the server's own limits (414, 431, 413; 400 for a chunk-size line)",
       "either", r"^(414|431|413) |^400 a chunk size line is longer than", r"^$|.", rb""),
    _d("version", "RFC 9110 §15.6.6: 505 for a major version we do not speak; llhttp and h11 read some malformed versions differently",
       "either", r"^(505|400 malformed request: Invalid HTTP version|400 not an HTTP request)", r"^$|.", rb""),
    _d("llhttp-strict-syntax", "RFC 9112 §5.1/§5.5: field-name is a token, no whitespace before the colon, field-value has no CTLs; llhttp (strict) refuses a few things h11 allows (e.g. a trailing tab after chunked)",
       "ours", r"^400 malformed request", r"^$|.", rb""),
    _d("transfer-coding", "RFC 9112 §6.1/§6.3: a coding before chunked is 501, one not ending in chunked a 400",
       "either", r"^(501 transfer coding|400 Transfer-Encoding)", r"^$|.", rb""),
]


def classify(raw: bytes, ours: Reading, theirs: Reading, served: bool) -> str | None:
    """The listed disagreement that explains how the two readings differ, or None.

    ``served``: we serve a request h11 reads otherwise; only the listed kinds of that are
    explained (whatever error may follow it), never by a refusal later in the bytes.
    """
    our_error, their_error = ours.error or "", theirs.error or ""
    for disagreement in DISAGREEMENTS:
        if disagreement.served != served:
            continue
        if (served or disagreement.ours.search(our_error)) and disagreement.h11.search(their_error) and disagreement.raw.search(raw):
            return disagreement.id
    return None


def compare(raw: bytes) -> tuple[str, str]:
    """("same" | a disagreement's id | "UNEXPLAINED"), and a description."""
    ours, theirs = ours_reads(raw), h11_reads(raw)
    seen = [as_the_app_sees_it(read) for read in theirs.requests]
    # every request we would serve must be read the same by h11, up to the first difference
    for index, read in enumerate(ours.requests):
        other = seen[index] if index < len(seen) else None
        if other is None or (read.method, read.target, read.headers, read.body, read.broken) != (
            other.method, other.target, other.headers, other.body, other.broken
        ):
            explained = classify(raw, ours, theirs, served=not read.broken)
            return explained or "UNEXPLAINED", f"request {index}: ours {read} / h11 {other} (our error {ours.error!r}, h11's {theirs.error!r})"
    if len(seen) > len(ours.requests) and ours.error is not None:
        # we refused where h11 read on: only as listed
        explained = classify(raw, ours, theirs, served=False)
        return explained or "UNEXPLAINED", f"we refused ({ours.error!r}) request {len(ours.requests)}, h11 read {seen[len(ours.requests)]}"
    return "same", ""


def test_the_listed_disagreements_each_show_on_a_real_case() -> None:
    examples = {
        "chunk-ext-bws": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 ; a=b\r\nhello\r\n0\r\n\r\n",
        "leading-empty-lines": b"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "host-syntax": b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
        "bare-lf-or-cr": b"GET / HTTP/1.1\nHost: a\n\n",
        "obs-fold": b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n",
        "methods-llhttp-knows": b"FOO / HTTP/1.1\r\nHost: a\r\n\r\n",
        "target-form": b"PUT s://]ufd/: HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
        "expectation": b"GET / HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\n\r\n",
        "chunk-size-syntax": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n",
        "transfer-encoding-http10": b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "http10-keep-alive": b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\n",
        "upgrade-served-as-http11": b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n",
    }
    for id, raw in examples.items():
        assert compare(raw)[0] == id, (id, compare(raw))
    assert {d.id for d in DISAGREEMENTS} >= examples.keys()


def test_valid_requests_are_read_the_same() -> None:
    listed = {disagreement.id for disagreement in DISAGREEMENTS if disagreement.served}
    for raw in VALID:
        verdict, detail = compare(raw)
        assert verdict == "same" or verdict in listed, (raw, detail)
    assert compare(VALID[0]) == ("same", "")


def test_no_request_is_served_that_h11_reads_differently() -> None:
    tally: dict[str, int] = {}
    unexplained: list[str] = []
    for raw in cases(CASES, SEED):
        verdict, detail = compare(raw)
        tally[verdict] = tally.get(verdict, 0) + 1
        if verdict == "UNEXPLAINED" and len(unexplained) < 10:
            unexplained.append(f"{raw!r}\n    {detail}")
    print(f"\n{CASES} mutated requests (seed {SEED}): {dict(sorted(tally.items(), key=lambda item: -item[1]))}")
    assert not unexplained, "disagreements with h11 that are not listed:\n" + "\n".join(unexplained)


# --- over a real server ---------------------------------------------------------------------


def _methods(raw: bytes) -> list[str]:
    """The methods of the requests our parser would answer, then that of the request an error
    answers (an answer to HEAD has no body, so h11 must know)."""
    reading = ours_reads(raw)
    return [read.method for read in reading.requests] + [reading.error_method or "GET"]


def _check_answers(data: bytes, closed: bool, methods: list[str]) -> int:
    """Parse ``data`` with h11 as a client; the number of responses.  Raises on anything h11
    cannot read."""
    client = h11.Connection(h11.CLIENT)
    client.receive_data(data)
    if closed:
        client.receive_data(b"")
    count = 0
    for method in methods:
        if client.our_state is h11.DONE and client.their_state is h11.DONE:
            client.start_next_cycle()
        elif client.our_state is not h11.IDLE:
            break
        if not client.trailing_data[0]:
            return count  # nothing after the last response (a keep-alive connection closed when idle)
        client.send(h11.Request(method=method, target="/", headers=[("Host", "t")]))
        client.send(h11.EndOfMessage())
        while True:
            event = client.next_event()
            if event is h11.NEED_DATA or isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                return count
            if isinstance(event, h11.EndOfMessage):
                count += 1
                break
    if closed and client.their_state is h11.MUST_CLOSE:
        client.next_event()
    return count


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with serve(ours("tests.malformed.app:app", "--threads", "4", *SMALL_FLAGS)) as running:
        yield running


def _send(server: Server, raw: bytes) -> tuple[bytes, bytes, bool]:
    with server.connect(timeout=10) as sock:
        try:
            sock.sendall(raw)
        except OSError:
            pass  # refused and closed already: what it answered is still readable
        data, closed = read_until_close(sock, 8)
    return raw, data, closed


def test_mutated_requests_over_a_real_server(server: Server) -> None:
    rng_cases = list(cases(WIRE_CASES, SEED + 1))
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda raw: _send(server, raw), rng_cases))
    hung = [raw for raw, _, closed in results if not closed]
    assert not hung, f"{len(hung)} connections neither answered nor closed within 8 s: {hung[:3]}"
    unreadable, unanswered = [], []
    for raw, data, closed in results:
        try:
            answered = _check_answers(data, closed, _methods(raw))
        except h11.ProtocolError as error:
            unreadable.append(f"{raw!r} -> {data[:300]!r}: {error}")
            continue
        reading = ours_reads(raw)
        if not answered and (reading.requests or reading.error):
            unanswered.append(raw)
    assert not unanswered, f"requests closed without an answer: {unanswered[:3]}"
    assert not unreadable, "responses h11 cannot parse:\n" + "\n".join(unreadable[:5])
    assert server.process.poll() is None, server.log()[-2000:]
    assert "internal error" not in server.log(), server.log()[-3000:]  # a bug of ours, caught by the worker loop
