"""STYLE habit 3: package boundaries are enforced by a test, not by memory.

- ``consensus`` is sans-IO: it imports nothing from drex_node, grpc, asyncio,
  rocksdict, time, random or os.
- ``zkp`` imports nothing from drex_node, grpc, asyncio or rocksdict, and its
  verification code takes no time or ``random`` input.
- Only ``drex_node.api`` and ``drex_node.net`` import the generated gRPC code.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    "consensus": {"drex_node", "grpc", "asyncio", "rocksdict", "time", "random", "os", "uvloop"},
    "zkp": {"drex_node", "grpc", "asyncio", "rocksdict", "random", "time", "uvloop"},
}
GENERATED = "drex_node.api._generated"
GENERATED_ALLOWED = ("drex_node/api/", "drex_node/net/")


def _python_files(package: str) -> Iterator[Path]:
    yield from sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_forbidden_modules(package: str) -> None:
    bad = []
    for path in _python_files(package):
        for lineno, name in _imports(path):
            if name.split(".")[0] in FORBIDDEN[package]:
                bad.append(f"{path.relative_to(ROOT)}:{lineno} imports {name}")
    assert not bad, "boundary violations:\n" + "\n".join(bad)


def test_only_api_and_net_import_generated_code() -> None:
    bad = []
    for package in ("drex_node", "consensus", "zkp", "benchmarks"):
        for path in _python_files(package):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith(GENERATED_ALLOWED):
                continue
            for lineno, name in _imports(path):
                if name.startswith(GENERATED):
                    bad.append(f"{rel}:{lineno} imports {name}")
    assert not bad, "generated code imported outside drex_node.api/net:\n" + "\n".join(bad)


def test_checker_detects_a_violation(tmp_path: Path) -> None:
    """Positive control: the import scanner does see imports."""
    sample = tmp_path / "m.py"
    sample.write_text("import time\nfrom grpc import aio\n", encoding="utf-8")
    assert [n for _, n in _imports(sample)] == ["time", "grpc"]
