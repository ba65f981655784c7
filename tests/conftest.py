"""Fixtures shared by the tests that run real servers (built on :mod:`harness`).

``start_server(command, **options)`` starts a server as :func:`harness.start` does and
stops it when the test ends (if the test did not stop it).  A server for a block of a
test is ``with harness.serve(command) as server:``; one for a module is a module-scoped
fixture of that module around the same ``with``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import harness

StartServer = Callable[..., harness.Server]


@pytest.fixture
def start_server() -> Iterator[StartServer]:
    started: list[harness.Server] = []

    def start(command: harness.Command, **options: Any) -> harness.Server:
        server = harness.start(command, **options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
