# Checked in pyright strict mode, except: the module __getattr__ is deliberate (partial stubs).
# pyright: reportIncompleteStub=false
# netius.base.common: the event loop base class.  Covered: the constructor keywords,
# the life cycle and logging methods a server's user calls; the ~160 other public
# members of AbstractBase are allowlisted (see @tests/stubtest_allowlist.txt).
from _typeshed import Incomplete
from collections.abc import Callable, Sequence
from logging import Handler
from typing import Any, Final, TypedDict, type_check_only
from typing_extensions import Unpack

from .observer import Observable

NAME: Final[str]
VERSION: Final[str]
PLATFORM: Final[str]
IDENTIFIER_TINY: Final[str]
IDENTIFIER_SHORT: Final[str]
IDENTIFIER_LONG: Final[str]
IDENTIFIER: Final[str]
TCP_TYPE: Final = 1
UDP_TYPE: Final = 2

# Keywords AbstractBase.__init__ reads from **kwargs.
@type_check_only
class _BaseOptions(TypedDict, total=False):
    level: int | str
    diag: bool
    middleware: Sequence[str]
    children: int
    logger_flush_t: float
    poll: type[Incomplete]
    poll_timeout: float
    keepalive_timeout: int
    keepalive_interval: int
    keepalive_count: int
    allow_block: bool

class AbstractBase(Observable):
    name: str
    def __init__(
        self,
        name: str | None = None,
        handlers: Sequence[Handler] | None = None,
        *args: Any,
        **kwargs: Unpack[_BaseOptions],
    ) -> None: ...
    def load(self, full: bool = False) -> None: ...
    def unload(self, full: bool = True) -> None: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def close(self) -> None: ...
    def finish(self) -> None: ...
    def is_main(self) -> bool: ...
    def is_running(self) -> bool: ...
    def is_started(self) -> bool: ...
    def is_stopped(self) -> bool: ...
    def is_paused(self) -> bool: ...
    # The environment variable `name` (converted with `cast`), or `default` when unset.
    def get_env(self, name: str, default: Any = None, cast: Callable[[Any], Any] | None = None, expand: bool = False) -> Any: ...
    def debug(self, object: object, *args: Any, **kwargs: Any) -> None: ...
    def info(self, object: object, *args: Any, **kwargs: Any) -> None: ...
    def warning(self, object: object, *args: Any, **kwargs: Any) -> None: ...
    def error(self, object: object, *args: Any, **kwargs: Any) -> None: ...
    def critical(self, object: object, *args: Any, **kwargs: Any) -> None: ...
    # The rest of the event loop (timers, futures, connections, ...) is not typed yet.
    def __getattr__(self, name: str) -> Incomplete: ...

# AbstractBase, or its subclass DiagBase when netius runs with DIAG=1.
Base = AbstractBase

def __getattr__(name: str) -> Incomplete: ...
