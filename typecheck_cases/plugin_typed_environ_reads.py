"""Typed reads (``typed_environ_reads = true``): a dict annotated ``WSGIEnvironment``
gives each well-known key its real type under the plugin.

``wsgi.input`` is an InputStream, ``wsgi.errors`` an ErrorStream, CGI keys and every
``HTTP_`` key a ``str``, ``wsgi.version`` a ``tuple[int, int]``; ``.get(key)`` adds
``None`` and ``.get(key, default)`` the default's type.  Other keys stay ``Any``.
pyright has no plugins and sees ``Any`` everywhere: its ``assert_type`` lines fail
(``E[pyright]``), and the plugin's type errors are mypy's alone (``E[mypy]``).
A plain ``dict[str, Any]`` is left alone.  (This option changes inference, which the
default does not: see ``plugin_environ_checked_reads.py``.  The may-be-absent
subscripts here are ``wsgi-environ-absent``'s business, switched off for this file.)
"""
# mypy: disable-error-code="wsgi-environ-absent"

from __future__ import annotations

import wsgiref.types
from typing import TYPE_CHECKING, Any, assert_type

import wsgitypes
from wsgitypes import ErrorStream, FileWrapper, InputStream, WSGIEnvironment

if TYPE_CHECKING:
    import _typeshed.wsgi


def reads(environ: WSGIEnvironment) -> None:
    assert_type(environ["wsgi.input"], InputStream)  # E[pyright] -- pyright: Any
    assert_type(environ["wsgi.errors"], ErrorStream)  # E[pyright]
    assert_type(environ["wsgi.file_wrapper"], FileWrapper)  # E[pyright]
    assert_type(environ["wsgi.version"], tuple[int, int])  # E[pyright]
    assert_type(environ["wsgi.multithread"], bool)  # E[pyright]
    assert_type(environ["REQUEST_METHOD"], str)  # E[pyright]
    assert_type(environ["HTTP_X_REQUEST_ID"], str)  # E[pyright] -- any request header is a str
    assert_type(environ["myapp.session"], Any)  # an extension key: Any in both


def gets(environ: WSGIEnvironment) -> None:
    assert_type(environ.get("QUERY_STRING"), str | None)  # E[pyright]
    assert_type(environ.get("QUERY_STRING", ""), str)  # E[pyright]
    assert_type(environ.get("CONTENT_LENGTH", 0), str | int)  # E[pyright]
    assert_type(environ.get("wsgi.input"), InputStream | None)  # E[pyright]
    assert_type(environ.get("HTTP_X_TRACE"), str | None)  # E[pyright]


def type_errors_only_the_plugin_sees(environ: WSGIEnvironment) -> None:
    body: bytes = environ["wsgi.input"].read()
    length: int = environ["CONTENT_LENGTH"]  # E[mypy:assignment] -- a str, not an int
    environ["wsgi.input"].write(b"x")  # E[mypy:attr-defined] -- InputStream has no write
    environ["wsgi.errors"].write(b"oops")  # E[mypy:arg-type] -- ErrorStream takes str
    host: str = environ.get("HTTP_HOST")  # E -- it may be None (pyright: Any | None)
    print(body, length, host)


def typeshed_aliases(
    environ: wsgiref.types.WSGIEnvironment, legacy: _typeshed.wsgi.WSGIEnvironment
) -> None:
    assert_type(environ["wsgi.input"], wsgiref.types.InputStream)  # E[pyright] -- that module's own protocol
    assert_type(environ["PATH_INFO"], str)  # E[pyright]
    assert_type(legacy["wsgi.errors"], wsgiref.types.ErrorStream)  # E[pyright]
    assert_type(legacy.get("SERVER_PORT", "80"), str)  # E[pyright]


class Middleware:
    """An attribute annotated with the alias keeps it: ``self.environ`` reads are typed."""

    environ: wsgitypes.WSGIEnvironment

    def __init__(self, environ: wsgitypes.WSGIEnvironment) -> None:
        self.environ = environ
        alias = environ  # a variable inferred from an annotated name keeps the alias too
        assert_type(alias["SCRIPT_NAME"], str)  # E[pyright]

    def path(self) -> str:
        assert_type(self.environ["PATH_INFO"], str)  # E[pyright]
        return self.environ["PATH_INFO"]


def plain_dicts(data: dict[str, Any], environ: WSGIEnvironment) -> None:
    assert_type(data["wsgi.input"], Any)  # not annotated as an environ: left alone
    assert_type(data.get("PATH_INFO"), Any | None)
    assert_type(dict(environ)["PATH_INFO"], Any)  # a call's result loses the alias
    assert_type(wsgitypes.environ_view(environ)["PATH_INFO"], str)  # the view types reads in both
