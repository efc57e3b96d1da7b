"""Bounds on what one request can make a node do: SendStream refuses an envelope that
would pass the per-stream cap before delivering any of it, fetch answers hold each
digest once and fit the server's send limit, and a flagged-only audit scan lets the
event loop run. Over real mTLS gRPC on loopback where a servicer is involved."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace

import grpc
import pytest

from drex_node.api._generated.drex.consensus.v1 import consensus_pb2, consensus_pb2_grpc
from drex_node.api.backends import AuditBlockView, BlockView, CertificateView
from drex_node.api.consensus_servicer import ConsensusServicer
from drex_node.api.errors import status_of
from drex_node.api.servicing import ApiLimits
from drex_node.ledger.codes import Reason
from drex_node.ledger.commit import receipts_key
from drex_node.ledger.receipts import Receipt
from drex_node.ledger.state import BLOCKS, pack
from drex_node.net.channel import secure_channel_sync
from drex_node.net.server import DEFAULT_MAX_SEND_BYTES, ServerConfig, Servicers, build_server
from drex_node.node.services import AUDIT_SCAN_YIELD_EVERY, AuditService
from drex_node.security.acl import Authorizer
from drex_node.security.identity import Identity, Role
from drex_node.security.store import NodeCredentials
from drex_node.storage.memory import MemoryStore
from tests.integration.api.api_harness import CB, ServerThread, StubNode, make_pki

LIMIT = ApiLimits().max_stream_envelopes
ITEM_BYTES = 64 * 1024
HELD = 300  # 300 x 64 KiB is more than the 16 MiB a server sends in one message


def _digest(i: int) -> bytes:
    return i.to_bytes(32, "big")


def _data(i: int) -> bytes:
    return i.to_bytes(4, "big") * (ITEM_BYTES // 4)


class ConsensusNode(StubNode):
    """Counts delivered engine messages; holds HELD large batches and certificates."""

    def __init__(self) -> None:
        super().__init__()
        self.delivered = 0
        self.held = {_digest(i): _data(i) for i in range(HELD)}

    async def deliver(self, caller: Identity, sender: str, epoch: int, payload: bytes) -> None:
        self.delivered += 1

    async def fetch_batches(
        self, caller: Identity, digests: Sequence[bytes]
    ) -> Mapping[bytes, bytes]:
        return {d: self.held[d] for d in digests if d in self.held}

    async def fetch_certificates(
        self, caller: Identity, digests: Sequence[bytes]
    ) -> Sequence[CertificateView]:
        return [CertificateView(d, 1, self.held[d]) for d in digests if d in self.held]

    async def certificates_in_rounds(
        self, caller: Identity, from_round: int, to_round: int
    ) -> Sequence[CertificateView]:
        return [CertificateView(_digest(r), r, _data(r)) for r in range(from_round, to_round + 1)]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, NodeCredentials]:
    return make_pki(Path(tmp_path_factory.mktemp("pki")))


@pytest.fixture(scope="module")
def node() -> ConsensusNode:
    return ConsensusNode()


@pytest.fixture(scope="module")
def server(pki: dict[str, NodeCredentials], node: ConsensusNode) -> Iterator[ServerThread]:
    # Default limits on both sides: the servicer must derive its budget from the server's.
    thread = ServerThread(
        lambda: build_server(
            pki["server"],
            Servicers(consensus=ConsensusServicer(node)),
            ServerConfig(),
            Authorizer(central_bank_institution=CB),
        )
    )
    yield thread
    thread.close()


@pytest.fixture(scope="module")
def stub(
    server: ServerThread, pki: dict[str, NodeCredentials]
) -> Iterator[consensus_pb2_grpc.ConsensusStub]:
    with secure_channel_sync(server.target, pki["tier1"]) as channel:
        yield consensus_pb2_grpc.ConsensusStub(channel)


def _envelope(more: int, item: bytes = b"y") -> consensus_pb2.ConsensusEnvelope:
    return consensus_pb2.ConsensusEnvelope(sender="v0", payload=b"p", more=[item] * more)


def _rpc_log_line(caplog: pytest.LogCaptureFixture, request_id: str) -> dict[str, object]:
    """The request log line of one call (the server thread may write it just after)."""
    for _ in range(500):
        for r in caplog.records:
            if r.name == "drex_node.rpc":
                line = json.loads(r.getMessage())
                if line["request_id"] == request_id:
                    return line  # type: ignore[no-any-return]
        time.sleep(0.01)
    raise AssertionError(f"no log line for {request_id}")


# ---- SendStream ------------------------------------------------------------------------


def test_oversized_envelope_is_refused_before_delivery(
    stub: consensus_pb2_grpc.ConsensusStub,
    node: ConsensusNode,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="drex_node.rpc")
    before = node.delivered
    with pytest.raises(grpc.RpcError) as info:
        stub.SendStream(
            iter([_envelope(2 * LIMIT)]), timeout=30, metadata=(("x-request-id", "big-env"),)
        )
    assert node.delivered == before  # nothing of it reached the engine's queue
    assert status_of(info.value) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "too_many_items")
    assert f"at most {LIMIT}" in info.value.details()
    line = _rpc_log_line(caplog, "big-env")
    assert (line["code"], line["reason"]) == ("RESOURCE_EXHAUSTED", "too_many_items")


def test_envelope_crossing_the_cap_is_refused_whole(
    stub: consensus_pb2_grpc.ConsensusStub, node: ConsensusNode
) -> None:
    before = node.delivered
    first = LIMIT - 100  # messages in the first envelope; the second brings 101 more
    with pytest.raises(grpc.RpcError) as info:
        stub.SendStream(iter([_envelope(first - 1), _envelope(100)]), timeout=30)
    assert status_of(info.value) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "too_many_items")
    assert node.delivered - before == first


def test_envelope_up_to_the_cap_is_delivered(
    stub: consensus_pb2_grpc.ConsensusStub, node: ConsensusNode
) -> None:
    before = node.delivered
    ack = stub.SendStream(iter([_envelope(LIMIT - 2), _envelope(0)]), timeout=30)
    assert ack.accepted == LIMIT and node.delivered - before == LIMIT


def test_envelope_with_an_empty_message_delivers_nothing(
    stub: consensus_pb2_grpc.ConsensusStub, node: ConsensusNode
) -> None:
    before = node.delivered
    bad = consensus_pb2.ConsensusEnvelope(sender="v0", payload=b"p", more=[b"a", b""])
    with pytest.raises(grpc.RpcError) as info:
        stub.SendStream(iter([bad]), timeout=30)
    assert status_of(info.value) == (grpc.StatusCode.INVALID_ARGUMENT, "empty_field")
    assert node.delivered == before


# ---- FetchBatches / FetchCertificates ----------------------------------------------------


def test_repeated_digests_are_answered_once(stub: consensus_pb2_grpc.ConsensusStub) -> None:
    d0, d1, unknown = _digest(0), _digest(1), b"\xff" * 32
    reply = stub.FetchBatches(consensus_pb2.FetchBatchesRequest(digests=[d0] * 1024), timeout=30)
    assert [b.digest for b in reply.batches] == [d0] and not reply.missing
    assert reply.ByteSize() < 2 * ITEM_BYTES
    mixed = [d1, unknown, d0, d1, unknown, d0]
    reply = stub.FetchBatches(consensus_pb2.FetchBatchesRequest(digests=mixed), timeout=30)
    assert [(b.digest, b.data) for b in reply.batches] == [(d1, _data(1)), (d0, _data(0))]
    assert list(reply.missing) == [unknown]
    certs = stub.FetchCertificates(
        consensus_pb2.FetchCertificatesRequest(
            digests=consensus_pb2.DigestList(digests=[d0] * 1000 + [unknown] * 24)
        ),
        timeout=30,
    )
    assert [c.digest for c in certs.certificates] == [d0] and list(certs.missing) == [unknown]


def test_more_than_fits_comes_in_parts_that_the_caller_completes(
    stub: consensus_pb2_grpc.ConsensusStub, node: ConsensusNode
) -> None:
    unknown = b"\xff" * 32
    want = [*node.held, unknown]
    got: dict[bytes, bytes] = {}
    answers = 0
    ask = want
    while ask:
        reply = stub.FetchBatches(consensus_pb2.FetchBatchesRequest(digests=ask), timeout=30)
        answers += 1
        assert reply.ByteSize() <= DEFAULT_MAX_SEND_BYTES
        # A prefix of what was asked, in order; left-out digests are not called missing.
        assert [b.digest for b in reply.batches] == [d for d in ask if d != unknown][
            : len(reply.batches)
        ]
        assert list(reply.missing) == [d for d in ask if d == unknown] and reply.batches
        got.update((b.digest, b.data) for b in reply.batches)
        ask = [d for d in ask if d not in got and d not in reply.missing]
    assert got == node.held and answers == 2


def test_certificate_answers_fit_the_send_limit(
    stub: consensus_pb2_grpc.ConsensusStub, node: ConsensusNode
) -> None:
    by_digest = stub.FetchCertificates(
        consensus_pb2.FetchCertificatesRequest(
            digests=consensus_pb2.DigestList(digests=list(node.held))
        ),
        timeout=30,
    )
    assert 0 < len(by_digest.certificates) < HELD and not by_digest.missing
    assert [c.digest for c in by_digest.certificates] == list(node.held)[
        : len(by_digest.certificates)
    ]
    assert by_digest.ByteSize() <= DEFAULT_MAX_SEND_BYTES
    span = ApiLimits().max_round_span  # 256 rounds of 64 KiB: more than 16 MiB
    by_round = stub.FetchCertificates(
        consensus_pb2.FetchCertificatesRequest(
            rounds=consensus_pb2.RoundRange(from_round=0, to_round=span - 1)
        ),
        timeout=30,
    )
    rounds = [c.round for c in by_round.certificates]
    assert rounds == list(range(len(rounds))) and 0 < len(rounds) < span
    assert by_round.ByteSize() <= DEFAULT_MAX_SEND_BYTES


# ---- StreamAuditBlocks (flagged only) ----------------------------------------------------


class CountingStore(MemoryStore):
    """Counts reads: how far a scan has got."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get(self, ns: str, key: bytes) -> bytes | None:
        self.reads += 1
        return super().get(ns, key)


