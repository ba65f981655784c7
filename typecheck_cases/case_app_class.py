"""Class-based applications: an instance with ``__call__``, and the PEP 3333 iterable class.

PEP 3333 says the application may be a class: calling it with (environ, start_response)
returns an instance, which is iterable.  ``type[App]`` therefore satisfies the protocol
when ``__init__`` takes the two arguments and ``__iter__`` yields bytes.
"""

from __future__ import annotations

from collections.abc import Iterator

import wsgitypes


class CallableApp:
    def __call__(self, environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> list[bytes]:
        start_response("200 OK", [])
        return [b"instance"]


class IterableApp:
    """PEP 3333's example: the class itself is the application."""

    def __init__(self, environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse) -> None:
        self.environ = environ
        self.start = start_response

    def __iter__(self) -> Iterator[bytes]:
        self.start("200 OK", [("Content-Type", "text/plain")])
        yield b"class"


class NotIterable:
    def __init__(self, environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse) -> None:
        self.environ = environ


instance: wsgitypes.WSGIApplication = CallableApp()
the_class: wsgitypes.WSGIApplication = IterableApp
no_iter: wsgitypes.WSGIApplication = NotIterable  # E -- instances are not iterable
uncalled: wsgitypes.WSGIApplication = CallableApp  # E -- CallableApp() takes no arguments
