"""(d) Bad input and unauthorized callers against the real nodes: the right status code,
a machine-readable reason, and no change to any node's state."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from drex_node.api.errors import status_of
from drex_node.api.stubs import (
    consensus_pb2,
    consensus_pb2_grpc,
    ledger_pb2,
    ledger_pb2_grpc,
    types_pb2,
)
from drex_node.genesis.dev import key
from drex_node.ledger.codes import TxType
from drex_node.ledger.tx import build
from drex_node.net.channel import secure_channel_sync
from drex_node.security.acl import METHOD_GRANTS, Authorizer
from drex_node.security.identity import Identity, Role
from drex_node.security.pki import create_ca, issue_certificate
from drex_node.security.store import NodeCredentials, load_ca, load_credentials
from drex_node.testnet.layout import Network
from tests.e2e.conftest import converge, node

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("e2e")]
REJECTED = types_pb2.SUBMIT_STATUS_REJECTED
DUPLICATE = types_pb2.SUBMIT_STATUS_DUPLICATE


def creds_for(net: Network, identity: Identity, foreign: bool = False) -> NodeCredentials:
    ca = create_ca() if foreign else load_ca(Path(net.dir, "pki"))
    leaf = issue_certificate(ca, identity, "e2e")
    trusted = load_ca(Path(net.dir, "pki")).cert_pem
    return NodeCredentials(trusted, leaf.cert_pem, leaf.key_pem)


def user(name: str):  # type: ignore[no-untyped-def]
    return key(f"drex-testnet/{name}")


def transfer(src: str, dst: str, amount: int, nonce: int, chain: str = "drex-testnet") -> bytes:
    return build(
        chain,
        TxType.TRANSFER,
        [user(dst).address, "DREX", amount, b"e2e"],
        nonce,
        10**9,
        [user(src).seed],
    )


def submit(stub: ledger_pb2_grpc.LedgerStub, tx: bytes) -> types_pb2.SubmitResult:
    return stub.SubmitTransaction(ledger_pb2.SubmitTransactionRequest(tx=tx), timeout=10).result


def code_of(call) -> tuple[grpc.StatusCode | None, str | None]:  # type: ignore[no-untyped-def]
    try:
        call()
    except grpc.RpcError as exc:
        return status_of(exc)
    return grpc.StatusCode.OK, None


def test_bad_input_is_refused_and_changes_nothing(network: Network) -> None:
    before = converge(network)
    ops = load_credentials(network.operator_dir)
    edge = ledger_pb2_grpc.LedgerStub(secure_channel_sync(node(network, "pay-e").address, ops))
    val = ledger_pb2_grpc.LedgerStub(secure_channel_sync(node(network, "bank-a").address, ops))
    sender, dst = "user-CO-7", "user-SE-3"
    acct = edge.GetAccount(ledger_pb2.GetAccountRequest(address=user(sender).address)).account
    nonce = acct.nonce
    for stub in (edge, val):
        r = submit(stub, b"\xc1 not msgpack")
        assert (r.status, r.reason) == (REJECTED, "malformed")
        r = submit(stub, b"\x92" + b"\x00" * 20_000)
        assert (r.status, r.reason) == (REJECTED, "oversized")
        good = transfer(sender, dst, 5, nonce)
        bad_sig = good[:-3] + bytes([good[-3] ^ 1]) + good[-2:]
        r = submit(stub, bad_sig)
        assert (r.status, r.reason) == (REJECTED, "bad_signature")
        r = submit(stub, transfer(sender, dst, 5, nonce, chain="other-chain"))
        assert (r.status, r.reason) == (REJECTED, "wrong_chain")
        r = submit(stub, transfer(sender, dst, 5, nonce + 10_000))
        assert (r.status, r.reason) == (REJECTED, "nonce_too_far")
        code, reason = code_of(lambda s=stub: submit(s, b""))
        assert (code, reason) == (grpc.StatusCode.INVALID_ARGUMENT, "empty_field")
        code, _ = code_of(lambda s=stub: submit(s, b"\x00" * (9 * 1024 * 1024)))
        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
        code, reason = code_of(
            lambda s=stub: s.SubmitBatch(
                ledger_pb2.SubmitBatchRequest(txs=[b"x"] * 2000), timeout=10
            )
        )
        assert (code, reason) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "too_many_items")
    mid = converge(network)
    assert all(s["state_root"] == mid[0]["state_root"] for s in mid)
    after_bad = edge.GetAccount(ledger_pb2.GetAccountRequest(address=user(sender).address))
    assert after_bad.account.nonce == nonce and after_bad.account.balances == acct.balances
    # One valid transfer, then its replay and a same-nonce variant.
    good = transfer(sender, dst, 5, nonce)
    r = submit(edge, good)
    assert r.status == types_pb2.SUBMIT_STATUS_FORWARDED, r
    w = edge.WaitForCommit(ledger_pb2.WaitForCommitRequest(tx_hash=r.tx_hash, timeout_ms=20_000))
    assert w.transaction.status == types_pb2.TX_STATUS_COMMITTED
    for stub in (edge, val):
        r = submit(stub, good)
        assert (r.status, r.reason) == (DUPLICATE, "committed")
        r = submit(stub, transfer(sender, dst, 6, nonce))
        assert (r.status, r.reason) == (REJECTED, "nonce_replay")
    end = converge(network)
    assert end[0]["height"] >= before[0]["height"]
    acc = edge.GetAccount(ledger_pb2.GetAccountRequest(address=user(sender).address)).account
    assert acc.nonce == nonce + 1
    assert int(acc.balances["DREX"]) == int(acct.balances["DREX"]) - 5


def _call(channel: grpc.Channel, method: str) -> grpc.StatusCode | tuple[grpc.StatusCode, str]:
    ident = (lambda x: x), (lambda x: x)
    try:
        if method.endswith(("StreamBlocks", "StreamCommitted", "StreamAuditBlocks", "Watch")):
            it = channel.unary_stream(method, *ident)(b"", timeout=1.0)
            next(iter(it))
        elif method.endswith("SendStream"):
            channel.stream_unary(method, *ident)(iter(()), timeout=5)
        elif method.endswith("ServerReflectionInfo"):
            list(channel.stream_stream(method, *ident)(iter(()), timeout=5))
        else:
            channel.unary_unary(method, *ident)(b"", timeout=5)
    except grpc.RpcError as exc:
        code, reason = status_of(exc)
        assert code is not None
        return (code, reason or "")
    return grpc.StatusCode.OK


IDENTITIES = [
    Identity("bcb", Role.CENTRAL_BANK),
    Identity("bank-z", Role.TIER1),
    Identity("coop-z", Role.TIER2),
    Identity("exch-z", Role.TIER3),
    Identity("pay-z", Role.EDGE),
    Identity("regulator", Role.AUDIT),
    Identity("bcb", Role.OPERATOR),
    Identity("bank-z", Role.OPERATOR),
    Identity("wallet-z", Role.CLIENT),
]


def test_role_method_matrix_on_the_central_bank_node(network: Network) -> None:
    address = node(network, "bcb").address
    authz = Authorizer(central_bank_institution="bcb")
    failures = []
    for ident in IDENTITIES:
        with secure_channel_sync(address, creds_for(network, ident)) as ch:
            for method in sorted(METHOD_GRANTS):
                got = _call(ch, method)
                denied = isinstance(got, tuple) and got == (
                    grpc.StatusCode.PERMISSION_DENIED,
                    "role_not_allowed",
                )
                if denied == authz.allowed(method, ident):
                    failures.append((str(ident), method, got))
    assert not failures, "\n".join(f"{i} {m} {g}" for i, m, g in failures)


def test_consensus_sender_must_match_certificate(network: Network) -> None:
    before = converge(network)
    address = node(network, "bank-a").address
    with secure_channel_sync(address, creds_for(network, Identity("bank-b", Role.TIER1))) as ch:
        stub = consensus_pb2_grpc.ConsensusStub(ch)
        env = consensus_pb2.ConsensusEnvelope(sender="bank-c", payload=b"\x93\x01\x02\x03")
        code, reason = code_of(lambda: stub.Send(env, timeout=5))
        assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "sender_mismatch")
        # The right sender with garbage: accepted for the engine, recorded as a fault.
        env = consensus_pb2.ConsensusEnvelope(sender="bank-b", payload=b"\xc1garbage")
        assert stub.Send(env, timeout=5).accepted == 1
    with secure_channel_sync(address, creds_for(network, Identity("pay-e", Role.EDGE))) as ch:
        stub = consensus_pb2_grpc.ConsensusStub(ch)
        env = consensus_pb2.ConsensusEnvelope(sender="pay-e", payload=b"\x00")
        code, reason = code_of(lambda: stub.Send(env, timeout=5))
        assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "role_not_allowed")
    foreign = creds_for(network, Identity("bank-b", Role.TIER1), foreign=True)
    with secure_channel_sync(address, foreign) as ch:
        code, _ = code_of(
            lambda: ledger_pb2_grpc.LedgerStub(ch).GetStatus(
                ledger_pb2.GetStatusRequest(), timeout=5
            )
        )
        assert code == grpc.StatusCode.UNAVAILABLE
    after = converge(network)
    assert after[0]["height"] >= before[0]["height"]
