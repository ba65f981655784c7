# bjoern 3.2.2, bjoern.py: the pure-Python front end of the C server in _bjoern.
# bjoern's start_response returns None (PEP 3333 asks for a write() callable), so an
# application must return its body and never call the result of start_response.
from socket import socket
from typing import Final, TypedDict, overload, type_check_only
from typing_extensions import NotRequired

from _typeshed import FileDescriptorLike
from wsgitypes import WSGIApplication

DEFAULT_LISTEN_BACKLOG: Final = 1024

# The statsd= mapping: read only when bjoern was compiled with statsd support
# (_bjoern.features["has_statsd"]); otherwise it is ignored.
@type_check_only
class _StatsdConfig(TypedDict):
    enable: bool
    host: str
    port: int
    ns: str
    tags: NotRequired[str | None]

# host: an IP address or name (with port), "unix:/path" or "unix:@abstract-name".
def bind_and_listen(
    host: str, port: int | None = None, reuse_port: bool = False, listen_backlog: int = 1024
) -> socket: ...

# Serve wsgi_app on an already listening socket; blocks.
def server_run(sock: FileDescriptorLike, wsgi_app: WSGIApplication, statsd: _StatsdConfig | None = None) -> None: ...

# Bind and record the one global server instance that run() serves.
def listen(
    wsgi_app: WSGIApplication,
    host: str,
    port: int | None = None,
    reuse_port: bool = False,
    listen_backlog: int = 1024,
) -> socket: ...

# run(): serve what an earlier listen(...) set up.  run(app, host, ...): listen, then serve.
@overload
def run(*, statsd: _StatsdConfig | None = None) -> None: ...
@overload
def run(
    wsgi_app: WSGIApplication,
    host: str,
    port: int | None = None,
    reuse_port: bool = False,
    listen_backlog: int = 1024,
    *,
    statsd: _StatsdConfig | None = None,
) -> None: ...
