"""Released Werkzeug and Flask, type-checked as their maintainers do, with wsgitypes dropped in.

The promise: enabling the mypy plugin on a real, typed WSGI code base adds no error
but true ``wsgi-*`` findings, and replacing its ``_typeshed.wsgi`` / ``wsgiref.types``
imports by ``wsgitypes`` adds none at all, in mypy or in pyright.  Each project's
released sdist (pinned, hash-checked, downloaded once into the test cache) is checked
with its own ``[tool.mypy]`` / ``[tool.pyright]`` settings, four ways for mypy
(as released; plugin on; imports rewritten; both) and two for pyright (as released;
imports rewritten); the errors of each variant are compared with the release's own.
Only ``--python-version 3.11`` is added (both declare 3.9, which wsgitypes and mypy 2
do not support), the same in every run.

The findings the plugin is expected to add are listed in :data:`PROJECTS` with the
reason each is true; the test fails if one goes missing too (which also proves the
plugin ran).  Slow (about two minutes: ten type-checker runs over 80 modules), so it
is marked ``slow``, left out of the default ``pytest`` run and run by ``.ci/run``
(``python -m pytest -m slow``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

TIMEOUT = 600  # seconds per checker run


@dataclass(frozen=True)
class Project:
    name: str
    version: str
    sha256: str
    findings: dict[tuple[str, int, str], str] = field(default_factory=dict)
    """(path, line, error code) -> why it is a true finding: what the plugin must add."""

    @property
    def sdist(self) -> str:
        return f"{self.name}-{self.version}.tar.gz"


PROJECTS = {
    "werkzeug": Project(
        "werkzeug", "3.1.9", "55ca7c70a75689be937aa27f8ff4b018f06ff4838fc73045560bf0f5a1291060",
        {
            ("src/werkzeug/middleware/http_proxy.py", 125, "wsgi-environ-absent"):
                'environ["HTTP_HOST"] when the proxy has no host option: an HTTP/1.0 request without Host raises KeyError',
            ("src/werkzeug/middleware/http_proxy.py", 167, "wsgi-environ-absent"):
                'environ["QUERY_STRING"]: PEP 3333 says it "may be empty or absent"',
            ("src/werkzeug/test.py", 419, "wsgi-environ-absent"):
                'EnvironBuilder.from_environ reads environ["QUERY_STRING"], which "may be empty or absent"',
        },
    ),
    "flask": Project("flask", "3.1.3", "0ef0e52b8a9cd932855379197dd8f94047b359ca0a78695144304cb45f87c9eb"),
}

# the WSGI imports the projects use, as typeshed spells them (only under TYPE_CHECKING)
_WSGI_IMPORT = re.compile(r"^(\s*)from (?:_typeshed\.wsgi|wsgiref\.types) import ", re.MULTILINE)
_MYPY_ERROR = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+): error: (?P<message>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$")

Error = tuple[str, int, str, str]  # path, line, code, message


# --- getting the sources ------------------------------------------------------------------


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wsgitypes-tests" / "sdists"


def _download(project: Project) -> Path:
    """The released sdist from PyPI (``pip download --no-binary``), checked against its pinned hash."""
    cache = _cache_dir()
    sdist = cache / project.sdist
    if not sdist.is_file() or hashlib.sha256(sdist.read_bytes()).hexdigest() != project.sha256:
        cache.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
             "--no-binary", ":all:", "--dest", str(cache), f"{project.name}=={project.version}"],
            capture_output=True, text=True, timeout=300, check=False,
        )
        if proc.returncode != 0:
            if os.environ.get("CI"):
                pytest.fail(f"pip download {project.name}=={project.version} failed:\n{proc.stderr[-2000:]}")
            pytest.skip(f"{project.sdist} could not be downloaded (offline?)")
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    assert digest == project.sha256, f"{project.sdist}: sha256 {digest}, pinned {project.sha256}"
    return sdist


@pytest.fixture(scope="module", params=list(PROJECTS))
def release(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Path]:
    project = PROJECTS[request.param]
    where = tmp_path_factory.mktemp(project.name)
    with tarfile.open(_download(project)) as archive:
        archive.extractall(where, filter="data")
    return project, where / f"{project.name}-{project.version}"


def _variant(source: Path, where: Path, *, plugin: bool, rewrite: bool) -> Path:
    """A copy of the release: the mypy plugin enabled in its own config, its WSGI imports rewritten."""
    tree = where / f"plugin{int(plugin)}-rewrite{int(rewrite)}"
    shutil.copytree(source, tree)
    if plugin:
        config = tree / "pyproject.toml"
        text = config.read_text(encoding="utf-8")
        assert "\n[tool.mypy]\n" in text and "plugins" not in text
        config.write_text(text.replace("\n[tool.mypy]\n", '\n[tool.mypy]\nplugins = ["wsgitypes.mypy"]\n', 1),
                          encoding="utf-8")
    if rewrite:
        rewritten = 0
        for path in tree.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            new, count = _WSGI_IMPORT.subn(r"\1from wsgitypes import ", text)
            if count:
                path.write_text(new, encoding="utf-8")
                rewritten += count
        assert rewritten > 0, f"no WSGI import to rewrite in {source.name}"
    return tree


# --- running the checkers the projects' way -------------------------------------------------


def _mypy(tree: Path) -> Counter[Error]:
    """mypy with the project's own [tool.mypy] (files, strict, overrides)."""
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--python-version", "3.11", "--cache-dir", str(tree / ".mypy_cache"),
         "--no-pretty", "--show-error-codes", "--hide-error-context", "--no-error-summary", "--no-color-output"],
        cwd=tree, capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )
    assert proc.returncode in (0, 1), f"mypy crashed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    errors: Counter[Error] = Counter()
    for line in proc.stdout.splitlines():
        if (match := _MYPY_ERROR.match(line)) is not None:
            errors[(match["path"], int(match["line"]), match["code"] or "", match["message"])] += 1
    return errors


