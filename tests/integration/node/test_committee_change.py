"""A committee change admitted by the Admin service goes through consensus; validators and
followers schedule it from the same round and keep committing afterwards."""

from __future__ import annotations

import asyncio
from pathlib import Path

from consensus.committee import Committee, Validator
from consensus.crypto import Ed25519Signer
from drex_node.api.stubs import admin_pb2, admin_pb2_grpc, ledger_pb2, ledger_pb2_grpc, types_pb2
from drex_node.node.reconfig import decode_change, encode_change
from tests.e2e.conftest import _free_base
from tests.integration.node.netkit import (
    make_network,
    operator_channel,
    start_nodes,
    submit,
    transfer,
    user,
    wait_until,
)


async def scenario(tmp: Path) -> None:
    net = make_network(tmp, (("bcb", "central-bank"), ("pay-e", "edge")), _free_base(4))
    nodes = await start_nodes(net)
    bcb, edge = nodes["bcb"], nodes["pay-e"]
    cb = operator_channel(net, net.nodes[0].address)
    try:
        admin = admin_pb2_grpc.AdminStub(cb)
        current = bcb.committees()[-1]
        v = current.validators[0]
        nxt = Committee.create(1, [Validator(v.id, v.public_key, 2, v.address)])
        bad = nxt.signed(Ed25519Signer(b"\x01" * 32))
        r = await admin.SubmitAuthorityTransaction(
            admin_pb2.SubmitAuthorityTransactionRequest(tx=encode_change(bad))
        )
        assert (r.result.status, r.result.reason) == (
            types_pb2.SUBMIT_STATUS_REJECTED,
            "bad_committee_change",
        )
        good = nxt.signed(Ed25519Signer(user("authority").seed))
        assert decode_change(encode_change(good)) == good
        r = await admin.SubmitAuthorityTransaction(
            admin_pb2.SubmitAuthorityTransactionRequest(tx=encode_change(good))
        )
        assert r.result.status == types_pb2.SUBMIT_STATUS_ACCEPTED
        assert await wait_until(lambda: len(bcb.committees()) == 2, 20)
        assert await wait_until(lambda: len(edge.committees()) == 2, 20)
        assert bcb.committee_schedule().entries == edge.committee_schedule().entries
        got = await admin.GetCommittee(admin_pb2.GetCommitteeRequest(epoch=1))
        assert got.committee.members[0].weight == 2
        first = bcb.committee_schedule().entries[-1][0]
        assert await wait_until(lambda: bcb.driver.engine.dag.highest_round > first + 2, 60)
        ch = operator_channel(net, net.nodes[1].address)
        res = await submit(ch, [transfer("user-N-0", "user-S-1", 1, 1)])
        w = await ledger_pb2_grpc.LedgerStub(ch).WaitForCommit(
            ledger_pb2.WaitForCommitRequest(tx_hash=res.results[0].tx_hash, timeout_ms=20_000)
        )
        assert w.transaction.status == types_pb2.TX_STATUS_COMMITTED
        assert await wait_until(lambda: edge.core.height == bcb.core.height)
        assert edge.core.root == bcb.core.root
        st = await ledger_pb2_grpc.LedgerStub(ch).GetStatus(ledger_pb2.GetStatusRequest())
        assert st.epoch == 1
        await ch.close()
    finally:
        await cb.close()
        for n in nodes.values():
            await n.stop()


def test_committee_change_through_admin(tmp_path: Path) -> None:
    asyncio.run(scenario(tmp_path))
