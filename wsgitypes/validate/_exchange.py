"""One request/response exchange: the application's start_response, write and body.

An :class:`Exchange` is created per checked request.  It is handed to the
application as ``start_response`` (its bound method) and handed back to the server
as the response iterable, so one object watches the whole conversation: which
status and headers were given and when, what the server's start_response did with
``exc_info``, every bytestring written or yielded, ``len()``, and ``close()``.

Status lines and headers that passed the full check are remembered, so the common
case costs a set lookup each.
"""

# The values checked here come from the other party and are of unknown type on
# purpose; narrowing them with type() leaves pyright with Unknown parts, which is
# the point of checking them, not a gap in the annotations.
# pyright: reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnknownArgumentType=false

from __future__ import annotations

from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any, cast

from wsgitypes import rules
from wsgitypes.validate._report import Reporter

_LEARN_LIMIT = 4096
_statuses_ok: set[str] = set()
_headers_ok: set[tuple[str, str]] = set()  # (name, value) pairs that passed, Content-Length excepted

_NOT_STARTED = ""
_CONTENT_LENGTH_NAMES = {"Content-Length", "content-length", "CONTENT-LENGTH", "Content-length"}


def _status_problems(status: object) -> list[tuple[rules.Rule, str]]:
    if not isinstance(status, str):
        return [(rules.STATUS_STR, f"status {status!r} is {type(status).__name__}")]
    return rules.status_problems(status)


def _header_problems(header: object) -> list[tuple[rules.Rule, str]]:
    if type(header) is not tuple or len(header) != 2:
        return [(rules.HEADER_TUPLE, f"header {header!r:.80} is not a (name, value) tuple")]
    name, value = header
    if not isinstance(name, str) or not isinstance(value, str):
        return [(rules.HEADER_TUPLE, f"header {header!r:.80} holds {type(name).__name__}, {type(value).__name__}")]
    return rules.header_problems(name, value)


def _exc_info_ok(exc_info: object) -> bool:
    """A ``sys.exc_info()`` tuple of a caught exception: (type, instance, traceback or None)."""
    if type(exc_info) is not tuple:
        return False
    info = cast("tuple[object, ...]", exc_info)
    return len(info) == 3 and isinstance(info[1], BaseException) and (info[2] is None or type(info[2]) is TracebackType)


def _only_bytes(items: Iterable[object]) -> bool:
    for item in items:
        if type(item) is not bytes:
            return False
    return True


def _has_content_type(headers: object) -> bool:
    if not isinstance(headers, (list, tuple)):
        return False
    for header in cast("Iterable[object]", headers):
        if type(header) is tuple:
            pair = cast("tuple[object, ...]", header)
            name = pair[0] if len(pair) == 2 else None
            if isinstance(name, str) and name.lower() == "content-type":
                return True
    return False


def _etag_quoted(value: str) -> bool:
    tag = value[2:] if value.startswith("W/") else value
    return len(tag) >= 2 and tag[0] == '"' and tag[-1] == '"'


