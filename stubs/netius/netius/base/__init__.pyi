# Checked in pyright strict mode, except: the module __getattr__ is deliberate (partial stubs).
# pyright: reportIncompleteStub=false
from _typeshed import Incomplete

from . import common as common, observer as observer, server as server
from .common import (
    IDENTIFIER as IDENTIFIER,
    IDENTIFIER_LONG as IDENTIFIER_LONG,
    IDENTIFIER_SHORT as IDENTIFIER_SHORT,
    NAME as NAME,
    TCP_TYPE as TCP_TYPE,
    UDP_TYPE as UDP_TYPE,
    VERSION as VERSION,
    Base as Base,
)
from .observer import Observable as Observable
from .server import Server as Server, StreamServer as StreamServer

def __getattr__(name: str) -> Incomplete: ...
