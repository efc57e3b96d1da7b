"""The committed generated code is exactly what proto/generate.py produces."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]
COMMITTED = ROOT / "drex_node" / "api" / "_generated"


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "drex_proto_generate", ROOT / "proto" / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_generated_code_matches_protos(generator: ModuleType) -> None:
    drifted = generator.drift(COMMITTED)
    assert drifted == [], f"run `python proto/generate.py`; drifted: {drifted}"


def test_drift_is_detected(generator: ModuleType, tmp_path: Path) -> None:
    """Positive control: an edited, a missing and an extra file are all reported."""
    copy = tmp_path / "gen"
    shutil.copytree(COMMITTED, copy, ignore=shutil.ignore_patterns("__pycache__"))
    edited = copy / "drex" / "ledger" / "v1" / "ledger_pb2.py"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# edit\n", encoding="utf-8")
    (copy / "drex" / "audit" / "v1" / "audit_pb2.pyi").unlink()
    (copy / "drex" / "extra_pb2.py").write_text("", encoding="utf-8")
    assert generator.drift(copy) == [
        "drex/audit/v1/audit_pb2.pyi",
        "drex/extra_pb2.py",
        "drex/ledger/v1/ledger_pb2.py",
    ]


def test_generated_modules_import_only_through_the_package(generator: ModuleType) -> None:
    for path in COMMITTED.rglob("*.py*"):
        text = path.read_text(encoding="utf-8")
        assert "\nfrom drex." not in text and "\nimport drex." not in text, path
        assert "sys.path" not in text, path


def test_every_service_is_generated() -> None:
    from drex_node.api._generated.drex.admin.v1 import admin_pb2
    from drex_node.api._generated.drex.audit.v1 import audit_pb2
    from drex_node.api._generated.drex.consensus.v1 import consensus_pb2
    from drex_node.api._generated.drex.ledger.v1 import ledger_pb2

    services = {
        name
        for module in (ledger_pb2, consensus_pb2, admin_pb2, audit_pb2)
        for name in module.DESCRIPTOR.services_by_name
    }
    assert services == {"Ledger", "Consensus", "Admin", "Audit"}
