"""A validator that acknowledged a transaction and crashed before it reached a batch hands
it to its lanes again when it restarts (the admitted table is on disk before the ack)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from drex_node.api.stubs import ledger_pb2, ledger_pb2_grpc, types_pb2
from drex_node.node.node import Node
from drex_node.testnet.client import submit_until_committed
from tests.e2e.conftest import _free_base
from tests.integration.node.netkit import (
    VALIDATORS,
    make_network,
    node_config,
    operator_channel,
    start_nodes,
    submit,
    transfer,
    wait_until,
)


async def scenario(tmp: Path) -> None:
    net = make_network(tmp, VALIDATORS, _free_base(8))
    nodes = await start_nodes(net)
    a = nodes["bank-a"]
    ch_a = operator_channel(net, net.nodes[1].address)
    ch_b = operator_channel(net, net.nodes[2].address)
    try:
        assert a.driver is not None
        # The crash window: admitted and acknowledged, but the lanes never saw it.
        a.driver.submit = lambda items: None  # type: ignore[method-assign]
        txs = [transfer("user-N-0", "user-S-1", 5, 1), transfer("user-N-0", "user-S-1", 6, 2)]
        res = await submit(ch_a, txs)
        assert [r.status for r in res.results] == [types_pb2.SUBMIT_STATUS_ACCEPTED] * 2
        assert len(a.admitted) == 2
        await ch_a.close()
        await a.stop()
        nodes["bank-a"] = a = Node(node_config(net, "bank-a"))
        assert len(a.admitted) == 0  # nothing in memory: what follows comes from disk
        await a.start()
        stub = ledger_pb2_grpc.LedgerStub(ch_b)

        async def committed_on_b(tx_hash: bytes) -> bool:
            req = ledger_pb2.GetTransactionRequest(tx_hash=tx_hash)
            info = await stub.GetTransaction(req)
            return bool(info.transaction.status == types_pb2.TX_STATUS_COMMITTED)

        for _ in range(600):
            done = [await committed_on_b(r.tx_hash) for r in res.results]
            if all(done):
                break
            await asyncio.sleep(0.05)
        assert all(done)
        assert await wait_until(lambda: len(a.admitted) == 0, 30)
        heights = {n.core.height for n in nodes.values()}
        assert await wait_until(lambda: a.core.height >= max(heights), 30)
    finally:
        await ch_b.close()
        for n in nodes.values():
            await n.stop()


def test_acknowledged_transaction_survives_validator_crash(tmp_path: Path) -> None:
    asyncio.run(scenario(tmp_path))


async def client_scenario(tmp: Path) -> None:
    net = make_network(tmp, VALIDATORS, _free_base(8))
    nodes = await start_nodes(net)
    try:
        a = nodes["bank-a"]
        assert a.driver is not None
        a.driver.submit = lambda items: None  # type: ignore[method-assign]  # acks, then loses
        dead = "127.0.0.1:1"  # nothing listens there
        addresses = [dead, net.nodes[1].address, net.nodes[2].address]
        tx = transfer("user-N-0", "user-S-1", 7, 1)
        out = await asyncio.to_thread(
            submit_until_committed, addresses, net.operator_dir, tx, 2.0, 6
        )
        assert out["status"] == "COMMITTED"
        assert out["attempts"] == 3 and out["address"] == net.nodes[2].address
        assert await wait_until(lambda: a.core.height >= nodes["bank-b"].core.height - 1)
    finally:
        for n in nodes.values():
            await n.stop()


def test_client_resubmits_to_the_next_entry_point(tmp_path: Path) -> None:
    asyncio.run(client_scenario(tmp_path))
