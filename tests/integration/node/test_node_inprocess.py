"""A validator and an edge node in one process over real mTLS: admission, commit, reads,
status, admin and audit services, and restart from the last committed block."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import grpc
import pytest

from drex_node.api.stubs import (
    admin_pb2,
    admin_pb2_grpc,
    audit_pb2,
    audit_pb2_grpc,
    ledger_pb2,
    ledger_pb2_grpc,
    types_pb2,
)
from drex_node.ledger.codes import TxType
from drex_node.ledger.tx import build
from drex_node.net.channel import secure_channel
from drex_node.node.node import Node
from drex_node.security.identity import Identity, Role
from tests.e2e.conftest import _free_base
from tests.e2e.test_e2e_security import creds_for
from tests.integration.node.netkit import (
    CHAIN_ID,
    make_network,
    node_config,
    operator_channel,
    start_nodes,
    submit,
    transfer,
    user,
    wait_until,
)

NODES = (("bcb", "central-bank"), ("pay-e", "edge"))


async def scenario(tmp: Path) -> None:
    net = make_network(tmp, NODES, _free_base(4))
    nodes = await start_nodes(net)
    bcb, edge = nodes["bcb"], nodes["pay-e"]
    ch = operator_channel(net, net.nodes[1].address)
    stub = ledger_pb2_grpc.LedgerStub(ch)
    try:
        txs = [transfer("user-N-0", "user-S-1", 5, n) for n in (1, 2, 3)]
        txs.append(transfer("user-N-1", "user-S-1", 10**12, 1))  # admitted, fails at execution
        res = await submit(ch, txs)
        assert [r.status for r in res.results] == [types_pb2.SUBMIT_STATUS_FORWARDED] * 4
        last = res.results[-1].tx_hash
        w = await stub.WaitForCommit(
            ledger_pb2.WaitForCommitRequest(tx_hash=last, timeout_ms=15_000)
        )
        assert w.transaction.status == types_pb2.TX_STATUS_REJECTED
        assert w.transaction.reason == "insufficient_funds"
        for r in res.results[:3]:
            info = await stub.GetTransaction(ledger_pb2.GetTransactionRequest(tx_hash=r.tx_hash))
            assert info.transaction.status == types_pb2.TX_STATUS_COMMITTED
        assert await wait_until(lambda: edge.core.height == bcb.core.height)
        assert edge.core.root == bcb.core.root
        # Each node decoded each transaction once (admission); its block reused that.
        assert bcb.core.decoded == {} and edge.core.decoded == {}
        acc = await stub.GetAccount(ledger_pb2.GetAccountRequest(address=user("user-N-0").address))
        assert acc.account.nonce == 4 and acc.account.balances["DREX"] == str(1_000_000 - 15)
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.GetAccount(ledger_pb2.GetAccountRequest(address=b"\x01" * 32))
        assert info.value.code() == grpc.StatusCode.NOT_FOUND
        st = await stub.GetStatus(ledger_pb2.GetStatusRequest())
        assert (st.role, st.node_name, st.healthy) == ("edge", "pay-e", True)
        assert [m.validator_id for m in st.committee.members] == ["bcb"]
        blocks = stub.StreamBlocks(ledger_pb2.StreamBlocksRequest(from_height=1))
        first = await blocks.__aiter__().__anext__()
        assert first.height == 1 and first.state_root
        blocks.cancel()

        # Admin on the central bank node: only authority-signed transactions pass.
        cb = operator_channel(net, net.nodes[0].address)
        admin = admin_pb2_grpc.AdminStub(cb)
        not_auth = await admin.SubmitAuthorityTransaction(
            admin_pb2.SubmitAuthorityTransactionRequest(tx=transfer("user-S-0", "user-N-0", 1, 1))
        )
        assert not_auth.result.reason == "not_authority"
        mint = build(
            CHAIN_ID,
            TxType.MINT,
            [user("user-S-0").address, "DREX", 77],
            1,
            10**9,
            [user("authority").seed],
        )
        ok = await admin.SubmitAuthorityTransaction(
            admin_pb2.SubmitAuthorityTransactionRequest(tx=mint)
        )
        assert ok.result.status == types_pb2.SUBMIT_STATUS_ACCEPTED
        cstub = ledger_pb2_grpc.LedgerStub(cb)
        w = await cstub.WaitForCommit(
            ledger_pb2.WaitForCommitRequest(tx_hash=ok.result.tx_hash, timeout_ms=15_000)
        )
        assert w.transaction.status == types_pb2.TX_STATUS_COMMITTED
        committee = await admin.GetCommittee(admin_pb2.GetCommitteeRequest())
        assert committee.committee.members[0].validator_id == "bcb"
        await cb.close()
        regulator = creds_for(net, Identity("regulator", Role.AUDIT))
        async with secure_channel(net.nodes[0].address, regulator) as ach:
            audit = audit_pb2_grpc.AuditStub(ach).StreamAuditBlocks(
                audit_pb2.StreamAuditBlocksRequest(from_height=1)
            )
            ab = await audit.__aiter__().__anext__()
            assert ab.block.height == 1
            audit.cancel()

        # Restart the validator: it resumes from its last block and keeps committing.
        await bcb.stop()
        height, root = bcb.core.height, bcb.core.root
        from drex_node.node.node import Node
        from tests.integration.node.netkit import node_config

        again = Node(node_config(net, "bcb"))
        assert (again.core.height, again.core.root) == (height, root)
        await again.start()
        nodes["bcb"] = again
        res = await submit(ch, [transfer("user-N-0", "user-S-1", 1, 4)])
        w = await stub.WaitForCommit(
            ledger_pb2.WaitForCommitRequest(tx_hash=res.results[0].tx_hash, timeout_ms=20_000)
        )
        assert w.transaction.status == types_pb2.TX_STATUS_COMMITTED
        assert w.transaction.block_height > height
    finally:
        await ch.close()
        for n in nodes.values():
            if n.healthy:
                await n.stop()


def test_validator_and_edge_in_process(tmp_path: Path) -> None:
    asyncio.run(scenario(tmp_path))


async def partitions_scenario(tmp: Path) -> None:
    net = make_network(tmp, NODES, _free_base(4))
    cfg = node_config(net, "pay-e")
    edge_cfg = replace(cfg, node=replace(cfg.node, partitions=("N", "NE")))
    bcb = Node(node_config(net, "bcb"))
    edge = Node(edge_cfg)
    await bcb.start()
    await edge.start()
    ch = operator_channel(net, net.nodes[1].address)
    try:
        stub = ledger_pb2_grpc.LedgerStub(ch)
        ok = await stub.GetAccount(ledger_pb2.GetAccountRequest(address=user("user-N-0").address))
        assert ok.account.partition == "N"
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.GetAccount(ledger_pb2.GetAccountRequest(address=user("user-S-0").address))
        assert info.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    finally:
        await ch.close()
        await edge.stop()
        await bcb.stop()


def test_edge_serves_reads_of_its_partitions_only(tmp_path: Path) -> None:
    asyncio.run(partitions_scenario(tmp_path))
