"""One request/response exchange: the application's start_response, write and body.

An :class:`Exchange` is created per checked request and watches the whole
conversation.  Its bound ``start_response`` is what the application calls; which
status and headers were given and when, and what the server's start_response did
with ``exc_info``, are kept here.  The end of the application call is decided here
too, in one place (:meth:`Exchange.app_returned`, :meth:`Exchange.app_raised`): a
violation the application swallowed is raised again, a trapped ``exc_info`` is
reported, and the server gets what it should iterate.  A short list of bytes is
checked whole and handed back as it is; a ``wsgi.file_wrapper`` response goes back
untouched (``sendfile`` fast paths); anything else is watched by the exchange
(every bytestring yielded or written, ``len()``, and ``close()``) through a
:class:`StandIn` the server gets instead, which answers any other attribute with the
application's object's.

Status lines and headers that passed the full check are remembered, so the common
case costs a set lookup each.
"""

# pyright: reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnknownArgumentType=false
# (why: see wsgitypes/validate/__init__.py)

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from types import GeneratorType, TracebackType
from typing import Any, cast

from wsgitypes import rules
from wsgitypes.rules import WSGIViolation
from wsgitypes.validate._report import Reporter

_LEARN_LIMIT = 4096
_statuses_ok: set[str] = set()
_headers_ok: set[tuple[str, str]] = set()  # (name, value) pairs that passed, Content-Length excepted
_length_headers_ok: set[tuple[str, str]] = set()  # Content-Length headers that passed
_no_body: dict[tuple[object, str], bool] = {}  # (method, status) -> rules.body_forbidden()


def _body_forbidden(method: object, status: str) -> bool:
    """:func:`wsgitypes.rules.body_forbidden`, remembered per (method, status)."""
    key = (method, status)
    answer = _no_body.get(key)
    if answer is None:
        answer = rules.body_forbidden(method if isinstance(method, str) else None, status)
        if len(_no_body) < _LEARN_LIMIT:
            _no_body[key] = answer
    return answer

_NOT_STARTED = ""
_SHORT = 8  # a list or tuple up to this long is checked whole when the application returns it


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


class FileWrapperSpy:
    """Stands in for a function-style ``wsgi.file_wrapper`` for one request, to know what it made.

    Per request and by identity: remembering the *types* it returned would let any
    response of such a type (a generator, say) skip every check on later requests.
    """

    __slots__ = ("wrapper", "made")

    def __init__(self, wrapper: Any) -> None:
        self.wrapper = wrapper
        self.made: tuple[Any, ...] = ()

    def __call__(self, *args: Any) -> Any:
        result = self.wrapper(*args)
        self.made += (result,)
        return result


def _made_by(file_wrapper: Any, result: object) -> bool:
    """``result`` came from the server's ``wsgi.file_wrapper`` (a class, or a function we watched)."""
    if type(result) is file_wrapper:
        return True
    return type(file_wrapper) is FileWrapperSpy and any(result is made for made in file_wrapper.made)


