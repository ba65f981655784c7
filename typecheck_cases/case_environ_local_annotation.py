"""Pitfall: ``env: Environ = environ`` on a local switches pyright's typed reads off.

pyright narrows a declared local to the type assigned to it (``dict[str, Any]``), so
a misspelt key and a wrong ``assert_type`` go unnoticed by pyright; mypy keeps the
declared type.  This is why ``environ_view()`` exists (wsgitypes/environ.py says so);
with it both checkers agree.  Verdict: the disagreement is expected behaviour of
pyright's assignment narrowing, not a bug.
"""

from __future__ import annotations

from typing import Any, assert_type

import wsgitypes
from wsgitypes import environ_view


def annotated_local(environ: wsgitypes.WSGIEnvironment) -> None:
    env: wsgitypes.Environ = environ
    print(env["PATH_INF"])  # E[mypy] -- pyright sees dict[str, Any] here (narrowed on assignment)
    assert_type(env["REQUEST_METHOD"], str)  # E[pyright] -- pyright: Any, from the narrowed dict
    assert_type(env["REQUEST_METHOD"], Any)  # E[mypy] -- mypy: str, from the declared Environ


def with_view(environ: wsgitypes.WSGIEnvironment) -> None:
    env = environ_view(environ)
    print(env["PATH_INF"])  # E -- both checkers see the view
    assert_type(env["REQUEST_METHOD"], str)
