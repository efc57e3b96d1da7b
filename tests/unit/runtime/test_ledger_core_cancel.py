"""A commit cancelled while its block is being written (a node stopping) leaves the head
kept in memory equal to the one on disk: the write cannot be taken back, so the ledger
must not report the height before it."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from drex_node.genesis import parse_genesis
from drex_node.genesis.dev import dev_genesis
from drex_node.metrics import NodeMetrics
from drex_node.policy.host import load_registry
from drex_node.runtime.ledger_core import GivenOutcome, LedgerCore
from drex_node.runtime.pending import PendingTable
from drex_node.runtime.sigpool import SignatureVerifier
from drex_node.storage.rocks import RocksStore


def test_cancel_during_the_write_keeps_memory_equal_to_disk(tmp_path: Path) -> None:
    store = RocksStore(tmp_path / "db")
    doc, _ = dev_genesis()
    core = LedgerCore(
        store,
        parse_genesis(doc),
        load_registry(),
        SignatureVerifier(0),
        PendingTable(100, 10.0),
        NodeMetrics(),
    )
    started, release = threading.Event(), threading.Event()
    new_root = b"\x42" * 32

    def slow_write(cand: Any, result: Any, encoded: Any) -> tuple[Any, Any]:
        started.set()
        release.wait(10)
        return SimpleNamespace(state_root=new_root, receipts=[]), None

    core._write = slow_write  # type: ignore[method-assign]
    cand: Any = SimpleNamespace(
        block=SimpleNamespace(height=core.height + 1),
        record=SimpleNamespace(leader_round=2),
        certs=(),
    )
    given = GivenOutcome(
        result=SimpleNamespace(height=core.height + 1),  # type: ignore[arg-type]
        encoded=([], []),
        prev_root=core.root,
    )

    async def scenario() -> None:
        task = asyncio.ensure_future(core.commit_outcome(cand, given))
        while not started.is_set():
            await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.sleep(0.05)
        assert not task.done()  # still waiting for the thread's write
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task

    before = core.height
    try:
        asyncio.run(scenario())
        assert (core.height, core.root, core.last_round) == (before + 1, new_root, 2)
    finally:
        core.close()
        store.close()
