"""A reverse proxy's forwarding headers, honoured only from proxies you trust.

Behind nginx, a load balancer or a CDN, the connection comes from the proxy, and the
client's address, the scheme it used and the host it asked for arrive as headers:
RFC 7239's ``Forwarded: for=192.0.2.60;proto=https;host=example.com``, or the older
``X-Forwarded-For`` / ``-Proto`` / ``-Host`` / ``-Port``.  Anyone can send those
headers, so they count only when the connection comes from a trusted proxy
(``--forwarded-allow-ips``; by default loopback and Unix sockets, as gunicorn and
uvicorn do).  Then:

* ``REMOTE_ADDR`` becomes the client: walking the ``for`` addresses from the nearest
  hop outwards, trusted proxies are skipped and the first address that is not one is
  the client (an address a client put in the header itself sits further out, so it
  cannot win).  ``REMOTE_PORT`` is the client's port when the header gives one, and
  is left out otherwise.
* ``wsgi.url_scheme`` becomes ``https`` or ``http``, as that hop says (other values
  are ignored).
* ``HTTP_HOST``, ``SERVER_NAME`` and ``SERVER_PORT`` follow the forwarded host and port.

``Forwarded`` wins when both kinds are present.  Values that do not parse (an address
that is not one, a host with a path, a port that is not a number) are ignored.  An
untrusted peer's headers are not applied; they stay in the environ as the client sent
them, like every other header.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from wsgitypes.server.request import HOST_SYNTAX

__all__ = ["FORWARDING_KEYS", "TrustedProxies", "apply_forwarding"]

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_FORWARDED_PAIR = re.compile(r'\s*([!#$%&\'*+\-.^_`|~0-9A-Za-z]+)=("(?:[^"\\]|\\.)*"|[^;,\s]*)\s*')


class TrustedProxies(NamedTuple):
    """The peers whose forwarding headers count: addresses and networks, ``*``, ``unix``."""

    networks: tuple[_Network, ...]
    everyone: bool = False
    unix: bool = True

    @classmethod
    def parse(cls, text: str) -> TrustedProxies:
        """``"127.0.0.1,::1"``, ``"10.0.0.0/8, unix"``, ``"*"``; raises ValueError naming a bad entry."""
        networks: list[_Network] = []
        everyone = unix = False
        for entry in filter(None, (part.strip() for part in text.split(","))):
            if entry == "*":
                everyone = True
            elif entry == "unix":
                unix = True
            else:
                try:
                    networks.append(ipaddress.ip_network(entry, strict=False))
                except ValueError:
                    raise ValueError(f"{entry!r} is not an address, a network, '*' or 'unix'") from None
        return cls(tuple(networks), everyone, unix or everyone)

    def trusts(self, address: str) -> bool:
        """Whether a peer at ``address`` (``""`` for a Unix socket) is a trusted proxy."""
        if not address:
            return self.unix
        if self.everyone:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)


DEFAULT_TRUSTED = "127.0.0.1,::1,unix"


class _Hop(NamedTuple):
    """One proxy's report: the address it saw, and what it says of the scheme and host."""

    address: str | None
    port: str | None = None
    proto: str | None = None
    host: str | None = None


