"""Django's WSGI entry points are ``wsgitypes.WSGIApplication``s (typed by django-stubs).

``get_wsgi_application()`` returns a ``WSGIHandler``, whose ``__call__`` returns an
``HttpResponseBase``: not declared ``Iterable[bytes]``, but it has ``__iter__`` yielding
bytes, which is all the protocol asks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import assert_type

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponseBase

import wsgitypes

application: wsgitypes.WSGIApplication = get_wsgi_application()
handler: wsgitypes.WSGIApplication = WSGIHandler()
handler_class: wsgitypes.WSGIApplication = WSGIHandler  # E -- the class is not the application, an instance is


def delegate(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    response = WSGIHandler()(environ, start_response)
    assert_type(response, HttpResponseBase)
    return response
