"""What every framework app serves, so that the tests can check the bytes exactly."""

from __future__ import annotations

import atexit
import os
import tempfile
from pathlib import Path

HELLO = "Hello, world!\n"
JSON_DOC: dict[str, object] = {"hello": "world", "numbers": [1, 2, 3]}
STREAM_CHUNKS = [f"chunk {i}: {'.' * (10 * i)}\n".encode() for i in range(5)]
ETAG = "v1"  # the entity tag; on the wire it is the quoted string '"v1"'
FILE_CONTENT = bytes(range(256)) * 400  # 102400 bytes
FILE_ENV = "WSGITYPES_TEST_DATA_FILE"  # a test harness may point every server process at one file


class Boom(Exception):
    """What ``/error`` raises."""


_data_file: Path | None = None


def data_file() -> Path:
    """The file ``/file`` serves: ``$WSGITYPES_TEST_DATA_FILE`` or a temp file made on first use."""
    global _data_file
    if _data_file is None:
        given = os.environ.get(FILE_ENV)
        if given:
            _data_file = Path(given)
        else:
            fd, name = tempfile.mkstemp(prefix="wsgitypes-apps-", suffix=".bin")
            with os.fdopen(fd, "wb") as out:
                out.write(FILE_CONTENT)
            _data_file = Path(name)
            atexit.register(_data_file.unlink, missing_ok=True)
    return _data_file
