"""Finding the application a ``MODULE:APP`` spec names, as gunicorn and waitress do.

``module.path:name``, ``module.path:name.attr``, ``module.path:factory()`` (called with
no arguments) or a bare ``module.path`` (its ``application``, else its ``app``).  The
working directory is importable, since the application usually lives where the
command is run.

Without ``--reload`` the command loads the application once, before the workers
start, so a mistake is one line and exit status 2.  With ``--reload`` each worker
loads it itself (a worker forked from a process that imported the old code would
serve the old code); one that cannot shows the error on every request
(:func:`unloadable`) until the next edit restarts it.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import cast

from wsgitypes.types import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["LoadError", "check_spec", "load_app", "unloadable"]


class LoadError(Exception):
    """The application cannot be loaded; the message is one line saying why."""


def check_spec(spec: str) -> None:
    """Raise :class:`LoadError` unless ``spec`` has the form of ``MODULE[:APP]``; imports nothing."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or (":" in spec and not attribute):
        raise LoadError(f"{spec!r} is not MODULE:APP (for example myproject.wsgi:application)")
    path = attribute.removesuffix("()")
    if attribute and not all(part.isidentifier() for part in path.split(".")):
        raise LoadError(f"{attribute!r} is not an attribute path (name.name, optionally ending in ())")


def load_app(spec: str) -> WSGIApplication:
    """The application ``spec`` names; :class:`LoadError` with a one-line reason if there is none.

    The exception that stopped the import, if any, is the error's ``__cause__`` (for
    the development error page).
    """
    check_spec(spec)
    module_name, _, attribute = spec.partition(":")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # like gunicorn and waitress: the app lives where you run the command
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and module_name.startswith(error.name):
            raise LoadError(f"cannot import {module_name!r}: no module named {error.name!r} (run from the directory that contains it, or add it to PYTHONPATH)") from error
        raise LoadError(f"importing {module_name!r} failed: {error}") from error
    except SyntaxError as error:
        raise LoadError(f"importing {module_name!r} failed: SyntaxError at {error.filename}:{error.lineno}: {error.msg}") from error
    except Exception as error:
        raise LoadError(f"importing {module_name!r} failed: {type(error).__name__}: {error}") from error
    call = attribute.endswith("()")
    path = attribute.removesuffix("()")
    if not path:
        for default in ("application", "app"):
            if hasattr(module, default):
                path = default
                break
        else:
            raise LoadError(f"module {module_name!r} has no 'application' or 'app'; name it: {module_name}:NAME")
    found: object = module
    for part in path.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise LoadError(f"module {module_name!r} has no attribute {path!r}") from None
    if call:
        if not callable(found):
            raise LoadError(f"{module_name}:{path} is not callable, so it cannot be a factory")
        try:
            found = found()
        except Exception as error:
            raise LoadError(f"the factory {module_name}:{path}() failed: {type(error).__name__}: {error}") from error
    if not callable(found):
        raise LoadError(f"{module_name}:{attribute} is a {type(found).__name__}, not a WSGI application (a callable)")
    return cast(WSGIApplication, found)  # callable: checked just above


def unloadable(error: LoadError) -> WSGIApplication:
    """An application that fails every request with ``error`` (a 500, and with ``--debug`` the error in the page)."""
    reason, cause = str(error), error.__cause__

    def failing(environ: WSGIEnvironment, start_response: StartResponse, /) -> list[bytes]:
        raise LoadError(reason) from cause  # a fresh exception each time: a raised one collects frames

    return failing
