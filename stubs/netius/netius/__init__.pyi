# Checked in pyright strict mode, except: the module __getattr__ is deliberate (partial stubs).
# pyright: reportIncompleteStub=false
# netius 1.64.0: the package front door re-exports netius.base (and netius.adapters,
# netius.auth).  These stubs cover the WSGI serving path only; netius ships its own
# annotations (py.typed), but their WSGIServer rejects every PEP 3333 application
# (its start_response parameter has no exc_info), see docs/stubs.md.
from _typeshed import Incomplete

from . import base as base
from .base import (
    IDENTIFIER as IDENTIFIER,
    IDENTIFIER_LONG as IDENTIFIER_LONG,
    IDENTIFIER_SHORT as IDENTIFIER_SHORT,
    NAME as NAME,
    TCP_TYPE as TCP_TYPE,
    UDP_TYPE as UDP_TYPE,
    VERSION as VERSION,
    AbstractBase as AbstractBase,
    Base as Base,
    Observable as Observable,
    Server as Server,
    StreamServer as StreamServer,
)

def __getattr__(name: str) -> Incomplete: ...
