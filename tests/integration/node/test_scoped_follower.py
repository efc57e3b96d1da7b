"""A partition-scoped tier2 (ADR 0077) next to four validators, in one process over real
mTLS and RocksDB: it applies attested outcomes instead of executing, keeps only its
partition, reaches the validators' state root, answers for its partition only, and drops
a source validator that serves it tampered writes."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import grpc
import pytest

from drex_node.api.stubs import ledger_pb2, ledger_pb2_grpc, types_pb2
from drex_node.ledger.execute import packed_writes, unpack_writes
from drex_node.ledger.state import partition_ns
from drex_node.node import services
from drex_node.node.node import Node
from drex_node.node.services import LedgerService
from drex_node.runtime import scopedsync
from drex_node.runtime.outcome import StoredOutcome
from drex_node.security.identity import Identity, Role
from tests.e2e.conftest import _free_base
from tests.integration.node.netkit import (
    VALIDATORS,
    make_network,
    node_config,
    operator_channel,
    start_nodes,
    submit,
    transfer,
    user,
    wait_until,
)

OPERATOR = Identity("operator", Role.OPERATOR)
NODES = (*VALIDATORS, ("coop-d", "tier2"), ("regulator", "audit"))


def _keys(node: Node, ns: str) -> int:
    return sum(1 for _ in node.store.iter_prefix(ns, b""))


async def scenario(tmp: Path, monkeypatch: pytest.MonkeyPatch, fault: str) -> None:
    net = make_network(tmp, NODES, _free_base(8))
    # The source tried first is bcb (first upstream): it serves tampered writes, or it
    # never sends its outcomes while it still attests.
    real = services.get_outcome
    tampered: list[int] = []
    monkeypatch.setattr(scopedsync, "ATTEST_WAIT_S", 1.0)
    if fault == "silent":
        original = services.ConsensusService._outcomes

        async def silent(self, h, attestation_only):  # type: ignore[no-untyped-def]
            if self.node is nodes["bcb"] and not attestation_only:
                tampered.append(h)
                await asyncio.sleep(3600)
            async for view in original(self, h, attestation_only):
                yield view

        monkeypatch.setattr(services.ConsensusService, "_outcomes", silent)

    def bad_outcome(store, height):  # type: ignore[no-untyped-def]
        out = real(store, height)
        if fault == "tamper" and out is not None and store is nodes["bcb"].store:
            tampered.append(height)
            writes = unpack_writes(out.packed_writes)
            writes[(partition_ns("N"), b"a/" + bytes(32))] = b"\x00"  # an invented account
            w = packed_writes(writes)
            return StoredOutcome(w, out.notes, out.digest, out.signer, out.signature)
        return out

    monkeypatch.setattr(services, "get_outcome", bad_outcome)
    nodes = await start_nodes(net, [n for n, _ in VALIDATORS] + ["regulator"])
    cfg = node_config(net, "coop-d")
    scoped = Node(replace(cfg, node=replace(cfg.node, partitions=("N",))))
    await scoped.start()
    nodes["coop-d"] = scoped
    assert scoped.config.node.scoped
    ch = operator_channel(net, scoped.config.network.listen)
    stub = ledger_pb2_grpc.LedgerStub(ch)
    try:
        # N -> S, S -> N (a sender whose partition this node does not keep), and one that
        # is admitted but fails at execution (the receipt must say so here too).
        txs = [
            transfer("user-N-0", "user-S-1", 7, 1),
            transfer("user-S-0", "user-N-1", 11, 1),
            transfer("user-N-2", "user-S-2", 10**12, 1),
        ]
        res = await submit(ch, txs)
        assert [r.status for r in res.results] == [types_pb2.SUBMIT_STATUS_FORWARDED] * 3
        statuses = []
        for r in res.results:
            w = await stub.WaitForCommit(
                ledger_pb2.WaitForCommitRequest(tx_hash=r.tx_hash, timeout_ms=30_000)
            )
            statuses.append((w.transaction.status, w.transaction.reason))
        assert statuses[0][0] == statuses[1][0] == types_pb2.TX_STATUS_COMMITTED
        assert statuses[2] == (types_pb2.TX_STATUS_REJECTED, "insufficient_funds")

        bcb = nodes["bcb"]
        assert await wait_until(
            lambda: (
                scoped.core.height >= bcb.core.height > 0
                and nodes["regulator"].core.height >= bcb.core.height
            ),
            timeout=30,
        )
        h = min(n.core.height for n in nodes.values())
        roots = {n: nd.core.root for n, nd in nodes.items() if nd.core.height == h}
        assert len(set(roots.values())) == 1, roots
        assert tampered, "the faulty source was never asked"
        reason = {"tamper": "contradicted", "silent": "silent"}[fault]
        assert scoped.metrics.sources_dropped.labels(reason)._value.get() >= 1

        # It keeps its partition and the shared namespace, nothing of the others.
        assert _keys(scoped, partition_ns("N")) > 0
        for p in ("NE", "CO", "SE", "S"):
            assert _keys(scoped, partition_ns(p)) == 0, p
            assert _keys(nodes["regulator"], partition_ns(p)) > 0, p
        acc = await stub.GetAccount(ledger_pb2.GetAccountRequest(address=user("user-N-1").address))
        ref = await LedgerService(bcb).get_account(OPERATOR, user("user-N-1").address)
        assert ref is not None
        assert {k: int(v) for k, v in acc.account.balances.items()} == ref.balances
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.GetAccount(ledger_pb2.GetAccountRequest(address=user("user-S-1").address))
        assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION

        # Restart behind the validators: it resumes from its head and catches up, reading
        # the attestation streams at most one height ahead (flow control, not loss).
        await scoped.stop()
        del nodes["coop-d"]
        with pytest.raises(ValueError, match="node.partitions: the data directory keeps"):
            Node(replace(cfg, node=replace(cfg.node, partitions=("N", "S"))))
        vch = operator_channel(net, bcb.config.network.listen)
        try:
            more = [
                transfer(f"user-N-{i}", "user-S-3", 1, 2 if i in (0, 2) else 1) for i in range(4)
            ]
            res = await submit(vch, more)
            assert all(r.status == types_pb2.SUBMIT_STATUS_ACCEPTED for r in res.results), res
            before = scoped.core.height
            assert await wait_until(lambda: bcb.core.height >= before + 3, timeout=30)
        finally:
            await vch.close()
        monkeypatch.setattr(scopedsync, "AHEAD", 1)
        scoped = Node(replace(cfg, node=replace(cfg.node, partitions=("N",))))
        await scoped.start()
        nodes["coop-d"] = scoped
        assert scoped.core.height == before
        assert await wait_until(lambda: scoped.core.height >= bcb.core.height, timeout=30)
        h = scoped.core.height
        assert scoped.core.root == (bcb.core.root if bcb.core.height == h else scoped.core.root)
        assert scoped.core.record(h).block_hash == bcb.core.record(h).block_hash
    finally:
        await ch.close()
        for n in nodes.values():
            await n.stop()


@pytest.mark.parametrize("fault", ["tamper", "silent"])
def test_scoped_tier2_applies_attested_outcomes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    asyncio.run(asyncio.wait_for(scenario(tmp_path, monkeypatch, fault), 180))
