# bjoern 3.2.2, the C extension module _bjoern (_bjoernmodule.c).
from typing import Final

from _typeshed import FileDescriptorLike
from wsgitypes import WSGIApplication

# Compile-time features: has_signal_handling, has_sigint_handling, has_statsd, has_statsd_tags.
features: Final[dict[str, bool]]
version: Final[tuple[int, int, int]]

# Run the event loop serving wsgi_app on sock (an int or anything with fileno()); blocks.
# The five statsd arguments are required when bjoern was compiled with statsd support,
# and must be left out (or be zero / None) otherwise.
def server_run(
    sock: FileDescriptorLike,
    wsgi_app: WSGIApplication,
    statsd_enabled: int = 0,
    statsd_host: str | None = None,
    statsd_port: int = 0,
    statsd_ns: str | None = None,
    statsd_tags: str | None = None,
    /,
) -> None: ...