def _pyright(tree: Path) -> Counter[Error]:
    """pyright with the project's own [tool.pyright] (include, typeCheckingMode)."""
    proc = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", sys.executable, "--pythonversion", "3.11"],
        cwd=tree, capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )
    assert proc.returncode in (0, 1), f"pyright failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    report = json.loads(proc.stdout)
    assert report["summary"]["filesAnalyzed"] > 20, report["summary"]
    return Counter(
        (str(Path(diag["file"]).relative_to(tree)), diag["range"]["start"]["line"] + 1, diag.get("rule", ""),
         diag["message"])
        for diag in report["generalDiagnostics"]
        if diag["severity"] == "error"
    )


def _listing(errors: Counter[Error]) -> str:
    return "\n".join(f"  {path}:{line}: {message}  [{code}]" for path, line, code, message in sorted(errors))


@pytest.fixture(scope="module")
def mypy_runs(release: tuple[Project, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Counter[Error]]:
    project, source = release
    where = tmp_path_factory.mktemp(f"{project.name}-mypy")
    return {
        f"plugin={plugin} rewrite={rewrite}": _mypy(_variant(source, where, plugin=plugin, rewrite=rewrite))
        for plugin in (False, True)
        for rewrite in (False, True)
    }


def test_the_plugin_adds_only_true_findings(release: tuple[Project, Path], mypy_runs: dict[str, Counter[Error]]) -> None:
    project, _ = release
    baseline = mypy_runs["plugin=False rewrite=False"]
    for variant in ("plugin=True rewrite=False", "plugin=True rewrite=True"):
        added = mypy_runs[variant] - baseline
        unexpected = Counter({error: n for error, n in added.items() if error[:3] not in project.findings})
        assert not unexpected, f"{project.sdist}, {variant}: errors the plugin added:\n{_listing(unexpected)}"
        missing = set(project.findings) - {error[:3] for error in added}
        assert not missing, f"{project.sdist}, {variant}: expected findings missing: {sorted(missing)}"


def test_wsgitypes_imports_add_no_mypy_error(release: tuple[Project, Path], mypy_runs: dict[str, Counter[Error]]) -> None:
    project, _ = release
    added = mypy_runs["plugin=False rewrite=True"] - mypy_runs["plugin=False rewrite=False"]
    assert not added, f"{project.sdist} with wsgitypes imports, mypy:\n{_listing(added)}"


def test_wsgitypes_imports_add_no_pyright_error(
    release: tuple[Project, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    project, source = release
    where = tmp_path_factory.mktemp(f"{project.name}-pyright")
    baseline = _pyright(_variant(source, where, plugin=False, rewrite=False))
    added = _pyright(_variant(source, where, plugin=False, rewrite=True)) - baseline
    assert not added, f"{project.sdist} with wsgitypes imports, pyright:\n{_listing(added)}"
