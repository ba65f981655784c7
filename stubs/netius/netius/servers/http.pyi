# Checked in pyright strict mode, except: the module __getattr__ is deliberate (partial stubs); the private keyword TypedDicts are shared between these stub modules.
# pyright: reportIncompleteStub=false, reportPrivateUsage=false
# netius.servers.http: HTTP/1.1.  Covered: HTTPServer's constructor and the methods a
# server's user calls; HTTPConnection, the codec registry and the request hooks are not.
from _typeshed import Incomplete
from collections.abc import Sequence
from typing import Any, Final, type_check_only
from typing_extensions import Unpack

from ..base.server import StreamServer, _ServerOptions

# Keywords HTTPServer.__init__ takes, for the subclasses that pass **kwargs on to it.
@type_check_only
class _HTTPServerOptions(_ServerOptions, total=False):
    encoding: str
    common_log: str | None
    compress_min: int
    compress_max: int
    compress_types: Sequence[str]
    compress_encodings: Sequence[str]
    compress_level: int
    compress_flush: int
    compress_vary: bool
    line_limit: int
    headers_limit: int
    headers_count: int
    chunk_limit: int
    requests_limit: int
    idle_timeout: int

PLAIN_ENCODING: Final = 1
CHUNKED_ENCODING: Final = 2
GZIP_ENCODING: Final = 3
DEFLATE_ENCODING: Final = 4

class HTTPServer(StreamServer):
    BASE_HEADERS: dict[str, str]
    # encoding: "plain", "chunked", "gzip" or "deflate" (the response transfer encoding).
    def __init__(
        self,
        encoding: str = "plain",
        common_log: str | None = None,
        compress_min: int = 1024,
        compress_max: int = 5242880,
        compress_types: Sequence[str] = ...,
        compress_encodings: Sequence[str] = ...,
        compress_level: int = 6,
        compress_flush: int = 16384,
        compress_vary: bool = True,
        line_limit: int = 8192,
        headers_limit: int = 65536,
        headers_count: int = 128,
        chunk_limit: int = 1073741824,
        requests_limit: int = 1000,
        idle_timeout: int = 0,
        *args: Any,
        **kwargs: Unpack[_ServerOptions],
    ) -> None: ...
    def cleanup(self) -> None: ...
    def is_auto(self) -> bool: ...
    def is_compressible(self, content_type: str | None) -> bool: ...

def __getattr__(name: str) -> Incomplete: ...