FORWARDING_KEYS = frozenset({"HTTP_FORWARDED", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST"})
"""The environ keys of the headers :func:`apply_forwarding` reads (without one, it does nothing)."""


def apply_forwarding(environ: dict[str, Any], trusted: TrustedProxies) -> None:
    """Rewrite ``environ`` from its forwarding headers, if the peer is trusted (see above)."""
    forwarded = environ.get("HTTP_FORWARDED")
    forwarded_for = environ.get("HTTP_X_FORWARDED_FOR")
    if forwarded is None and forwarded_for is None and "HTTP_X_FORWARDED_PROTO" not in environ \
            and "HTTP_X_FORWARDED_HOST" not in environ:
        return
    if not trusted.trusts(environ.get("REMOTE_ADDR", "")):
        return
    hops = _forwarded_hops(forwarded) if forwarded is not None else _x_forwarded_hops(environ)
    if not hops:
        return
    chosen = _client_hop(hops, trusted)
    if chosen.address is not None:
        environ["REMOTE_ADDR"] = chosen.address
        if chosen.port is not None:
            environ["REMOTE_PORT"] = chosen.port
        else:
            environ.pop("REMOTE_PORT", None)
    if chosen.proto in ("http", "https"):
        environ["wsgi.url_scheme"] = chosen.proto
    if chosen.host and HOST_SYNTAX.fullmatch(chosen.host):
        environ["HTTP_HOST"] = chosen.host
        name, port = _split_host(chosen.host)
        environ["SERVER_NAME"] = name
        environ["SERVER_PORT"] = port or ("443" if environ["wsgi.url_scheme"] == "https" else "80")
    if forwarded is None and (port := environ.get("HTTP_X_FORWARDED_PORT", "").strip()).isdigit() and len(port) <= 5:
        environ["SERVER_PORT"] = port


def _split_host(host: str) -> tuple[str, str]:
    """``example.com:8080`` -> (``example.com``, ``8080``); ``[::1]`` -> (``::1``, ``""``)."""
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        return name, rest[1:]
    name, _, port = host.partition(":")
    return name, port


def _client_hop(hops: Sequence[_Hop], trusted: TrustedProxies) -> _Hop:
    """The nearest hop whose address is not a trusted proxy (or the farthest, if all are)."""
    chosen = _Hop(None, proto=hops[-1].proto, host=hops[-1].host)
    for hop in reversed(hops):
        if hop.address is None:  # unknown, obfuscated or invalid: nothing further out can be believed
            break
        chosen = hop
        if not trusted.trusts(hop.address):
            break
    return chosen


def _forwarded_hops(value: str) -> list[_Hop]:
    """RFC 7239 elements: ``for=...;proto=...;host=...``, comma-separated, nearest hop last."""
    hops: list[_Hop] = []
    for element in _split_elements(value):
        pairs: dict[str, str] = {}
        for pair in element.split(";"):
            matched = _FORWARDED_PAIR.fullmatch(pair)
            if matched is None:
                return []  # not RFC 7239: ignore the whole header rather than guess
            text = matched[2]
            if text.startswith('"'):
                text = re.sub(r"\\(.)", r"\1", text[1:-1])
            pairs[matched[1].lower()] = text
        address, port = _node(pairs.get("for", ""))
        proto = pairs.get("proto", "").lower() or None
        hops.append(_Hop(address, port, proto, pairs.get("host")))
    return hops


def _split_elements(value: str) -> list[str]:
    """Split at commas outside quoted strings."""
    elements: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            elements.append("".join(current))
            current = []
            continue
        current.append(char)
    elements.append("".join(current))
    return [element.strip() for element in elements if element.strip()]


def _node(node: str) -> tuple[str | None, str | None]:
    """An RFC 7239 node (``192.0.2.1``, ``"[2001:db8::1]:4711"``) as (address, port)."""
    port = None
    if node.startswith("["):
        address, _, rest = node[1:].partition("]")
        if rest.startswith(":"):
            port = rest[1:]
    elif node.count(":") == 1:
        address, port = node.split(":")
    else:
        address = node
    try:
        address = str(ipaddress.ip_address(address))
    except ValueError:
        return None, None
    return address, port if port and port.isdigit() else None


def _x_forwarded_hops(environ: dict[str, Any]) -> list[_Hop]:
    """X-Forwarded-For's addresses as hops; -Proto and -Host describe the nearest one's client."""
    addresses = [part.strip() for part in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    protos = [part.strip().lower() for part in environ.get("HTTP_X_FORWARDED_PROTO", "").split(",") if part.strip()]
    hosts = [part.strip() for part in environ.get("HTTP_X_FORWARDED_HOST", "").split(",") if part.strip()]
    hops = [_Hop(*_node(address)) for address in addresses] or [_Hop(None)]

    def aligned(values: list[str], index: int) -> str | None:
        # one value per hop when the proxies appended their own; else the one value there is
        if len(values) == len(hops):
            return values[index]
        return values[-1] if values else None

    return [_Hop(hop.address, hop.port, aligned(protos, index), aligned(hosts, index)) for index, hop in enumerate(hops)]
