"""The real test suites of Flask, Werkzeug and Bottle, with every WSGI call validated.

Each framework's released sdist (pinned below) is downloaded from PyPI, installed
with its own test dependencies into a virtual environment kept in
``$XDG_CACHE_HOME/wsgitypes-tests/``, and its own tests, from that sdist, are run
three times: as they are, then with ``pytest -p wsgitypes.pytest --wsgi-validate``
in report mode, then in raise mode.  wsgitypes itself comes from this checkout (a
``.pth`` file), and a ``sitecustomize`` in that environment validates the servers the
suites start in subprocesses too (``install_from_environment``).

* Report mode changes no test's outcome.
* Raise mode fails exactly the tests listed in :data:`APPLICATION_FINDINGS`, each
  because of the rule listed: true findings, explained in docs/validator.md under
  "What the validator found in real frameworks".
* The server rules broken by the suites' harnesses (reported, not raised, by default)
  are exactly those of :data:`HARNESS_FINDINGS`.

About three minutes (the Werkzeug suite starts many development servers), plus
about a minute to build the environment the first time: marked ``slow``, so README's
``pytest -q`` leaves it out and ``.ci/run`` runs it with ``pytest -m slow``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


SDISTS = {"werkzeug": "3.1.9", "flask": "3.1.3", "bottle": "0.13.4"}
# The suites' own test dependencies (their pyproject's "tests" groups), at the versions
# of their uv.lock, and the frameworks' runtime dependencies the sdists do not pin.
TEST_DEPENDENCIES = [
    "pytest==8.4.2", "pytest-timeout==2.4.0", "cffi==2.0.0", "cryptography==46.0.3",
    "ephemeral-port-reserve==1.1.4", "watchdog==6.0.0", "asgiref==3.11.0", "greenlet==3.2.4",
    "python-dotenv==1.2.1", "blinker==1.9.0", "itsdangerous==2.2.0", "jinja2==3.1.6",
    "markupsafe==3.0.3", "click==8.1.8", "typing_extensions>=4.12",
]  # fmt: skip
TEST_DIRECTORY = {"werkzeug": "tests", "flask": "tests", "bottle": "test"}

# Tests that raise mode fails, with the application rule that fails them (a test id
# prefix: parametrized variants share one entry).  All are the suites' own test apps.
APPLICATION_FINDINGS: dict[str, dict[str, str]] = {
    "werkzeug": {
        # LintMiddleware's tests send broken responses on purpose.
        "tests/middleware/test_lint.py::test_lint_middleware_invalid_status": "status-format",
        "tests/middleware/test_lint.py::test_lint_middleware_http_headers[headers0": "headers-list",
        "tests/middleware/test_lint.py::test_lint_middleware_http_headers[headers1": "header-tuple",
        # Test apps that return str bodies, which werkzeug's test client encodes for them.
        "tests/test_test.py::test_path_info_script_name_unquoting": "body-bytes",
        "tests/test_test.py::test_run_wsgi_apps": "body-bytes",
        "tests/test_test.py::test_run_wsgi_app_closing_iterator": "body-bytes",
        "tests/test_wrappers.py::test_type_forcing": "body-bytes",
        "tests/test_wsgi.py::test_closing_iterator": "body-bytes",
    },
    "flask": {},
    "bottle": {},
}

# Server rules broken by the harnesses the suites use (the test client, the tests'
# hand-made environs, the development server): reported in both modes, raised by neither.
HARNESS_FINDINGS: dict[str, set[str]] = {
    "werkzeug": {
        "environ-cgi-str",  # the development server sets REMOTE_PORT to an int
        "environ-server",  # ... and SERVER_PORT to a piece of the path of a Unix socket
        "environ-path",  # the test client follows a relative redirect to PATH_INFO 'done'; hand-made environs
        "environ-required",  # tests call run_wsgi_app(app, {}) with an empty environ
        "environ-version",  # LintMiddleware's tests, on purpose
        "close-called",  # the test client leaves close() to TestResponse.close(), which tests seldom call
    },
    "flask": {"close-called"},  # the same test client: Flask's client does not buffer by default
    "bottle": {"start-response-write"},  # test/tools.py's start_response returns None
}

OUTCOMES_PLUGIN = '''
"""Records each test's outcome as JSON: {node id: outcome}, in $SUITE_OUTCOMES."""
import json, os

