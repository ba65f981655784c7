"""Current behaviour (a gap, reported): ``.get()`` with a default loses the stream types.

``Environ.get`` has default-taking overloads only for str keys, flag keys with a bool
default, and ``wsgi.file_wrapper``.  So ``env.get("wsgi.errors", sys.stderr)``,
``env.get("wsgi.input", None)``, ``env.get("wsgi.version", (1, 0))`` and a flag with a
non-bool default fall through to ``get(key: str, default: Any) -> Any``.  Both
checkers agree.  This case pins today's ``Any`` so that a fix in wsgitypes/environ.py
shows up here: when it lands, update the assertions to the precise types.
"""

from __future__ import annotations

import sys
from typing import Any, assert_type

import wsgitypes
from wsgitypes import environ_view


def defaults(environ: wsgitypes.WSGIEnvironment) -> None:
    env = environ_view(environ)
    assert_type(env.get("wsgi.errors", sys.stderr), Any)
    assert_type(env.get("wsgi.input", None), Any)
    assert_type(env.get("wsgi.version", (1, 0)), Any)
    assert_type(env.get("wsgi.multithread", None), Any)
    assert_type(env.get("wsgi.input"), wsgitypes.InputStream | None)
    assert_type(env.get("wsgi.multithread", False), bool)