class Exchange:
    # Class-level defaults rather than __slots__: a new exchange then costs four
    # attribute stores, not fourteen.  Instances shadow them as the exchange goes on.
    status = _NOT_STARTED
    content_length: str | None = None
    headers_sent = False
    sent = 0
    items = 0
    in_iteration = False
    reraised = ""  # the name of the exception start_response re-raised for exc_info
    first_violation: rules.WSGIViolation | None = None
    closed = False
    result: Any = None
    headers: Any = None
    iterator: Iterator[Any]
    server_write: Any

    def __init__(self, report: Reporter, environ: dict[str, Any], server_start: Any) -> None:
        self.report = report
        self.environ = environ
        self.server_start = server_start
        try:
            self.method = environ["REQUEST_METHOD"]
        except KeyError:  # already reported by check_environ: report mode carries on
            self.method = None

    def violation(self, rule: rules.Rule, detail: str) -> None:
        try:
            self.report.violation(rule, detail, self.environ)
        except rules.WSGIViolation as error:
            # Kept so that an application that swallows it cannot hide it (see app_returned).
            if self.first_violation is None:
                self.first_violation = error
            raise

    # --- start_response and write, as the application sees them ------------------

    def start_response(self, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 2 and not kwargs:  # the common call: no dict look-ups
            status, headers = args
            exc_info = None
        else:
            if kwargs or not 2 <= len(args) <= 3:
                self.violation(rules.START_RESPONSE_ARGS, f"called with {len(args)} positional and keywords {sorted(kwargs)}")
            status = args[0] if args else kwargs.get("status")
            headers = args[1] if len(args) > 1 else kwargs.get("response_headers", kwargs.get("headers"))
            exc_info = args[2] if len(args) > 2 else kwargs.get("exc_info")
        if exc_info is None:
            if self.status:
                self.violation(rules.START_RESPONSE_ONCE, f"second call ({status!r}) after {self.status!r} without exc_info")
        elif not _exc_info_ok(exc_info):
            self.violation(rules.EXC_INFO_TUPLE, f"exc_info is {exc_info!r:.80}")
        try:
            fast = status in _statuses_ok and type(headers) is list and self._headers_look_right(headers)
        except (TypeError, AttributeError):  # unhashable or non-str parts: the slow path names them
            fast = False
        if not fast:
            self._check_response_start(status, headers)
        self.headers = headers  # for http_policy's Content-Type check
        if exc_info is not None and self.headers_sent:
            error = exc_info[1] if _exc_info_ok(exc_info) else exc_info
            try:
                write = self.server_start(*args, **kwargs)
            except BaseException as reraised:
                self.reraised = type(reraised).__name__
                raise
            finally:
                exc_info = None  # no reference cycle through the traceback
            self.violation(
                rules.EXC_INFO_RERAISE,
                f"start_response returned normally with exc_info {error!r:.80} after the headers were sent",
            )
            self.status = status if isinstance(status, str) and status else "?"
        else:
            self.status = status if isinstance(status, str) and status else "?"
            write = self.server_start(*args, **kwargs)
        if not callable(write):
            self.violation(rules.START_RESPONSE_WRITE, f"start_response returned {write!r:.80}")
        self.server_write = write
        return self.write

    def _headers_look_right(self, headers: list[Any]) -> bool:
        self.content_length = None
        for header in headers:
            if header in _headers_ok:
                continue
            if type(header) is tuple and len(header) == 2 and header[0] in _CONTENT_LENGTH_NAMES and self.content_length is None:
                value = header[1]
                if type(value) is str and rules.check_response_content_length(value) is None:
                    self.content_length = value
                    continue
            return False
        return True

    def _check_response_start(self, status: object, headers: object) -> None:
        status_problems = _status_problems(status)
        for rule, problem in status_problems:
            self.violation(rule, problem)
        if isinstance(status, str) and not status_problems:
            if (out_of_range := rules.check_status_code_range(status)) is not None:
                self.violation(rules.POLICY_STATUS_RANGE, out_of_range)  # never learned, so never skipped
            elif len(_statuses_ok) < _LEARN_LIMIT:
                _statuses_ok.add(status)
        if type(headers) is not list:
            self.violation(rules.HEADERS_LIST, f"response_headers is {type(headers).__name__}: {headers!r:.80}")
            if not isinstance(headers, Iterable):
                return
        self.content_length = None
        for header in headers:
            problems = _header_problems(header)
            for rule, problem in problems:
                self.violation(rule, problem)
            if problems:
                continue
            name, value = header
            if name.lower() == "content-length":
                if self.content_length is not None:
                    self.violation(rules.CONTENT_LENGTH_HEADER, f"a second Content-Length ({self.content_length!r}, then {value!r})")
                self.content_length = value
            elif name.lower() == "etag" and not _etag_quoted(value):
                self._check_policy_etag(value)  # never learned, so every response with it is reported
            elif len(_headers_ok) < _LEARN_LIMIT:
                _headers_ok.add(header)

    def _check_policy_etag(self, value: str) -> None:
        if not _etag_quoted(value):
            self.violation(rules.POLICY_ETAG, f"ETag {value!r} is not a quoted string")

    def write(self, *args: Any) -> object:
        data = args[0] if len(args) == 1 else None
        if len(args) != 1:
            self.violation(rules.WRITE_BYTES, f"write() takes one bytestring, got {len(args)} arguments")
        if self.in_iteration:
            self.violation(rules.WRITE_NOT_IN_ITERABLE, "write() was called while the server iterated the response")
        elif self.closed:  # the server has called close(): the response is over
            self.violation(rules.WRITE_AFTER_START, f"write({data!r:.80}) after the response ended (close() was called)")
        if type(data) is not bytes:
            self.violation(rules.WRITE_BYTES, f"write({data!r:.80}): got {type(data).__name__}")
        elif data:
            self._body_bytes(data)
        return self.server_write(*args)

    # --- the response iterable, as the server sees it ----------------------------

    def app_returned(self, result: Any) -> Any:
        """Check what the application returned and give the server its stand-in.

        A short list or tuple is checked whole, here, and handed to the server as it
        is: its items are already known, so there is nothing left to watch.
        """
        if self.reraised or (self.first_violation is not None and self.report.raising):
            self.check_returned()
        kind = type(result)
        if (kind is list or kind is tuple) and len(result) <= 8:
            try:
                body = b"".join(result)  # TypeError unless every item is bytes-like
            except TypeError:
                pass
            else:
                # join() also takes bytearray and memoryview: each item must be exactly bytes.
                # A single item is when join() handed back that very object.
                if self.status and (body is result[0] if len(result) == 1 else not result or _only_bytes(result)):
                    if self.content_length is not None and self._length_checked():
                        self.sent += len(body)
                        if self.sent != int(self.content_length):
                            self.violation(rules.CONTENT_LENGTH_MATCH, f"the body has {self.sent} bytes, Content-Length is {self.content_length}")
                    if self.report.policy:
                        self.sent += 0 if self.content_length is not None and self._length_checked() else len(body)
                        self._check_policy_body()
                    return result
        elif result is None or isinstance(result, (str, bytes)) or not hasattr(kind, "__iter__"):
            self.violation(rules.RESPONSE_ITERABLE, f"the application returned {kind.__name__}: {result!r:.80}")
        self.result = result
        sized, closable = hasattr(kind, "__len__"), hasattr(result, "close")
        if sized or closable:
            self.__class__ = _STAND_INS[sized, closable]  # pyright: ignore[reportAttributeAccessIssue]  # same layout, adds a method
        return self

    def check_returned(self) -> None:
        """The application call is over: it must not have trapped a re-raised exc_info or a violation."""
        if self.reraised:
            self.violation(
                rules.EXC_INFO_NOT_TRAPPED,
                f"the application returned normally after start_response re-raised its exc_info ({self.reraised})",
            )
        if self.first_violation is not None and self.report.raising:
            raise self.first_violation  # the application caught it; the server must still hear of it

    def __iter__(self) -> Iterator[bytes]:
        try:
            self.iterator = iter(self.result)
        except TypeError:
            self.violation(rules.RESPONSE_ITERABLE, f"iter() fails on the application's {type(self.result).__name__}: {self.result!r:.80}")
            raise
        return self

    def __next__(self) -> bytes:
        self.in_iteration = True
        try:
            item = next(self.iterator)
        except StopIteration:
            self.in_iteration = False
            self._exhausted()
            raise
        except BaseException:
            self.in_iteration = False
            if self.first_violation is not None and self.report.raising:
                raise self.first_violation from None
            raise
        self.in_iteration = False
        self.items += 1
        if type(item) is not bytes:
            self.violation(rules.BODY_BYTES, f"item {self.items} is {type(item).__name__}: {item!r:.80}")
        elif item:
            self._body_bytes(item)
        return item  # type: ignore[no-any-return]  # checked above, passed on whatever it is

    def _body_bytes(self, data: bytes) -> None:
        if not self.status:
            self.violation(rules.START_BEFORE_BODY, f"{len(data)} body bytes came before start_response")
        self.headers_sent = True
        self.sent += len(data)
        if self.content_length is not None and self._length_checked() and self.sent > int(self.content_length):
            self.violation(
                rules.CONTENT_LENGTH_MATCH,
                f"{self.sent} bytes sent so far, Content-Length is {self.content_length}",
            )

    def _length_checked(self) -> bool:
        """Content-Length must match the body, except where HTTP lets them differ."""
        return (
            self.content_length is not None
            and not rules.body_forbidden(self.method, self.status)
            and rules.check_response_content_length(self.content_length) is None
        )

    def _exhausted(self) -> None:
        if self.reraised:  # a generator that trapped the exception start_response re-raised
            self.check_returned()
        if self.first_violation is not None and self.report.raising:
            raise self.first_violation  # raised inside the iterable and swallowed there
        if not self.status:
            self.violation(
                rules.START_CALLED,
                f"the response iterable ({type(self.result).__name__}) ended and start_response was never called",
            )
        if self.content_length is not None and self._length_checked() and self.sent != int(self.content_length):
            self.violation(
                rules.CONTENT_LENGTH_MATCH, f"the body has {self.sent} bytes, Content-Length is {self.content_length}"
            )
        if self.report.policy:
            self._check_policy_body()

    def _check_policy_body(self) -> None:
        no_body_status = rules.body_forbidden(None, self.status)
        if self.sent and no_body_status:
            self.violation(rules.POLICY_NO_BODY_STATUS, f"a {self.status!r} response has {self.sent} body bytes")
        if self.content_length is not None and rules.content_length_forbidden(self.status):
            self.violation(rules.POLICY_NO_BODY_STATUS, f"a {self.status!r} response has Content-Length")
        if self.sent and not no_body_status and not _has_content_type(self.headers):
            self.violation(rules.POLICY_CONTENT_TYPE, f"a {self.status!r} response has {self.sent} body bytes and no Content-Type")

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        close = getattr(self.result, "close", None)
        if close is not None:
            close()

class SizedExchange(Exchange):
    """The stand-in for a response that has ``len()``: it keeps ``len()`` and checks it."""

    __slots__ = ()

    def __len__(self) -> int:
        return len(self.result)

    def _exhausted(self) -> None:
        try:
            expected = len(self.result)
        except Exception:  # the rule holds "when len() works"
            expected = self.items
        if expected != self.items:
            self.violation(rules.RESPONSE_LEN, f"len() said {expected}, the iterable yielded {self.items} items")
        super()._exhausted()


class ClosableExchange(Exchange):
    """The stand-in for a response with ``close()``: it notices a server that never calls it.

    A separate class, because a ``__del__`` on every exchange would cost each request.
    """

    def __del__(self) -> None:
        # The server dropped the response without close(): the application's cleanup never ran.
        if not self.closed:
            self.closed = True
            self.violation(rules.CLOSE_CALLED, f"the server never called close() on {type(self.result).__name__}")


class SizedClosableExchange(SizedExchange, ClosableExchange):
    pass


_STAND_INS: dict[tuple[bool, bool], type[Exchange]] = {
    (True, False): SizedExchange,
    (False, True): ClosableExchange,
    (True, True): SizedClosableExchange,
}
