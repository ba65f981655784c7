"""A WSGI application that tells which worker process served each request (issue 14).

* ``/``                 the worker's process id, as text
* ``/slow?seconds=F``   sleeps, then answers the process id
* ``/freeze``           stops its own process with SIGSTOP, as an event loop stuck in C
                        code would look to a supervisor: no heartbeat, no answer
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterable
from urllib.parse import parse_qs

from wsgitypes.types import StartResponse, WSGIEnvironment


def app(environ: WSGIEnvironment, start_response: StartResponse, /) -> Iterable[bytes]:
    path: str = environ["PATH_INFO"]
    if path == "/slow":
        time.sleep(float(parse_qs(environ["QUERY_STRING"]).get("seconds", ["1"])[0]))
    elif path == "/freeze":
        os.kill(os.getpid(), signal.SIGSTOP)
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