class AuditNode:
    """What AuditService reads: a height, a store with one flagged block, block views."""

    def __init__(self, height: int, flagged: int) -> None:
        self.store = CountingStore()
        self.store.create_namespace(BLOCKS)
        flag = Receipt(b"t" * 32, flagged, 0, Reason.OK, flags=("aml.v1:large_cash",))
        self.store.put(BLOCKS, receipts_key(flagged), pack([flag.encode()]))
        self.caught_up = asyncio.Event()
        self.core = SimpleNamespace(height=height, store=self.store, wait_height=self.wait_height)

    async def wait_height(self, height: int, timeout_s: float) -> bool:
        self.caught_up.set()
        await asyncio.sleep(timeout_s)
        return False

    def block_view(self, height: int) -> BlockView:
        return BlockView(height, b"h" * 32, b"p" * 32, b"s" * 32, 1, [], [])


AUDITOR = Identity("regulator", Role.AUDIT)


async def _collect(node: AuditNode, flagged_only: bool) -> list[AuditBlockView]:
    """What the stream sends until it has scanned every height."""
    out: list[AuditBlockView] = []

    async def read() -> None:
        service = AuditService(node)  # type: ignore[arg-type]
        async for view in service.stream_audit_blocks(AUDITOR, 1, flagged_only):
            out.append(view)

    task = asyncio.create_task(read())
    await asyncio.wait_for(node.caught_up.wait(), 30)
    task.cancel()
    return out


