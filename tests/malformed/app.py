"""``tests.apps.serving:app`` that also counts its calls, for the malformed-request corpus.

``GET /calls`` answers how many requests reached the application so far (not counting
itself), so a test can tell that a request the server refused never got to the app.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from tests.apps.serving import app as serving_app
from wsgitypes.types import StartResponse, WSGIEnvironment

_lock = threading.Lock()
_calls = 0


def app(environ: WSGIEnvironment, start_response: StartResponse, /) -> Iterable[bytes]:
    global _calls
    if environ["PATH_INFO"] == "/calls":
        data = str(_calls).encode()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
        return [data]
    with _lock:
        _calls += 1
    return serving_app(environ, start_response)
