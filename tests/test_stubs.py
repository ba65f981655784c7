"""The stub distributions in ``stubs/`` (see docs/stubs.md).

Each ``stubs/<distribution>/`` holds typeshed's layout: ``<module>/…pyi`` for every
top-level module of the runtime distribution, ``@tests/stubtest_allowlist.txt``, and a
``pyproject.toml`` that builds the PEP 561 distribution ``<module>-stubs``.  For each:

* ``stubtest`` checks the stubs against the installed runtime, the way the docs say to
  run it (``MYPYPATH=stubs/<distribution> python -m mypy.stubtest <modules>``), with the
  allowlist; unused allowlist entries fail too, so the allowlist cannot go stale;
* the stubs themselves are clean in ``mypy --strict`` and strict pyright;
* the distribution builds, installs, and the installed ``*-stubs`` packages are what both
  checkers use (ahead of netius's own annotations, which reject WSGI applications).

The runtimes are in the ``test`` extra (netius) and the ``c-servers`` extra (bjoern and
mod_wsgi, which build C); a test whose runtime is missing is skipped.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from typecheckers import REPO_ROOT, STUB_PATHS, Errors, run_mypy, run_pyright

STUBS_DIR = REPO_ROOT / "stubs"
DISTRIBUTIONS = sorted(path.name for path in STUBS_DIR.iterdir() if (path / "pyproject.toml").is_file())
TIMEOUT = 240  # seconds per subprocess


def stub_modules(dist: str) -> list[str]:
    """The top-level modules a stub distribution covers: ``stubs/<dist>/<module>/``."""
    return sorted(
        path.name for path in (STUBS_DIR / dist).iterdir() if (path / "__init__.pyi").is_file()
    )


def stub_files(dist: str) -> list[Path]:
    return sorted((STUBS_DIR / dist).glob("*/**/*.pyi"))


def allowlist(dist: str) -> Path | None:
    path = STUBS_DIR / dist / "@tests" / "stubtest_allowlist.txt"
    return path if path.is_file() else None


def require_runtime(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"the runtime distribution {dist!r} is not installed (pip install '.[test,c-servers]')")


def run(cmd: list[str], *, cwd: Path, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, cwd=cwd, env=None if env is None else {**os.environ, **env},
        capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )


def output(proc: subprocess.CompletedProcess[str]) -> str:
    return f"command: {' '.join(proc.args)}\n--- stdout ---\n{proc.stdout[-6000:]}\n--- stderr ---\n{proc.stderr[-3000:]}"


def test_layout() -> None:
    assert {"bjoern", "mod_wsgi", "netius"} <= set(DISTRIBUTIONS)  # the probe below uses all three
    assert [Path(path).name for path in STUB_PATHS] == DISTRIBUTIONS  # what the case harness searches
    for dist in DISTRIBUTIONS:
        assert stub_modules(dist), f"stubs/{dist} has no <module>/__init__.pyi"
        assert stub_files(dist)


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_stubtest(dist: str) -> None:
    """stubtest against the installed runtime: every declaration matches, every allowlist entry is used."""
    require_runtime(dist)
    cmd = [sys.executable, "-W", "ignore::FutureWarning", "-m", "mypy.stubtest", *stub_modules(dist)]
    if (entries := allowlist(dist)) is not None:
        cmd += ["--allowlist", str(entries)]
    proc = run(cmd, cwd=REPO_ROOT, env={"MYPYPATH": str(STUBS_DIR / dist)})
    assert proc.returncode == 0 and "Success: no issues found" in proc.stdout, output(proc)


@pytest.mark.parametrize("dist", [dist for dist in DISTRIBUTIONS if allowlist(dist) is not None])
def test_allowlist_is_commented(dist: str) -> None:
    """Every run of allowlist entries says why, in a comment right above it; entries are valid regexes."""
    path = allowlist(dist)
    assert path is not None
    previous = ""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        entry = line.split("#", 1)[0].strip()
        if entry:
            re.compile(entry)
            assert previous.startswith("#") or previous.split("#", 1)[0].strip(), (
                f"{path.relative_to(REPO_ROOT)}:{number}: entry without a comment above it: {entry}"
            )
        previous = line.strip()


def _errors_in(reported: Errors) -> list[str]:
    return [
        f"{path}:{line}: {error}" for path, by_line in reported.items() for line, errors in by_line.items() for error in errors
    ]


def test_stubs_clean_in_mypy_strict(tmp_path: Path) -> None:
    assert not _errors_in(run_mypy([path for dist in DISTRIBUTIONS for path in stub_files(dist)], tmp_path))


def test_stubs_clean_in_pyright_strict(tmp_path: Path) -> None:
    assert not _errors_in(run_pyright([path for dist in DISTRIBUTIONS for path in stub_files(dist)], tmp_path))


# Clean only if every *-stubs package is installed and used: without them, bjoern and
# mod_wsgi have no types at all, and netius's own annotations reject the application.
PROBE = '''
from collections.abc import Iterable

import _bjoern
import bjoern
import netius.servers
from mod_wsgi.express.runtime import PostMortemDebugger

import wsgitypes


def hello(environ: wsgitypes.WSGIEnvironment, start_response: wsgitypes.StartResponse, /) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def serve(app: wsgitypes.WSGIApplication) -> None:
    bjoern.run(app, "127.0.0.1", 8080)
    _bjoern.server_run(bjoern.listen(hello, "127.0.0.1", 8080), app)
    netius.servers.WSGIServer(app, mount="/api").serve(port=8080)
    wrapped: wsgitypes.WSGIApplication = PostMortemDebugger(app, False)
    print(wrapped)
'''


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """Every stub distribution built into a wheel and installed into one ``--target`` directory."""
    try:
        setuptools_version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("setuptools is not installed (pip install '.[test,c-servers]')")
    if int(setuptools_version.split(".")[0]) < 69:
        pytest.skip(f"setuptools {setuptools_version} cannot build '-stubs' packages; 69 or later can (test extra)")
    root = tmp_path_factory.mktemp("stub-dists")
    wheels = root / "wheels"
    for dist in DISTRIBUTIONS:
        # build from a copy: an in-tree build would leave build/ and *.egg-info in stubs/
        source = shutil.copytree(STUBS_DIR / dist, root / "src" / dist, ignore=shutil.ignore_patterns("@tests"))
        proc = run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
             "--quiet", "--wheel-dir", str(wheels), str(source)],
            cwd=root,
        )
        assert proc.returncode == 0, output(proc)
    built = sorted(wheels.glob("*.whl"))
    site = root / "site"
    proc = run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", "--target", str(site), *map(str, built)],
        cwd=root,
    )
    assert proc.returncode == 0, output(proc)
    return site, built


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_wheel_contents(dist: str, installed: tuple[Path, list[Path]]) -> None:
    """``<module>/x.pyi`` ships as ``<module>-stubs/x.pyi``, every stub file included; depends on wsgitypes."""
    _, built = installed
    wheel_name = f"{dist.replace('-', '_')}_stubs-"
    [wheel] = [path for path in built if path.name.startswith(wheel_name)]
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        [metadata_name] = [name for name in names if name.endswith(".dist-info/METADATA")]
        metadata = archive.read(metadata_name).decode()
    expected = {
        f"{path.relative_to(STUBS_DIR / dist).parts[0]}-stubs/{Path(*path.relative_to(STUBS_DIR / dist).parts[1:]).as_posix()}"
        for path in [*stub_files(dist), *(STUBS_DIR / dist).glob("*/py.typed")]
    }
    packaged = {name for name in names if not name.split("/", 1)[0].endswith(".dist-info")}
    assert packaged == expected
    assert f"Name: {dist}-stubs" in metadata
    assert re.search(r"^Requires-Dist: wsgitypes\b", metadata, re.MULTILINE), metadata
    partial = [(STUBS_DIR / dist / module / "py.typed") for module in stub_modules(dist)]
    for marker in partial:
        if marker.exists():  # PEP 561: a partial stub package says so in py.typed
            assert marker.read_text(encoding="utf-8") == "partial\n"


def test_installed_stubs_are_used(installed: tuple[Path, list[Path]], tmp_path: Path) -> None:
    """Both checkers find the installed ``*-stubs`` packages (not stubs/ in the repository)."""
    for dist in DISTRIBUTIONS:
        require_runtime(dist)  # netius: its own annotations must lose to the stubs
    site, _ = installed
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    # The repository root after the stubs: wsgitypes (which the probe imports) from the working
    # tree, however it is installed; mypy cannot see through the import hook of setuptools'
    # editable installs.  The root holds no bjoern, netius or mod_wsgi, so the stubs found are
    # still the installed *-stubs packages.
    env = {"PYTHONPATH": os.pathsep.join([str(site), str(REPO_ROOT)]), "MYPYPATH": ""}
    mypy = run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--python-executable", sys.executable,
         "--config-file", os.devnull, str(probe)],
        cwd=tmp_path, env=env,
    )
    assert mypy.returncode == 0, output(mypy)
    (tmp_path / "pyrightconfig.json").write_text(
        '{"include": ["probe.py"], "typeCheckingMode": "strict", "pythonVersion": "3.11"}', encoding="utf-8"
    )
    pyright = run([sys.executable, "-m", "pyright", "--pythonpath", sys.executable, "--project", str(tmp_path)], cwd=tmp_path, env=env)
    assert pyright.returncode == 0 and "0 errors" in pyright.stdout, output(pyright)
