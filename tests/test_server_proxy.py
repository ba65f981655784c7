"""Proxy headers (issue 14): ``--forwarded-allow-ips``, RFC 7239 ``Forwarded`` and the
X-Forwarded-* headers, with spoofing attempts, over a real server subprocess (the test
client on 127.0.0.1 plays the proxy) and in-process for the finer cases."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from harness import REPO_ROOT, Server, ours, serve
from wsgitypes.server.proxy import TrustedProxies, apply_forwarding

APP = "tests.apps.serving:app"


@pytest.fixture(scope="module")
def trusting() -> Iterator[Server]:
    """The default: loopback (where the tests connect from) is a trusted proxy."""
    with serve(ours(APP)) as server:
        yield server


@pytest.fixture(scope="module")
def distrusting() -> Iterator[Server]:
    """Only 10.0.0.1 is trusted, so the test client on 127.0.0.1 is not."""
    with serve(ours(APP, "--forwarded-allow-ips", "10.0.0.1")) as server:
        yield server


def environ_through(server: Server, *headers: bytes) -> dict[str, Any]:
    raw = b"GET /environ HTTP/1.1\r\nHost: backend.internal:8000\r\nConnection: close\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n"
    data, _ = server.exchange(raw)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 "), data[:300]
    environ: dict[str, Any] = json.loads(body)
    return environ


def test_a_trusted_proxy_names_the_client_scheme_and_host(trusting: Server) -> None:
    environ = environ_through(trusting, b"X-Forwarded-For: 203.0.113.7", b"X-Forwarded-Proto: https",
                              b"X-Forwarded-Host: shop.example.com")
    assert (environ["REMOTE_ADDR"], environ["wsgi.url_scheme"], environ["HTTP_HOST"]) == ("203.0.113.7", "https", "shop.example.com")
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("shop.example.com", "443")
    assert "REMOTE_PORT" not in environ  # the proxy's port would be a lie


def test_a_client_cannot_spoof_its_address_through_the_proxy(trusting: Server) -> None:
    """The proxy appends the address it saw; what the client wrote further left loses."""
    environ = environ_through(trusting, b"X-Forwarded-For: 127.0.0.1, 6.6.6.6, 203.0.113.7")
    assert environ["REMOTE_ADDR"] == "203.0.113.7"


def test_rfc_7239_forwarded(trusting: Server) -> None:
    environ = environ_through(trusting, b'Forwarded: for="[2001:db8::1]:4711";proto=https;host="api.example.org:8443"',
                              b"X-Forwarded-For: 9.9.9.9")  # Forwarded wins
    assert (environ["REMOTE_ADDR"], environ["REMOTE_PORT"], environ["wsgi.url_scheme"]) == ("2001:db8::1", "4711", "https")
    assert (environ["HTTP_HOST"], environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("api.example.org:8443", "api.example.org", "8443")


@pytest.mark.parametrize("header", [b"X-Forwarded-Proto: javascript", b"X-Forwarded-Host: evil.example/path",
                                    b"X-Forwarded-For: not-an-address", b"X-Forwarded-Port: 80a",
                                    b"Forwarded: for=1.2.3.4;proto=https;;garbage", b"X-Forwarded-Host: a b"])
def test_values_that_do_not_parse_are_ignored(trusting: Server, header: bytes) -> None:
    environ = environ_through(trusting, header)
    assert (environ["REMOTE_ADDR"], environ["wsgi.url_scheme"], environ["HTTP_HOST"]) == ("127.0.0.1", "http", "backend.internal:8000")
    assert environ["SERVER_PORT"] == str(trusting.port)


def test_an_untrusted_peer_is_not_believed(distrusting: Server) -> None:
    environ = environ_through(distrusting, b"X-Forwarded-For: 203.0.113.7", b"X-Forwarded-Proto: https",
                              b"X-Forwarded-Host: shop.example.com", b"Forwarded: for=1.2.3.4;proto=https")
    assert (environ["REMOTE_ADDR"], environ["wsgi.url_scheme"], environ["HTTP_HOST"]) == ("127.0.0.1", "http", "backend.internal:8000")
    assert environ["HTTP_X_FORWARDED_FOR"] == "203.0.113.7"  # the headers stay, as sent


def test_trusting_nobody() -> None:
    with serve(ours(APP, "--forwarded-allow-ips", "")) as server:
        assert environ_through(server, b"X-Forwarded-For: 203.0.113.7")["REMOTE_ADDR"] == "127.0.0.1"


def test_a_bad_trust_list_is_one_line() -> None:
    done = subprocess.run([sys.executable, "-m", "wsgitypes", "serve", "--forwarded-allow-ips", "10.0.0.0/33"], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=30)
    assert (done.returncode, done.stderr.strip()) == (2, "wsgitypes: --forwarded-allow-ips: '10.0.0.0/33' is not an address, a network, '*' or 'unix'")


# --- in-process: the chain of proxies -------------------------------------------------------


def forwarded(trust: str, peer: str, **headers: str) -> dict[str, Any]:
    environ = {"REMOTE_ADDR": peer, "REMOTE_PORT": "5000", "wsgi.url_scheme": "http", "HTTP_HOST": "backend",
               "SERVER_NAME": "backend", "SERVER_PORT": "8000", **headers}
    apply_forwarding(environ, TrustedProxies.parse(trust))
    return environ


def test_a_chain_of_trusted_proxies_is_walked() -> None:
    environ = forwarded("10.0.0.0/8", "10.0.0.3", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.9, 10.0.0.2")
    assert environ["REMOTE_ADDR"] == "198.51.100.9"
    # trusting everyone, every hop is a proxy: the farthest one names the client
    assert forwarded("*", "192.0.2.1", HTTP_X_FORWARDED_FOR="198.51.100.9, 10.0.0.2")["REMOTE_ADDR"] == "198.51.100.9"


def test_unknown_and_obfuscated_nodes_stop_the_walk() -> None:
    environ = forwarded("10.0.0.0/8", "10.0.0.3", HTTP_FORWARDED='for=198.51.100.9, for=_hidden, for="10.0.0.2"')
    assert environ["REMOTE_ADDR"] == "10.0.0.2"  # the last address that can be believed


def test_unix_socket_peers_are_trusted_by_default() -> None:
    assert forwarded("127.0.0.1,::1,unix", "", HTTP_X_FORWARDED_FOR="203.0.113.7")["REMOTE_ADDR"] == "203.0.113.7"
    assert forwarded("127.0.0.1", "", HTTP_X_FORWARDED_FOR="203.0.113.7")["REMOTE_ADDR"] == ""
