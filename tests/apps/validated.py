"""The deployment recipe: a module-level ``application = validator(app)`` a server can load.

::

    gunicorn tests.apps.validated:application
    waitress-serve tests.apps.validated:application

``application`` is the Flask app.  The other frameworks' validated apps are
``flask_app``, ``django_app``, ``bottle_app``, ``falcon_app`` and ``pyramid_app``
(``tests.apps.validated:django_app``, ...); each framework is imported only when its
name is first asked for, so a server loading one does not import the other four.

Set ``WSGITYPES_VALIDATOR_MODE=report`` in the environment to log violations
(logger ``wsgitypes.validate``) instead of raising them.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from wsgitypes.validate import validator

MODE: Any = os.environ.get("WSGITYPES_VALIDATOR_MODE", "raise")

from tests.apps.flask_app import app as _flask_app  # noqa: E402

application = validator(_flask_app, mode=MODE)
flask_app = application


def __getattr__(name: str) -> Any:
    framework = name.removesuffix("_app")
    if name.endswith("_app") and framework in ("django", "bottle", "falcon", "pyramid"):
        app = validator(importlib.import_module(f"tests.apps.{name}").app, mode=MODE)
        globals()[name] = app
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
