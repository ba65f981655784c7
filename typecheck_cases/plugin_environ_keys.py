"""wsgi-environ-key: a near-miss of a well-known key read from (or written to) a dict
annotated ``WSGIEnvironment`` is an error that says which key was meant.

Near-misses are the same letters in another case or with other separators
(``http_host``, ``wsgi_input``), or the same words with one misspelt (``PATH_INF``,
``wsgi.inputt``, ``REQUEST_URL``), and the two headers servers file under other keys
(``HTTP_CONTENT_TYPE`` is ``CONTENT_TYPE``, rule ``environ-no-http-content``).  Keys that are merely unknown are legitimate: extension keys
(``myapp.session``), other request headers (``HTTP_X_FORWARDED_SERVER``), other CGI
variables (``SCRIPT_FILENAME``); they are read as before, without an error.
A plain ``dict[str, Any]`` is left alone.
"""

from __future__ import annotations

import wsgiref.types
from typing import TYPE_CHECKING, Any, Final, Literal

from wsgitypes import WSGIEnvironment

if TYPE_CHECKING:
    import _typeshed.wsgi

PATH_KEY: Final = "PATH_INF"


def reads(environ: WSGIEnvironment) -> None:
    print(environ["PATH_INF"])  # E[mypy:wsgi-environ-key] -- did you mean "PATH_INFO"?
    print(environ["wsgi.inputt"])  # E[mypy:wsgi-environ-key]
    print(environ["wsgi.inptu"])  # E[mypy:wsgi-environ-key]
    print(environ["REQUEST_METHD"])  # E[mypy:wsgi-environ-key]
    print(environ["HTTP_USER_AGNET"])  # E[mypy:wsgi-environ-key]
    print(environ["HTTP_REFERRER"])  # E[mypy:wsgi-environ-key] -- the header is spelt Referer
    print(environ[PATH_KEY])  # E[mypy:wsgi-environ-key] -- a Final name
    print(environ["PATH_INFO"], environ["wsgi.input"], environ.get("HTTP_USER_AGENT"))
    print(environ.get("HTTP_CONTENT_TYPE"))  # E[mypy:wsgi-environ-key] -- servers give it as CONTENT_TYPE
    print(environ["HTTP_CONTENT_LENGTH"])  # E[mypy:wsgi-environ-key] -- and this as CONTENT_LENGTH
    print(environ.get("REQUEST_URL"))  # E[mypy:wsgi-environ-key] -- did you mean "REQUEST_URI"?


def other_spellings(environ: WSGIEnvironment) -> None:
    print(environ["http_host"])  # E[mypy:wsgi-environ-key] -- keys are case-sensitive
    print(environ["request_method"])  # E[mypy:wsgi-environ-key]
    print(environ["HTTP_USER-AGENT"])  # E[mypy:wsgi-environ-key] -- headers use underscores
    print(environ["wsgi_input"])  # E[mypy:wsgi-environ-key] -- WSGI keys use a dot


def literal_keys(environ: WSGIEnvironment, key: Literal["PATH_INF", "SCRIPT_NAME"], fine: Literal["PATH_INFO", "SCRIPT_NAME"]) -> None:
    print(environ[key])  # E[mypy:wsgi-environ-key] -- one of the key's literals is a near-miss
    print(environ.get(key))  # E[mypy:wsgi-environ-key]
    print(environ[fine], environ.get(fine))


def gets_and_writes(environ: WSGIEnvironment) -> None:
    print(environ.get("QUERY_STRNG", ""))  # E[mypy:wsgi-environ-key]
    print(environ.get("wsgi.url_schema"))  # E[mypy:wsgi-environ-key]
    environ["SCRIPT_NAM"] = "/app"  # E[mypy:wsgi-environ-key] -- middleware setting a misspelt key
    environ["SCRIPT_NAME"] = "/app"
    environ.pop("HTTP_X_FORWARDED_HOTS", None)  # E[mypy:wsgi-environ-key] -- a middleware dropping a header
    del environ["wsgi.file_wraper"]  # E[mypy:wsgi-environ-key]
    environ.pop("HTTP_X_FORWARDED_HOST", None)
    environ["myapp.user"] = object()


def legitimate_unknown_keys(environ: WSGIEnvironment) -> None:
    print(environ["myapp.session"], environ.get("werkzeug.request"))
    print(environ.get("HTTP_X_FORWARDED_SERVER"), environ.get("HTTP_X_FORWARDED_PORT"), environ.get("HTTP_X_REQUEST_ID"))
    print(environ.get("HTTP_COOKIE2"), environ.get("HTTP_PROXY_CONNECTION"), environ.get("HTTP_TK"))
    print(environ.get("SCRIPT_FILENAME"), environ.get("SERVER_ADDR"), environ.get("REQUEST_SCHEME"))
    print(environ.get("uwsgi.version"), environ.get("gunicorn.socket"), environ.get("wsgi.early_hints"))


def typeshed_aliases(environ: wsgiref.types.WSGIEnvironment, legacy: _typeshed.wsgi.WSGIEnvironment) -> None:
    print(environ["PATH_INF"])  # E[mypy:wsgi-environ-key]
    print(legacy.get("wsgi.inputt"))  # E[mypy:wsgi-environ-key]


class Middleware:
    def __init__(self, environ: WSGIEnvironment) -> None:
        self.environ = environ  # inferred from the parameter: the alias is kept

    def prefix(self) -> Any:
        return self.environ["SCRIPT_NAMES"]  # E[mypy:wsgi-environ-key]


def left_alone(data: dict[str, Any], environ: WSGIEnvironment, key: str) -> None:
    print(data["PATH_INF"])  # not annotated as an environ
    print(dict(environ)["PATH_INF"])  # a call's result loses the alias
    print(environ[key])  # a key that is not a literal
