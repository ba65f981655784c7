"""Misuse: ``io.BytesIO`` (a binary stream) used as ``wsgi.errors``.

BytesIO.write takes a buffer, not ``str``, so it is no ErrorStream (ours or typeshed's);
``sys.stderr`` and ``io.StringIO`` are.
"""

from __future__ import annotations

import io
import sys
import wsgiref.types

import wsgitypes

binary: wsgitypes.ErrorStream = io.BytesIO()  # E -- BytesIO is binary
binary_typeshed: wsgiref.types.ErrorStream = io.BytesIO()  # E -- same for typeshed
stderr_buffer: wsgitypes.ErrorStream = sys.stderr.buffer  # E -- the binary layer under stderr
stderr: wsgitypes.ErrorStream = sys.stderr
text: wsgitypes.ErrorStream = io.StringIO()


def environ_with(errors: io.BytesIO) -> wsgitypes.WSGIEnvironment:
    environ: wsgitypes.WSGIEnvironment = {"wsgi.errors": errors}
    return environ  # not caught: the environ is dict[str, Any]
