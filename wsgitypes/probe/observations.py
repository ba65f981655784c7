"""What the battery saw: frozen records of every response and of the probe application's answers.

The probe application (:mod:`wsgitypes.probe.app`) answers each request with JSON
describing what the server gave it.  :func:`parse_answer` reads that JSON into the
records below, checking every shape once, so the judges work on plain typed values:
a :class:`Reply` per request sent (the :class:`~wsgitypes.probe.client.RawResponse`
and, when the probe application produced it, its :class:`ProbeAnswer`), gathered in
one :class:`Observations`.  Nothing here judges.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from wsgitypes.probe.app import MARKER
from wsgitypes.probe.client import RawResponse

__all__ = [
    "EnvironEntry",
    "EnvironSeen",
    "ExcInfoRecord",
    "FileWrapperSeen",
    "INPUT_MODES",
    "Observations",
    "Operation",
    "ProbeAnswer",
    "Reply",
    "ServerRecords",
    "StreamSeen",
    "TokenRecords",
    "Value",
    "parse_answer",
]

INPUT_MODES = ("eof", "read-all", "readline", "readlines", "iter", "empty")
"""The input tests whose body the application reads in full (one way each); ``size``,
``readline-size`` and ``chunked`` are the others."""


# --- reading the application's JSON -------------------------------------------------


def _optional_mapping(value: object) -> dict[str, object] | None:
    return cast("dict[str, object]", value) if isinstance(value, dict) else None


def _mapping(value: object) -> dict[str, object]:
    return _optional_mapping(value) or {}


def _optional_items(value: object) -> list[object] | None:
    return cast("list[object]", value) if isinstance(value, list) else None


def _items(value: object) -> list[object]:
    return _optional_items(value) or []


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# --- the records --------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """A value a server object returned, as the application described it: its type and content."""

    type: str
    text: str | None = None
    """The content of a str, or of bytes read as Latin-1."""
    items: tuple[Value, ...] | None = None
    """The items of a list."""

    @classmethod
    def parse(cls, data: object) -> Value:
        facts = _mapping(data)
        items = _optional_items(facts.get("items"))
        return cls(_text(facts.get("type")), _optional_text(facts.get("data")),
                   None if items is None else tuple(cls.parse(item) for item in items))

    def as_bytes(self) -> bytes | None:
        """The bytes, when the value is bytes."""
        return self.text.encode("latin-1") if self.type == "bytes" and self.text is not None else None

    def as_lines(self) -> list[bytes] | None:
        """The items, when the value is a list of bytes."""
        if self.type != "list" or self.items is None:
            return None
        lines = [item.as_bytes() for item in self.items]
        return None if None in lines else cast("list[bytes]", lines)


@dataclass(frozen=True)
class Operation:
    """One call the application made on a server object, and what it returned or raised."""

    name: str
    """The call as written: ``"read(3)"``, ``"readlines()"``, ``"write(str)"``."""
    size: int | None
    """The size argument of a read."""
    result: Value | None
    error: str
    """``"TypeError: ..."`` when the call raised, else ""."""

    @classmethod
    def parse(cls, data: object) -> Operation:
        facts = _mapping(data)
        result = _optional_mapping(facts.get("result"))
        return cls(_text(facts.get("op")), _number(facts.get("size")),
                   None if result is None else Value.parse(result), _text(facts.get("error")))

    def data(self) -> bytes | None:
        """The bytes the call returned, or None (it raised, or returned something else)."""
        return self.result.as_bytes() if self.result else None


@dataclass(frozen=True)
class EnvironEntry:
    """One environ item."""

    key: str
    """The key, or its repr when it is not a str."""
    key_type: str
    value_type: str
    value: str | int | None
    """A str, int or bool value as it was; None for values of other types."""
    repr: str
    """The repr of a value of another type."""

    @classmethod
    def parse(cls, data: object) -> EnvironEntry:
        facts = _mapping(data)
        value = facts.get("value")
        return cls(_text(facts.get("key")), _text(facts.get("key_type")), _text(facts.get("value_type")),
                   value if isinstance(value, (str, int)) else None, _text(facts.get("repr")))


@dataclass(frozen=True)
class StreamSeen:
    """``wsgi.input`` or ``wsgi.errors``: its type, and the methods of its protocol it lacks."""

    type: str
    missing: tuple[str, ...]

    @classmethod
    def parse(cls, data: object) -> StreamSeen:
        facts = _mapping(data)
        return cls(_text(facts.get("type")), tuple(_text(name) for name in _items(facts.get("missing"))))


@dataclass(frozen=True)
class FileWrapperSeen:
    present: bool
    callable: bool
    type: str

    @classmethod
    def parse(cls, data: object) -> FileWrapperSeen:
        facts = _mapping(data)
        return cls(facts.get("present") is True, facts.get("callable") is True, _text(facts.get("type")))


@dataclass(frozen=True)
class EnvironSeen:
    """The environ of one request, as the application saw it."""

    type: str
    is_dict: bool
    entries: tuple[EnvironEntry, ...]
    input: StreamSeen
    errors: StreamSeen
    file_wrapper: FileWrapperSeen

    @classmethod
    def parse(cls, data: object) -> EnvironSeen:
        facts = _mapping(data)
        return cls(_text(facts.get("type")), facts.get("is_dict") is True,
                   tuple(EnvironEntry.parse(entry) for entry in _items(facts.get("keys"))),
                   StreamSeen.parse(facts.get("input")), StreamSeen.parse(facts.get("errors")),
                   FileWrapperSeen.parse(facts.get("file_wrapper")))

    def str_entries(self) -> dict[str, EnvironEntry]:
        """The entries with a str key, by key."""
        return {entry.key: entry for entry in self.entries if entry.key_type == "str"}

    def has(self, key: str) -> bool:
        return key in self.str_entries()

    def text(self, key: str) -> str | None:
        """``environ[key]`` when it is a str; None when it is absent or of another type."""
        entry = self.str_entries().get(key)
        if entry is None or entry.value_type != "str" or not isinstance(entry.value, str):
            return None
        return entry.value


@dataclass(frozen=True)
class ExcInfoRecord:
    """What ``start_response(..., exc_info)`` did, as the application recorded it."""

    raised: bool
    type: str
    """The exception raised."""
    same: bool
    """It was the exception passed in exc_info (re-raised)."""
    message: str


@dataclass(frozen=True)
class TokenRecords:
    """What the application recorded after a response had gone, for one token."""

    events: frozenset[str]
    """``close``, ``filelike-close``, ``exc-info``."""
    exc_info: ExcInfoRecord | None

    @classmethod
    def parse(cls, data: object) -> TokenRecords:
        records = _mapping(data)
        exc = _mapping(records.get("exc-info"))
        exc_info = (ExcInfoRecord(exc.get("raised") is True, _text(exc.get("type")), exc.get("same") is True,
                                  _text(exc.get("message"))) if "exc-info" in records else None)
        return cls(frozenset(records), exc_info)


@dataclass(frozen=True)
class ProbeAnswer:
    """The probe application's account of one request."""

    positional: int | None
    """How many positional arguments the application was called with."""
    keywords: tuple[str, ...]
    """The keyword arguments it was called with."""
    state: str
    """The id of the state directory the answering process uses."""
    environ: EnvironSeen | None
    operations: tuple[Operation, ...]
    software: str | None
    """SERVER_SOFTWARE (the ping route)."""
    records: TokenRecords | None
    """The report route's records."""

    def errors(self) -> list[str]:
        """Each operation that raised, as ``"read() raised TypeError: ..."``."""
        return [f"{step.name} raised {step.error}" for step in self.operations if step.error]


