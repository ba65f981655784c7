"""``wsgi-environ-absent`` can be switched off on its own (here by an inline
configuration comment, the same as ``disable_error_code`` in the config file): the
near-miss check of ``wsgi-environ-key`` stays on.
"""
# mypy: disable-error-code="wsgi-environ-absent"

from __future__ import annotations

from wsgitypes import WSGIEnvironment


def reads(environ: WSGIEnvironment) -> None:
    print(environ["CONTENT_LENGTH"], environ["HTTP_HOST"])
    print(environ["CONTENT_LENGHT"])  # E[mypy:wsgi-environ-key]
