"""The reference server's HTTP/1.1 and PEP 3333 duties, over real sockets on 127.0.0.1.

One server process (checks on, the default) serves ``tests.apps.serving:app`` for the
module; each test talks to it with raw bytes where the wire format matters and with
``http.client`` elsewhere.  The server's log must hold no WSGIViolation at the end.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
from collections.abc import Iterator

import pytest

from harness import Server, ours, serve
from tests.apps.serving import HELLO, pseudo_random
from tests.conftest import StartServer


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with serve(ours("tests.apps.serving:app", "--threads", "4")) as running:
        yield running
        assert "WSGIViolation" not in running.log(), running.log()


def split_response(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and the bytes after the head of one response."""
    head, _, rest = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, rest


def get(server: Server, path: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def environ_of(server: Server, raw_head: bytes) -> dict[str, object]:
    raw, _ = server.exchange(raw_head)
    status, _, body = split_response(raw)
    assert status == 200, raw
    result: dict[str, object] = json.loads(body)
    return result


# --- connections ----------------------------------------------------------------------


def test_the_event_loop_in_use_is_named(server: Server) -> None:
    """epoll by default on Linux; the selectors one when asked (``.ci/run`` runs the server
    suites a second time with ``WSGITYPES_ENGINE=selectors``, and this shows they did)."""
    expected = "selectors (PollSelector)" if os.environ.get("WSGITYPES_ENGINE") == "selectors" else "epoll"
    assert f", event loop {expected}," in server.log(), server.log()


def test_keep_alive_serves_several_requests_on_one_connection(server: Server) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        for _ in range(3):
            connection.request("GET", "/hello")
            response = connection.getresponse()
            assert (response.status, response.read()) == (200, HELLO)
            assert response.getheader("Connection") is None  # HTTP/1.1: persistent by default
        sock = connection.sock
        assert sock is not None
        connection.request("GET", "/hello")
        assert connection.sock is sock, "the connection was not reused"
        connection.getresponse().read()
    finally:
        connection.close()


def test_pipelined_requests_are_answered_in_order(server: Server) -> None:
    requests = b"".join(b"GET /download?size=%d&seed=1 HTTP/1.1\r\nHost: t\r\n\r\n" % size for size in (5, 70_000, 3))
    raw, closed = server.exchange(requests + b"GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert closed
    rest = raw
    for size in (5, 70_000, 3):
        status, headers, rest = split_response(rest)
        assert status == 200 and int(headers["content-length"]) == size
        assert rest[:size] == pseudo_random(size, 1)
        rest = rest[size:]
    status, headers, rest = split_response(rest)
    assert (status, rest, headers["connection"]) == (200, HELLO, "close")


def test_http10_closes_unless_keep_alive_is_asked(server: Server) -> None:
    raw, closed = server.exchange(b"GET /hello HTTP/1.0\r\n\r\n")
    status, headers, body = split_response(raw)
    assert (status, body, closed, headers["connection"]) == (200, HELLO, True, "close")
    with server.connect() as sock:
        for _ in range(2):
            sock.sendall(b"GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            data = b""
            while not data.endswith(HELLO):
                data += sock.recv(4096)
            assert split_response(data)[1]["connection"] == "keep-alive"


def test_http10_response_without_length_ends_with_the_close(server: Server) -> None:
    raw, closed = server.exchange(b"GET /download?size=300000&seed=2&chunked=1 HTTP/1.0\r\n\r\n")
    status, headers, body = split_response(raw)
    assert closed and status == 200
    assert "transfer-encoding" not in headers and "content-length" not in headers
    assert body == pseudo_random(300_000, 2)


def test_date_header_is_sent(server: Server) -> None:
    response, _ = get(server, "/hello")
    assert response.getheader("Date", "").endswith(" GMT")


# --- request bodies ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["read", "chunks", "lines"])
def test_chunked_request_body_is_decoded_and_terminated(server: Server, mode: str) -> None:
    payload = b"line one\nline two\n" + pseudo_random(200_000, 3) + b"\nlast"
    parts = [payload[i : i + 7000] for i in range(0, len(payload), 7000)]
    chunked = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\nX-Trailer: t\r\n\r\n"
    head = f"POST /echo?mode={mode}&size=777 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    raw, _ = server.exchange(head.encode() + chunked)
    status, headers, body = split_response(raw)
    assert status == 200 and body == payload and int(headers["content-length"]) == len(payload)


def test_chunked_environ_has_input_terminated_and_no_transfer_encoding(server: Server) -> None:
    environ = environ_of(server, b"POST /environ HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n")
    assert environ["wsgi.input_terminated"] is True
    assert "CONTENT_LENGTH" not in environ and "HTTP_TRANSFER_ENCODING" not in environ


def test_read_stops_at_content_length(server: Server) -> None:
    """The next pipelined request is not part of the body, however the app reads."""
    for mode in ("read", "chunks", "lines"):
        raw, _ = server.exchange(b"POST /echo?mode=%s&size=2 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nab\ncdGET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" % mode.encode())
        status, _, rest = split_response(raw)
        assert status == 200 and rest.startswith(b"ab\ncd")
        assert split_response(rest[5:])[2] == HELLO


def test_expect_100_continue_is_answered_when_the_body_is_read(server: Server) -> None:
    with server.connect() as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        interim = sock.recv(4096)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"hello")
        data = b""
        while not data.endswith(b"hello"):
            data += sock.recv(4096)
        assert split_response(data)[0] == 200


def test_expect_100_continue_unread_body_closes_the_connection(server: Server) -> None:
    """The app never read the body, so 100 Continue was never sent; the server cannot know
    whether the body will follow, and closes after its answer."""
    raw, closed = server.exchange(b"POST /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
    assert b"100 Continue" not in raw and closed
    status, headers, body = split_response(raw)
    assert (status, body) == (200, HELLO)
    assert headers.get("connection") == "close", headers  # it says so (RFC 9112 §9.6)


def test_unread_small_body_is_skipped_and_the_connection_kept(server: Server) -> None:
    raw, _ = server.exchange(b"POST /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabcGET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    first = split_response(raw)
    assert first[0] == 200 and first[2].startswith(HELLO)
    assert split_response(first[2][len(HELLO) :])[2] == HELLO


# --- responses ------------------------------------------------------------------------


def test_response_without_length_is_chunked(server: Server) -> None:
    raw, _ = server.exchange(b"GET /download?size=250000&seed=4&chunked=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    status, headers, body = split_response(raw)
    assert status == 200 and headers["transfer-encoding"] == "chunked" and "content-length" not in headers
    assert body.endswith(b"\r\n0\r\n\r\n")
    response, data = get(server, "/download?size=250000&seed=4&chunked=1")
    assert data == pseudo_random(250_000, 4)


def test_head_sends_headers_only(server: Server) -> None:
    raw, _ = server.exchange(b"HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    status, headers, rest = split_response(raw)
    assert status == 200 and headers["content-length"] == str(len(HELLO))
    assert rest.startswith(b"HTTP/1.1 200 OK"), "a HEAD response carried a body"
    raw, _ = server.exchange(b"HEAD /download?size=100000&seed=1&chunked=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    status, headers, rest = split_response(raw)
    assert status == 200 and rest == b"" and "transfer-encoding" not in headers


@pytest.mark.parametrize("code", [204, 304])
def test_bodiless_statuses_carry_no_framing(server: Server, code: int) -> None:
    raw, _ = server.exchange(b"GET /status?code=%d HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" % code)
    status, headers, rest = split_response(raw)
    assert status == code and "content-length" not in headers and "transfer-encoding" not in headers
    assert split_response(rest)[2] == HELLO


def test_write_callable(server: Server) -> None:
    response, body = get(server, "/write")
    assert (response.status, body) == (200, b"written directly, then returned")


@pytest.mark.parametrize("check", [True, False], ids=["checked", "no-check"])
def test_a_write_after_the_response_ended_raises(start_server: StartServer, check: bool) -> None:
    """The write callable of a finished response raises, naming the rule, in the application
    (its bytes would be lost, or land in the next response); the connection is unharmed."""
    server = start_server(ours("tests.apps.serving:app", *([] if check else ["--no-check"])))
    raw, _ = server.exchange(b"GET /keep-write HTTP/1.1\r\nHost: t\r\n\r\nGET /stale-write HTTP/1.1\r\nHost: t\r\n\r\n"
                             b"GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert raw.count(b"HTTP/1.1 200 OK") == 3 and b"\r\n\r\nkeptHTTP/1.1 200 OK\r\n" in raw, raw  # (nothing after "kept")
    assert b"WSGIViolation: [write-after-start]" in raw, raw
    assert raw.endswith(b"Hello, World!"), raw


@pytest.mark.parametrize("size", [0, 1, 65536, 3_000_001])
def test_file_wrapper_is_sent_whole_with_a_length(server: Server, size: int) -> None:
    """The file goes out with sendfile, which is why the server knows and sends its length."""
    response, body = get(server, f"/file?size={size}")
    assert response.status == 200 and body == pseudo_random(size, 7)
    assert response.getheader("Content-Length") == str(size)


def test_exception_before_the_body_is_a_500(server: Server) -> None:
    raw, closed = server.exchange(b"GET /exc-before HTTP/1.1\r\nHost: t\r\n\r\n")
    status, headers, _ = split_response(raw)
    assert (status, closed, headers["connection"]) == (500, True, "close")


def test_exc_info_after_headers_is_reraised_and_the_response_cut(server: Server) -> None:
    """PEP 3333: start_response(exc_info) after the headers went out re-raises; the server
    must not send a second status, and ends the connection without the last chunk."""
    raw, closed = server.exchange(b"GET /exc-after HTTP/1.1\r\nHost: t\r\n\r\n")
    status, _, body = split_response(raw)
    assert status == 200 and closed
    assert body == b"7\r\npartial\r\n", "the body went on, or was terminated as if complete"
    assert raw.count(b"HTTP/1.1") == 1
    assert "failed after the headers were sent" in server.log()


def test_close_is_called(server: Server) -> None:
    _, before = get(server, "/closed")
    response, body = get(server, "/close")
    assert (response.status, body) == (200, b"closing")
    _, after = get(server, "/closed")
    assert int(after) == int(before) + 1


# --- the environ ------------------------------------------------------------------------


def test_environ_cgi_and_wsgi_keys(server: Server) -> None:
    environ = environ_of(server, b"GET /environ?a=1&b=%20 HTTP/1.1\r\nHost: example.test\r\nX-One: 1\r\nX-One: 2\r\nCookie: a=1\r\nCookie: b=2\r\nX_Spoof: 1\r\nConnection: close\r\n\r\n")
    assert environ["REQUEST_METHOD"] == "GET" and environ["SCRIPT_NAME"] == "" and environ["PATH_INFO"] == "/environ"
    assert environ["QUERY_STRING"] == "a=1&b=%20"
    assert environ["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("127.0.0.1", str(server.port))
    assert environ["REMOTE_ADDR"] == "127.0.0.1" and str(environ["REMOTE_PORT"]).isdigit()
    assert environ["HTTP_HOST"] == "example.test"
    assert environ["HTTP_X_ONE"] == "1,2" and environ["HTTP_COOKIE"] == "a=1; b=2"
    assert "HTTP_X_SPOOF" not in environ, "a header with '_' would alias one with '-'"
    assert "CONTENT_LENGTH" not in environ and "CONTENT_TYPE" not in environ
    assert environ["wsgi.version"] == [1, 0] and environ["wsgi.url_scheme"] == "http"
    assert environ["wsgi.multithread"] is True and environ["wsgi.multiprocess"] is False
    assert environ["wsgi.run_once"] is False and environ["has_file_wrapper"] is True


def test_content_headers_become_cgi_keys(server: Server) -> None:
    environ = environ_of(server, b"POST /environ HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    assert (environ["CONTENT_TYPE"], environ["CONTENT_LENGTH"]) == ("text/plain", "0")
    assert "HTTP_CONTENT_TYPE" not in environ and "HTTP_CONTENT_LENGTH" not in environ


def test_latin1_decoding_of_path_and_headers(server: Server) -> None:
    """PEP 3333: percent-decoded path bytes and header bytes arrive as Latin-1 str."""
    environ = environ_of(server, b"GET /environ/caf%E9/%C3%A9%2F?q=%E9 HTTP/1.1\r\nHost: t\r\nX-Name: Jos\xe9\r\nConnection: close\r\n\r\n")
    assert environ["PATH_INFO"] == "/environ/caf\xe9/\xc3\xa9/"
    assert environ["QUERY_STRING"] == "q=%E9"  # as sent, not decoded
    assert environ["HTTP_X_NAME"] == "Jos\xe9"


def test_absolute_form_target(server: Server) -> None:
    environ = environ_of(server, b"GET http://example.test/environ?x=1 HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n")
    assert (environ["PATH_INFO"], environ["QUERY_STRING"]) == ("/environ", "x=1")


def test_script_name_mount_point() -> None:
    with serve(ours("tests.apps.serving:app", "--script-name", "/mount")) as mounted:
        inside = environ_of(mounted, b"GET /mount/environ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        assert (inside["SCRIPT_NAME"], inside["PATH_INFO"]) == ("/mount", "/environ")
        raw, _ = mounted.exchange(b"GET /mountain HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        assert split_response(raw)[0] == 404  # /mountain is not under /mount: SCRIPT_NAME "" and PATH_INFO /mountain


def test_multiprocess_flag_and_ipv6() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        probe = socket.socket(socket.AF_INET6)
        probe.bind(("::1", 0))
        probe.close()
    except OSError:
        pytest.skip("::1 is not available")
    with serve(ours("tests.apps.serving:app", "--workers", "2"), host="::1") as running:
        assert running.host == "::1"
        environ = environ_of(running, b"GET /environ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert (environ["SERVER_NAME"], environ["REMOTE_ADDR"]) == ("::1", "::1")
    assert environ["wsgi.multiprocess"] is True


def test_unix_socket() -> None:
    """``--host unix:/path``: served like TCP; a Unix socket has no host or port to report."""
    with serve(ours("tests.apps.serving:app"), unix=True) as running:
        raw, closed = running.exchange(b"GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        environ = environ_of(running, b"GET /environ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert split_response(raw)[::2] == (200, HELLO) and closed
    assert (environ["SERVER_NAME"], environ["REMOTE_ADDR"]) == ("localhost", "")


# --- the checks -----------------------------------------------------------------------


def test_application_violation_is_a_500_naming_the_rule() -> None:
    with serve(ours("wsgitypes.server.demo:app")) as checked:
        raw, closed = checked.exchange(b"GET /broken HTTP/1.1\r\nHost: t\r\n\r\n")
        assert split_response(raw)[0] == 500 and closed
        assert "WSGIViolation: [status-format] application MUST" in checked.log()


def test_no_check_still_refuses_a_status_line_that_breaks_http() -> None:
    """/broken answers "200" (no reason phrase): status-format is a wire rule, kept without checks."""
    with serve(ours("wsgitypes.server.demo:app", "--no-check")) as unchecked:
        raw, _ = unchecked.exchange(b"GET /broken HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        assert split_response(raw)[0] == 500
        assert "broke rule status-format" in unchecked.log()


def test_no_check_serves_what_only_pep_3333_forbids() -> None:
    """A response iterable whose len() lies breaks PEP 3333 only: served without checks."""
    with serve(ours("tests.apps.broken:lying_len", "--no-check")) as unchecked:
        raw, _ = unchecked.exchange(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        assert split_response(raw)[0] == 200
        assert "WSGIViolation" not in unchecked.log()
    with serve(ours("tests.apps.broken:lying_len")) as checked:
        raw, _ = checked.exchange(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        assert "response-len" in checked.log()


def test_header_injection_is_refused_even_without_checks() -> None:
    """CR/LF in a header value would split the response; the server refuses it always."""
    with serve(ours("tests.apps.broken:injecting", "--no-check")) as unchecked:
        raw, closed = unchecked.exchange(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        assert split_response(raw)[0] == 500 and closed
        assert b"Injected" not in raw


def test_requests_before_a_malformed_one_are_answered_first(server: Server) -> None:
    """Pipelined: the valid request gets its answer, then the broken one its 400, then the close."""
    raw, closed = server.exchange(b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\nContent-Length: +5\r\n\r\nhello")
    status, _, rest = split_response(raw)
    assert status == 200 and rest.startswith(HELLO)
    assert split_response(rest[len(HELLO) :])[0] == 400 and closed


def test_a_body_broken_midway_fails_only_its_request(server: Server) -> None:
    """A bad chunk size after good chunks: the app's read raises, the client gets a 400."""
    raw, closed = server.exchange(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n")
    assert split_response(raw)[0] == 400 and closed


def test_upgrade_request_is_served_as_http11_then_closed(server: Server) -> None:
    """No protocol switching here: the request is answered as plain HTTP/1.1, and what the
    client sends after it (the new protocol, for all the server knows) is never parsed."""
    raw, closed = server.exchange(b"GET /hello HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
    status, headers, body = split_response(raw)
    assert (status, body, headers["connection"], closed) == (200, HELLO, "close", True)


def test_options_asterisk_is_answered_by_the_server(server: Server) -> None:
    raw, _ = server.exchange(b"OPTIONS * HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    status, headers, body = split_response(raw)
    assert (status, headers["content-length"], body) == (200, "0", b"")
