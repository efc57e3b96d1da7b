"""A committee change submitted to Admin as an authority-signed COMMITTEE_CHANGE ledger
transaction (with the committee's authority signature) commits with an OK receipt;
validators and followers schedule it from the same round and keep committing afterwards."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from consensus.committee import Committee, Validator
from consensus.crypto import Ed25519Signer
from drex_node.api.stubs import admin_pb2, admin_pb2_grpc, ledger_pb2, ledger_pb2_grpc, types_pb2
from drex_node.node.node import Node
from drex_node.node.reconfig import SCHEDULED, build_change
from drex_node.runtime.blocks import RECORDS_NS
from drex_node.runtime.carrier import unwrap, wrap
from drex_node.storage.rocks import RocksStore
from drex_node.testnet.layout import CHAIN_ID
from tests.e2e.conftest import _free_base
from tests.integration.node.netkit import (
    make_network,
    node_config,
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
        ledger = ledger_pb2_grpc.LedgerStub(cb)

        async def send(tx: bytes) -> types_pb2.SubmitResult:
            req = admin_pb2.SubmitAuthorityTransactionRequest(tx=tx)
            return (await admin.SubmitAuthorityTransaction(req)).result

        current = bcb.committees()[-1]
        v = current.validators[0]
        nxt = Committee.create(1, [Validator(v.id, v.public_key, 2, v.address)])
        authority = user("authority")
        acc = await ledger.GetAccount(ledger_pb2.GetAccountRequest(address=authority.address))
        nonce = acc.account.nonce
        good = build_change(CHAIN_ID, nxt, nonce, 10_000, authority.seed)
        tx, signature = unwrap(good)  # type: ignore[misc]
        # The committee signed by another key: refused before it reaches a lane.
        forged = nxt.signed(Ed25519Signer(b"\x01" * 32)).authority_signature
        r = await send(wrap(tx, forged))
        assert (r.status, r.reason) == (types_pb2.SUBMIT_STATUS_REJECTED, "bad_committee_change")
        # Without the committee signature: refused by Admin, and by the Ledger service.
        r = await send(tx)
        assert (r.status, r.reason) == (types_pb2.SUBMIT_STATUS_REJECTED, "bad_committee_change")
        res = await submit(cb, [tx])
        assert res.results[0].reason == "committee_change_via_admin"
        # Signed by a non-authority account: refused.
        other = build_change(CHAIN_ID, nxt, 1, 10_000, user("user-N-0").seed)
        r = await send(other)
        assert (r.status, r.reason) == (types_pb2.SUBMIT_STATUS_REJECTED, "not_authority")
        r = await send(good)
        assert r.status == types_pb2.SUBMIT_STATUS_ACCEPTED
        w = await ledger.WaitForCommit(
            ledger_pb2.WaitForCommitRequest(tx_hash=r.tx_hash, timeout_ms=20_000)
        )
        assert w.transaction.status == types_pb2.TX_STATUS_COMMITTED  # the ledger applied it
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
        # A follower restarted after the change keeps the schedule it had: it goes on
        # verifying the new committee's certificates (it rebuilt it from genesis before).
        await edge.stop()
        edge = nodes["pay-e"] = Node(node_config(net, "pay-e"))
        assert edge.committee_schedule().entries == bcb.committee_schedule().entries
        # Without the saved change (a crash right after the block's commit, or a follower
        # from before changes were saved) it is rebuilt from the ledger's record.
        edge.store.close()
        db = RocksStore(Path(next(e for e in net.nodes if e.name == "pay-e").dir) / "data" / "db")
        db.delete(RECORDS_NS, SCHEDULED + (1).to_bytes(8, "big"))
        db.close()
        edge = nodes["pay-e"] = Node(node_config(net, "pay-e"))
        assert edge.committee_schedule().entries == bcb.committee_schedule().entries
        await edge.start()
        res = await submit(cb, [transfer("user-N-0", "user-S-1", 1, 2)])
        w = await ledger.WaitForCommit(
            ledger_pb2.WaitForCommitRequest(tx_hash=res.results[0].tx_hash, timeout_ms=20_000)
        )
        assert w.transaction.status == types_pb2.TX_STATUS_COMMITTED
        assert await wait_until(lambda: edge.core.height == bcb.core.height, 30)
        assert edge.core.root == bcb.core.root
        # A follower that lost its disk replays the chain through the change. It reads
        # blocks ahead of the one it applies; those read before the change was applied
        # are checked again against the new schedule before they are applied.
        await edge.stop()
        shutil.rmtree(Path(next(e for e in net.nodes if e.name == "pay-e").dir) / "data")
        edge = nodes["pay-e"] = Node(node_config(net, "pay-e"))
        await edge.start()
        assert await wait_until(lambda: edge.core.height == bcb.core.height, 30)
        assert edge.core.root == bcb.core.root
        assert edge.committee_schedule().entries == bcb.committee_schedule().entries
    finally:
        await cb.close()
        for n in nodes.values():
            await n.stop()


def test_committee_change_through_admin(tmp_path: Path) -> None:
    asyncio.run(scenario(tmp_path))
