"""The server's sans-IO core, in-process: no sockets, no subprocess.

* The malformed-request corpus (:mod:`tests.malformed.corpus`) against
  :class:`~wsgitypes.server.request.RequestParser`, fed whole and a byte at a time: the
  same verdicts the server gives over a socket (``test_server_malformed.py``).
* The chunked decoder against every way a body can be split between reads.
* :class:`~wsgitypes.server.response.ResponseWriter`: the framing of every kind of
  response, and the wire rules it keeps whatever the application says.
"""

from __future__ import annotations

import gc
from http import HTTPStatus

import pytest

from tests.malformed.corpus import (
    ACCEPTED,
    FOLLOW,
    LAST,
    PIPELINES,
    REFUSED,
    SMALL_LIMITS,
    UNTERMINATED,
    WITHIN_LIMITS,
    Accepted,
    Case,
)
from wsgitypes.rules import WSGIViolation
from wsgitypes.server.chunked import BadChunk, ChunkedDecoder
from wsgitypes.server.request import Request, RequestParser
from wsgitypes.server.response import ResponseWriter, error_response
from wsgitypes.server.settings import Limits


def parse(raw: bytes, *, byte_at_a_time: bool = False, limits: Limits = SMALL_LIMITS) -> RequestParser:
    parser = RequestParser(limits)
    if byte_at_a_time:
        for index in range(len(raw)):
            parser.feed(raw[index : index + 1])
    else:
        parser.feed(raw)
    return parser


def body(request: Request) -> bytes:
    return b"".join(request.body)


# --- the corpus -------------------------------------------------------------------------


@pytest.mark.parametrize("byte_at_a_time", [False, True], ids=["whole", "bytewise"])
@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in REFUSED])
def test_refused(case: Case, byte_at_a_time: bool) -> None:
    parser = parse(case.raw + FOLLOW, byte_at_a_time=byte_at_a_time)
    assert parser.error is not None, [(r.method, r.target, body(r)) for r in parser.ready]
    assert parser.error.status in case.status, parser.error.detail
    # never a complete request: not the broken one, not the smuggled GET behind it
    assert all(not request.complete for request in parser.ready), [(r.method, r.target) for r in parser.ready]
    assert len(parser.ready) <= case.in_body, "only a request whose body is broken may have begun"


@pytest.mark.parametrize("byte_at_a_time", [False, True], ids=["whole", "bytewise"])
@pytest.mark.parametrize("item", [pytest.param(item, id=item.id) for item in ACCEPTED])
def test_accepted(item: Accepted, byte_at_a_time: bool) -> None:
    parser = parse(item.raw + LAST, byte_at_a_time=byte_at_a_time)
    assert parser.error is None, parser.error.detail
    assert all(request.complete for request in parser.ready)
    served = next((count for count, request in enumerate(parser.ready, 1) if not request.keep_alive), len(parser.ready))
    assert served == item.responses
    first = parser.ready[0]
    if first.path == b"/echo" and item.body is not None:
        assert body(first) == item.body


@pytest.mark.parametrize(("raw", "statuses"), [pytest.param(raw, statuses, id=id) for id, raw, statuses in PIPELINES])
def test_pipeline(raw: bytes, statuses: list[int]) -> None:
    parser = parse(raw + FOLLOW)
    served = [request for request in parser.ready if request.complete]
    *answered, last = statuses
    if last >= 400:
        assert parser.error is not None and parser.error.status == last, parser.error
        assert len(served) == len(answered)
    else:  # the last answered request ends the connection: what follows it is not served
        assert len(served) >= len(statuses) and not served[len(statuses) - 1].keep_alive


