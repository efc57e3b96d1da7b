"""WaitForCommit leaves no future in the pending table once its wait ends (answered,
timed out or cancelled), and timeout_ms=0 answers with the current status at once.
The pending table, the receipt lookup and the servicer are the real ones; the gRPC
cases run over mTLS on loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import grpc
import pytest

from drex_node.api._generated.drex.ledger.v1 import ledger_pb2, ledger_pb2_grpc, types_pb2
from drex_node.api.backends import TxInfo, TxStatus
from drex_node.api.ledger_servicer import LedgerServicer
from drex_node.ledger.codes import Reason
from drex_node.ledger.commit import NAMESPACES
from drex_node.ledger.receipts import Receipt
from drex_node.ledger.state import RECEIPTS
from drex_node.net.channel import secure_channel_sync
from drex_node.net.server import ServerConfig, Servicers, build_server
from drex_node.node.services import LedgerService, tx_info_from_store
from drex_node.runtime.pending import PendingTable
from drex_node.security.acl import Authorizer
from drex_node.security.identity import Identity, Role
from drex_node.security.store import NodeCredentials
from drex_node.storage.memory import MemoryStore
from tests.integration.api.api_harness import CB, ServerThread, make_pki

TX = b"\x07" * 32
CLIENT = Identity("55555555", Role.CLIENT)


class LedgerNode:
    """What LedgerService reads for WaitForCommit: a pending table and a receipt store."""

    def __init__(self) -> None:
        self.pending = PendingTable(capacity=16, timeout_s=3600)
        store = MemoryStore()
        for ns in NAMESPACES:
            store.create_namespace(ns)
        self.core = SimpleNamespace(store=store)

    def tx_info(self, tx_hash: bytes) -> TxInfo:
        return tx_info_from_store(self, tx_hash)  # type: ignore[arg-type]

    def commit(self, tx_hash: bytes) -> None:
        """What a committed block does: index the receipt, settle the waiters."""
        r = Receipt(tx_hash, 5, 0, Reason.OK)
        self.core.store.put(RECEIPTS, tx_hash, r.encode())
        self.pending.resolve([r])

    def waiters(self, tx_hash: bytes) -> int:
        entry = self.pending._items.get(tx_hash)
        return -1 if entry is None else len(entry.waiters)


def _service() -> tuple[LedgerNode, LedgerService]:
    node = LedgerNode()
    node.pending.add(TX)
    return node, LedgerService(node)  # type: ignore[arg-type]


def test_zero_timeout_answers_now_and_registers_nothing() -> None:
    async def run() -> None:
        node, service = _service()
        for _ in range(10_000):
            info = await service.wait_for_commit(CLIENT, TX, 0)
            assert info.status is TxStatus.PENDING
        assert node.waiters(TX) == 0

    asyncio.run(run())


def test_timed_out_and_cancelled_waits_leave_no_future() -> None:
    async def run() -> None:
        node, service = _service()
        timed = await asyncio.gather(*(service.wait_for_commit(CLIENT, TX, 5) for _ in range(500)))
        assert {i.status for i in timed} == {TxStatus.PENDING}
        assert node.waiters(TX) == 0
        tasks = [
            asyncio.create_task(service.wait_for_commit(CLIENT, TX, 30_000)) for _ in range(50)
        ]
        await asyncio.sleep(0.01)
        assert node.waiters(TX) == 50
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert all(t.cancelled() for t in tasks)
        assert node.waiters(TX) == 0

    asyncio.run(run())


def test_commit_wakes_the_waiters() -> None:
    async def run() -> None:
        node, service = _service()
        tasks = [asyncio.create_task(service.wait_for_commit(CLIENT, TX, 30_000)) for _ in range(3)]
        await asyncio.sleep(0.01)
        node.commit(TX)
        infos = await asyncio.wait_for(asyncio.gather(*tasks), 5)
        assert [(i.status, i.block_height) for i in infos] == [(TxStatus.COMMITTED, 5)] * 3
        assert node.waiters(TX) == -1 and TX not in node.pending
        # Already final: answered at once whatever the timeout.
        assert (await service.wait_for_commit(CLIENT, TX, 0)).status is TxStatus.COMMITTED

    asyncio.run(run())


# ---- over gRPC ---------------------------------------------------------------------------


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[LedgerNode, ServerThread, NodeCredentials]]:
    creds = make_pki(tmp_path)
    node = LedgerNode()
    thread = ServerThread(
        lambda: build_server(
            creds["server"],
            Servicers(ledger=LedgerServicer(LedgerService(node))),  # type: ignore[arg-type]
            ServerConfig(),
            Authorizer(central_bank_institution=CB),
        )
    )
    yield node, thread, creds["client"]
    thread.close()


def _on_loop(thread: ServerThread, call):  # type: ignore[no-untyped-def]
    """Run ``call`` on the server's event loop (the table lives there)."""

    async def run():  # type: ignore[no-untyped-def]
        return call()

    return thread.run(run())


def _until(thread: ServerThread, node: LedgerNode, waiters: int) -> None:
    for _ in range(500):
        if _on_loop(thread, lambda: node.waiters(TX)) == waiters:
            return
        time.sleep(0.01)
    raise AssertionError(f"waiters never reached {waiters}")


def test_wait_for_commit_over_grpc(
    served: tuple[LedgerNode, ServerThread, NodeCredentials],
) -> None:
    node, thread, creds = served
    _on_loop(thread, lambda: node.pending.add(TX))
    pending = types_pb2.TX_STATUS_PENDING
    with secure_channel_sync(thread.target, creds) as channel:
        stub = ledger_pb2_grpc.LedgerStub(channel)
        for timeout_ms in [0] * 300 + [1] * 20:  # 0 is the proto default
            reply = stub.WaitForCommit(
                ledger_pb2.WaitForCommitRequest(tx_hash=TX, timeout_ms=timeout_ms), timeout=10
            )
            assert reply.transaction.status == pending
        assert _on_loop(thread, lambda: node.waiters(TX)) == 0
        # A client that gives up: its cancelled call takes its future with it.
        gone = stub.WaitForCommit.future(
            ledger_pb2.WaitForCommitRequest(tx_hash=TX, timeout_ms=30_000), timeout=30
        )
        _until(thread, node, 1)
        gone.cancel()
        _until(thread, node, 0)
        with pytest.raises(grpc.FutureCancelledError):
            gone.result()
        # A waiter still there when the block commits is answered with the receipt.
        waiting = stub.WaitForCommit.future(
            ledger_pb2.WaitForCommitRequest(tx_hash=TX, timeout_ms=30_000), timeout=30
        )
        _until(thread, node, 1)
        _on_loop(thread, lambda: node.commit(TX))
        committed = waiting.result(timeout=10).transaction
        assert (committed.status, committed.block_height) == (types_pb2.TX_STATUS_COMMITTED, 5)
