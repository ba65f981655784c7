"""The pytest plugin, on small real projects: a Flask app, a Django app, a WebTest app.

Each project has a clean view and a view that breaks a PEP 3333 rule the framework
lets through, and its own tests, which pass without the plugin.  pytest runs them in
a subprocess, as a user would: ``pytest --wsgi-validate`` fails the broken view's
test with the rule named and passes the clean one; report mode fails nothing and
lists the finding with its test; without the switch the plugin does nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

FLASK_PROJECT = {
    "app.py": '''
        from flask import Flask

        app = Flask(__name__)


        @app.route("/clean")
        def clean():
            return "fine"


        @app.route("/broken")
        def broken():
            return "fine", 200, {"Connection": "close"}  # hop-by-hop: the server's business
    ''',
    "test_app.py": '''
        from app import app


        def test_clean():
            assert app.test_client().get("/clean").status_code == 200


        def test_broken():
            assert app.test_client().get("/broken").status_code == 200
    ''',
}

DJANGO_PROJECT = {
    "conftest.py": '''
        import django
        from django.conf import settings

        settings.configure(
            DEBUG=False, SECRET_KEY="not-secret", ALLOWED_HOSTS=["*"], ROOT_URLCONF="views",
            MIDDLEWARE=["django.middleware.common.CommonMiddleware"], INSTALLED_APPS=[], DATABASES={},
        )
        django.setup()
    ''',
    "views.py": '''
        from django.http import HttpResponse, StreamingHttpResponse
        from django.urls import path


        def clean(request):
            return HttpResponse("fine", content_type="text/plain")


        def streamed(request):
            return StreamingHttpResponse(iter([b"a", b"b"]), content_type="text/plain")


        def broken(request):
            response = HttpResponse("fine", content_type="text/plain")
            response["Transfer-Encoding"] = "chunked"  # hop-by-hop: the server's business
            return response


        urlpatterns = [path("clean", clean), path("streamed", streamed), path("broken", broken)]
    ''',
    "test_views.py": '''
        from django.test import Client


        def test_clean():
            assert Client().get("/clean").content == b"fine"


        def test_streamed():
            assert b"".join(Client().get("/streamed").streaming_content) == b"ab"


        def test_broken():
            assert Client().get("/broken").status_code == 200
    ''',
}

WEBTEST_PROJECT = {
    "app.py": '''
        def app(environ, start_response):
            body = b"hello"
            # /broken promises 10 bytes and sends 5
            length = "10" if environ["PATH_INFO"] == "/broken" else str(len(body))
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", length)])
            return [body]
    ''',
    "test_app.py": '''
        import webtest

        from app import app


        def test_clean():
            assert webtest.TestApp(app).get("/clean").body == b"hello"


        def test_broken():
            assert webtest.TestApp(app, lint=False).get("/broken").status_int == 200
    ''',
}

PROJECTS = {
    "flask": (FLASK_PROJECT, "hop-by-hop", "'Connection' is a hop-by-hop header"),
    "django": (DJANGO_PROJECT, "hop-by-hop", "'Transfer-Encoding' is a hop-by-hop header"),
    "webtest": (WEBTEST_PROJECT, "content-length-match", "Content-Length is 10"),
}
BROKEN_TEST = {"flask": "test_app.py::test_broken", "django": "test_views.py::test_broken", "webtest": "test_app.py::test_broken"}


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def _pytest(project: Path, *args: str, autoload: bool = True) -> subprocess.CompletedProcess[str]:
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("WSGITYPES_VALIDATE", "PYTEST_"))}
    if not autoload:
        environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE", *args]
    return subprocess.run(command, cwd=project, env=environ, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("framework", list(PROJECTS))
def test_raise_mode_fails_the_broken_view_only(framework: str, tmp_path: Path) -> None:
    files, rule_id, detail = PROJECTS[framework]
    project = _project(tmp_path, files)
    plain = _pytest(project)
    assert plain.returncode == 0, plain.stdout + plain.stderr  # the project's tests pass without the plugin
    assert "wsgitypes" not in plain.stdout  # ...and the plugin, loaded, does nothing
    checked = _pytest(project, "--wsgi-validate", f"--wsgi-validate-findings={tmp_path / 'findings.jsonl'}")
    output = checked.stdout + checked.stderr
    assert checked.returncode == 1, output
    assert f"FAILED {BROKEN_TEST[framework]}" in output and f"[{rule_id}]" in output and detail in output, output
    assert output.count("FAILED ") == 1, output  # the clean view's tests pass
    findings = [json.loads(line) for line in (tmp_path / "findings.jsonl").read_text(encoding="utf-8").splitlines()]
    raised = {(finding["test"], finding["rule"]) for finding in findings if finding["raised"]}
    assert raised == {(BROKEN_TEST[framework], rule_id)}
    assert f"{BROKEN_TEST[framework]}: [{rule_id}]" in output  # the summary names the test and the rule


@pytest.mark.parametrize("framework", list(PROJECTS))
def test_report_mode_fails_nothing_and_lists_the_finding(framework: str, tmp_path: Path) -> None:
    files, rule_id, detail = PROJECTS[framework]
    checked = _pytest(_project(tmp_path, files), "--wsgi-validate=report")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"{BROKEN_TEST[framework]}: [{rule_id}]" in checked.stdout and detail in checked.stdout, checked.stdout


def test_ini_option_and_explicit_plugin_without_autoload(tmp_path: Path) -> None:
    project = _project(tmp_path, FLASK_PROJECT)
    (project / "pytest.ini").write_text("[pytest]\nwsgi_validate = raise\nwsgi_validate_ignore = hop-by-hop\n", encoding="utf-8")
    ignored = _pytest(project, "-p", "wsgitypes.pytest", autoload=False)
    assert ignored.returncode == 0, ignored.stdout  # on, but the one broken rule is ignored
    assert "wsgitypes: PEP 3333 violations (raise mode)" in ignored.stdout and "[hop-by-hop]" not in ignored.stdout
    # (what is left is Flask's test client, which leaves close() to the test: close-called)
    (project / "pytest.ini").write_text("[pytest]\nwsgi_validate = raise\n", encoding="utf-8")
    caught = _pytest(project, "-p", "wsgitypes.pytest", autoload=False)
    assert caught.returncode == 1 and "[hop-by-hop]" in caught.stdout, caught.stdout
    (project / "pytest.ini").write_text("[pytest]\nwsgi_validate = raise\nwsgi_validate_ignore = hop_by_hop\n", encoding="utf-8")
    misspelt = _pytest(project)
    assert misspelt.returncode == 4 and "did you mean 'hop-by-hop'" in misspelt.stderr, misspelt.stderr


HARNESS_PROJECT = {
    "test_harness.py": '''
        import wsgiref.util
        import wsgiref.validate


        def app(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"fine"]


        def call(app):
            """A home-made harness, as in Bottle's tests: its start_response returns None."""
            environ = {}
            wsgiref.util.setup_testing_defaults(environ)
            seen = []
            body = wsgiref.validate.validator(app)(environ, lambda status, headers, exc_info=None: seen.append(status))
            data = b"".join(body)
            body.close()
            return seen[0], data


        def test_clean_app():
            assert call(app) == ("200 OK", b"fine")
    ''',
}


def test_harness_findings_are_listed_not_raised(tmp_path: Path) -> None:
    # The harness is the server here, and not the code under test: its broken rule is
    # listed for the test that met it, and fails that test only when asked for.
    project = _project(tmp_path, HARNESS_PROJECT)
    checked = _pytest(project, "--wsgi-validate")
    assert checked.returncode == 0, checked.stdout
    assert "test_harness.py::test_clean_app: [start-response-write] server MUST" in checked.stdout, checked.stdout
    strict = _pytest(project, "--wsgi-validate", "-o", "wsgi_validate_harness=raise")
    assert strict.returncode == 1 and "[start-response-write]" in strict.stdout, strict.stdout