@pytest.mark.parametrize("raw", [b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"])
def test_a_parser_between_requests_holds_no_llhttp_parser(raw: bytes) -> None:
    """An idle keep-alive connection keeps only its own few objects (1,000 idle ones: 0.7 MiB less)."""
    parser = parse(raw)
    assert parser.ready and parser.ready[0].complete and parser.ready[0].keep_alive
    held = [type(referent).__name__ for referent in gc.get_referents(parser)]
    assert "HttpRequestParser" not in held, held


EMPTY_LINES_FIRST = [
    b"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
    b"\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
]


@pytest.mark.parametrize("raw", EMPTY_LINES_FIRST)
def test_empty_lines_before_a_request_are_skipped_however_they_are_split(raw: bytes) -> None:
    """RFC 9112 §2.2; a CR that ends one read is half of such a line (gunicorn's and h11's corpora split them)."""
    for split in range(1, len(raw)):
        parser = parse(raw[:split])
        parser.feed(raw[split:])
        assert parser.error is None, (split, parser.error.detail)
        assert [(request.method, request.complete) for request in parser.ready][-1] == ("GET", True), split


@pytest.mark.parametrize("raw", [b"bla:rgh /foo HTTP/1.1\r\nHost: a\r\n\r\n", b"frob /foo HTTP/1.1\r\nHost: a\r\n\r\n",
                                 b"FROB\r\n\r\n", b"G\x00T / HTTP/1.1\r\n\r\n"])
def test_a_bad_method_gets_one_status_however_it_is_split(raw: bytes) -> None:
    """400 for a method that is not a token, 501 for an unknown one (RFC 9110 §9.1): known only at its end."""
    whole = parse(raw).error
    assert whole is not None
    for split in range(1, len(raw)):
        parser = parse(raw[:split])
        parser.feed(raw[split:])
        assert parser.error is not None and parser.error.status == whole.status, (split, parser.error and parser.error.detail, whole.detail)


def test_a_bare_cr_before_a_request_is_still_refused() -> None:
    parser = parse(b"\r")
    parser.feed(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert parser.error is not None and parser.error.status == HTTPStatus.BAD_REQUEST
    assert not parser.ready


@pytest.mark.parametrize(("raw", "status"), [pytest.param(raw, status, id=id) for id, raw, status in UNTERMINATED])
def test_limit_crossed_mid_line(raw: bytes, status: int) -> None:
    parser = parse(raw)
    assert parser.error is not None and parser.error.status == status


@pytest.mark.parametrize(("raw", "expected"), [pytest.param(raw, expected, id=id) for id, raw, expected in WITHIN_LIMITS])
def test_within_limits(raw: bytes, expected: bytes) -> None:
    parser = parse(raw)
    assert parser.error is None and len(parser.ready) == 1 and parser.ready[0].complete


# --- trailers never become headers ----------------------------------------------------------

FORGING_TRAILERS = (
    b"POST /echo HTTP/1.1\r\nHost: example.com\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5\r\nhello\r\n0\r\n"
    b"Host: evil.example.com\r\nX-Forwarded-For: 6.6.6.6\r\nAuthorization: Basic ZXZpbA==\r\nContent-Type: evil\r\n\r\n"
)


@pytest.mark.parametrize("split", [0, 10, len(FORGING_TRAILERS) - 60, len(FORGING_TRAILERS) - 1])
def test_trailer_fields_never_reach_the_request_headers(split: int) -> None:
    """Whether the trailer arrives with the head or after it (RFC 9110 §6.5.1)."""
    parser = RequestParser(Limits())
    parser.feed(FORGING_TRAILERS[: split or None])
    if split:
        parser.feed(FORGING_TRAILERS[split:])
    assert parser.error is None and len(parser.ready) == 1
    request = parser.ready[0]
    assert request.complete and body(request) == b"hello"
    assert request.headers == [(b"Host", b"example.com"), (b"Content-Type", b"text/plain")]


def test_framing_fields_in_a_trailer_are_refused() -> None:
    for field in (b"Content-Length: 5", b"Transfer-Encoding: chunked"):
        parser = parse(b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + field + b"\r\n\r\n")
        assert parser.error is not None and parser.error.status == HTTPStatus.BAD_REQUEST


# --- the request target -------------------------------------------------------------------


@pytest.mark.parametrize("target", [b"s://]ufd/:", b"ftp://example.test/", b"http://exa mple/", b"http://user@host/",
                                    b"http://[::1/", b"index.html", b"http:/host/path"])
def test_invalid_targets_are_refused(target: bytes) -> None:
    parser = parse(b"PUT " + target + b" HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
    assert parser.error is not None and parser.error.status == HTTPStatus.BAD_REQUEST, parser.ready


def test_absolute_form_names_the_host() -> None:
    """RFC 9112 §3.2.2: the target's authority, not the Host header, is the host."""
    parser = parse(b"GET http://Example.TEST:8080/a/b?c=d HTTP/1.1\r\nHost: other.test\r\n\r\n")
    request = parser.ready[0]
    assert (request.path, request.headers) == (b"/a/b?c=d", [(b"Host", b"Example.TEST:8080")])
    assert parse(b"GET https://example.test HTTP/1.1\r\nHost: x\r\n\r\n").ready[0].path == b"/"
    # RFC 9112 §3.2.4: OPTIONS with an empty path asks about the server, as "OPTIONS *" does
    assert parse(b"OPTIONS http://example.test HTTP/1.1\r\nHost: x\r\n\r\n").ready[0].path == b"*"
    assert parse(b"OPTIONS http://example.test?q HTTP/1.1\r\nHost: x\r\n\r\n").ready[0].path == b"/?q"


def test_errors_know_the_method_when_it_was_read() -> None:
    parser = parse(b"HEAD /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
    assert parser.error is not None and parser.error_method == "HEAD"
    assert parse(b"\x16\x03\x01\x02\x00").error_method is None


# --- chunked bodies ---------------------------------------------------------------------------

CHUNKED_BODY = b"5;name=value\r\nhello\r\n1 ; a = \"b;c\"\r\n,\r\n6\r\n world\r\n0\r\nExpires: never\r\n\r\n"


def test_chunked_body_split_anywhere() -> None:
    """Every split of the body into two reads, and a byte at a time, decodes the same."""
    for split in range(len(CHUNKED_BODY) + 1):
        decoder = ChunkedDecoder(1000, 100, 1000, 10)
        first, rest = decoder.feed(CHUNKED_BODY[:split])
        assert rest == b"" or decoder.done
        second, rest = decoder.feed(CHUNKED_BODY[split:] + b"NEXT")
        assert decoder.done and rest == b"NEXT" and b"".join(first + second) == b"hello, world", split
    decoder = ChunkedDecoder(1000, 100, 1000, 10)
    pieces = [piece for index in range(len(CHUNKED_BODY)) for piece in decoder.feed(CHUNKED_BODY[index : index + 1])[0]]
    assert decoder.done and b"".join(pieces) == b"hello, world"


def test_a_chunk_size_over_the_limit_is_refused_before_its_data() -> None:
    decoder = ChunkedDecoder(1000, 100, 1000, 10)
    with pytest.raises(BadChunk) as refused:
        decoder.feed(b"3e9\r\n")  # 1001 bytes declared, none sent
    assert refused.value.status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE


@pytest.mark.parametrize("line", [b"5 \r\n", b" 5\r\n", b"5;\r\n", b"5;a=\r\n", b"5;a b\r\n", b'5;a="b\r\n', b"0x5\r\n", b"5\n"])
def test_invalid_size_lines(line: bytes) -> None:
    with pytest.raises(BadChunk):
        ChunkedDecoder(1000, 100, 1000, 10).feed(line + b"hello\r\n0\r\n\r\n")


# --- responses: framing ------------------------------------------------------------------------


def framing(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")[1:]
    return {name.lower(): value for name, _, value in (line.partition(": ") for line in lines if line)}


@pytest.mark.parametrize(
    ("method", "version", "status", "headers", "body_length", "expected", "no_body", "keep_alive"),
    [
        ("GET", "1.1", "200 OK", [("Content-Length", "5")], None, {"content-length": "5"}, False, True),
        ("GET", "1.1", "200 OK", [], 5, {"content-length": "5"}, False, True),
        ("GET", "1.1", "200 OK", [], None, {"transfer-encoding": "chunked"}, False, True),
        ("GET", "1.0", "200 OK", [], None, {"connection": "close"}, False, False),
        ("GET", "1.0", "200 OK", [], 5, {"content-length": "5", "connection": "keep-alive"}, False, True),
        ("HEAD", "1.1", "200 OK", [], None, {}, True, True),
        ("HEAD", "1.1", "200 OK", [], 0, {}, True, True),  # no body was made: no length claimed
        ("HEAD", "1.1", "200 OK", [("Content-Length", "99")], None, {"content-length": "99"}, True, True),
        ("GET", "1.1", "204 No Content", [("Content-Length", "0")], None, {}, True, True),  # dropped (RFC 9110 §8.6)
        ("GET", "1.1", "304 Not Modified", [("Content-Length", "99")], None, {"content-length": "99"}, True, True),
        ("GET", "1.1", "304 Not Modified", [], None, {}, True, True),
        ("GET", "1.1", "101 Switching Protocols", [], None, {"connection": "close"}, True, False),
    ],
)
def test_response_framing(method: str, version: str, status: str, headers: list[tuple[str, str]], body_length: int | None,
                          expected: dict[str, str], no_body: bool, keep_alive: bool) -> None:
    writer = ResponseWriter(method, version, keep_alive=True)
    found = framing(writer.head(status, headers, body_length))
    del found["date"]
    assert (found, writer.no_body, writer.keep_alive) == (expected, no_body, keep_alive)
    assert writer.body(b"hello") == ((b"5\r\n", b"hello", b"\r\n") if writer.chunked else () if no_body else (b"hello",))


def test_a_body_longer_than_its_length_is_cut_and_closes() -> None:
    writer = ResponseWriter("GET", "1.1", keep_alive=True)
    writer.head("200 OK", [("Content-Length", "3")])
    assert writer.body(b"hello") == (b"hel",) and writer.overrun and not writer.keep_alive
    assert writer.body(b"more") == ()


def test_a_body_shorter_than_its_length_closes() -> None:
    writer = ResponseWriter("GET", "1.1", keep_alive=True)
    writer.head("200 OK", [("Content-Length", "10")])
    writer.body(b"hello")
    assert writer.end() == b"" and writer.short == 5 and not writer.keep_alive


def test_chunked_end() -> None:
    writer = ResponseWriter("GET", "1.1", keep_alive=True)
    writer.head("200 OK", [])
    assert writer.end() == b"0\r\n\r\n" and writer.keep_alive


# --- responses: the wire rules, whatever the mode ---------------------------------------------


@pytest.mark.parametrize(
    ("status", "headers", "rule"),
    [
        ("200 OK", [("Set-Cookie: injected=1; X", "v")], "header-name"),
        ("200 OK", [("X-Note", "a\r\nInjected: yes")], "header-value"),
        ("200 OK", [("X-Note", "a\x00b")], "header-value"),
        ("200 OK", [("Connection", "close")], "hop-by-hop"),
        ("200 OK", [("Transfer-Encoding", "chunked")], "hop-by-hop"),
        ("200 OK", [("Content-Length", "5"), ("Content-Length", "5")], "content-length-header"),
        ("200 OK", [("Content-Length", "1_0")], "content-length-header"),
        ("200 OK", [("Content-Length", "+2")], "content-length-header"),
        ("200 OK", [("Content-Length", "-1")], "content-length-header"),
        ("200 O\x00K", [], "status-chars"),
        ("200 O\x1bK", [], "status-chars"),
        ("200 OK\x7f", [], "status-chars"),
        ("200 OK\r\nX: y", [], "status-chars"),
        ("200", [], "status-format"),
        ("2OO OK", [], "status-format"),
        ("200 \u2713", [], "status-latin1"),
    ],
)
def test_wire_rules_are_kept(status: str, headers: list[tuple[str, str]], rule: str) -> None:
    writer = ResponseWriter("GET", "1.1", keep_alive=True)
    with pytest.raises(WSGIViolation) as broken:
        writer.head(status, headers)
    assert broken.value.rule.id == rule and broken.value.rule.wire


def test_headers_that_cannot_be_written_are_refused() -> None:
    for headers in ([("X", 1)], [("X", "1", "2")], [b"X: 1"], "X: 1"):
        with pytest.raises(WSGIViolation) as broken:
            ResponseWriter("GET", "1.1", keep_alive=True).head("200 OK", headers)  # type: ignore[arg-type]
        assert broken.value.rule.id == "header-tuple"


def test_pairs_as_lists_are_fine_on_the_wire() -> None:
    """PEP 3333 wants tuples (the validator says so); the wire only needs two str."""
    head = ResponseWriter("GET", "1.1", keep_alive=True).head("200 OK", [["X-A", "1"]])  # type: ignore[list-item]
    assert b"\r\nX-A: 1\r\n" in head


def test_error_response_to_head_has_no_body() -> None:
    full = error_response(HTTPStatus.BAD_REQUEST, "nope")
    headers_only = error_response(HTTPStatus.BAD_REQUEST, "nope", "HEAD")
    assert full.startswith(headers_only) and headers_only.endswith(b"\r\n\r\n") and len(full) > len(headers_only)
    assert framing(headers_only)["content-length"] == str(len(full) - len(headers_only))
