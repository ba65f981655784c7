"""Misuse: a text stream (``io.StringIO``, ``sys.stdin``) used as ``wsgi.input``.

Reading a text stream yields ``str``, so it is no InputStream (ours or typeshed's);
``io.BytesIO`` and ``sys.stdin.buffer`` are.
"""

from __future__ import annotations

import io
import sys
import wsgiref.types

import wsgitypes

text: wsgitypes.InputStream = io.StringIO("body")  # E -- StringIO reads str
text_typeshed: wsgiref.types.InputStream = io.StringIO("body")  # E -- same for typeshed
stdin: wsgitypes.InputStream = sys.stdin  # E -- TextIO
binary: wsgitypes.InputStream = io.BytesIO(b"body")
stdin_buffer: wsgitypes.InputStream = sys.stdin.buffer


def read_body(stream: wsgitypes.InputStream) -> bytes:
    return stream.read()


read_body(io.StringIO("body"))  # E -- passed where an InputStream is expected
read_body(io.BytesIO(b"body"))
