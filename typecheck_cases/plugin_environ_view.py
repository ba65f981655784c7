"""The typed view under the plugin: the same keys rejected as without it, other words.

``Environ`` rejects a misspelt key, a key a server may leave out and an undeclared one
in both checkers (``# E``); the plugin keeps mypy's error (code ``call-overload``) and
only replaces the list of overloads by one sentence (``test_mypy_plugin.py`` checks the
words).  ``.get()`` takes any key, so there a near-miss would pass: the plugin flags it
(``wsgi-environ-key``), pyright cannot.
"""

from __future__ import annotations

from typing import Literal, assert_type

from wsgitypes import Environ, WSGIEnvironment, environ_view


def reads(environ: WSGIEnvironment) -> None:
    env = environ_view(environ)
    env["PATH_INF"]  # E -- did you mean "PATH_INFO"?
    env["HTTP_HOST"]  # E -- may be absent: .get("HTTP_HOST")
    env["myapp.user"]  # E -- undeclared
    assert_type(env["PATH_INFO"], str)
    env.get("HTTP_CONTENT_TYPE")  # E[mypy:wsgi-environ-key] -- servers give it as CONTENT_TYPE
    env.get("REQUEST_URL")  # E[mypy:wsgi-environ-key] -- did you mean "REQUEST_URI"?
    env.get("myapp.user")


def declared(env: Environ[Literal["myapp.user"]], key: str) -> None:
    print(env["myapp.user"])
    print(env[key])  # E -- a computed key: .get(key)


def declared_as_any_str(env: Environ[str], key: str) -> None:
    print(env["myapp.user"], env[key])  # Environ[str] declares every key, in both checkers
