"""docs/tutorial.md's examples: run in order, type-checked, and its deliberate mistakes caught.

* Every ```python block without a marker is run, top to bottom, in one namespace (the
  blocks build on one another: the app of section 1 is mounted in section 6 and served
  in section 8).
* Those blocks together pass ``mypy --strict``, with and without the wsgitypes plugin.
* A block after ``<!-- tutorial: mypy-errors -->`` is a mistake on purpose: it is not
  run; mypy, given the runnable blocks before it, must report exactly the error codes its
  ``# mypy error: CODE`` comments announce, on those lines (``plugin`` in the marker:
  with ``plugins = wsgitypes.mypy``).
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = REPO_ROOT / "docs" / "tutorial.md"
_BLOCK = re.compile(r"(?:<!-- tutorial: (?P<marker>[^>]*?) -->\n)?```python\n(?P<code>.*?)```", re.S)
_EXPECTED = re.compile(r"# mypy error: ([\w-]+)")
_MYPY_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: .*\[(?P<code>[\w-]+)\]$", re.M)


@dataclass
class Block:
    number: int
    line: int  # of the first code line in tutorial.md
    code: str
    marker: str


def blocks() -> list[Block]:
    text = TUTORIAL.read_text()
    found: list[Block] = []
    for number, match in enumerate(_BLOCK.finditer(text), 1):
        line = text.count("\n", 0, match.start("code")) + 1
        found.append(Block(number, line, match.group("code"), (match.group("marker") or "").strip()))
    return found


def runnable() -> list[Block]:
    return [block for block in blocks() if not block.marker]


def mistakes() -> list[Block]:
    return [block for block in blocks() if block.marker.startswith("mypy-errors")]


def test_tutorial_has_examples_and_mistakes() -> None:
    assert len(runnable()) >= 10
    assert {block.marker for block in mistakes()} == {"mypy-errors", "mypy-errors plugin"}
    assert all(block.marker in ("mypy-errors", "mypy-errors plugin") for block in blocks() if block.marker)


@pytest.mark.timeout(120)
def test_tutorial_examples_run() -> None:
    namespace: dict[str, object] = {"__name__": "tutorial"}
    for block in runnable():
        # Pad with blank lines so a traceback points at the line in tutorial.md.
        code = compile("\n" * (block.line - 1) + block.code, str(TUTORIAL), "exec")
        try:
            exec(code, namespace)
        except Exception as error:
            pytest.fail(f"tutorial.md block {block.number} (line {block.line}) failed: {error!r}")


def _program(upto: Block | None) -> tuple[str, int]:
    """The runnable blocks before ``upto`` (all if None), then ``upto``; and where ``upto`` starts."""
    parts: list[str] = []
    for block in runnable():
        if upto is not None and block.line > upto.line:
            break
        parts.append(block.code)
    start = sum(part.count("\n") for part in parts) + 1
    if upto is not None:
        parts.append(upto.code)
    return "".join(parts), start


def _mypy(files: list[Path], tmp: Path, plugin: bool) -> str:
    config = tmp / ("plugin.ini" if plugin else "plain.ini")
    config.write_text("[mypy]\nstrict = True\npython_version = 3.11\n" + ("plugins = wsgitypes.mypy\n" if plugin else ""))
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(tmp / "cache"),
         "--no-error-summary", "--show-error-codes", *map(str, files)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )
    return done.stdout + done.stderr


@pytest.mark.timeout(600)
@pytest.mark.parametrize("plugin", [False, True], ids=["mypy", "mypy+plugin"])
def test_tutorial_type_checks(plugin: bool, tmp_path: Path) -> None:
    if plugin:
        pytest.importorskip("wsgitypes.mypy")
    main = tmp_path / "tutorial_examples.py"
    main.write_text(_program(None)[0])
    files = [main]
    expected: dict[Path, set[tuple[int, str]]] = {main: set()}
    for block in mistakes():
        if ("plugin" in block.marker) != plugin:
            continue
        source, start = _program(block)
        path = tmp_path / f"tutorial_mistake_{block.number}.py"
        path.write_text(source)
        files.append(path)
        expected[path] = {
            (start + offset, code)
            for offset, line in enumerate(block.code.splitlines())
            for code in _EXPECTED.findall(line)
        }
        assert expected[path], f"block {block.number} announces no error"
    output = _mypy(files, tmp_path, plugin)
    got: dict[Path, set[tuple[int, str]]] = {path.resolve(): set() for path in files}
    for match in _MYPY_LINE.finditer(output):
        got[Path(match.group("file")).resolve()].add((int(match.group("line")), match.group("code")))
    for path in files:
        assert got[path.resolve()] == expected[path], f"{path.name}:\n{output}"
