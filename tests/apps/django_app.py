"""The routes of :mod:`tests.apps` in idiomatic Django: a settings-in-code project.

This module is also the ``ROOT_URLCONF``.  No database, no templates: with
``DEBUG = False`` an unhandled exception renders Django's plain 500 page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="wsgitypes-tests-not-secret",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[],
        DATABASES={},
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.middleware.common.CommonMiddleware",
        ],
        USE_TZ=True,
        LOGGING_CONFIG=None,  # /error logs a traceback on purpose; keep it quiet
    )
    django.setup()

import json as jsonlib  # noqa: E402

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import (  # noqa: E402
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.urls import path  # noqa: E402
from django.views.decorators.http import etag, require_http_methods, require_POST  # noqa: E402

from tests.apps.common import ETAG, HELLO, JSON_DOC, STREAM_CHUNKS, Boom, data_file  # noqa: E402

logging.getLogger("django.request").setLevel(logging.CRITICAL)


@require_http_methods(["GET", "HEAD"])
def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(HELLO, content_type="text/plain")


def json(request: HttpRequest) -> HttpResponse:
    return JsonResponse(JSON_DOC)


def empty(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=204)


def to_root(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect("/")


def stream(request: HttpRequest) -> StreamingHttpResponse:
    def chunks() -> Iterator[bytes]:
        yield from STREAM_CHUNKS

    return StreamingHttpResponse(chunks(), content_type="text/plain")


@require_http_methods(["GET", "HEAD"])
def file(request: HttpRequest) -> FileResponse:
    return FileResponse(open(data_file(), "rb"), content_type="application/octet-stream")


@require_POST
def form(request: HttpRequest) -> HttpResponse:
    return JsonResponse(request.POST.dict())


@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    return JsonResponse(jsonlib.loads(request.body), safe=False)


def error(request: HttpRequest) -> HttpResponse:
    raise Boom("/error raises on purpose")


@etag(lambda request: f'"{ETAG}"')
def not_modified(request: HttpRequest) -> HttpResponse:
    return HttpResponse("fresh\n", content_type="text/plain")


urlpatterns = [
    path("", hello),
    path("json", json),
    path("empty", empty),
    path("redirect", to_root),
    path("stream", stream),
    path("file", file),
    path("form", form),
    path("upload", upload),
    path("error", error),
    path("notmodified", not_modified),
]

app: WSGIHandler = get_wsgi_application()