class Exchange:
    # Every attribute is a slot set here: reading a slot is one of the cheapest things
    # CPython does, and the hot paths read most of these on every request.
    __slots__ = (
        "report", "server_start", "method", "errors", "status", "headers", "content_length",
        "expected", "headers_sent", "sent", "reraised", "first_violation", "closed", "listed", "result",
        "body", "repeats", "server_write", "where",
    )  # fmt: skip

    # The exchange keeps what it needs from the environ, not the environ itself: the
    # environ holds the stream wrappers, which hold the exchange, and a reference back
    # would make every request a cycle for the garbage collector.
    def __init__(self, report: Reporter, environ: dict[str, Any], server_start: Any) -> None:
        self.report = report
        self.server_start = server_start
        if type(environ) is dict:
            self.method: object = environ.get("REQUEST_METHOD")
            self.errors: Any = environ.get("wsgi.errors")  # where report_to=("wsgi.errors",) writes
        else:
            self.method = self.errors = None
        self.status = _NOT_STARTED
        self.headers: Any = None
        self.content_length: str | None = None  # a valid Content-Length the application sent
        self.expected = -1  # the body length that Content-Length promises; -1 when none is checked
        self.headers_sent = False
        self.sent = 0
        self.reraised = ""  # the name of the exception start_response re-raised for exc_info
        self.first_violation: WSGIViolation | None = None
        self.closed = False
        self.listed = False  # the application returned its whole body as a short list: nothing is left to write
        self.result: Any = None
        self.body: GeneratorType[Any, None, None] | None = None  # the checked iteration, once asked for
        self.repeats: dict[str, int] | None = None  # report mode: rule id -> times broken in this request
        self.server_write: Any = None
        self.where = ("", "")  # SCRIPT_NAME and PATH_INFO, to name a response that must be closed

    def violation(self, rule: rules.Rule, detail: str, /) -> None:
        """Raise or report a broken rule of this request.

        A raised violation is kept, so that an application that swallows it cannot
        hide it from the server (see :meth:`raise_swallowed`).  A reported one is
        reported once per rule and request; its repeats are counted and summed up
        when the request ends.
        """
        report = self.report
        if not report.wants(rule):
            return
        error = WSGIViolation(rule, detail)
        report.seen(error)
        if report.raises(rule):
            if self.first_violation is None:
                self.first_violation = error
            raise error
        repeats = self.repeats
        if repeats is None:
            repeats = self.repeats = {}
        times = repeats.get(rule.id, 0)
        repeats[rule.id] = times + 1
        if not times:
            report.emit(str(error), self.errors)

    def raise_swallowed(self) -> None:
        """The application caught a violation raised inside it and carried on: raise it for the server."""
        if self.first_violation is not None:
            raise self.first_violation from None

    def _report_repeats(self) -> None:
        repeats, self.repeats = self.repeats, None
        if repeats:
            for rule_id, count in repeats.items():
                if count > 1:
                    self.report.repeats(rules.RULES[rule_id], count, self.errors)

    # --- start_response and write, as the application sees them ------------------

    def start_response(self, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 2 and not kwargs and not self.status:  # the common call, the first time
            status, headers = args
            try:
                learned = status in _statuses_ok and type(headers) is list and self._headers_look_right(headers)
            except (TypeError, AttributeError):  # unhashable or non-str parts: the full check names them
                learned = False
            if learned:
                self.headers = headers
                return self._started(status, self.server_start(status, headers))
        return self._start_response(args, kwargs)

    def _start_response(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """start_response called in any other way, or with a status or headers not seen before."""
        if len(args) == 2 and not kwargs:
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
        else:
            write = self.server_start(*args, **kwargs)
        return self._started(status if isinstance(status, str) and status else "?", write)

    def _started(self, status: str, write: Any) -> Any:
        """The server took the status: what the body must now be, and the application's write."""
        self.status = status
        length = self.content_length
        self.expected = -1 if length is None or _body_forbidden(self.method, status) else int(length)
        if not callable(write):
            self.violation(rules.START_RESPONSE_WRITE, f"start_response returned {write!r:.80}")
        self.server_write = write
        return self.write

    def _headers_look_right(self, headers: list[Any]) -> bool:
        """Every header passed before, with at most one Content-Length (kept in ``content_length``)."""
        length = None
        for header in headers:
            if header in _headers_ok:
                continue
            if length is None and header in _length_headers_ok:
                length = header[1]
                continue
            return False
        self.content_length = length
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
                else:
                    self.content_length = value
                    if len(_length_headers_ok) < _LEARN_LIMIT:
                        _length_headers_ok.add(header)
            elif name.lower() == "etag" and not _etag_quoted(value):
                self.violation(rules.POLICY_ETAG, f"ETag {value!r} is not a quoted string")  # never learned
            elif len(_headers_ok) < _LEARN_LIMIT:
                _headers_ok.add(header)

    def write(self, *args: Any) -> object:
        data = args[0] if len(args) == 1 else None
        if len(args) != 1:
            self.violation(rules.WRITE_BYTES, f"write() takes one bytestring, got {len(args)} arguments")
        if self.body is not None and self.body.gi_running:
            self.violation(rules.WRITE_NOT_IN_ITERABLE, "write() was called while the server iterated the response")
        elif self.closed:  # the server has called close(): the response is over
            self.violation(rules.WRITE_AFTER_START, f"write({data!r:.80}) after the response ended (close() was called)")
        elif self.listed:
            self.violation(rules.WRITE_AFTER_START, f"write({data!r:.80}) after the application had returned its whole body as a list")
        if type(data) is not bytes:
            self.violation(rules.WRITE_BYTES, f"write({data!r:.80}): got {type(data).__name__}")
        elif data:
            self._body_bytes(len(data))
        return self.server_write(*args)

    def _body_bytes(self, size: int) -> None:
        if not self.headers_sent:
            self._body_begins(size)
        self.sent += size
        if 0 <= self.expected < self.sent:
            self._too_long()

    def _body_begins(self, size: int) -> None:
        if not self.status:
            self.violation(rules.START_BEFORE_BODY, f"{size} body bytes came before start_response")
        self.headers_sent = True

    def _too_long(self) -> None:
        self.violation(rules.CONTENT_LENGTH_MATCH, f"{self.sent} bytes sent so far, Content-Length is {self.expected}")

    # --- the end of the application call ----------------------------------------

    def app_raised(self, error: BaseException) -> None:
        """The application call raised ``error``: a violation it swallowed on the way wins."""
        self._report_repeats()
        if not isinstance(error, WSGIViolation):
            self.raise_swallowed()

    def app_returned(self, result: Any, environ: dict[str, Any], file_wrapper: Any) -> Any:
        """Check what the application returned and give the server what to iterate.

        A short list or tuple of bytes is checked whole, here, and handed to the server
        as it is: its items are already known, so there is nothing left to watch.
        """
        if self.reraised or self.first_violation is not None:
            self._check_not_trapped()
        kind = type(result)
        if file_wrapper is not None and _made_by(file_wrapper, result):
            if not self.status:
                self.violation(rules.FILE_WRAPPER_STARTED, "a wsgi.file_wrapper response was returned before start_response")
            self._report_repeats()
            return result
        if (kind is list or kind is tuple) and len(result) <= _SHORT:
            try:
                body = b"".join(result)  # TypeError unless every item is bytes-like
            except TypeError:
                body = None
            if self.status:
                # join() also takes bytearray and memoryview: each item must be exactly bytes.
                # A single item is when join() handed back that very object.
                if body is not None and (body is result[0] if len(result) == 1 else not result or _only_bytes(result)):
                    self.sent += len(body)
                else:
                    self._check_items(result)  # report mode hands back the same list: a framework may look inside it
                if (self.expected >= 0 and self.expected != self.sent) or self.report.policy or self.repeats:
                    self._body_ended()
                self.listed = True
                return result
        elif result is None or isinstance(result, (str, bytes)) or not hasattr(kind, "__iter__"):
            self.violation(rules.RESPONSE_ITERABLE, f"the application returned {kind.__name__}: {result!r:.80}")
        self.result = result
        # On the instance: a miss on the type costs an AttributeError built and dropped.
        sized, closable = hasattr(result, "__len__"), hasattr(result, "close")
        if sized:
            self.__class__ = SizedExchange  # pyright: ignore[reportAttributeAccessIssue]  # same layout, checks len()
        if closable:
            self.report.open.add(id(self))
            self.where = (environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""))
        return _STAND_INS[sized, closable](self)

    def _check_items(self, items: Iterable[Any]) -> None:
        """A short body with an item that is not exactly bytes, checked item by item."""
        for count, item in enumerate(items, 1):
            if type(item) is not bytes:
                self.violation(rules.BODY_BYTES, f"item {count} is {type(item).__name__}: {item!r:.80}")
            elif item:
                self.sent += len(item)

    def _check_not_trapped(self) -> None:
        """The application's part is over: it must not have trapped a re-raised exc_info or a violation."""
        if self.reraised:
            self.violation(
                rules.EXC_INFO_NOT_TRAPPED,
                f"the application returned normally after start_response re-raised its exc_info ({self.reraised})",
            )
        self.raise_swallowed()

    # --- the response iterable, as the server sees it ----------------------------

    def __iter__(self) -> Iterator[bytes]:
        # One iteration, however often iter() is called: a server (or test client) that
        # takes the first item and then iterates again must get the rest, not a restart.
        if self.body is None:
            try:
                iterator = iter(self.result)
            except TypeError:
                self.violation(rules.RESPONSE_ITERABLE, f"iter() fails on the application's {type(self.result).__name__}: {self.result!r:.80}")
                raise
            self.body = cast("GeneratorType[Any, None, None]", self._checked(iterator))
        return self.body

    def _checked(self, iterator: Iterator[Any]) -> Generator[Any, None, None]:
        count = 0
        try:
            for item in iterator:
                count += 1
                if type(item) is not bytes:
                    self.violation(rules.BODY_BYTES, f"item {count} is {type(item).__name__}: {item!r:.80}")
                elif item:
                    if not self.headers_sent:
                        self._body_begins(len(item))
                    self.sent += len(item)
                    if 0 <= self.expected < self.sent:
                        self._too_long()
                yield item
        except GeneratorExit:  # the server stopped early; close() is its way to end the response
            raise
        except BaseException:
            self.raise_swallowed()
            raise
        self._exhausted(count)

    def _exhausted(self, items: int) -> None:
        if self.reraised or self.first_violation is not None:
            self._check_not_trapped()  # a generator that trapped what start_response re-raised, or a violation
        if not self.status:
            self.violation(
                rules.START_CALLED,
                f"the response iterable ({type(self.result).__name__}) ended and start_response was never called",
            )
        if (self.expected >= 0 and self.expected != self.sent) or self.report.policy or self.repeats:
            self._body_ended()

    def _body_ended(self) -> None:
        """Every byte of the body is known."""
        if self.expected >= 0 and self.sent != self.expected:
            self.violation(rules.CONTENT_LENGTH_MATCH, f"the body has {self.sent} bytes, Content-Length is {self.expected}")
        if self.report.policy:
            self._check_policy_body()
        self._report_repeats()

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
        self.report.open.discard(id(self))
        if self.body is not None:
            self.body.close()  # stopped early: its frame refers to this exchange, a cycle to break
        close = getattr(self.result, "close", None)
        try:
            if close is not None:
                close()
        finally:
            self._report_repeats()


class SizedExchange(Exchange):
    """The exchange of a response that has ``len()``: it checks it against the items yielded."""

    __slots__ = ()  # the layout of Exchange, so that an exchange can become one

    def _exhausted(self, items: int) -> None:
        try:
            expected = len(self.result)
        except Exception:  # the rule holds "when len() works"
            expected = items
        if expected != items:
            self.violation(rules.RESPONSE_LEN, f"len() said {expected}, the iterable yielded {items} items")
        super()._exhausted(items)


class StandIn:
    """What the server is handed for a response the exchange watches.

    It iterates through the exchange and keeps ``len()`` where the application's object
    has it (a subclass); ``close()`` ends the watch (an early stop's generator with it)
    and closes the application's object if it has one.  Any other attribute is the
    application's own (a test client reads Django's ``response.status_code``): the
    stand-in has no names of its own to hide them.
    """

    __slots__ = ("_exchange",)

    def __init__(self, exchange: Exchange) -> None:
        self._exchange = exchange

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._exchange)

    def close(self) -> None:
        self._exchange.close()

    def __getattr__(self, name: str) -> Any:  # (only for what the stand-in lacks)
        if name == "_exchange":  # unset: not yet built, or being torn down
            raise AttributeError(name)
        return getattr(self._exchange.result, name)


class SizedStandIn(StandIn):
    __slots__ = ()

    def __len__(self) -> int:
        return len(self._exchange.result)


class ClosableStandIn(StandIn):
    """The stand-in for a response with ``close()``: it notices a server that never calls it.

    A separate class, because a ``__del__`` on every stand-in would cost each request.
    """

    __slots__ = ()

    def __del__(self) -> None:
        # The server dropped the response without close(): the application's cleanup
        # never ran.  Reported, never raised: an exception here reaches nobody.
        exchange = self._exchange
        if exchange.closed:
            return
        exchange.closed = True
        try:
            exchange.report.open.discard(id(exchange))
            request = f"{exchange.method} {exchange.where[0]}{exchange.where[1]}"
            exchange.report.never_closed(f"{request}: the server never called close() on {type(exchange.result).__name__}", exchange.errors)
        except Exception:  # at interpreter exit, or an environ gone odd: nothing to report to
            pass


class SizedClosableStandIn(SizedStandIn, ClosableStandIn):
    __slots__ = ()


_STAND_INS: dict[tuple[bool, bool], type[StandIn]] = {
    (False, False): StandIn,
    (True, False): SizedStandIn,
    (False, True): ClosableStandIn,
    (True, True): SizedClosableStandIn,
}
