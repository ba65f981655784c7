# Checked in pyright strict mode, except: the module __getattr__ is deliberate (partial stubs).
# pyright: reportIncompleteStub=false
from _typeshed import Incomplete

from . import http as http, http2 as http2, wsgi as wsgi
from .http import HTTPServer as HTTPServer
from .http2 import HTTP2Server as HTTP2Server
from .wsgi import WSGIServer as WSGIServer

def __getattr__(name: str) -> Incomplete: ...
