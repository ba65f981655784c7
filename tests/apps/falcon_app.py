"""The routes of :mod:`tests.apps` in idiomatic Falcon."""

from __future__ import annotations

from collections.abc import Iterator

import falcon

from tests.apps.common import ETAG, HELLO, JSON_DOC, STREAM_CHUNKS, Boom, data_file


class Hello:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = HELLO

    on_head = on_get


class Json:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = JSON_DOC


class Empty:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.status = falcon.HTTP_204


class Redirect:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        raise falcon.HTTPFound("/")


class Stream:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        def chunks() -> Iterator[bytes]:
            yield from STREAM_CHUNKS

        resp.content_type = falcon.MEDIA_TEXT
        resp.stream = chunks()


class File:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        path = data_file()
        resp.content_type = "application/octet-stream"
        resp.set_stream(open(path, "rb"), path.stat().st_size)

    on_head = on_get


class Form:
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        form = req.get_media()  # URL-encoded forms are a default media type in Falcon 4
        resp.media = dict(form)


class Upload:
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = req.get_media()


class Error:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        raise Boom("/error raises on purpose")


class NotModified:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.etag = ETAG
        if req.if_none_match and any(tag == ETAG for tag in req.if_none_match):
            resp.status = falcon.HTTP_304
            return
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "fresh\n"


app = falcon.App()
app.add_route("/", Hello())
app.add_route("/json", Json())
app.add_route("/empty", Empty())
app.add_route("/redirect", Redirect())
app.add_route("/stream", Stream())
app.add_route("/file", File())
app.add_route("/form", Form())
app.add_route("/upload", Upload())
app.add_route("/error", Error())
app.add_route("/notmodified", NotModified())
