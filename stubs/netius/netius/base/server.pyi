# Checked in pyright strict mode, except: the module __getattr__ is deliberate (partial stubs); the private keyword TypedDicts are shared between these stub modules.
# pyright: reportIncompleteStub=false, reportPrivateUsage=false
# netius.base.server: the listening-socket servers.  Covered: constructors and serve();
# the event handlers (on_*), reads/writes/errors and socket helpers are allowlisted.
from _typeshed import Incomplete
from socket import socket
from typing import Any, TypedDict, type_check_only
from typing_extensions import Never, Unpack

from .common import Base, _BaseOptions

# Keywords Server.__init__ reads from **kwargs, on top of AbstractBase's
# (name and handlers reach AbstractBase.__init__ as keywords too).
@type_check_only
class _ServerOptions(_BaseOptions, total=False):
    name: str | None
    handlers: Incomplete
    receive_buffer_s: int | None
    send_buffer_s: int | None
    receive_buffer_c: int | None
    send_buffer_c: int | None

# serve()'s parameters after `type`; port may be a UNIX socket path.
@type_check_only
class _ServeOptions(TypedDict, total=False):
    host: str | None
    port: int | str
    ipv6: bool
    ssl: bool
    key_file: str | None
    cer_file: str | None
    ca_file: str | None
    ca_root: bool
    ssl_verify: bool
    ssl_host: str | None
    ssl_fingerprint: str | None
    ssl_dump: bool
    setuid: int | None
    backlog: int
    load: bool
    start: bool
    # env=True: HOST, PORT, SSL, ... from the environment override the arguments.
    env: bool

class Server(Base):
    socket: socket | None
    host: str | None
    port: int | str | None
    type: int | None
    ssl: bool
    def __init__(self, *args: Any, **kwargs: Unpack[_ServerOptions]) -> None: ...
    # Binds, then runs the event loop until stopped (blocks) unless start=False.
    def serve(
        self,
        host: str | None = None,
        port: int | str = 9090,
        type: int = 1,
        ipv6: bool = False,
        ssl: bool = False,
        key_file: str | None = None,
        cer_file: str | None = None,
        ca_file: str | None = None,
        ca_root: bool = True,
        ssl_verify: bool = False,
        ssl_host: str | None = None,
        ssl_fingerprint: str | None = None,
        ssl_dump: bool = False,
        setuid: int | None = None,
        backlog: int = ...,
        load: bool = True,
        start: bool = True,
        env: bool = False,
    ) -> None: ...

class StreamServer(Server):
    # The runtime signature is serve(self, type=TCP_TYPE, *args, **kwargs) and passes
    # *args on positionally ahead of type=, so serve("0.0.0.0", 8080) binds host=8080:
    # everything after `type` is keyword-only here, and *args takes nothing.
    def serve(  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        self, type: int = 1, *args: Never, **kwargs: Unpack[_ServeOptions]
    ) -> None: ...

def __getattr__(name: str) -> Incomplete: ...
