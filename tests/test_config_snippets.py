"""Every configuration block in README.md and docs/ works when pasted.

The blocks are the fenced ```` ```ini ```` and ```` ```toml ```` blocks of the Markdown
files.  Each is given to the tool it configures, recognised by its section
(:data:`CONSUMERS`): a block that configures mypy is written to a config file of its
kind and real mypy runs with it on :data:`SAMPLE`, which breaks two rules the plugin
checks; the block must load the plugin (a ``wsgi-status`` error), leave mypy no
complaint about the file (nothing on stderr, exit status 1) and switch off the codes
it says it switches off.  (ini files take no inline comments: ``plugins =
wsgitypes.mypy  # mypy >= 1.11`` names a plugin that does not exist.)  A block no
consumer recognises fails the test, so a new kind of block gets a consumer.

A block for the server starts with ``# FILE: python -m wsgitypes serve ...``: it is
written to FILE in a temporary directory holding a ``myproject.wsgi:application``, the
command is run there with ``--print-config`` (every key of the block must show as coming
from FILE) and then for real, as a subprocess on loopback that must answer with the
application the block names and log no error.  The address is the harness's own
``--bind``, which, given on the command line, replaces the block's ``bind``.  The same
goes for the ```` ```sh ```` lines that set ``WSGITYPES_*`` variables before ``python -m
wsgitypes serve``.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from typecheckers import REPO_ROOT

DOCUMENTS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^```(?P<lang>ini|toml)[ \t]*\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Block:
    document: Path
    line: int
    lang: str
    text: str

    def __str__(self) -> str:
        return f"{self.document.relative_to(REPO_ROOT)}:{self.line}"


def config_blocks() -> list[Block]:
    blocks: list[Block] = []
    for document in DOCUMENTS:
        source = document.read_text(encoding="utf-8")
        for match in _FENCE.finditer(source):
            line = source.count("\n", 0, match.start()) + 1
            blocks.append(Block(document, line, match["lang"], match["body"]))
    return blocks


BLOCKS = config_blocks()

SAMPLE = """\
from wsgitypes import StartResponse


def app(start_response: StartResponse) -> None:
    start_response("200", [("Connection", "close")])
"""
"""Breaks status-format (``wsgi-status``) and hop-by-hop (``wsgi-hop-by-hop``) on line 5."""


def configures_mypy(block: Block) -> bool:
    section = r"^\[tool\.mypy\]" if block.lang == "toml" else r"^\[mypy\]"
    return re.search(section, block.text, re.MULTILINE) is not None


def check_mypy_block(block: Block, tmp_path: Path) -> None:
    config = tmp_path / ("pyproject.toml" if block.lang == "toml" else "mypy.ini")
    config.write_text(block.text, encoding="utf-8")
    (tmp_path / "app.py").write_text(SAMPLE, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(tmp_path / "cache"),
         "--show-error-codes", "--no-error-summary", "--hide-error-context", "app.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.stderr == "" and proc.returncode == 1, (
        f"{block}: mypy exit {proc.returncode}\n{proc.stderr}{proc.stdout}\n--- the block ---\n{block.text}"
    )
    codes = set(re.findall(r"\[([a-z0-9-]+)\]$", proc.stdout, re.MULTILINE))
    assert "wsgi-status" in codes, f"{block}: the plugin did not run:\n{proc.stdout}"
    disabled = set(re.findall(r"wsgi-[a-z-]+", " ".join(re.findall(r"disable_error_code.*", block.text))))
    assert codes.isdisjoint(disabled), f"{block}: {sorted(codes & disabled)} reported although disabled"
    assert "wsgi-hop-by-hop" in codes or "wsgi-hop-by-hop" in disabled, proc.stdout


_SERVER_BLOCK = re.compile(r"# (?P<file>[\w.-]+): (?P<command>python -m wsgitypes serve.*)")
_ENV_LINE = re.compile(r"^(?P<line>(?:WSGITYPES_\w+=\S+ )+python -m wsgitypes serve.*)$", re.MULTILINE)
MYPROJECT = b"served by myproject.wsgi:application"


def configures_server(block: Block) -> bool:
    return block.lang == "toml" and _SERVER_BLOCK.fullmatch(block.text.splitlines()[0]) is not None


def _server_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("WSGITYPES_")}
    return {**env, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])}


def _myproject(directory: Path) -> None:
    (directory / "myproject").mkdir()
    (directory / "myproject" / "__init__.py").write_text("")
    (directory / "myproject" / "wsgi.py").write_text(
        "def application(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        f"    return [{MYPROJECT!r}]\n"
    )


def run_server_command(where: str, arguments: list[str], env: dict[str, str], sources: dict[str, str], names_app: bool,
                       tmp_path: Path) -> str:
    """``serve ARGUMENTS --print-config``, each of ``sources`` (key -> where from) checked; then the server for real; its log."""
    from harness import ours, serve
    from test_server_http import split_response

    printed = subprocess.run([sys.executable, "-m", "wsgitypes", "serve", *arguments, "--print-config"], cwd=tmp_path,
                             env={**_server_env(), **env}, capture_output=True, text=True, timeout=30, check=False)
    assert printed.returncode == 0, f"{where}: {printed.stderr}"
    lines = {line.split(" = ")[0]: line for line in printed.stdout.splitlines() if " = " in line}
    for key, source in sources.items():
        assert lines.get(key, "").endswith(f"# from {source}"), f"{where}: {key!r} was not taken from {source}:\n{printed.stdout}"
    with serve(ours(None, *arguments), env=env, cwd=tmp_path) as server:
        raw, _ = server.exchange(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        status, _, body = split_response(raw)
        server.stop()
    log = server.log()
    assert status == 200 and (body == MYPROJECT) == names_app, f"{where}: {status} {body[:80]!r}\n{log}"
    assert "ERROR" not in log and "Traceback" not in log, f"{where}:\n{log}"
    return log


def check_server_block(block: Block, tmp_path: Path) -> None:
    match = _SERVER_BLOCK.fullmatch(block.text.splitlines()[0])
    assert match is not None
    (tmp_path / match["file"]).write_text(block.text, encoding="utf-8")
    _myproject(tmp_path)
    arguments = shlex.split(match["command"])[4:]
    data = tomllib.loads(block.text)
    if "version" in data:  # a logging.config.dictConfig file for --log-config
        run_server_command(str(block), arguments, {}, {}, False, tmp_path)
        for handler in data.get("handlers", {}).values():
            if "filename" in handler:
                assert (tmp_path / handler["filename"]).read_text(), f"{block}: nothing was logged to {handler['filename']}"
        return
    table = data["tool"]["wsgitypes"]["serve"] if match["file"] == "pyproject.toml" else data
    source = "pyproject.toml [tool.wsgitypes.serve]" if match["file"] == "pyproject.toml" else match["file"]
    run_server_command(str(block), arguments, {}, {key: source for key in table if key != "bind"}, "app" in table, tmp_path)


def configures_pytest_plugin(block: Block) -> bool:
    return block.lang == "toml" and "[tool.pytest.ini_options]" in block.text and "wsgi_validate" in block.text


_BROKEN_APP_TEST = """
from werkzeug.test import Client


