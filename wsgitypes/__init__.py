"""Typed WSGI (PEP 3333): protocols for both checkers, and the tools that enforce the rules."""

from wsgitypes.environ import Environ, environ_view
from wsgitypes.rules import WSGIViolation
from wsgitypes.streams import is_error_stream, is_input_stream
from wsgitypes.types import (
    ErrorStream,
    ExcInfo,
    FileWrapper,
    InputStream,
    OptExcInfo,
    ReadableFile,
    ResponseBody,
    ResponseHeaders,
    StartResponse,
    WriteCallable,
    WSGIApplication,
    WSGIEnvironment,
)

__all__ = [
    "Environ",
    "ErrorStream",
    "ExcInfo",
    "FileWrapper",
    "InputStream",
    "OptExcInfo",
    "ReadableFile",
    "ResponseBody",
    "ResponseHeaders",
    "StartResponse",
    "WSGIApplication",
    "WSGIEnvironment",
    "WSGIViolation",
    "WriteCallable",
    "environ_view",
    "is_error_stream",
    "is_input_stream",
]
__version__ = "0.1.0"
