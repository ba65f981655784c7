"""wsgi-environ-absent: subscripting a key a server may leave out raises KeyError on a
request without it; the fix is ``.get()``.

PEP 3333 lets QUERY_STRING, CONTENT_TYPE and CONTENT_LENGTH be "empty or absent"; an
``HTTP_`` key is there only when the client sent the header; ``wsgi.file_wrapper`` is
optional (``wsgitypes.rules.may_be_absent`` decides).  The keys every environ holds are
fine, SCRIPT_NAME and PATH_INFO included (``rules.SET_BY_EVERY_SERVER``), and so are keys
the catalogue knows nothing about (``myapp.user``: your middleware put it there).  A
read the same function guards (``"KEY" in environ``, ``environ.get("KEY")`` as a condition,
``setdefault``, an assignment, a ``try`` that catches KeyError) is not flagged.  The code is its own: switch it off
alone with ``disable_error_code = wsgi-environ-absent``.
"""

from __future__ import annotations

from wsgitypes import WSGIEnvironment


def absent(environ: WSGIEnvironment) -> None:
    print(environ["CONTENT_LENGTH"])  # E[mypy:wsgi-environ-absent] -- a GET has none
    print(environ["CONTENT_TYPE"])  # E[mypy:wsgi-environ-absent]
    print(environ["QUERY_STRING"])  # E[mypy:wsgi-environ-absent] -- "may be empty or absent"
    print(environ["HTTP_HOST"])  # E[mypy:wsgi-environ-absent] -- HTTP/1.0 needs no Host
    print(environ["HTTP_X_REQUEST_ID"])  # E[mypy:wsgi-environ-absent] -- any request header
    print(environ["REMOTE_USER"])  # E[mypy:wsgi-environ-absent]
    print(environ["wsgi.file_wrapper"])  # E[mypy:wsgi-environ-absent] -- optional
    print(environ.get("CONTENT_LENGTH"), environ.get("QUERY_STRING", ""), environ.get("wsgi.file_wrapper"))


def present(environ: WSGIEnvironment) -> None:
    print(environ["REQUEST_METHOD"], environ["SERVER_NAME"], environ["SERVER_PORT"], environ["SERVER_PROTOCOL"])
    print(environ["wsgi.input"], environ["wsgi.errors"], environ["wsgi.url_scheme"], environ["wsgi.run_once"])
    print(environ["SCRIPT_NAME"], environ["PATH_INFO"])  # PEP 3333 requires them; every server sets them
    print(environ["myapp.user"], environ["SCRIPT_FILENAME"])  # unknown to the catalogue: not its to say


def guarded(environ: WSGIEnvironment) -> int:
    if "HTTP_COOKIE" in environ:
        print(environ["HTTP_COOKIE"])
    if "HTTP_HOST" not in environ:
        return 400
    environ.setdefault("QUERY_STRING", "")
    environ["CONTENT_TYPE"] = environ.get("CONTENT_TYPE") or "text/plain"
    try:
        length = int(environ["CONTENT_LENGTH"])
    except (KeyError, ValueError):
        length = 0
    print(environ["HTTP_HOST"], environ["QUERY_STRING"], environ["CONTENT_TYPE"])
    return length


def guarded_by_get(environ: WSGIEnvironment) -> int:  # the idiom of WebOb, Paste and webtest.lint
    if environ.get("CONTENT_LENGTH"):
        return int(environ["CONTENT_LENGTH"])
    host = environ["HTTP_HOST"] if environ.get("HTTP_HOST") is not None else environ["SERVER_NAME"]
    print(host, environ.get("QUERY_STRING") and environ["QUERY_STRING"].split("&"))
    return 0


def guarded_elsewhere(environ: WSGIEnvironment) -> None:
    print(environ["HTTP_COOKIE"])  # E[mypy:wsgi-environ-absent] -- the test above is another function's


def suppressed(environ: WSGIEnvironment) -> None:
    print(environ["CONTENT_LENGTH"])  # type: ignore[wsgi-environ-absent]
    environ["HTTP_X_TRACE"] = "1"  # writing is never flagged
