"""The example of README.md's "Types" section, checked as written (plus the error it mentions).

An app reading through ``environ_view``, and a middleware class annotated with the
protocols that is itself a ``WSGIApplication``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import assert_type

from wsgitypes import StartResponse, WSGIApplication, WSGIEnvironment, environ_view


def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    env = environ_view(environ)  # typed reads of the same dict
    name = env.get("QUERY_STRING", "")  # str
    body = env["wsgi.input"].read()  # InputStream -> bytes; env["PATH_INF"] is an error
    assert_type(name, str)
    assert_type(body, bytes)
    print(env["PATH_INF"])  # E -- the error the README's comment promises
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello " + name.encode("latin-1") + body]


class Timing:
    """Middleware: annotated with the protocols, it is itself a WSGIApplication."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ["timing.started"] = True  # the dict is forwarded as it is
        return self.app(environ, start_response)


application: WSGIApplication = Timing(app)
