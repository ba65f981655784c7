"""Typed reads of the WSGI environ.

The environ passed between servers, middleware and applications is always a plain
``dict[str, Any]`` (:data:`wsgitypes.WSGIEnvironment`): PEP 3333 requires a builtin
dict, and neither checker lets a TypedDict stand in for one.  To *read* it with
types, annotate a local name (or the parameter) as :class:`Environ`::

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        env = environ_view(environ)         # the same dict, seen through a typed view
        body = env["wsgi.input"].read()     # InputStream -> bytes
        method = env["REQUEST_METHOD"]      # str
        env["PATH_INF"]                     # error: not a key PEP 3333 or CGI defines
        env["CONTENT_LENGTH"]               # error: a GET has none (KeyError); use .get()
        agent = env.get("HTTP_USER_AGENT")  # str | None
        rid = env.get("HTTP_X_REQUEST_ID")  # any other key: Any, via .get()
        return inner_app(environ, start_response)  # forward the dict, not the view

``Environ`` is a Protocol that every ``dict[str, Any]`` satisfies, so no cast is
needed, and an application whose parameter is annotated ``Environ`` is still accepted
by typeshed-typed servers.  For a local name, use :func:`environ_view` rather than
``env: Environ = environ``: pyright narrows a declared local to the type assigned to
it (here ``dict[str, Any]``), which would switch the typed reads off again.
Middleware keeps the dict (its parameter stays ``WSGIEnvironment``) to pass it on,
and reads through the view.

Subscripting accepts only the keys every environ holds (``REQUEST_METHOD``,
``PATH_INFO``, ``wsgi.input``, ...), so a misspelt key is an error in both mypy and
pyright, and so is a key a server may leave out (``CONTENT_LENGTH``, ``QUERY_STRING``,
any ``HTTP_`` header; :func:`wsgitypes.rules.may_be_absent` decides), which
``.get()`` reads with its type (``str | None``).  Keys of your own (extension keys
such as ``"myapp.user"``, or request headers outside the common set) are read with
``.get()``, or declared up front as the type argument:
``Environ[Literal["myapp.user", "HTTP_X_REQUEST_ID"]]`` makes ``env["myapp.user"]``
valid (typed ``Any``).
"""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias, TypeVar, overload

from wsgitypes.types import ErrorStream, FileWrapper, InputStream, WSGIEnvironment

__all__ = [
    "WELL_KNOWN_KEYS",
    "AlwaysPresentKey",
    "BoolKey",
    "Environ",
    "OptionalStrKey",
    "PresentBoolKey",
    "PresentStrKey",
    "StrKey",
    "environ_view",
]

PresentStrKey: TypeAlias = Literal[
    # always in the environ (rules.REQUIRED_KEYS, rules.SET_BY_EVERY_SERVER)
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "PATH_INFO",
    "SERVER_NAME",
    "SERVER_PORT",
    "SERVER_PROTOCOL",
    "wsgi.url_scheme",
]
"""Well-known ``str`` keys an application may subscript: the environ always holds them."""

OptionalStrKey: TypeAlias = Literal[
    # CGI/1.1 meta-variables (RFC 3875) that PEP 3333 names or servers commonly set
    "QUERY_STRING",
    "CONTENT_TYPE",
    "CONTENT_LENGTH",
    "SERVER_SOFTWARE",
    "GATEWAY_INTERFACE",
    "REMOTE_ADDR",
    "REMOTE_HOST",
    "REMOTE_PORT",
    "REMOTE_USER",
    "REMOTE_IDENT",
    "AUTH_TYPE",
    "PATH_TRANSLATED",
    "REQUEST_URI",
    "RAW_URI",
    "HTTPS",
    # request headers, as HTTP_<NAME> (RFC 9110 and widely used extensions)
    "HTTP_HOST",
    "HTTP_USER_AGENT",
    "HTTP_ACCEPT",
    "HTTP_ACCEPT_CHARSET",
    "HTTP_ACCEPT_ENCODING",
    "HTTP_ACCEPT_LANGUAGE",
    "HTTP_AUTHORIZATION",
    "HTTP_CACHE_CONTROL",
    "HTTP_CONNECTION",
    "HTTP_COOKIE",
    "HTTP_DNT",
    "HTTP_EXPECT",
    "HTTP_FORWARDED",
    "HTTP_FROM",
    "HTTP_IF_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_RANGE",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_MAX_FORWARDS",
    "HTTP_ORIGIN",
    "HTTP_PRAGMA",
    "HTTP_PROXY_AUTHORIZATION",
    "HTTP_RANGE",
    "HTTP_REFERER",
    "HTTP_TE",
    "HTTP_TRANSFER_ENCODING",
    "HTTP_UPGRADE",
    "HTTP_VIA",
    "HTTP_ACCESS_CONTROL_REQUEST_METHOD",
    "HTTP_ACCESS_CONTROL_REQUEST_HEADERS",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_REAL_IP",
    "HTTP_X_REQUESTED_WITH",
]
"""Well-known ``str`` keys a server may leave out (:func:`wsgitypes.rules.may_be_absent`): read them with ``.get()``."""

StrKey: TypeAlias = Literal[PresentStrKey, OptionalStrKey]
"""Well-known environ keys whose value is a (Latin-1) ``str``."""

