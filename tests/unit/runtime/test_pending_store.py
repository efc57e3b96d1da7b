"""Pending table bookkeeping and the engine storage adapter's conformance."""

from __future__ import annotations

import asyncio

from consensus.storage import check_storage_conformance
from drex_node.ledger.codes import Reason
from drex_node.ledger.receipts import Receipt
from drex_node.runtime.engine_store import CONSENSUS_NS, KVEngineStorage
from drex_node.runtime.pending import PendingTable
from drex_node.storage import MemoryStore


def test_engine_storage_passes_the_engine_conformance_suite() -> None:
    store = MemoryStore()
    backend = KVEngineStorage(store)
    check_storage_conformance(backend)
    assert CONSENSUS_NS in store.namespaces()
    backend.sync_now()


def test_pending_resolves_waiters_and_bounds() -> None:
    async def run() -> None:
        table = PendingTable(capacity=2, timeout_s=60)
        table.add(b"a" * 32, b"raw-a")
        table.add(b"b" * 32)
        assert len(table) == 2 and table.room() == 0 and b"a" * 32 in table
        fut = table.wait(b"a" * 32)
        assert fut is not None and table.wait(b"z" * 32) is None
        receipt = Receipt(b"a" * 32, 3, 0, Reason.OK)
        lat = table.resolve([receipt, Receipt(b"q" * 32, 3, 1, Reason.OK)])
        assert len(lat) == 1 and await fut == receipt
        assert table.stale(0.0, 10) == []  # only entries with raw bytes are resubmitted
        table.discard(b"b" * 32)
        assert len(table) == 0

    asyncio.run(run())


def test_pending_expiry_and_resubmission() -> None:
    async def run() -> None:
        table = PendingTable(capacity=10, timeout_s=0.0)
        table.add(b"a" * 32, b"raw")
        assert table.stale(0.0, 10) == [b"raw"]
        fut = table.wait(b"a" * 32)
        assert table.expire() == 1 and fut is not None and await fut is None

    asyncio.run(run())
