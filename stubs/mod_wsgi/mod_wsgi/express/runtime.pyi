# The WSGI wrappers that mod_wsgi-express's generated handler script puts around the
# application (express/scripts.py WSGI_HANDLER_SCRIPT); each is itself a WSGI application.
from collections.abc import Iterable, Iterator
from pdb import Pdb
from threading import Lock
from types import ModuleType
from typing import Any
from typing_extensions import Self

from wsgitypes import StartResponse, WSGIApplication, WSGIEnvironment

# Runs pdb post-mortem on an exception from the application or its body.
class PostMortemDebugger:
    application: WSGIApplication
    generator: Iterable[bytes] | None
    debugger: Pdb
    def __init__(self, application: WSGIApplication, startup: bool) -> None: ...
    def activate_console(self) -> None: ...
    def run_post_mortem(self) -> None: ...
    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Self: ...
    def __iter__(self) -> Iterator[bytes]: ...
    def close(self) -> None: ...

# Saves each request and response under savedir (mod_wsgi-express --enable-recorder).
# Note: in 6.1.1 the write() callable it hands the application takes (self, data),
# so an application that calls write(data) gets a TypeError: return the body instead.
class RequestRecorder:
    application: WSGIApplication
    savedir: str
    lock: Lock
    pid: int
    count: int
    def __init__(self, application: WSGIApplication, savedir: str) -> None: ...
    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterator[bytes]: ...

# Loads the application from entry_point (a script path, a module name, or a Paste
# config) and serves it under mount_point.
class ApplicationHandler:
    entry_point: str
    application_type: str
    callable_object: str
    mount_point: str
    module: ModuleType
    application: WSGIApplication
    target: str
    mtime: float | None
    debug_mode: bool
    enable_debugger: bool
    def __init__(
        self,
        entry_point: str,
        application_type: str = "script",
        callable_object: str = "application",
        mount_point: str = "/",
        debug_mode: bool = False,
        enable_debugger: bool = False,
        debugger_startup: bool = False,
        enable_recorder: bool = False,
        recorder_directory: str | None = None,
    ) -> None: ...
    def setup_debugger(self, startup: bool) -> None: ...
    def setup_recorder(self, savedir: str) -> None: ...
    def reload_required(self, resource: str) -> bool: ...
    def handle_request(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]: ...
    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]: ...

# Dispatches on the extension of SCRIPT_NAME to handler scripts
# (mod_wsgi-express --handler-script); resources: (extension, script path) pairs.
class ResourceHandler:
    resources: dict[str, ModuleType]
    def __init__(self, resources: Iterable[tuple[str, str]]) -> None: ...
    def resource_extension(self, resource: str) -> str: ...
    def reload_required(self, resource: str) -> Any: ...
    def handle_request(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]: ...
    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]: ...