PresentBoolKey: TypeAlias = Literal["wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once"]
BoolKey: TypeAlias = Literal[PresentBoolKey, "wsgi.input_terminated"]
"""The flags; ``wsgi.input_terminated`` (a server's promise that ``wsgi.input`` ends) is optional."""

_T = TypeVar("_T")
if TYPE_CHECKING:  # a default (PEP 696) only checkers see: typing_extensions costs every process 2 MiB to import
    from typing import Never

    from typing_extensions import TypeVar as DefaultTypeVar

    _ExtraKeys = DefaultTypeVar("_ExtraKeys", bound=str, contravariant=True, default=Never)
else:
    _ExtraKeys = TypeVar("_ExtraKeys", bound=str, contravariant=True)

class AlwaysPresentKey(str):
    """What ``Environ[...]`` accepts, as checkers name it when they reject a key.

    The last overload of ``Environ.__getitem__`` takes this type, which no key has,
    so a rejected key is reported against it: ``"Literal['PATH_INF']" is not assignable
    to "AlwaysPresentKey"``.  The keys a view subscripts are those every environ holds
    (:data:`PresentStrKey`, ``wsgi.input``, ``wsgi.errors``, the flags, ``wsgi.version``)
    and those declared as its type argument (``Environ[Literal["myapp.user"]]``).  So:
    check the spelling, and read a key a server may leave out (``CONTENT_LENGTH``,
    ``HTTP_HOST``) with ``.get()``.
    """


class Environ(Protocol[_ExtraKeys]):
    """A typed, read-side view of the environ dict; every ``dict[str, Any]`` is one.

    Subscripting takes only the keys every environ holds: a key a server may leave
    out (``env["CONTENT_LENGTH"]``, ``env["HTTP_HOST"]``; see
    :func:`wsgitypes.rules.may_be_absent`) is an error in both checkers, because at
    run time it raises ``KeyError`` on a request without it; ``env.get(key)`` reads
    it, typed ``str | None``.  A key declared as the type argument may be subscripted.
    """

    @overload
    def __getitem__(self, key: PresentStrKey, /) -> str: ...
    @overload
    def __getitem__(self, key: Literal["wsgi.input"], /) -> InputStream: ...
    @overload
    def __getitem__(self, key: Literal["wsgi.errors"], /) -> ErrorStream: ...
    @overload
    def __getitem__(self, key: PresentBoolKey, /) -> bool: ...
    @overload
    def __getitem__(self, key: Literal["wsgi.version"], /) -> tuple[int, int]: ...
    @overload
    def __getitem__(self, key: _ExtraKeys, /) -> Any: ...
    @overload
    def __getitem__(self, key: AlwaysPresentKey, /) -> Any: ...  # last: what a rejected key is reported against

    # Same order as dict.get's overloads (no default, default of the value type,
    # default of another type): mypy matches overloads to overloads in order.
    @overload
    def get(self, key: StrKey, /) -> str | None: ...
    @overload
    def get(self, key: Literal["wsgi.input"], /) -> InputStream | None: ...
    @overload
    def get(self, key: Literal["wsgi.errors"], /) -> ErrorStream | None: ...
    @overload
    def get(self, key: BoolKey, /) -> bool | None: ...
    @overload
    def get(self, key: Literal["wsgi.version"], /) -> tuple[int, int] | None: ...
    @overload
    def get(self, key: Literal["wsgi.file_wrapper"], /) -> FileWrapper | None: ...
    @overload
    def get(self, key: str, /) -> Any: ...
    @overload
    def get(self, key: StrKey, default: str, /) -> str: ...
    @overload
    def get(self, key: BoolKey, default: bool, /) -> bool: ...
    @overload
    def get(self, key: StrKey, default: _T, /) -> str | _T: ...
    @overload
    def get(self, key: BoolKey, default: _T, /) -> bool | _T: ...
    @overload
    def get(self, key: Literal["wsgi.input"], default: _T, /) -> InputStream | _T: ...
    @overload
    def get(self, key: Literal["wsgi.errors"], default: _T, /) -> ErrorStream | _T: ...
    @overload
    def get(self, key: Literal["wsgi.version"], default: _T, /) -> tuple[int, int] | _T: ...
    @overload
    def get(self, key: Literal["wsgi.file_wrapper"], default: _T, /) -> FileWrapper | _T: ...
    @overload
    def get(self, key: str, default: Any, /) -> Any: ...

    def __setitem__(self, key: str, value: Any, /) -> None: ...
    def __contains__(self, key: object, /) -> bool: ...


def environ_view(environ: WSGIEnvironment, /) -> Environ:
    """Return ``environ`` itself, typed as :class:`Environ` for reads (no copy, no cost)."""
    return environ


WELL_KNOWN_KEYS: dict[str, str] = {
    **dict.fromkeys(typing.get_args(StrKey), "str"),
    **dict.fromkeys(typing.get_args(BoolKey), "bool"),
    "wsgi.input": "InputStream",
    "wsgi.errors": "ErrorStream",
    "wsgi.version": "tuple[int, int]",
    "wsgi.file_wrapper": "FileWrapper",
}
"""Every key :class:`Environ` types, mapped to the name of its value type (mirrors the overloads)."""
