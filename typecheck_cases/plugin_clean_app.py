"""No false alarms: an ordinary application and middleware are clean under the plugin.

Typical status and header handling, environ reads of well-known, extension and other
request-header keys, header lists built up and passed by name, ``exc_info`` handling.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Final

from wsgitypes import ResponseHeaders, StartResponse, WSGIApplication, WSGIEnvironment

NOT_FOUND: Final = "404 Not Found"
JSON: Final = "application/json"


def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    method = environ["REQUEST_METHOD"]
    path = environ.get("PATH_INFO", "/")
    query = environ.get("QUERY_STRING", "")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length)
    request_id = environ.get("HTTP_X_REQUEST_ID", "-")
    forwarded = environ.get("HTTP_X_FORWARDED_SERVER")
    user = environ.get("myapp.user")
    environ["wsgi.errors"].write(f"{method} {path}?{query} {request_id} {forwarded} {user}\n")
    if path != "/":
        start_response(NOT_FOUND, [("Content-Type", "text/plain"), ("Content-Length", "9")])
        return [b"not found"]
    headers: ResponseHeaders = [("Content-Type", JSON)]
    headers.append(("Content-Length", str(len(body))))
    headers.append(("Cache-Control", "no-store"))
    headers.extend([("Vary", "Accept-Encoding"), ("X-Request-Id", request_id)])
    headers += [("Set-Cookie", "session=abc; HttpOnly; Path=/")]
    start_response("200 OK", headers)
    return [body]


class Prefix:
    """Middleware: strips a path prefix into SCRIPT_NAME."""

    def __init__(self, app: WSGIApplication, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        if not path.startswith(self.prefix):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b""]
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + self.prefix
        environ["PATH_INFO"] = path[len(self.prefix):]
        environ["myapp.prefix"] = self.prefix
        try:
            return self.app(environ, start_response)
        except Exception:
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info())
            return [b"error"]


application: WSGIApplication = Prefix(app, "/api")
