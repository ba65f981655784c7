"""Why the server parses with httptools (llhttp) and not h11: µs per request head.

Each parser turns the same bytes into a method, a target, a header list and the body
(decoded, for the chunked POST); every parser is created afresh for each request, as
for a new connection.  Also shown: httptools with one parser reused across requests
(a keep-alive connection), and ``wsgitypes.server.request.RequestParser``, the
server's httptools wrapper with its own checks and limits.

    python benchmarks/parser_choice.py [--requests N]
"""

from __future__ import annotations

import argparse
import sys
import timeit
from collections.abc import Callable
from importlib.metadata import version

import h11
import httptools

from wsgitypes.server.request import RequestParser
from wsgitypes.server.settings import Limits

WRK_GET = b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"

BROWSER_GET = (
    b"GET /articles/2024/typed-wsgi?page=2&sort=new HTTP/1.1\r\n"
    b"Host: www.example.com\r\n"
    b"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
    b"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n"
    b"Accept-Language: en-GB,en;q=0.7,fr;q=0.3\r\n"
    b"Accept-Encoding: gzip, deflate, br, zstd\r\n"
    b"Referer: https://www.example.com/articles/2024\r\n"
    b"Connection: keep-alive\r\n"
    b"Cookie: session=5f1c2a9e8b7d4c3a; theme=dark; consent=1\r\n"
    b"Upgrade-Insecure-Requests: 1\r\n"
    b"Sec-Fetch-Dest: document\r\n"
    b"Sec-Fetch-Mode: navigate\r\n"
    b"Sec-Fetch-Site: same-origin\r\n"
    b"If-None-Match: \"33a64df551425fcc55e4d42a148795d9f25f89d4\"\r\n"
    b"\r\n"
)

CHUNKED_POST = (
    b"POST /api/items HTTP/1.1\r\n"
    b"Host: api.example.com\r\n"
    b"User-Agent: python-requests/2.32.3\r\n"
    b"Accept: application/json\r\n"
    b"Content-Type: application/json\r\n"
    b"Transfer-Encoding: chunked\r\n"
    b"\r\n"
    b"1a\r\n{\"name\": \"widget\", \"qty\": \r\n"
    b"3\r\n42}\r\n"
    b"0\r\n\r\n"
)

REQUESTS = {"wrk-like GET": WRK_GET, "browser GET, 13 headers": BROWSER_GET, "chunked POST": CHUNKED_POST}


class _Collect:
    """httptools callbacks: keep what a server needs."""

    __slots__ = ("url", "headers", "body", "complete")

    def __init__(self) -> None:
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.complete = False

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.complete = True


def parse_httptools(data: bytes) -> tuple[bytes, bytes, list[tuple[bytes, bytes]], bytes]:
    collect = _Collect()
    parser = httptools.HttpRequestParser(collect)
    parser.feed_data(data)
    assert collect.complete
    return parser.get_method(), collect.url, collect.headers, b"".join(collect.body)


def parse_h11(data: bytes) -> tuple[bytes, bytes, list[tuple[bytes, bytes]], bytes]:
    connection = h11.Connection(h11.SERVER)
    connection.receive_data(data)
    request = connection.next_event()
    assert isinstance(request, h11.Request)
    body: list[bytes] = []
    while True:
        event = connection.next_event()
        if isinstance(event, h11.Data):
            body.append(event.data)
        elif isinstance(event, h11.EndOfMessage):
            break
        else:
            raise AssertionError(event)
    return request.method, request.target, list(request.headers.raw_items()), b"".join(body)


def reused_httptools(data: bytes) -> Callable[[], None]:
    collect = _Collect()
    parser = httptools.HttpRequestParser(collect)

    def parse() -> None:
        collect.headers.clear()
        collect.body.clear()
        collect.url = b""
        parser.feed_data(data)

    return parse


_LIMITS = Limits()


def parse_ours(data: bytes) -> object:
    parser = RequestParser(_LIMITS)
    parser.feed(data)
    request = parser.ready.popleft()
    assert request.complete
    return request


def per_request_us(function: Callable[[], object], requests: int) -> float:
    return min(timeit.repeat(function, number=requests, repeat=5)) / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000, help="requests per timing round (h11 gets a tenth)")
    args = parser.parse_args()
    for name, data in REQUESTS.items():  # both parsers read the same request
        a, b = parse_httptools(data), parse_h11(data)
        assert (a[0], a[1], a[3]) == (b[0], b[1], b[3]) and [n.lower() for n, _ in a[2]] == [n.lower() for n, _ in b[2]], name
    print(f"Python {sys.version.split()[0]}, httptools {version('httptools')}, h11 {version('h11')}; µs per request, best of 5")
    print(f"{'request':26} {'bytes':>5} {'httptools':>9} {'h11':>8} {'h11 ÷':>6} {'httptools reused':>16} {'RequestParser':>13}")
    for name, data in REQUESTS.items():
        fast = per_request_us(lambda: parse_httptools(data), args.requests)
        slow = per_request_us(lambda: parse_h11(data), max(args.requests // 10, 100))
        reused = per_request_us(reused_httptools(data), args.requests)
        ours = per_request_us(lambda: parse_ours(data), args.requests)
        print(f"{name:26} {len(data):5d} {fast:9.2f} {slow:8.2f} {slow / fast:6.1f} {reused:16.2f} {ours:13.2f}")


if __name__ == "__main__":
    main()
