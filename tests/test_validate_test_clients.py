"""The validator never changes the bytes, under the test clients people really use.

werkzeug's test client with ``buffered=False`` takes the first item of the response
and then iterates it again (``itertools.chain(first, app_iter)``): the validator's
stand-in for the response must carry on where it stopped, not start over.  Checked
with a plain generator app, a streaming Flask view and a Django hello world, each in
raise and report mode, and with WebTest (which lints and iterates in its own way).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any, Literal

import pytest
import webtest
from werkzeug.test import Client

from tests.apps import django_app, flask_app
from tests.apps.common import HELLO, STREAM_CHUNKS
from wsgitypes.validate import validator

Mode = Literal["raise", "report"]
MODES = ["raise", "report"]
LOGGER = "wsgitypes.validate"
CHUNKS = [f"{i}," .encode() for i in range(10)]


def ten_chunks(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """A list too long to be checked whole: the validator stands in for it, as for any iterable."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(b"".join(CHUNKS))))])
    return list(CHUNKS)


def ten_chunks_generated(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(b"".join(CHUNKS))))])
    yield from CHUNKS


def _reports(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == LOGGER]


@pytest.mark.parametrize("app", [ten_chunks, ten_chunks_generated])
@pytest.mark.parametrize("buffered", [False, True])
@pytest.mark.parametrize("mode", MODES)
def test_werkzeug_client_gets_the_body_once(
    mode: Mode, buffered: bool, app: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        response = Client(validator(app, mode=mode)).get("/", buffered=buffered)
        assert response.get_data() == b"".join(CHUNKS)
        response.close()
    assert _reports(caplog) == []  # no response-len, no content-length-match blamed on the app


@pytest.mark.parametrize("mode", MODES)
def test_flask_streaming_view_through_werkzeug_client(mode: Mode, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        response = Client(validator(flask_app.app, mode=mode)).get("/stream", buffered=False)
        assert response.get_data() == b"".join(STREAM_CHUNKS)
        response.close()
    assert _reports(caplog) == []


@pytest.mark.parametrize("path", ["/", "/stream"])
@pytest.mark.parametrize("mode", MODES)
def test_django_through_werkzeug_client(mode: Mode, path: str, caplog: pytest.LogCaptureFixture) -> None:
    expected = HELLO.encode() if path == "/" else b"".join(STREAM_CHUNKS)
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        response = Client(validator(django_app.app, mode=mode)).get(path, buffered=False)
        assert response.get_data() == expected
        response.close()
    assert _reports(caplog) == []


@pytest.mark.parametrize("mode", MODES)
def test_webtest_gets_the_body_once(mode: Mode, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        assert webtest.TestApp(validator(ten_chunks, mode=mode)).get("/").body == b"".join(CHUNKS)
        assert webtest.TestApp(validator(django_app.app, mode=mode)).get("/").text == HELLO
    assert _reports(caplog) == []


def test_iter_twice_continues_where_it_stopped() -> None:
    """The stand-in is one iteration: iter() again gives the same iterator, as a generator's does."""
    body: Any = validator(ten_chunks)({**_environ()}, lambda status, headers, exc_info=None: lambda data: None)
    first = next(iter(body))
    assert first == b"0,"
    assert iter(body) is iter(body)
    assert b"".join(iter(body)) == b"".join(CHUNKS[1:])
    body.close()


@pytest.mark.parametrize("mode", ["raise", "report"])
def test_the_applications_response_object_answers_through_the_stand_in(mode: Mode) -> None:
    """Django's own tests call the handler and read ``response.status_code``: the stand-in
    has no names of its own, so the application's object answers (``headers`` included)."""
    environ = {**_environ(), "PATH_INFO": "/"}
    response: Any = validator(django_app.app, mode=mode)(environ, lambda status, headers, exc_info=None: lambda data: None)
    try:
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
        assert b"".join(response) == HELLO.encode()
        assert not hasattr(response, "no_such_attribute")
    finally:
        response.close()


def _environ() -> dict[str, Any]:
    from wsgiref.util import setup_testing_defaults

    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    return environ
