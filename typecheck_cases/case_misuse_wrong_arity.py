"""Misuse: applications with the wrong number of parameters, and wrong calls.

An application takes exactly ``(environ, start_response)``; extra optional
parameters are allowed (they are never passed).
"""

from __future__ import annotations

import wsgiref.types
from collections.abc import Iterable
from wsgiref.simple_server import make_server

import wsgitypes


def one(environ: wsgitypes.WSGIEnvironment, /) -> Iterable[bytes]:
    return []


def three(
    environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, extra: int, /
) -> Iterable[bytes]:
    return []


def optional_extra(
    environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, debug: bool = False, /
) -> Iterable[bytes]:
    return []


def star_args(*args: object) -> Iterable[bytes]:
    return []


too_few: wsgitypes.WSGIApplication = one  # E -- no start_response
too_many: wsgitypes.WSGIApplication = three  # E -- a required third parameter
too_few_typeshed: wsgiref.types.WSGIApplication = one  # E -- typeshed agrees
fine: wsgitypes.WSGIApplication = optional_extra
anything: wsgitypes.WSGIApplication = star_args


def serve() -> None:
    make_server("", 0, three)  # E -- the server calls app(environ, start_response)


def call(app: wsgitypes.WSGIApplication, start_response: wsgitypes.StartResponse) -> None:
    app({})  # E -- start_response missing
    app({}, start_response, None)  # E -- one argument too many
    start_response("200 OK")  # E -- headers missing