outcomes = {}


def pytest_runtest_logreport(report):
    if report.failed and report.when != "call":
        outcome = "error"
    elif report.when == "call" or report.skipped:
        outcome = "xfailed" if hasattr(report, "wasxfail") else report.outcome
    else:
        return
    if outcomes.get(report.nodeid) not in ("failed", "error"):  # the first failure stands
        outcomes[report.nodeid] = outcome


def pytest_sessionfinish(session):
    with open(os.environ["SUITE_OUTCOMES"], "w") as out:
        json.dump(outcomes, out)
'''

SITECUSTOMIZE = '''
import os
if os.environ.get("WSGITYPES_VALIDATE"):  # set by wsgitypes.pytest in the parent test process
    from wsgitypes.pytest import install_from_environment
    install_from_environment()
'''


def _run(
    command: list[str], timeout: float, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False, cwd=cwd, env=env)


def _step(command: list[str]) -> None:
    done = _run(command, timeout=900)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")


@dataclass(frozen=True)
class Suites:
    python: Path
    sources: dict[str, Path]


@pytest.fixture(scope="module")
def suites() -> Suites:
    """The environment and the sdists' sources, built once and kept in the cache."""
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    pins = "-".join(f"{name}{version}" for name, version in SDISTS.items())
    home = cache_home / "wsgitypes-tests" / f"framework-suites-{pins}-py{sys.version_info.major}{sys.version_info.minor}"
    venv, downloads = home / "venv", home / "sdists"
    python = venv / "bin" / "python"
    ready = home / "ready"  # written last: an interrupted build is redone
    if not ready.is_file():
        shutil.rmtree(home, ignore_errors=True)
        downloads.mkdir(parents=True)
        pins_given = [f"{name}=={version}" for name, version in SDISTS.items()]
        quiet = ["--quiet", "--disable-pip-version-check"]
        _step([sys.executable, "-m", "pip", "download", *quiet, "--no-deps", "--no-binary", ":all:", "--dest", str(downloads), *pins_given])
        _step([sys.executable, "-m", "venv", str(venv)])
        _step([str(python), "-m", "pip", "install", *quiet, *TEST_DEPENDENCIES, *sorted(map(str, downloads.glob("*.tar.gz")))])
        ready.write_text(" ".join(f"{name}=={version}" for name, version in SDISTS.items()) + "\n", encoding="utf-8")
    # Written on every run: the cached environment outlives the checkout that built it (a
    # fresh clone elsewhere would find a .pth naming a removed folder, and no wsgitypes).
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], 60).stdout.strip())
    (site / "wsgitypes_checkout.pth").write_text(f"{REPO_ROOT}\n", encoding="utf-8")
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    (site / "suite_outcomes.py").write_text(OUTCOMES_PLUGIN, encoding="utf-8")
    sources: dict[str, Path] = {}
    for name, version in SDISTS.items():
        source = home / f"{name}-{version}"
        if not source.is_dir():
            with tarfile.open(downloads / f"{name}-{version}.tar.gz") as archive:
                archive.extractall(home, filter="data")
        sources[name] = source
    return Suites(python, sources)


@dataclass(frozen=True)
class Run:
    outcomes: dict[str, str]
    findings: list[dict[str, object]]
    output: str


def run_suite(suites: Suites, framework: str, mode: str, tmp_path: Path) -> Run:
    outcomes, findings = tmp_path / f"{framework}-{mode}.json", tmp_path / f"{framework}-{mode}.jsonl"
    command = [str(suites.python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "suite_outcomes",
               "--basetemp", str(tmp_path / f"{framework}-{mode}-tmp"), TEST_DIRECTORY[framework]]  # fmt: skip
    if mode != "off":
        command += ["-p", "wsgitypes.pytest", f"--wsgi-validate={mode}", f"--wsgi-validate-findings={findings}"]
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("WSGITYPES_VALIDATE", "PYTEST_"))}
    environ["SUITE_OUTCOMES"] = str(outcomes)
    done = _run(command, timeout=900, cwd=suites.sources[framework], env=environ)
    output = done.stdout[-6000:] + done.stderr[-3000:]
    if not outcomes.is_file():
        pytest.fail(f"{framework} ({mode}) did not finish: exit {done.returncode}\n{output}")
    lines = findings.read_text(encoding="utf-8").splitlines() if findings.is_file() else []
    return Run(json.loads(outcomes.read_text(encoding="utf-8")), [json.loads(line) for line in lines], output)


def _listed(framework: str, test: str) -> str | None:
    """The rule APPLICATION_FINDINGS gives for ``test``, if it is listed."""
    for prefix, rule_id in APPLICATION_FINDINGS[framework].items():
        if test.startswith(prefix):
            return rule_id
    return None


def _harness_rules(run: Run) -> set[str]:
    return {str(finding["rule"]) for finding in run.findings if finding["party"] == "server"}


@pytest.fixture(scope="module", params=list(SDISTS))
def runs(request: pytest.FixtureRequest, suites: Suites, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Run]]]:
    framework: str = request.param
    tmp_path = tmp_path_factory.mktemp(framework)
    yield framework, {mode: run_suite(suites, framework, mode, tmp_path) for mode in ("off", "report", "raise")}


def test_report_mode_changes_no_outcome(runs: tuple[str, dict[str, Run]]) -> None:
    framework, by_mode = runs
    off, report = by_mode["off"], by_mode["report"]
    assert len(off.outcomes) > 100, off.output  # the suite really ran
    changed = {test: (off.outcomes.get(test), outcome) for test, outcome in report.outcomes.items() if off.outcomes.get(test) != outcome}
    assert changed == {}, report.output
    assert report.outcomes.keys() == off.outcomes.keys()


def test_raise_mode_fails_only_listed_true_findings(runs: tuple[str, dict[str, Run]]) -> None:
    framework, by_mode = runs
    off, raised = by_mode["off"], by_mode["raise"]
    assert raised.outcomes.keys() == off.outcomes.keys()
    newly_failing = sorted(
        test for test, outcome in raised.outcomes.items() if outcome in ("failed", "error") and off.outcomes[test] not in ("failed", "error")
    )
    raised_rules: dict[str, set[str]] = {}
    for finding in raised.findings:
        if finding["raised"]:
            raised_rules.setdefault(str(finding["test"]), set()).add(str(finding["rule"]))
    unexplained = [
        f"{test}: raised {sorted(raised_rules.get(test, set()))}"
        for test in newly_failing
        if (rule := _listed(framework, test)) is None or rule not in raised_rules.get(test, set())
    ]
    assert unexplained == [], "\n".join(unexplained) + "\n" + raised.output
    # ...and the list holds nothing that no longer happens.
    for prefix in APPLICATION_FINDINGS[framework]:
        assert any(test.startswith(prefix) for test in newly_failing), f"{prefix} is listed but passes: update the list"
    # Nothing else changed: every other test keeps its outcome.
    others = {test: outcome for test, outcome in raised.outcomes.items() if test not in newly_failing}
    assert {test: off.outcomes[test] for test in others} == others


def test_harness_findings_are_the_listed_ones(runs: tuple[str, dict[str, Run]]) -> None:
    framework, by_mode = runs
    for mode in ("report", "raise"):
        found = _harness_rules(by_mode[mode])
        assert found == HARNESS_FINDINGS[framework], f"{mode} mode: {sorted(found)}"


def test_every_listed_finding_is_in_the_docs() -> None:
    docs = (REPO_ROOT / "docs" / "validator.md").read_text(encoding="utf-8")
    section = docs.split("## What the validator found in real frameworks", 1)[1].split("\n## ", 1)[0]
    for framework in SDISTS:
        for rule_id in {*APPLICATION_FINDINGS[framework].values(), *HARNESS_FINDINGS[framework]}:
            assert re.search(rf"`{re.escape(rule_id)}`", section), f"{framework}: {rule_id} is not explained in docs/validator.md"
