"""What waits for the group-commit fsync (ADR 0086): a header, a vote and our own batches
go out only after the fsync that makes them durable; a certificate needs no fsync (its
quorum of signatures makes it valid wherever it is held) and goes out at once."""

from __future__ import annotations

import asyncio
from typing import Any

from consensus.codec import decode, encode
from consensus.engine import SubmitTx
from consensus.types import BatchMsg, CertificateMsg, HeaderMsg, VoteMsg
from drex_node.config.model import ConsensusSection
from drex_node.metrics import NodeMetrics
from drex_node.runtime.driver import UNDURABLE, ConsensusDriver
from tests.unit.consensus.consensus_dagkit import Network


class _Transport:
    def __init__(self) -> None:
        self.sent: list[tuple[str | None, type]] = []

    def broadcast(self, payload: bytes) -> None:
        self.sent.append((None, type(decode(payload))))

    def send(self, to: str, payload: bytes) -> None:
        self.sent.append((to, type(decode(payload))))


class _Storage:
    """Records fsyncs; ``dirty`` as the real one keeps it."""

    def __init__(self) -> None:
        self.dirty = False
        self.syncs = 0

    def sync_now(self) -> None:
        self.syncs += 1


async def _no_block(_cand: Any) -> bool:
    return True


async def _until(cond: Any) -> None:
    """Let the sender task run (its fsync hops through a thread) until ``cond()``."""
    for _ in range(200):
        if cond():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


def _driver(engine: Any, storage: _Storage, transport: _Transport) -> ConsensusDriver:
    return ConsensusDriver(
        engine,
        storage=storage,  # type: ignore[arg-type]
        transport=transport,  # type: ignore[arg-type]
        on_block=_no_block,
        config=ConsensusSection(),
        metrics=NodeMetrics(),
    )


def test_only_certificates_and_fetch_traffic_skip_the_fsync() -> None:
    names = {t.__name__ for t in UNDURABLE}
    assert names == {
        "CertificateMsg",
        "CertificateRequest",
        "CertificateResponse",
        "BatchRequest",
        "BatchResponse",
    }
    assert not {HeaderMsg, VoteMsg, BatchMsg} & set(UNDURABLE)


def test_header_and_votes_wait_for_the_fsync_and_the_certificate_does_not() -> None:
    async def scenario() -> None:
        net = Network()
        a = net.engines["a"]
        storage, transport = _Storage(), _Transport()
        driver = _driver(a, storage, transport)
        sender = asyncio.create_task(driver._send())
        try:
            a.handle_input(SubmitTx(0, b"tx-0"))
            proposal = a.handle_tick(10)
            storage.dirty = True  # the engine wrote its header and batch
            driver._perform(proposal)
            driver._flush()
            assert transport.sent == []  # nothing before the fsync
            await _until(lambda: len(transport.sent) >= 2)
            assert storage.syncs == 1
            assert [k for _, k in transport.sent] == [BatchMsg, HeaderMsg]

            # The other validators vote; their votes certify a's header.
            votes = []
            for peer in ("b", "c", "d"):
                e = net.engines[peer]
                e.handle_tick(10)
                for out in proposal.messages:
                    step = e.handle_message("a", encode(out.message))
                    votes += [o.message for o in step.messages if isinstance(o.message, VoteMsg)]
            assert len(votes) == 3
            transport.sent.clear()
            storage.dirty = True  # storing the certificate dirties the group
            for v in votes:
                driver._perform(a.handle_message(v.vote.voter, encode(v)))
            driver._flush()
            # The certificate went out before any fsync covered it.
            assert (None, CertificateMsg) in transport.sent
            assert storage.syncs == 1
        finally:
            sender.cancel()
            driver._io.shutdown(wait=False)

    asyncio.run(scenario())


def test_a_vote_waits_for_the_fsync() -> None:
    async def scenario() -> None:
        net = Network()
        a, b = net.engines["a"], net.engines["b"]
        a.handle_input(SubmitTx(0, b"tx-0"))
        proposal = a.handle_tick(10)
        storage, transport = _Storage(), _Transport()
        driver = _driver(b, storage, transport)
        b.handle_tick(10)
        for out in proposal.messages:
            driver._perform(b.handle_message("a", encode(out.message)))
        storage.dirty = True  # b recorded its vote
        driver._flush()
        assert transport.sent == []
        sender = asyncio.create_task(driver._send())
        try:
            await _until(lambda: transport.sent)
            assert storage.syncs == 1
            assert transport.sent == [("a", VoteMsg)]
        finally:
            sender.cancel()
            driver._io.shutdown(wait=False)

    asyncio.run(scenario())
