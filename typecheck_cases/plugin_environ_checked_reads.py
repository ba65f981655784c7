"""wsgi-environ-type: by default the plugin leaves the type of every environ read alone
(``Any``, as without it) and checks the value's real type against what the context asks for.

So code built around ``Any`` reads type-checks as before: a dict literal of reads
passed as ``**kwargs`` (Werkzeug's ``EnvironBuilder.from_environ``), a server's own
``wsgi.input`` passed where ``IO[bytes]`` is expected (Werkzeug's development server),
``# type: ignore[no-any-return]`` on a read (Flask's ``wsgi_errors_stream``; with
``--strict`` an ignore that became unused would be an error).  Where the context asks
for a type the value never has (every CGI variable is a ``str``, rule ``environ-cgi-str``;
``wsgi.version`` is a tuple), the plugin reports it.  Streams, the file wrapper and the
flags are not checked: a real stream may be more than the protocol, and the flags need
only "evaluate true".  pyright sees ``Any`` and says nothing on these lines.
"""

from __future__ import annotations

from typing import IO, Any, TextIO, assert_type

from wsgitypes import WSGIEnvironment


def build(scheme: str, input_stream: IO[bytes], query_string: bytes | None = None) -> None: ...


def dechunk(stream: IO[bytes]) -> IO[bytes]:
    return stream


def inference_unchanged(environ: WSGIEnvironment) -> None:
    assert_type(environ["PATH_INFO"], Any)
    assert_type(environ.get("SERVER_NAME", ""), Any)
    parts = {"scheme": environ["wsgi.url_scheme"], "input_stream": environ["wsgi.input"]}
    assert_type(parts, dict[str, Any])
    parts["query_string"] = environ.get("QUERY_STRING", "").encode("latin-1")
    build(**parts)
    environ["wsgi.input"] = dechunk(environ["wsgi.input"])  # the server knows its stream
    path = environ["PATH_INFO"]
    path = path.encode("latin-1")  # an inferred variable stays Any


def errors_stream(environ: WSGIEnvironment) -> TextIO:
    return environ["wsgi.errors"]  # type: ignore[no-any-return]


def checked(environ: WSGIEnvironment) -> bytes:
    port: int = environ["SERVER_PORT"]  # E[mypy:wsgi-environ-type] -- a str: int(...) it
    version: str = environ["wsgi.version"]  # E[mypy:wsgi-environ-type] -- a tuple
    name: bytes = environ.get("SERVER_NAME", b"")  # E[mypy:wsgi-environ-type] -- str | bytes
    host: str = environ.get("HTTP_HOST", "")
    method: str = environ["REQUEST_METHOD"]
    dechunk(environ["REQUEST_METHOD"])  # E[mypy:wsgi-environ-type]
    print(port, version, name, host, method)
    return environ["PATH_INFO"]  # E[mypy:wsgi-environ-type] -- (and mypy's own no-any-return)


def not_checked(environ: WSGIEnvironment) -> None:
    threads: str = environ["wsgi.multithread"]  # flags: only "evaluate true"
    stream: bytes = environ["wsgi.input"]  # streams: a real object may be more than the protocol
    ident: int = environ["myapp.user_id"]  # extension keys: not PEP 3333's to type
    print(threads, stream, ident)
