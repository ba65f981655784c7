"""``--reload``: restart the workers when the application's source changes (development).

The supervisor forks a watcher process (see :func:`watch`) that waits on the kernel's
file-change events through `watchfiles <https://watchfiles.helpmanual.io>`_ (the
``reload`` extra: ``pip install "wsgitypes[reload]"``) and writes a byte to a pipe
for each batch of changes to Python files under the watched directories (the
working directory unless ``--reload-dir`` says otherwise).  The supervisor then
retires every worker (each finishes the requests it has) and starts fresh ones,
which import the application anew: under ``--reload`` it is never imported by the
supervisor.  A worker whose import fails logs the error and answers every request
with it (a 500; the error in the page with ``--debug``), so fixing the file brings the
application back without restarting anything by hand.

The watcher is a process, not a thread of the supervisor, because the supervisor
forks workers: a process that forks should have no other threads.  What is not
reloaded: the server's own settings (command line, environment, config file) and
modules outside the watched directories.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Sequence

__all__ = ["available", "watch"]

log = logging.getLogger("wsgitypes.server")


def available() -> bool:
    """Whether watchfiles is installed."""
    return importlib.util.find_spec("watchfiles") is not None


def watch(directories: Sequence[str], notify: int) -> None:
    """Write a byte to ``notify`` for each batch of changed Python files; return when the parent process is gone."""
    import watchfiles

    logging.getLogger("watchfiles").setLevel(logging.WARNING)  # its "1 change detected" says less than our line
    parent = os.getppid()
    shown = ", ".join(os.path.abspath(directory) for directory in directories)
    log.info("--reload: watching the Python files under %s", shown)
    for changes in watchfiles.watch(
        *directories, watch_filter=watchfiles.PythonFilter(), rust_timeout=1000, yield_on_timeout=True, raise_interrupt=False,
    ):
        if os.getppid() != parent:
            return
        if changes:
            paths = sorted({os.path.relpath(path) for _, path in changes})
            log.info("--reload: %s changed; restarting the workers", ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else ""))
            try:
                os.write(notify, b"c")
            except OSError:
                return  # the supervisor is gone