def app(environ, start_response):
    start_response("200", [("Content-Type", "text/plain")])  # no reason phrase: status-format
    return [b"ok"]


def test_broken_app():
    assert Client(app).get("/").data == b"ok"
"""


def check_pytest_plugin_block(block: Block, tmp_path: Path) -> None:
    """The block as a project's pyproject.toml: the plugin is on, and names the rule the app breaks."""
    (tmp_path / "pyproject.toml").write_text(block.text, encoding="utf-8")
    (tmp_path / "test_app.py").write_text(_BROKEN_APP_TEST, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_app.py"], cwd=tmp_path,
                          env=_server_env(), capture_output=True, text=True, timeout=120, check=False)
    mode = tomllib.loads(block.text)["tool"]["pytest"]["ini_options"]["wsgi_validate"]
    assert "status-format" in done.stdout, f"{block}: the plugin did not report the broken rule:\n{done.stdout}{done.stderr}"
    assert (done.returncode != 0) == (mode == "raise"), f"{block}: exit {done.returncode} in {mode} mode:\n{done.stdout}"


CONSUMERS: list[tuple[str, Callable[[Block], bool], Callable[[Block, Path], None]]] = [
    ("mypy", configures_mypy, check_mypy_block),
    ("wsgitypes serve", configures_server, check_server_block),
    ("pytest --wsgi-validate", configures_pytest_plugin, check_pytest_plugin_block),
]
"""(tool, does it configure this tool, run the tool with it): add one per kind of block."""


def test_the_docs_have_config_blocks() -> None:
    assert sum(configures_mypy(block) for block in BLOCKS) >= 3, [str(block) for block in BLOCKS]
    assert sum(configures_server(block) for block in BLOCKS) >= 4, [str(block) for block in BLOCKS]
    assert ENV_EXAMPLES, "no WSGITYPES_* example in README.md or docs/"


def env_examples() -> list[tuple[str, str]]:
    """``(where, line)`` for each line of the docs that sets WSGITYPES_* variables and runs the server."""
    found = []
    for document in DOCUMENTS:
        source = document.read_text(encoding="utf-8")
        for match in _ENV_LINE.finditer(source):
            found.append((f"{document.relative_to(REPO_ROOT)}:{source.count(chr(10), 0, match.start()) + 1}", match["line"]))
    return found


ENV_EXAMPLES = env_examples()


@pytest.mark.parametrize(("where", "line"), ENV_EXAMPLES, ids=[where for where, _ in ENV_EXAMPLES])
def test_environment_example_works_when_pasted(where: str, line: str, tmp_path: Path) -> None:
    words = shlex.split(line)
    assignments = [word for word in words if re.fullmatch(r"WSGITYPES_\w+=.*", word)]
    env = dict(word.split("=", 1) for word in assignments)
    _myproject(tmp_path)
    keys = {variable.removeprefix("WSGITYPES_").lower().replace("_", "-"): variable for variable in env if variable != "WSGITYPES_BIND"}
    run_server_command(where, words[len(assignments) + 4:], env, keys, "WSGITYPES_APP" in env, tmp_path)


@pytest.mark.parametrize("block", BLOCKS, ids=[str(block) for block in BLOCKS])
def test_config_block_works_when_pasted(block: Block, tmp_path: Path) -> None:
    consumers = [(tool, check) for tool, recognises, check in CONSUMERS if recognises(block)]
    assert consumers, f"{block}: no consumer recognises this block; add one to CONSUMERS:\n{block.text}"
    for _tool, check in consumers:
        check(block, tmp_path)
