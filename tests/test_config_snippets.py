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
"""

from __future__ import annotations

import re
import subprocess
import sys
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


CONSUMERS: list[tuple[str, Callable[[Block], bool], Callable[[Block, Path], None]]] = [
    ("mypy", configures_mypy, check_mypy_block),
]
"""(tool, does it configure this tool, run the tool with it): add one per kind of block."""


def test_the_docs_have_config_blocks() -> None:
    assert sum(configures_mypy(block) for block in BLOCKS) >= 3, [str(block) for block in BLOCKS]


@pytest.mark.parametrize("block", BLOCKS, ids=[str(block) for block in BLOCKS])
def test_config_block_works_when_pasted(block: Block, tmp_path: Path) -> None:
    consumers = [(tool, check) for tool, recognises, check in CONSUMERS if recognises(block)]
    assert consumers, f"{block}: no consumer recognises this block; add one to CONSUMERS:\n{block.text}"
    for _tool, check in consumers:
        check(block, tmp_path)
