"""Misspelt well-known keys are errors in both checkers.

``PATH_INF``, ``wsgi.inptu`` and ``REQUEST_METHD`` through ``environ_view()`` and
through an ``Environ`` parameter.  (On the plain dict they are not: ``dict[str, Any]``
accepts any key.)
"""

from __future__ import annotations

import wsgitypes
from wsgitypes import environ_view


def through_view(environ: wsgitypes.WSGIEnvironment) -> None:
    env = environ_view(environ)
    print(env["PATH_INF"])  # E -- PATH_INFO misspelt
    print(env["wsgi.inptu"])  # E -- wsgi.input misspelt
    print(env["REQUEST_METHD"])  # E -- REQUEST_METHOD misspelt
    print(env["PATH_INFO"], env["wsgi.input"], env["REQUEST_METHOD"])
    print(environ["PATH_INF"])  # not caught: the dict itself takes any str key


def through_parameter(environ: wsgitypes.Environ) -> None:
    print(environ["PATH_INF"])  # E -- PATH_INFO misspelt
    print(environ["wsgi.inptu"])  # E -- wsgi.input misspelt
    print(environ["REQUEST_METHD"])  # E -- REQUEST_METHOD misspelt
    print(environ["PATH_INFO"], environ["wsgi.input"], environ["REQUEST_METHOD"])


def other_spellings(environ: wsgitypes.Environ) -> None:
    print(environ["request_method"])  # E -- keys are case-sensitive
    print(environ["HTTP_USER-AGENT"])  # E -- headers use underscores
    print(environ["wsgi_input"])  # E -- WSGI keys use a dot
