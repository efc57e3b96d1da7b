"""Every method in the access table x every principal, over real mTLS on loopback.

A call either reaches the stub backend (and succeeds) or is refused with
PERMISSION_DENIED + ``drex-reason``; a served method missing from the table is
refused for everyone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from api_harness import CB, PRINCIPALS, ServerThread, StubNode, make_pki, start_server
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from drex_node.api._generated.drex.admin.v1 import admin_pb2, admin_pb2_grpc
from drex_node.api._generated.drex.audit.v1 import audit_pb2, audit_pb2_grpc
from drex_node.api._generated.drex.consensus.v1 import consensus_pb2, consensus_pb2_grpc
from drex_node.api._generated.drex.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from drex_node.api.errors import reason_of
from drex_node.net.channel import secure_channel_sync
from drex_node.security.acl import METHOD_GRANTS, REFLECTION_V1
from drex_node.security.store import NodeCredentials

H = bytes(range(32))
NODES = {"central-bank", "tier1", "tier2", "tier3", "edge", "audit"}
SUBMITTERS = {
    "central-bank",
    "tier1",
    "tier2",
    "tier3",
    "edge",
    "operator",
    "cb-operator",
    "client",
}
READERS = SUBMITTERS | {"audit"}
VOTERS = {"central-bank", "tier1"}
EVERYONE = set(PRINCIPALS)

# Written out independently of drex_node.security.acl on purpose.
EXPECTED: dict[str, set[str]] = {
    "/drex.ledger.v1.Ledger/SubmitTransaction": SUBMITTERS,
    "/drex.ledger.v1.Ledger/SubmitBatch": SUBMITTERS,
    "/drex.ledger.v1.Ledger/GetAccount": READERS,
    "/drex.ledger.v1.Ledger/GetTransaction": READERS,
    "/drex.ledger.v1.Ledger/WaitForCommit": READERS,
    "/drex.ledger.v1.Ledger/StreamBlocks": READERS,
    "/drex.ledger.v1.Ledger/GetStatus": READERS,
    "/drex.consensus.v1.Consensus/Send": VOTERS,
    "/drex.consensus.v1.Consensus/SendStream": VOTERS,
    "/drex.consensus.v1.Consensus/FetchBatches": VOTERS,
    "/drex.consensus.v1.Consensus/FetchCertificates": VOTERS,
    "/drex.consensus.v1.Consensus/StreamCommitted": NODES,
    "/drex.admin.v1.Admin/SubmitAuthorityTransaction": {"central-bank", "cb-operator"},
    "/drex.admin.v1.Admin/GetCommittee": {"central-bank", "cb-operator"},
    "/drex.audit.v1.Audit/StreamAuditBlocks": {"audit", "central-bank"},
    "/grpc.health.v1.Health/Check": EVERYONE,
    "/grpc.health.v1.Health/Watch": EVERYONE,
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": EVERYONE,
    # Served by a test-only handler, absent from the table: denied by default.
    "/drex.test.v1.Probe/Ping": set(),
}

Call = Callable[[grpc.Channel], Any]


def _first(iterator: Iterator[Any]) -> Any:
    return next(iter(iterator))


CALLS: dict[str, Call] = {
    "/drex.ledger.v1.Ledger/SubmitTransaction": lambda ch: ledger_pb2_grpc.LedgerStub(
        ch
    ).SubmitTransaction(ledger_pb2.SubmitTransactionRequest(tx=b"tx")),
    "/drex.ledger.v1.Ledger/SubmitBatch": lambda ch: ledger_pb2_grpc.LedgerStub(ch).SubmitBatch(
        ledger_pb2.SubmitBatchRequest(txs=[b"a", b"b"])
    ),
    "/drex.ledger.v1.Ledger/GetAccount": lambda ch: ledger_pb2_grpc.LedgerStub(ch).GetAccount(
        ledger_pb2.GetAccountRequest(address=H)
    ),
    "/drex.ledger.v1.Ledger/GetTransaction": lambda ch: ledger_pb2_grpc.LedgerStub(
        ch
    ).GetTransaction(ledger_pb2.GetTransactionRequest(tx_hash=H)),
    "/drex.ledger.v1.Ledger/WaitForCommit": lambda ch: ledger_pb2_grpc.LedgerStub(ch).WaitForCommit(
        ledger_pb2.WaitForCommitRequest(tx_hash=H, timeout_ms=10)
    ),
    "/drex.ledger.v1.Ledger/StreamBlocks": lambda ch: list(
        ledger_pb2_grpc.LedgerStub(ch).StreamBlocks(ledger_pb2.StreamBlocksRequest(from_height=1))
    ),
    "/drex.ledger.v1.Ledger/GetStatus": lambda ch: ledger_pb2_grpc.LedgerStub(ch).GetStatus(
        ledger_pb2.GetStatusRequest()
    ),
    "/drex.consensus.v1.Consensus/Send": lambda ch: consensus_pb2_grpc.ConsensusStub(ch).Send(
        consensus_pb2.ConsensusEnvelope(sender="v0", epoch=1, payload=b"m")
    ),
    "/drex.consensus.v1.Consensus/SendStream": lambda ch: consensus_pb2_grpc.ConsensusStub(
        ch
    ).SendStream(iter([consensus_pb2.ConsensusEnvelope(sender="v0", payload=b"m")] * 3)),
    "/drex.consensus.v1.Consensus/FetchBatches": lambda ch: consensus_pb2_grpc.ConsensusStub(
        ch
    ).FetchBatches(consensus_pb2.FetchBatchesRequest(digests=[H])),
    "/drex.consensus.v1.Consensus/FetchCertificates": lambda ch: consensus_pb2_grpc.ConsensusStub(
        ch
    ).FetchCertificates(
        consensus_pb2.FetchCertificatesRequest(
            rounds=consensus_pb2.RoundRange(from_round=2, to_round=4)
        )
    ),
    "/drex.consensus.v1.Consensus/StreamCommitted": lambda ch: list(
        consensus_pb2_grpc.ConsensusStub(ch).StreamCommitted(consensus_pb2.StreamCommittedRequest())
    ),
    "/drex.admin.v1.Admin/SubmitAuthorityTransaction": lambda ch: admin_pb2_grpc.AdminStub(
        ch
    ).SubmitAuthorityTransaction(admin_pb2.SubmitAuthorityTransactionRequest(tx=b"mint")),
    "/drex.admin.v1.Admin/GetCommittee": lambda ch: admin_pb2_grpc.AdminStub(ch).GetCommittee(
        admin_pb2.GetCommitteeRequest()
    ),
    "/drex.audit.v1.Audit/StreamAuditBlocks": lambda ch: list(
        audit_pb2_grpc.AuditStub(ch).StreamAuditBlocks(audit_pb2.StreamAuditBlocksRequest())
    ),
    "/grpc.health.v1.Health/Check": lambda ch: health_pb2_grpc.HealthStub(ch).Check(
        health_pb2.HealthCheckRequest()
    ),
    "/grpc.health.v1.Health/Watch": lambda ch: _first(
        health_pb2_grpc.HealthStub(ch).Watch(health_pb2.HealthCheckRequest(), timeout=10)
    ),
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": lambda ch: _first(
        reflection_pb2_grpc.ServerReflectionStub(ch).ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")])
        )
    ),
    "/drex.test.v1.Probe/Ping": lambda ch: ch.unary_unary("/drex.test.v1.Probe/Ping")(b"ping"),
}


async def _ping(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    return b"pong"


PROBE = grpc.method_handlers_generic_handler(
    "drex.test.v1.Probe", {"Ping": grpc.unary_unary_rpc_method_handler(_ping)}
)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, NodeCredentials]:
    return make_pki(Path(tmp_path_factory.mktemp("pki")))


@pytest.fixture(scope="module")
def node() -> StubNode:
    return StubNode()


@pytest.fixture(scope="module")
def server(pki: dict[str, NodeCredentials], node: StubNode) -> Iterator[ServerThread]:
    thread = start_server(pki["server"], node, extra=[PROBE])
    yield thread
    thread.close()


@pytest.fixture(scope="module")
def channels(
    server: ServerThread, pki: dict[str, NodeCredentials]
) -> Iterator[dict[str, grpc.Channel]]:
    opened = {name: secure_channel_sync(server.target, pki[name]) for name in PRINCIPALS}
    yield opened
    for channel in opened.values():
        channel.close()


def test_expectations_cover_the_whole_table() -> None:
    served = set(EXPECTED) - {"/drex.test.v1.Probe/Ping"}
    assert served | {REFLECTION_V1 + "ServerReflectionInfo"} == set(METHOD_GRANTS)
    assert set(CALLS) == set(EXPECTED)


@pytest.mark.parametrize("principal", sorted(PRINCIPALS))
@pytest.mark.parametrize("method", sorted(EXPECTED))
def test_role_method_matrix(
    method: str, principal: str, channels: dict[str, grpc.Channel], node: StubNode
) -> None:
    call = CALLS[method]
    if principal in EXPECTED[method]:
        call(channels[principal])
        return
    before = len(node.callers)
    with pytest.raises(grpc.RpcError) as info:
        call(channels[principal])
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    expected_reason = "method_not_allowed" if not EXPECTED[method] else "role_not_allowed"
    assert reason_of(info.value) == expected_reason
    assert len(node.callers) == before, "a refused call reached the backend"


def test_backends_receive_the_authenticated_caller(
    channels: dict[str, grpc.Channel], node: StubNode
) -> None:
    CALLS["/drex.admin.v1.Admin/GetCommittee"](channels["cb-operator"])
    assert node.callers[-1] == ("committee", PRINCIPALS["cb-operator"])
    assert PRINCIPALS["cb-operator"].institution == CB
    CALLS["/drex.ledger.v1.Ledger/SubmitTransaction"](channels["edge"])
    assert node.callers[-1] == ("submit", PRINCIPALS["edge"])
