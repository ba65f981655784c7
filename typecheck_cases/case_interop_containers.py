"""Containers and generic classes of each twin type, into typeshed-typed APIs and back.

A ``list`` or ``dict`` is invariant in its type arguments, and so are most generic
classes (WebTest's ``TestApp``): pyright then demands the *identical* type, where a
merely equivalent Protocol fails ("``_VT@dict`` is invariant").  ``WSGIApplication``,
``StartResponse``, ``FileWrapper`` and ``WriteCallable`` are typeshed's own types to
both checkers (``wsgitypes.types`` re-exports them), so every container of them goes
both ways.  ``WSGIEnvironment``, ``ResponseHeaders`` and ``OptExcInfo`` are aliases of
builtin types: identical by construction.

``InputStream`` and ``ErrorStream`` stay our own runtime-checkable protocols (so
``isinstance`` narrows, last function): each stream is assignable both ways, a
covariant container (``Sequence``) of them too, but an invariant container of ours
is not one of typeshed's in pyright (mypy accepts it).  That is the price of
``isinstance``; the stream types are rarely type arguments.
"""

# requires: types-webtest

from __future__ import annotations

import io
import sys
import wsgiref.types
from collections.abc import Callable, Sequence

from webtest import TestApp
from werkzeug.middleware.dispatcher import DispatcherMiddleware

import wsgitypes


def apps(ours: dict[str, wsgitypes.WSGIApplication], theirs: dict[str, wsgiref.types.WSGIApplication]) -> None:
    DispatcherMiddleware(ours["/"], ours)  # werkzeug's mounts: dict[str, WSGIApplication]
    back: dict[str, wsgitypes.WSGIApplication] = theirs
    there: dict[str, wsgiref.types.WSGIApplication] = ours
    as_list: list[wsgiref.types.WSGIApplication] = list(ours.values())
    from_list: list[wsgitypes.WSGIApplication] = as_list
    print(back, there, from_list)


def test_apps(ours: TestApp[wsgitypes.WSGIApplication], theirs: TestApp[wsgiref.types.WSGIApplication]) -> None:
    there: TestApp[wsgiref.types.WSGIApplication] = ours  # TestApp is invariant in its app type
    back: TestApp[wsgitypes.WSGIApplication] = theirs
    made: TestApp[wsgitypes.WSGIApplication] = TestApp(ours.app)
    print(there, back, made)


def start_responses(
    ours: list[wsgitypes.StartResponse], theirs: dict[str, wsgiref.types.StartResponse]
) -> None:
    there: list[wsgiref.types.StartResponse] = ours
    back: dict[str, wsgitypes.StartResponse] = theirs
    writes: list[Callable[[bytes], object]] = [start_response("200 OK", []) for start_response in ours]
    our_writes: list[wsgitypes.WriteCallable] = writes
    print(there, back, our_writes)


def file_wrappers(ours: list[wsgitypes.FileWrapper], theirs: list[wsgiref.types.FileWrapper]) -> None:
    there: list[wsgiref.types.FileWrapper] = ours
    back: list[wsgitypes.FileWrapper] = theirs
    print(there, back)


def environs(ours: list[wsgitypes.WSGIEnvironment], theirs: dict[str, wsgiref.types.WSGIEnvironment]) -> None:
    there: list[wsgiref.types.WSGIEnvironment] = ours
    back: dict[str, wsgitypes.WSGIEnvironment] = theirs
    headers: list[wsgitypes.ResponseHeaders] = [[("Content-Type", "text/plain")]]
    exc_infos: list[wsgitypes.OptExcInfo] = [sys.exc_info()]
    print(there, back, headers, exc_infos)


def streams(
    inputs: list[wsgitypes.InputStream],
    errors: dict[str, wsgitypes.ErrorStream],
    their_inputs: list[wsgiref.types.InputStream],
) -> None:
    one: wsgiref.types.InputStream = inputs[0]  # each stream: both ways, in both checkers
    mine: wsgitypes.InputStream = their_inputs[0]
    covariant: Sequence[wsgiref.types.InputStream] = inputs
    back_covariant: Sequence[wsgitypes.InputStream] = their_inputs
    there: list[wsgiref.types.InputStream] = inputs  # E[pyright] -- invariant: not the same Protocol
    back: list[wsgitypes.InputStream] = their_inputs  # E[pyright]
    their_errors: dict[str, wsgiref.types.ErrorStream] = errors  # E[pyright]
    print(one, mine, covariant, back_covariant, there, back, their_errors)


def narrowing(candidate: object) -> bytes:
    if isinstance(candidate, wsgitypes.InputStream):  # runtime-checkable: what typeshed's cannot do
        return candidate.read()
    if isinstance(candidate, wsgitypes.ErrorStream):
        candidate.write("not an input stream\n")
    return b""


streams([io.BytesIO()], {"stderr": sys.stderr}, [io.BytesIO()])
