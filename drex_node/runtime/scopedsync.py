"""Partition-scoped followers (tier2, tier3 with ``node.partitions``; ADR 0077).

Such a follower keeps only its partitions, so it cannot execute blocks (a transfer's
refund in one partition depends on the credit leg in another). Instead it streams each
block with its execution outcome from one upstream validator (the *source*) and
attestations from the others, and applies block ``h`` only when

1. its certificates prove the committee ordered it (as every follower checks);
2. the writes, hashed onto this node's own root of ``h - 1``, give a root ``r``, and the
   receipts, events and notes give an outcome digest ``d``;
3. members holding at least f+1 of the weight of the committee of the block's certified
   anchor round signed (``h``, the block hash, ``r``, ``d``), where the block hash is the
   one this node computes from the anchor, its own parent hash and ``r``: at least one
   honest validator executed exactly this block and got exactly that.

It then writes the block, the receipts and the writes of the namespaces it keeps (the
shared ``meta`` namespace and its partitions) in one synced batch, and its root equals
the validators'. A source whose data fails a check, or whose block is not attested in
time, is dropped for the next upstream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable

import grpc
import grpc.aio

from consensus.committee import CommitteeSchedule
from consensus.crypto import CachingVerifier, Ed25519Verifier
from drex_node.api.stubs import consensus_pb2, consensus_pb2_grpc
from drex_node.ledger.execute import BlockResult, Writes, root_of_packed, unpack_writes
from drex_node.ledger.receipts import Receipt
from drex_node.ledger.state import partition_ns
from drex_node.metrics import NodeMetrics
from drex_node.net.channel import secure_channel
from drex_node.runtime.blocks import BlockCheckError, Candidate, block_hash, verify_streamed
from drex_node.runtime.ledger_core import GivenOutcome, LedgerCore
from drex_node.runtime.outcome import Attestation, attested_weight, outcome_digest
from drex_node.security.store import NodeCredentials

log = logging.getLogger("drex_node.sync")
ATTEST_WAIT_S = 10.0  # a block not attested by f+1 within this drops its source
AHEAD = 256  # attestation streams are read at most this many heights ahead


class OutcomeError(ValueError):
    """A streamed outcome that does not check out."""


def keep_writes(writes: Writes, kept_ns: frozenset[str]) -> Writes:
    """The writes a scoped follower stores: shared namespaces and its partitions."""
    return {k: v for k, v in writes.items() if k[0] in kept_ns or not k[0].startswith("p/")}


class ScopedSync:
    """Applies attested outcomes of the blocks, in order, for a partition-scoped node."""

    def __init__(
        self,
        core: LedgerCore,
        upstream: list[str],
        credentials: NodeCredentials,
        schedule: Callable[[], CommitteeSchedule],
        metrics: NodeMetrics,
        partitions: Iterable[str],
    ) -> None:
        self.core = core
        self.upstream = list(upstream)
        self.credentials = credentials
        self.schedule = schedule
        self.metrics = metrics
        self.kept_ns = frozenset(partition_ns(p) for p in partitions)
        self.chain_id = core.genesis.chain_id
        self.verifier = CachingVerifier(Ed25519Verifier())
        self.attestations: dict[int, dict[str, Attestation]] = {}
        self._source = 0
        self._arrived = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._attest_tasks: list[asyncio.Task[None]] = []
        self._started = False

    # ---- attestations ------------------------------------------------------------------
    def _note(self, blk: consensus_pb2.CommittedBlock) -> None:
        """Keep a streamed attestation if it is well formed, for a height not yet applied,
        and validly signed by a member of the committee of the round it names; one per
        signer and height, so what a peer sends is bounded by the committee's size."""
        h = blk.height
        if not self.core.height < h <= self.core.height + AHEAD:
            return
        if not blk.HasField("attestation"):
            return
        a = blk.attestation
        att = Attestation(
            h, blk.block_hash, blk.state_root, a.outcome_digest, a.signer, a.signature
        )
        per = self.attestations.get(h, {})
        if att.signer in per or not att.well_formed():
            return
        committee = self.schedule().for_round(blk.leader_round)
        if att.valid(self.chain_id, committee, self.verifier):
            self.attestations.setdefault(h, {})[att.signer] = att
            self._arrived.set()

    def restart_attestations(self) -> None:
        """Ask every upstream again for attestations from the next height on: after a
        committee change was scheduled (attestations of new members that arrived earlier
        were refused) or when a block found too few."""
        if not self._started:
            return
        for t in self._attest_tasks:
            t.cancel()
        self._attest_tasks = [
            asyncio.create_task(self._attest_stream(a), name=f"attest-{a}") for a in self.upstream
        ]

    async def _attest_stream(self, address: str) -> None:
        """Collect one upstream's attestations forever (restarting after failures). The
        stream is read no further than ``AHEAD`` heights past this node's (gRPC flow
        control then holds the sender back), so nothing is dropped for being early."""
        while True:
            try:
                async with secure_channel(address, self.credentials) as channel:
                    stub = consensus_pb2_grpc.ConsensusStub(channel)  # type: ignore[no-untyped-call]
                    req = consensus_pb2.StreamCommittedRequest(
                        from_height=self.core.height + 1, with_outcome=True, attestation_only=True
                    )
                    async for blk in stub.StreamCommitted(req):
                        while blk.height > self.core.height + AHEAD:
                            await self.core.wait_change(1.0)
                        self._note(blk)
            except grpc.aio.AioRpcError as exc:
                log.info("attestations from %s ended: %s", address, exc.code())
            except Exception:
                log.exception("attestations from %s failed", address)
            await asyncio.sleep(0.5)

    # ---- one block -----------------------------------------------------------------------
    def check(
        self, blk: consensus_pb2.CommittedBlock
    ) -> tuple[Candidate, GivenOutcome, tuple[bytes, bytes, bytes]]:
        """Check ``blk`` (the next height) against the certificates and this node's chain;
        returns the certified block, the outcome to write and the claim (block hash, state
        root, outcome digest) that f+1 must have attested."""
        core = self.core
        try:
            cand = verify_streamed(
                blk, self.schedule(), self.verifier, self.core.genesis.commit_rule
            )
        except BlockCheckError as exc:
            raise OutcomeError(str(exc)) from None
        receipts, events, notes = list(blk.receipts), list(blk.events), list(blk.notes)
        try:
            writes = unpack_writes(blk.writes)
            decoded = tuple(Receipt.decode(r) for r in receipts)
            decoded_events = tuple(Receipt.decode(r) for r in events)
        except Exception as exc:  # malformed writes or a receipt that is not one
            raise OutcomeError(f"malformed outcome: {exc}") from None
        root = root_of_packed(core.root, blk.height, blk.writes)
        prev = core.record(blk.height - 1)
        parent = prev.block_hash if prev is not None else bytes(32)
        expected_hash = block_hash(blk.height, cand.record.leader_digest, parent, root)
        result = BlockResult(
            blk.height,
            keep_writes(writes, self.kept_ns),
            decoded,
            root,
            tuple(notes),
            decoded_events,
        )
        given = GivenOutcome(result, (receipts, events), core.root)
        return cand, given, (expected_hash, root, outcome_digest(receipts, events, notes))

    def weight(
        self, height: int, leader_round: int, claim: tuple[bytes, bytes, bytes]
    ) -> tuple[int, int, bool]:
        """(attested weight, weight needed, whether f+1 attested something else) for
        ``claim`` at ``height``, by the committee of the certified anchor's round."""
        committee = self.schedule().for_round(leader_round)
        known = list(self.attestations.get(height, {}).values())

        def weight_of(c: tuple[bytes, bytes, bytes]) -> int:
            return attested_weight(known, c, self.chain_id, committee, self.verifier)

        other = {a.claim for a in known} - {claim}
        contradicted = any(weight_of(c) >= committee.validity for c in other)
        return weight_of(claim), committee.validity, contradicted

    async def _apply(self, blk: consensus_pb2.CommittedBlock, address: str) -> bool:
        """Apply the next block once f+1 attest it; False: drop this source."""
        t0 = time.monotonic()
        try:
            cand, given, claim = self.check(blk)
        except OutcomeError as exc:
            log.warning("block %d from %s rejected: %s", blk.height, address, exc)
            self.metrics.sources_dropped.labels("bad_block").inc()
            return False
        deadline = t0 + ATTEST_WAIT_S
        while True:
            self._arrived.clear()
            got, needed, contradicted = self.weight(blk.height, cand.record.leader_round, claim)
            if got >= needed:
                break
            left = deadline - time.monotonic()
            if contradicted:
                log.warning(
                    "block %d from %s: f+1 attested another outcome; dropping the source",
                    blk.height,
                    address,
                )
                self.metrics.sources_dropped.labels("contradicted").inc()
                return False
            if left <= 0:
                log.warning(
                    "block %d from %s: attested weight %d of %d needed after %.0f s",
                    blk.height,
                    address,
                    got,
                    needed,
                    ATTEST_WAIT_S,
                )
                self.metrics.sources_dropped.labels("unattested").inc()
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), min(left, 1.0))
        if await self.core.commit_outcome(cand, given):
            self.metrics.stage.labels("follow_apply").observe(time.monotonic() - t0)
            self.metrics.synced_blocks.inc()
        for old in [k for k in self.attestations if k <= self.core.height]:
            del self.attestations[old]
        return True

    async def _source_stream(self, address: str) -> bool:
        """Apply blocks streamed with their outcomes by ``address``; returns True when
        that source should be dropped. An honest validator streams consecutive heights
        from the one asked for and never ends the stream, so anything else (an old
        height, a gap, an end, bad data, silence while others attest) drops it."""
        async with secure_channel(address, self.credentials) as channel:
            stub = consensus_pb2_grpc.ConsensusStub(channel)  # type: ignore[no-untyped-call]
            req = consensus_pb2.StreamCommittedRequest(
                from_height=self.core.height + 1, with_outcome=True
            )
            call = stub.StreamCommitted(req)
            it = call.__aiter__()
            try:
                while True:
                    try:
                        blk = await asyncio.wait_for(it.__anext__(), ATTEST_WAIT_S)
                    except StopAsyncIteration:
                        self.metrics.sources_dropped.labels("stream_ended").inc()
                        return True
                    except TimeoutError:
                        # f+1 attested the next block but this source has not sent it.
                        nxt = self.attestations.get(self.core.height + 1, {})
                        silent = self.schedule().latest.stake(nxt) >= (
                            self.schedule().latest.validity
                        )
                        if silent:
                            self.metrics.sources_dropped.labels("silent").inc()
                        return silent
                    if blk.height != self.core.height + 1:
                        log.warning(
                            "outcome stream from %s sent height %d, expected %d",
                            address,
                            blk.height,
                            self.core.height + 1,
                        )
                        self.metrics.sources_dropped.labels("out_of_order").inc()
                        return True
                    self._note(blk)
                    if not await self._apply(blk, address):
                        self.restart_attestations()
                        return True
            finally:
                call.cancel()

    async def follow(self) -> None:
        """Apply blocks from a source upstream forever, moving on when one fails."""
        while True:
            address = self.upstream[self._source % len(self.upstream)]
            drop = True
            try:
                drop = await self._source_stream(address)
            except grpc.aio.AioRpcError as exc:
                log.info("outcome stream from %s ended: %s", address, exc.code())
            except Exception:
                log.exception("outcome stream from %s failed", address)
            if drop:
                self._source += 1
            await asyncio.sleep(0.5 if drop else 0.05)

    # ---- the BlockSync surface the node uses -------------------------------------------
    def start_following(self) -> None:
        """Start the source stream and one attestation stream per upstream."""
        self._started = True
        self._tasks.append(asyncio.create_task(self.follow(), name="scoped-follow"))
        self.restart_attestations()

    def trigger(self) -> None:
        """Following is continuous; nothing to start."""

    async def stop(self) -> None:
        """Cancel running tasks."""
        self._started = False
        for t in [*self._tasks, *self._attest_tasks]:
            t.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._tasks.clear()
        self._attest_tasks.clear()
