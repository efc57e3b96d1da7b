"""Replay the ledger vectors under tests/vectors/ledger/ on both storage backends, and
check that the recorded files are exactly what the scenarios produce today."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drex_node.genesis import init_store, parse_genesis
from drex_node.ledger.commit import commit_block
from drex_node.ledger.execute import Block, apply_block
from drex_node.ledger.tx import decode, verify_signatures
from drex_node.policy.host import load_registry
from drex_node.storage import MemoryStore
from drex_node.storage.kv import KVStore
from drex_node.storage.rocks import RocksStore
from tests.vectors.ledger.scenarios import HERE, SCENARIOS, render

FILES = sorted(HERE.glob("*.json"))


def test_every_scenario_has_a_vector_file() -> None:
    assert sorted(p.stem for p in FILES) == sorted(SCENARIOS)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
@pytest.mark.parametrize("backend", ["memory", "rocksdb"])
def test_replay(path: Path, backend: str, tmp_path: Path) -> None:
    vec = json.loads(path.read_text())
    store: KVStore = MemoryStore() if backend == "memory" else RocksStore(tmp_path / "db")
    registry = load_registry()
    root = init_store(store, parse_genesis(vec["pre"]["genesis"]), registry)
    assert root.hex() == vec["pre"]["genesis_root"]
    for step in vec["steps"]:
        txs = tuple(bytes.fromhex(t["bytes"]) for t in step["txs"])
        block = Block(step["height"], step["time_ms"], txs)
        result = apply_block(store, block, registry=registry)
        for t, r in zip(step["txs"], result.receipts, strict=True):
            assert r.tx_hash.hex() == t["hash"]
            assert (r.reason.name, int(r.reason), r.detail, list(r.flags)) == (
                t["receipt"]["reason"],
                t["receipt"]["code"],
                t["receipt"]["detail"],
                t["receipt"]["flags"],
            )
            if "signatures" in t:
                tx = decode(bytes.fromhex(t["bytes"]))
                assert [[pk.hex(), s.hex()] for pk, s in tx.signatures] == t["signatures"]
                assert verify_signatures(tx) == (t["receipt"]["reason"] != "BAD_SIGNATURE")
        assert result.state_root.hex() == step["state_root"]
        commit_block(store, block, result)
    store.close()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_recorded_vectors_are_current(name: str) -> None:
    assert (HERE / f"{name}.json").read_text() == render(name), (
        "vectors drifted: run `python -m tests.vectors.ledger.scenarios --write` and review"
    )
