"""A network whose genesis selects the Shoal-style commit rule (ADR 0078) and a GC depth
other than the default (ADR 0081), which every validator's engine takes: four validators,
an edge (full follower) and a partition-scoped tier2 in one process over real mTLS and
RocksDB. Blocks are anchored in odd rounds too, followers accept them, and every node
reaches the same state root."""

from __future__ import annotations

import asyncio
from pathlib import Path

from drex_node.api.stubs import ledger_pb2, ledger_pb2_grpc, types_pb2
from tests.e2e.conftest import _free_base
from tests.integration.node.netkit import (
    VALIDATORS,
    make_network,
    operator_channel,
    start_nodes,
    submit,
    transfer,
    wait_until,
)

NODES = (*VALIDATORS, ("pay-e", "edge"), ("coop-d", "tier2"))


async def scenario(tmp: Path) -> None:
    net = make_network(tmp, NODES, _free_base(6), commit_rule="shoal", gc_depth=8)
    nodes = await start_nodes(net)
    edge = next(e for e in net.nodes if e.name == "pay-e")
    ch = operator_channel(net, edge.address)
    stub = ledger_pb2_grpc.LedgerStub(ch)
    try:
        assert all(n.genesis.commit_rule == "shoal" for n in nodes.values())
        assert all(n.genesis.gc_depth == 8 for n in nodes.values())
        engines = [n.driver.engine for n in nodes.values() if n.driver is not None]
        assert len(engines) == 4 and all(e.cfg.gc_depth == 8 for e in engines)
        hashes = []
        for nonce in range(1, 9):  # spread over several rounds
            res = await submit(ch, [transfer("user-N-0", "user-S-0", 1, nonce)])
            assert res.results[0].status == types_pb2.SUBMIT_STATUS_FORWARDED, res
            hashes.append(res.results[0].tx_hash)
            await asyncio.sleep(0.1)
        for h in hashes:
            w = await stub.WaitForCommit(
                ledger_pb2.WaitForCommitRequest(tx_hash=h, timeout_ms=30_000)
            )
            assert w.transaction.status == types_pb2.TX_STATUS_COMMITTED, w
        bcb = nodes["bcb"]
        assert await wait_until(
            lambda: all(n.core.height >= bcb.core.height for n in nodes.values()), timeout=30
        )
        h = min(n.core.height for n in nodes.values())
        assert len({n.core.record(h).block_hash for n in nodes.values()}) == 1
        same = [n.core.root for n in nodes.values() if n.core.height == h]
        assert len(set(same)) == 1
        rounds = [bcb.core.record(i).leader_round for i in range(1, bcb.core.height + 1)]
        assert any(r % 2 for r in rounds), rounds  # odd-round anchors committed
        assert rounds == sorted(rounds) and len(set(rounds)) == len(rounds)
    finally:
        await ch.close()
        for n in nodes.values():
            await n.stop()


def test_shoal_network_commits_and_followers_agree(tmp_path: Path) -> None:
    asyncio.run(asyncio.wait_for(scenario(tmp_path), 150))
