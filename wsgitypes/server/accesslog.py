"""The access log: one line per request, in a format written with gunicorn's atoms.

A format is a ``%``-style string whose names are the atoms gunicorn (and so most log
shippers' gunicorn parsers) already know, so that an existing ``--access-logformat``
carries over as it is:

========  ===================================================================
``h``     the client's address (``-`` on a Unix socket)
``l``     ``-`` (the identd user, never known)
``u``     the user from ``REMOTE_USER``, else ``-``
``t``     the time, in brackets: ``[10/Oct/2000:13:55:36 -0700]``
``r``     the request line: ``GET /path?q HTTP/1.1``
``m``     the method;  ``U`` the path;  ``q`` the query string;  ``H`` the protocol
``s``     the status code
``B``     response body bytes sent;  ``b`` the same, ``-`` for none
``f``     the Referer header;  ``a`` the User-Agent header (``-`` when absent)
``T``     the time the request took, in whole seconds;  ``M`` in milliseconds;
          ``D`` in microseconds;  ``L`` in seconds with six decimals
``p``     the worker's process id, as ``<1234>``
``{x}i``  request header ``x``;  ``{x}o`` response header ``x``;  ``{x}e`` environ key ``x``
========  ===================================================================

:data:`COMMON` (the Common Log Format) is the default; :data:`COMBINED` adds the
Referer and User-Agent, as gunicorn's default does.  Every value taken from the
request or the application is escaped as Apache does: ``"`` and ``\\`` get a
backslash, and control characters and bytes beyond ASCII become ``\\xhh``, so a
client cannot end a quoted field early or forge a log line.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from time import strftime
from typing import Any, NamedTuple, Protocol

__all__ = ["COMBINED", "COMMON", "FORMATS", "AccessLog", "AccessRecord", "AccessSink", "check_format", "escape"]

COMMON = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s'
COMBINED = COMMON + ' "%(f)s" "%(a)s"'
FORMATS = {"common": COMMON, "combined": COMBINED}
"""Formats known by name (``--access-log-format combined``)."""

_ATOM = re.compile(r"%\((?P<name>[^)]*)\)")
_SIMPLE_ATOMS = frozenset("hlutrmUqHsBbfaTMDLp")
_UNSAFE = re.compile(r'[\\"\x00-\x1f\x7f-\xff]')


def escape(text: str) -> str:
    """``text`` safe inside a quoted log field (see the module docstring)."""
    return _UNSAFE.sub(lambda match: "\\" + match[0] if match[0] in '\\"' else f"\\x{ord(match[0]):02x}", text)


def check_format(text: str) -> str:
    """The format ``text`` names (a name of :data:`FORMATS`, or a format itself); ``ValueError`` if it has an unknown atom."""
    text = FORMATS.get(text, text)
    for match in _ATOM.finditer(text):
        name = match["name"]
        if name not in _SIMPLE_ATOMS and not (name.startswith("{") and name[-2:] in ("}i", "}o", "}e") and len(name) > 3):
            raise ValueError(f"unknown atom %({name})s (see the atoms in docs/server.md)")
    try:
        _ = text % _Atoms(_EXAMPLE)
    except (TypeError, ValueError, KeyError) as error:
        raise ValueError(f"{text!r} is not a format of %(atom)s fields: {error}") from None
    return text


class AccessRecord(NamedTuple):
    """What the access log knows of one request once its response is done."""

    peer: str
    method: str
    target: str
    """The request target as sent (decoded as Latin-1)."""
    version: str
    """``1.1`` or ``1.0``."""
    status: str
    """The status code, ``200``."""
    sent: int
    """Response body bytes sent."""
    duration: float
    """Seconds from the start of serving the request to the end of its response."""
    request_headers: list[tuple[bytes, bytes]]
    response_headers: list[tuple[str, str]]
    environ: Mapping[str, Any]


class AccessSink(Protocol):
    """Where a server process sends its :class:`AccessRecord` objects (ours, or gunicorn's log)."""

    def enabled(self) -> bool: ...

    def __call__(self, record: AccessRecord, /) -> object: ...


class AccessLog:
    """Writes each record, formatted, to the ``wsgitypes.access`` logger at INFO."""

    __slots__ = ("format", "logger")

    def __init__(self, format: str = COMMON, logger: logging.Logger | None = None) -> None:
        self.format = check_format(format)
        self.logger = logger or logging.getLogger("wsgitypes.access")

    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)

    def __call__(self, record: AccessRecord, /) -> None:
        self.logger.info(self.format % _Atoms(record))


class _Atoms(Mapping[str, object]):
    """The atoms of one record, each computed only if the format asks for it."""

    __slots__ = ("_record",)

    def __init__(self, record: AccessRecord) -> None:
        self._record = record

    def __getitem__(self, name: str) -> object:
        record = self._record
        if name.startswith("{"):
            key, kind = name[1:-2], name[-2:]
            if kind == "}i":
                wanted = key.lower().encode("latin-1", "replace")
                values = [value.decode("latin-1") for field, value in record.request_headers if field.lower() == wanted]
                return escape(",".join(values)) if values else "-"
            if kind == "}o":
                values = [value for field, value in record.response_headers if field.lower() == key.lower()]
                return escape(",".join(values)) if values else "-"
            value = record.environ.get(key, record.environ.get(key.upper()))
            return "-" if value is None else escape(str(value))
        if name == "h":
            return escape(record.peer) or "-"
        if name == "l":
            return "-"
        if name == "u":
            return escape(str(record.environ.get("REMOTE_USER") or "-"))
        if name == "t":
            return strftime("[%d/%b/%Y:%H:%M:%S %z]")
        if name == "r":
            return escape(f"{record.method} {record.target} HTTP/{record.version}")
        if name == "m":
            return escape(record.method)
        if name in "Uq":
            path, _, query = record.target.partition("?")
            return escape(path if name == "U" else query)
        if name == "H":
            return f"HTTP/{record.version}"
        if name == "s":
            return record.status
        if name == "B":
            return record.sent
        if name == "b":
            return record.sent or "-"
        if name in "fa":
            return self[f"{{{'referer' if name == 'f' else 'user-agent'}}}i"]
        if name == "T":
            return int(record.duration)
        if name == "M":
            return int(record.duration * 1000)
        if name == "D":
            return int(record.duration * 1_000_000)
        if name == "L":
            return f"{record.duration:.6f}"
        if name == "p":
            return f"<{os.getpid()}>"
        raise KeyError(name)

    def __iter__(self) -> Any:
        return iter(_SIMPLE_ATOMS)

    def __len__(self) -> int:
        return len(_SIMPLE_ATOMS)


_EXAMPLE = AccessRecord("127.0.0.1", "GET", "/", "1.1", "200", 0, 0.0, [], [], {})