def parse_answer(response: RawResponse) -> ProbeAnswer | None:
    """The probe application's answer in ``response``, or None if it holds none."""
    if not response.ok:
        return None
    try:
        data: object = json.loads(response.body.decode("utf-8"))
    except ValueError:
        return None
    facts = _mapping(data)
    if facts.get("probe") != MARKER:
        return None
    call = _mapping(facts.get("call"))
    environ = _optional_mapping(facts.get("environ"))
    records = _optional_mapping(facts.get("records"))
    return ProbeAnswer(
        positional=_number(call.get("positional")),
        keywords=tuple(_text(key) for key in _items(call.get("keywords"))),
        state=_text(facts.get("state")),
        environ=None if environ is None else EnvironSeen.parse(environ),
        operations=tuple(Operation.parse(step) for step in _items(facts.get("operations"))),
        software=_optional_text(facts.get("software")),
        records=None if records is None else TokenRecords.parse(records),
    )


@dataclass(frozen=True)
class Reply:
    """One request of the battery: what came back, and the probe application's answer in it."""

    label: str
    """The request, in words: ``"POST input eof (+ a pipelined GET)"``."""
    method: str
    response: RawResponse
    answer: ProbeAnswer | None

    @property
    def environ(self) -> EnvironSeen | None:
        """The environ the application saw, when it answered with one."""
        return self.answer.environ if self.answer else None


@dataclass(frozen=True)
class ServerRecords:
    """What happened after the responses had gone, as the application recorded it."""

    file_like_closed: bool
    """The file-like object given to wsgi.file_wrapper was closed."""
    exc_after: ExcInfoRecord | None
    """start_response(..., exc_info) after the headers were sent."""
    exc_before: ExcInfoRecord | None
    """start_response(..., exc_info) before any output."""
    close_called: bool
    """close() was called on the response iterable."""


@dataclass(frozen=True)
class Observations:
    """Everything the battery saw, request by request."""

    url: str
    path_prefix: bytes
    """The URL's path: where the probe application is mounted."""
    stall: float
    """How long an input test waited before shutting down its sending side."""
    ping: Reply
    env_get: Reply
    """A GET of an odd path (``%20``, ``%C3%A9``) and query, with Latin-1 and UTF-8 header bytes."""
    env_post: Reply
    """A POST of 5 bytes with a Content-Type."""
    env_raw_byte: Reply
    """A GET with a raw byte 0xE9 in its path."""
    errors: Reply
    inputs: Mapping[str, Reply]
    """The input tests, by mode: ``size``, ``readline-size``, ``chunked`` and :data:`INPUT_MODES`."""
    write: Reply
    file_real: Reply
    file_like: Reply
    exc_after: Reply
    exc_before: Reply
    close: Reply
    head: Reply
    records: ServerRecords
    replies: tuple[Reply, ...]
    """Every request sent, in order (the report requests too)."""

    def answered(self) -> list[tuple[Reply, ProbeAnswer]]:
        """Every reply that holds a probe answer, with it."""
        return [(reply, reply.answer) for reply in self.replies if reply.answer is not None]

    def environs(self) -> list[tuple[Reply, EnvironSeen]]:
        """Every reply whose answer describes the environ, with it."""
        return [(reply, answer.environ) for reply, answer in self.answered() if answer.environ is not None]

    def first_environ(self) -> EnvironSeen | None:
        found = self.environs()
        return found[0][1] if found else None

    @property
    def shared_state(self) -> bool:
        """Every answer came from processes sharing one state directory (so records can be trusted)."""
        return len({answer.state for _, answer in self.answered()}) <= 1