def test_audit_stream_semantics_are_kept() -> None:
    flagged = asyncio.run(_collect(AuditNode(40, 20), flagged_only=True))
    assert [v.block.height for v in flagged] == [20]
    assert [(f.rule_id, f.code) for f in flagged[0].flags] == [("aml.v1", "aml.v1:large_cash")]
    every = asyncio.run(_collect(AuditNode(40, 20), flagged_only=False))
    assert [v.block.height for v in every] == list(range(1, 41))
    assert [bool(v.flags) for v in every] == [h == 20 for h in range(1, 41)]


def test_long_flagged_only_scan_lets_other_tasks_run() -> None:
    heights = 100_000
    node = AuditNode(heights, heights)  # only the last height has a flag

    async def run() -> tuple[AuditBlockView, list[int]]:
        seen: list[int] = []  # heights the scan had read each time another task ran
        done = False

        async def other() -> None:
            while not done:
                seen.append(node.store.reads)
                await asyncio.sleep(0)

        ticker = asyncio.create_task(other())
        await asyncio.sleep(0)
        stream = AuditService(node).stream_audit_blocks(AUDITOR, 1, True)  # type: ignore[arg-type]
        first = await stream.__anext__()
        done = True
        await ticker
        await stream.aclose()
        return first, seen

    first, seen = asyncio.run(run())
    assert first.block.height == heights and first.flags
    during = {r for r in seen if 0 < r < heights}
    assert len(during) >= heights // AUDIT_SCAN_YIELD_EVERY - 1
