# Checked in pyright strict mode, except: the private keyword TypedDicts are shared between these stub modules.
# pyright: reportPrivateUsage=false
# netius.servers.wsgi: serves one WSGI application.
# Runtime caveats (netius 1.64.0): the start_response it passes takes (status, headers)
# only -- no exc_info -- and returns None rather than a write() callable; an application
# that passes exc_info or calls write() fails at run time.
from typing import Any, Final
from typing_extensions import Unpack

from wsgitypes import WSGIApplication, WSGIEnvironment

from .http2 import HTTP2Server, _HTTP2ServerOptions

SERVER_SOFTWARE: Final[str]
COMPRESSED_LIMIT: Final = 5242880

class WSGIServer(HTTP2Server):
    app: WSGIApplication
    mount: str
    mount_l: int
    decode: bool
    compressed_limit: int
    # mount: the SCRIPT_NAME prefix stripped from PATH_INFO; decode: percent-decode PATH_INFO.
    def __init__(
        self,
        app: WSGIApplication,
        mount: str = "",
        decode: bool = True,
        compressed_limit: int = 5242880,
        *args: Any,
        **kwargs: Unpack[_HTTP2ServerOptions],
    ) -> None: ...
    def on_serve(self) -> None: ...
    def on_environ(self, connection: Any, environ: WSGIEnvironment) -> None: ...
