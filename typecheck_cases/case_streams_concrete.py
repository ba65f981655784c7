"""Which standard-library streams are InputStreams and ErrorStreams.

Binary readers (``BytesIO``, ``BufferedReader``, ``sys.stdin.buffer``, a file opened
``"rb"``) are InputStreams; text writers (``sys.stderr``, ``StringIO``, a file opened
``"w"``) are ErrorStreams.

Two false negatives of the stubs, not of wsgitypes: a file opened ``"wb"``
(``BufferedWriter``) inherits ``read`` from ``BufferedIOBase`` in typeshed, so it passes
as an InputStream although reading it raises ``io.UnsupportedOperation``; and
``io.FileIO.read`` is typed ``bytes | MaybeNone`` (``Any``), so an unbuffered file
passes although its ``read`` may return ``None``.
"""

from __future__ import annotations

import io
import sys

import wsgitypes

inputs: list[wsgitypes.InputStream] = [
    io.BytesIO(b"body"),
    io.BufferedReader(io.BytesIO(b"body")),
    sys.stdin.buffer,
    open("/dev/null", "rb"),
    open("/dev/null", "r+b"),
]
errors: list[wsgitypes.ErrorStream] = [
    sys.stderr,
    sys.stdout,
    io.StringIO(),
    open("/dev/null", "w"),
    io.TextIOWrapper(io.BytesIO()),
]
binary_writer: wsgitypes.InputStream = open("/dev/null", "wb")  # accepted (see the docstring)
binary_error: wsgitypes.ErrorStream = open("/dev/null", "wb")  # E -- writes bytes
text_input: wsgitypes.InputStream = open("/dev/null")  # E -- reads str
raw: wsgitypes.InputStream = io.FileIO("/dev/null")  # accepted (see the docstring)
