"""Writing to the environ through the view, and membership tests.

``Environ`` has ``__setitem__`` (any str key, any value: middleware rewrites
``PATH_INFO`` or adds ``myapp.*`` keys) and ``__contains__``.  Deleting is not part of
the view.
"""

from __future__ import annotations

import io

import wsgitypes
from wsgitypes import environ_view


def rewrite(environ: wsgitypes.WSGIEnvironment) -> None:
    env = environ_view(environ)
    env["PATH_INFO"] = "/rewritten"
    env["myapp.user"] = object()
    env["wsgi.input"] = io.BytesIO(b"replaced")
    if "HTTP_AUTHORIZATION" in env:
        env["REMOTE_USER"] = "someone"
    env[1] = "x"  # E -- keys are str
    del env["PATH_INFO"]  # E -- the view has no __delitem__ (delete on the dict)
    del environ["PATH_INFO"]
