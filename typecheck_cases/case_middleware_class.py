"""A typed middleware class: wraps any WSGIApplication and is one.

It intercepts start_response with its own ``StartResponse``-compatible function (which
must return the inner write callable) and wraps the body, forwarding ``close()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import Flask

import wsgitypes


class AddHeader:
    def __init__(self, app: wsgitypes.WSGIApplication, name: str, value: str) -> None:
        self.app = app
        self.header = (name, value)

    def __call__(self, environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
        def add_header(
            status: str,
            headers: wsgitypes.ResponseHeaders,
            exc_info: wsgitypes.OptExcInfo | None = None,
            /,
        ) -> wsgitypes.WriteCallable:
            return start_response(status, [*headers, self.header], exc_info)

        return self.app(environ, add_header)


class CountBytes:
    def __init__(self, app: wsgitypes.WSGIApplication) -> None:
        self.app = app
        self.sent = 0

    def __call__(self, environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterator[bytes]:
        body = self.app(environ, start_response)
        try:
            for chunk in body:
                self.sent += len(chunk)
                yield chunk
        finally:
            close = getattr(body, "close", None)
            if callable(close):
                close()


class Broken:
    def __init__(self, app: wsgitypes.WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
        def no_write(status: str, headers: wsgitypes.ResponseHeaders, exc_info: wsgitypes.OptExcInfo | None = None, /) -> None:
            start_response(status, headers, exc_info)

        return self.app(environ, no_write)  # E -- the replacement start_response returns None


app: wsgitypes.WSGIApplication = CountBytes(AddHeader(Flask(__name__), "X-Frame-Options", "DENY"))
stacked: wsgitypes.WSGIApplication = AddHeader(CountBytes(app), "Server", "x")
bad_header: wsgitypes.WSGIApplication = AddHeader(app, "X-Retry", 3)  # E -- header values are str
