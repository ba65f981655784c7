# Checked in pyright strict mode, except: the module __getattr__ is deliberate (partial stubs); the private keyword TypedDicts are shared between these stub modules.
# pyright: reportIncompleteStub=false, reportPrivateUsage=false
# netius.servers.http2: HTTP/2 on top of HTTP/1.1.  Covered: HTTP2Server's constructor;
# HTTP2Connection and the frame hooks (on_*_http2) are not.
from _typeshed import Incomplete
from typing import Any, type_check_only
from typing_extensions import Unpack

from .http import HTTPServer, _HTTPServerOptions

@type_check_only
class _HTTP2ServerOptions(_HTTPServerOptions, total=False):
    legacy: bool
    safe: bool
    settings: dict[int, int]

class HTTP2Server(HTTPServer):
    legacy: bool
    safe: bool
    settings: dict[int, int]
    # legacy=False enables HTTP/2 (ALPN over TLS needs the hpack module); settings: SETTINGS id -> value.
    def __init__(
        self,
        legacy: bool = True,
        safe: bool = False,
        settings: dict[int, int] = ...,
        *args: Any,
        **kwargs: Unpack[_HTTPServerOptions],
    ) -> None: ...
    def get_protocols(self) -> list[str]: ...

def __getattr__(name: str) -> Incomplete: ...
