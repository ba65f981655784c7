"""The chunked transfer coding of a request body (RFC 9112 §7.1), decoded without I/O.

A chunked body is a run of chunks, each a hexadecimal size line and that many bytes,
ended by a zero-size chunk and a trailer section::

    5;name=value\\r\\n      chunk-size [ chunk-ext ] CRLF
    hello\\r\\n             chunk-data CRLF
    0\\r\\n                 last-chunk
    Expires: never\\r\\n    trailer fields (any number)
    \\r\\n                  the end of the body

Why our own decoder rather than llhttp's (which parses the request heads): llhttp
refuses the optional whitespace RFC 9112 allows around the ``;`` of a chunk extension
(``5 ; a=b``: RFC 9110 §5.6.3 says a recipient MUST accept such "bad whitespace"), and it
never reports a chunk's declared size, so a size beyond the body limit could only be
refused once that many bytes had arrived.  Here the size line is read whole: a size
over the limit is a 413 at once.

Trailer fields are checked for syntax, counted against the head limits and dropped
(Content-Length and Transfer-Encoding there are a 400: they try to reframe the message):
RFC 9110 §6.5.1 forbids merging them into the header section, and a trailer ``Host``
or ``Content-Length`` must never reach the application as a request header.  Anything
else that is not exactly this grammar (bare LF, a size with a sign, prefix or space
before it, data longer or shorter than its size) is a 400.
"""

from __future__ import annotations

import re
from http import HTTPStatus

from wsgitypes.rules import check_header_name

__all__ = ["ChunkedDecoder"]

# chunk-size, then chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )
_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_QUOTED = rb'"(?:[\t !#-\[\]-~\x80-\xff]|\\[\t -~\x80-\xff])*"'
_BWS = rb"[ \t]*"
_SIZE_LINE = re.compile(
    rb"(?P<size>[0-9A-Fa-f]+)(?:%s;%s%s(?:%s=%s(?:%s|%s))?)*" % (_BWS, _BWS, _TOKEN, _BWS, _BWS, _TOKEN, _QUOTED)
)
_FIELD_VALUE = re.compile(rb"[\t -~\x80-\xff]*")  # VCHAR, obs-text, SP and HTAB: no control characters
_MAX_SIZE_DIGITS = 16  # a size of 2**64 or more is refused before it is converted


class BadChunk(Exception):
    """The body is not valid chunked coding (or too large); answer ``status`` and close."""

    def __init__(self, status: HTTPStatus, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class ChunkedDecoder:
    """Feed it the bytes after the request head; it returns the body's data as it arrives.

    ``max_body`` bounds the decoded body (413 beyond), ``max_line`` a size line or a
    trailer line, ``max_trailer_bytes`` and ``max_trailers`` the trailer section (431).
    """

    __slots__ = ("_max_body", "_max_line", "_max_trailer_bytes", "_max_trailers", "_pending", "_remaining",
                 "_state", "_received", "_trailer_bytes", "_trailers", "done")

    def __init__(self, max_body: int, max_line: int, max_trailer_bytes: int, max_trailers: int) -> None:
        self._max_body = max_body
        self._max_line = max_line
        self._max_trailer_bytes = max_trailer_bytes
        self._max_trailers = max_trailers
        self._pending = b""  # an unfinished line
        self._remaining = 0  # chunk-data bytes still to come
        self._state = "size"  # size, data, data-end, trailer
        self._received = 0
        self._trailer_bytes = 0
        self._trailers = 0
        self.done = False
        """The last chunk and the trailer section have arrived."""

    def feed(self, data: bytes) -> tuple[list[bytes], bytes]:
        """Decode ``data``: (the body data it held, the bytes after the body's end).

        Raises :class:`BadChunk` at the first byte that breaks the coding.
        """
        pieces: list[bytes] = []
        position = 0
        while position < len(data) and not self.done:
            if self._state == "data":
                end = min(len(data), position + self._remaining)
                pieces.append(data[position:end])
                self._remaining -= end - position
                position = end
                if not self._remaining:
                    self._state = "data-end"
                continue
            line_end = data.find(b"\n", position)
            if line_end < 0:
                self._pending += data[position:]
                if len(self._pending) > self._max_line:
                    raise self._line_too_long()
                position = len(data)
                break
            line = self._pending + data[position:line_end + 1]
            self._pending = b""
            position = line_end + 1
            if len(line) > self._max_line + 2:
                raise self._line_too_long()
            if line[-2:] != b"\r\n" or b"\r" in line[:-2]:
                raise BadChunk(HTTPStatus.BAD_REQUEST, "a chunked body line does not end in CRLF")
            self._line(line[:-2])
        return pieces, data[position:]

    def _line(self, line: bytes) -> None:
        if self._state == "data-end":
            if line:
                raise BadChunk(HTTPStatus.BAD_REQUEST, "chunk data is longer than its size")
            self._state = "size"
        elif self._state == "size":
            matched = _SIZE_LINE.fullmatch(line)
            if matched is None:
                raise BadChunk(HTTPStatus.BAD_REQUEST, f"invalid chunk size line {line[:40]!r}")
            digits = matched["size"].lstrip(b"0")
            if len(digits) > _MAX_SIZE_DIGITS:
                raise BadChunk(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "a chunk size of 2**64 or more")
            size = int(digits or b"0", 16)
            if self._received + size > self._max_body:
                raise BadChunk(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"request body larger than {self._max_body} bytes")
            self._received += size
            self._remaining = size
            self._state = "data" if size else "trailer"
        else:  # the trailer section: field lines, then an empty line
            if not line:
                self.done = True
                return
            self._trailer(line)

    def _trailer(self, line: bytes) -> None:
        self._trailers += 1
        self._trailer_bytes += len(line) + 2
        if self._trailers > self._max_trailers or self._trailer_bytes > self._max_trailer_bytes:
            raise BadChunk(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "the trailer section is too large")
        name, colon, value = line.partition(b":")
        if not colon or check_header_name(name.decode("latin-1")) is not None:
            raise BadChunk(HTTPStatus.BAD_REQUEST, f"invalid trailer field {line[:40]!r}")
        if not _FIELD_VALUE.fullmatch(value):
            raise BadChunk(HTTPStatus.BAD_REQUEST, f"control character in trailer field {name[:40]!r}")
        if name.lower() in _FRAMING_FIELDS:  # RFC 9110 §6.5.1: never in a trailer
            raise BadChunk(HTTPStatus.BAD_REQUEST, f"{name.decode('latin-1')} is not allowed in a trailer")

    def _line_too_long(self) -> BadChunk:
        if self._state == "trailer":
            return BadChunk(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, f"a trailer line is longer than {self._max_line} bytes")
        return BadChunk(HTTPStatus.BAD_REQUEST, f"a chunk size line is longer than {self._max_line} bytes")


# Fields that frame the message: a trailer carrying one tries to reframe it (the others
# are dropped with the rest of the trailer section).
_FRAMING_FIELDS = frozenset({b"content-length", b"transfer-encoding"})
