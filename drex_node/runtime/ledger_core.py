"""The node's ledger: executes blocks in order and persists each one before it is
acknowledged (state writes, receipts, block and head in one synced batch).

Blocks come from the local consensus engine or, verified against certificates, from
peers; whichever arrives first at the next height is applied, later copies are dropped.
Execution runs on one worker thread so the event loop keeps serving meanwhile.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass

from consensus.codec import DecodeError
from consensus.codec import decode as decode_msg
from consensus.types import CertificateMsg
from drex_node.genesis import Genesis, init_store
from drex_node.ledger.commit import commit_block
from drex_node.ledger.execute import BlockResult, apply_block, head
from drex_node.ledger.receipts import encode_receipts
from drex_node.ledger.state import CommittedDirectory
from drex_node.ledger.tx import Tx, TxDecodeError, decode
from drex_node.metrics import NodeMetrics
from drex_node.policy.host import Registry
from drex_node.runtime.blocks import (
    RECORDS_NS,
    BlockCheckError,
    BlockRecord,
    Candidate,
    block_hash,
    get_record,
)
from drex_node.runtime.blocks import put_record as _put_record
from drex_node.runtime.outcome import Attestor, claim_scope, outcome_op
from drex_node.runtime.pending import PendingTable
from drex_node.runtime.sigpool import SignatureVerifier
from drex_node.runtime.walsync import WalSync
from drex_node.storage.kv import KVStore

log = logging.getLogger("drex_node.ledger")
VERIFIED_CACHE = 200_000
DECODED_CACHE = 20_000  # transactions decoded at admission or preverify, until they commit


@dataclass(frozen=True, slots=True)
class GivenOutcome:
    """An attested block outcome a scoped follower writes instead of executing: the
    result (writes of the kept namespaces only), the receipts as received and the root
    the writes were checked against."""

    result: BlockResult
    encoded: tuple[list[bytes], list[bytes]]
    prev_root: bytes


class LedgerCore:
    """Committed state, block execution and commit notifications of one node."""

    def __init__(
        self,
        store: KVStore,
        genesis: Genesis,
        registry: Registry,
        verifier: SignatureVerifier,
        pending: PendingTable,
        metrics: NodeMetrics,
        wal: WalSync | None = None,
        partitions: Collection[str] | None = None,
    ) -> None:
        self.store = store
        self.wal = wal  # when set, blocks are made durable by a GIL-free fsync (ADR 0070)
        self.genesis = genesis
        self.registry = registry
        self.verifier = verifier
        self.pending = pending
        self.metrics = metrics
        # ``partitions``: a partition-scoped follower keeps only these (ADR 0077). What a
        # store keeps is recorded when it is created and may not change afterwards.
        store.create_namespace(RECORDS_NS)
        claim_scope(store, partitions)
        self.genesis_root = init_store(store, genesis, registry, partitions=partitions)
        self.state = CommittedDirectory(store)
        self.verified: OrderedDict[bytes, None] = OrderedDict()
        # raw bytes -> decoded transaction: each transaction is decoded once per node, at
        # admission or when a peer's batch arrives, and the block that commits it reuses
        # that (``decode`` is a pure function of the bytes).
        self.decoded: dict[bytes, Tx] = {}
        self._verifying: dict[bytes, asyncio.Future[list[bool]]] = {}
        self._lock = asyncio.Lock()
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="ledger")
        self._changed = asyncio.Event()  # replaced after each set: wakes current waiters
        # Blocks the local engine ordered but this node has not applied yet (ADR 0068).
        self.ordered: dict[int, BlockRecord] = {}
        self.height, self.root = head(store)
        # Certificates committed in recent blocks (digest -> round), those above the GC
        # round of the last block's anchor: a peer's block may not commit one again.
        self.gc_depth = genesis.gc_depth
        self.recent: dict[bytes, int] = {}
        # The anchor round of the block at ``height`` (None before the first): what the
        # next block's anchor must come after, kept here so no check reads the record.
        self.last_round: int | None = None
        self._load_recent()
        self.last_applied_at = time.monotonic()
        self.on_gap: Callable[[int], None] = lambda _h: None
        self.on_applied: Callable[[Candidate, BlockResult], None] = lambda _c, _r: None
        # Validators sign what they executed for partition-scoped followers (ADR 0077).
        self.attestor: Attestor | None = None
        metrics.height.set(self.height)

    # ---- admission helpers -------------------------------------------------------------
    def remember_decoded(self, txs: list[Tx]) -> None:
        """Keep decoded transactions for the block that will carry them (bounded: the
        oldest are forgotten first and then simply decoded again)."""
        cache = self.decoded
        for tx in txs:
            cache[tx.raw] = tx
        excess = len(cache) - DECODED_CACHE
        if excess > 0:
            for raw in list(itertools.islice(cache, excess + DECODED_CACHE // 10)):
                del cache[raw]

    def mark_verified(self, hashes: list[bytes]) -> None:
        """Remember transactions whose signatures this node already checked."""
        for h in hashes:
            self.verified[h] = None
        while len(self.verified) > VERIFIED_CACHE:
            self.verified.popitem(last=False)

    def preverify(self, raws: list[bytes]) -> None:
        """Check the signatures of a peer's batch now, in the background, so that its block
        does not wait for them at commit (a validator stores batches rounds before they
        commit; a follower reads blocks ahead of the one it applies). Undecodable or
        already known transactions are skipped."""
        txs = []
        fresh = []
        cache = self.decoded
        for raw in raws:
            tx = cache.get(raw)
            if tx is None:
                try:
                    tx = decode(raw)
                except TxDecodeError:
                    continue
                fresh.append(tx)
            if tx.hash not in self.verified and tx.hash not in self._verifying:
                txs.append(tx)
        if fresh:
            self.remember_decoded(fresh)
        if not txs:
            return
        task = asyncio.ensure_future(self.verifier.verify(txs))
        for tx in txs:
            self._verifying[tx.hash] = task

        def done(t: asyncio.Future[list[bool]]) -> None:
            for tx in txs:
                self._verifying.pop(tx.hash, None)
            if t.cancelled() or t.exception() is not None:
                return
            self.mark_verified([tx.hash for tx, ok in zip(txs, t.result(), strict=True) if ok])

        task.add_done_callback(done)

    # ---- commit --------------------------------------------------------------------------
    async def commit(self, cand: Candidate) -> bool:
        """Apply ``cand`` if it is the next block; True when applied now."""
        return await self._commit(cand, None)

    async def commit_peer(self, cand: Candidate) -> bool:
        """Apply a block a peer streamed if it is the next block; True when applied now.
        Its certificates were checked alone (``verify_record``); here, under the commit
        lock, it must also extend this node's chain (:meth:`chain_fault`), else
        ``BlockCheckError`` is raised and nothing changes."""
        return await self._commit(cand, None, check=True)

    def chain_fault(self, cand: Candidate) -> str | None:
        """Why ``cand`` (the next height) cannot follow the stored chain, or None: its
        anchor round must be after the previous block's, and none of its certificates may
        be at or below the GC round of that anchor (an honest commit orders none) or
        committed in a recent block. Which certified anchors are committed is still the
        upstream's word (ADR 0061): this only stops it replaying or reordering them."""
        h, rnd = cand.block.height, cand.record.leader_round
        if not cand.certs:
            return "no certificates"
        prev = self.last_round  # of height h - 1: the caller holds the lock, h is next
        if prev is not None:
            if rnd <= prev:
                return f"anchor round {rnd} not after round {prev} of height {h - 1}"
            floor = prev - self.gc_depth
            low = [r for _, r in cand.certs if r <= floor]
            if low:
                return f"certificate of round {low[0]} at or below the GC round {floor}"
        for d, _ in cand.certs:
            if d in self.recent:
                return f"certificate {d.hex()[:12]} already committed"
        return None

    def _load_recent(self) -> None:
        """Rebuild :attr:`recent` from the stored records of the last blocks."""
        last = get_record(self.store, self.height) if self.height > 0 else None
        if last is None:
            return
        self.last_round = last.leader_round
        floor = last.leader_round - self.gc_depth
        h = self.height
        rec: BlockRecord | None = last
        while h >= 1:
            if h != self.height:
                rec = get_record(self.store, h)
            if rec is None or rec.leader_round <= floor:
                break  # its certificates are all at or below the floor
            for raw in rec.certificates:
                try:
                    msg = decode_msg(raw)
                except DecodeError:
                    continue
                if isinstance(msg, CertificateMsg) and msg.certificate.round > floor:
                    self.recent[msg.certificate.digest] = msg.certificate.round
            h -= 1

    def _remember(self, cand: Candidate) -> None:
        """Add a committed block's certificates to :attr:`recent`, forget those below the
        GC round of its anchor."""
        certs = cand.certs
        if not certs:
            return
        recent = self.recent
        for d, r in certs:
            recent[d] = r
        floor = cand.record.leader_round - self.gc_depth
        if any(r <= floor for r in recent.values()):
            self.recent = {d: r for d, r in recent.items() if r > floor}

    async def commit_outcome(self, cand: Candidate, outcome: GivenOutcome) -> bool:
        """Write ``cand`` with an outcome its validators executed and attested instead of
        executing it (partition-scoped followers, ADR 0077); True when applied now.
        ``outcome.prev_root`` must be this node's root: it is what the caller checked the
        writes against."""
        return await self._commit(cand, outcome)

    async def _commit(
        self, cand: Candidate, given: GivenOutcome | None, check: bool = False
    ) -> bool:
        async with self._lock:
            h = cand.block.height
            if h <= self.height:
                self._check_same(cand)
                return False
            if h > self.height + 1:
                self.on_gap(h)
                return False
            if check and (fault := self.chain_fault(cand)) is not None:
                raise BlockCheckError(fault)
            loop = asyncio.get_running_loop()
            if given is None:
                decoded, sig_ok = await self._prepare(cand)
                write = loop.run_in_executor(
                    self._pool, self._apply_and_write, cand, decoded, sig_ok
                )
            else:
                if given.prev_root != self.root or given.result.height != h:
                    return False
                write = loop.run_in_executor(
                    self._pool, self._write, cand, given.result, given.encoded
                )
            try:
                result, _record = await asyncio.shield(write)
            except asyncio.CancelledError:
                # Cancelled (a stop) while the thread writes: the block still lands on
                # disk, so the head kept in memory must follow it before giving up.
                result, _record = await write
                self.height, self.root = h, result.state_root
                self.last_round = cand.record.leader_round
                self._remember(cand)
                raise
            self.height, self.root = h, result.state_root
            self.last_round = cand.record.leader_round
            self._remember(cand)
            self.last_applied_at = time.monotonic()
        self._after_commit(result)
        self.on_applied(cand, result)
        for done in [k for k in self.ordered if k <= self.height]:
            del self.ordered[done]
        self._signal()
        return True

    def publish(self, cand: Candidate) -> None:
        """Offer a block the local engine just ordered to block streams before it is
        executed here: consensus fixed it, so a follower may verify and execute it in
        parallel (its state root is not known yet)."""
        if cand.block.height > self.height:
            self.ordered[cand.block.height] = cand.record
            self._signal()

    def _signal(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_change(self, timeout_s: float) -> None:
        """Wait until a block is applied or published, at most ``timeout_s``."""
        try:
            await asyncio.wait_for(self._changed.wait(), timeout_s)
        except TimeoutError:
            pass

    async def _prepare(self, cand: Candidate) -> tuple[list[Tx | TxDecodeError], set[bytes]]:
        decoded: list[Tx | TxDecodeError] = []
        unknown: list[Tx] = []
        cache = self.decoded
        for raw in cand.block.txs:
            tx = cache.pop(raw, None)
            if tx is None:
                try:
                    tx = decode(raw)
                except TxDecodeError as exc:
                    decoded.append(exc)
                    continue
            decoded.append(tx)
            if tx.hash not in self.verified:
                unknown.append(tx)
        running = {id(f): f for f in (self._verifying.get(t.hash) for t in unknown) if f}
        if running:  # signatures being checked since the batch arrived: wait, not redo
            await asyncio.gather(*running.values(), return_exceptions=True)
            unknown = [t for t in unknown if t.hash not in self.verified]
        good = {t.hash for t in decoded if isinstance(t, Tx) and t.hash in self.verified}
        if unknown:
            verdicts = await self.verifier.verify(unknown)
            good |= {t.hash for t, ok in zip(unknown, verdicts, strict=True) if ok}
        return decoded, good

    def _apply_and_write(
        self, cand: Candidate, decoded: list[Tx | TxDecodeError], good: set[bytes]
    ) -> tuple[BlockResult, BlockRecord]:
        result = apply_block(
            self.state,
            cand.block,
            registry=self.registry,
            sig_ok=lambda tx: tx.hash in good,
            decoded=decoded,
        )
        return self._write(cand, result, None)

    def _write(
        self,
        cand: Candidate,
        result: BlockResult,
        encoded: tuple[list[bytes], list[bytes]] | None,
    ) -> tuple[BlockResult, BlockRecord]:
        """Persist an executed (or attested) block: record, outcome on validators, then
        the block itself in one synced batch."""
        prev = get_record(self.store, cand.block.height - 1)
        parent = prev.block_hash if prev is not None else bytes(32)
        r = cand.record
        record = BlockRecord(
            r.height,
            r.leader_round,
            r.epoch,
            r.leader_digest,
            r.certificates,
            r.batches,
            result.state_root,
            block_hash(r.height, r.leader_digest, parent, result.state_root),
            parent,
        )
        t0 = time.perf_counter()
        extra: tuple[tuple[str, bytes, bytes], ...] = ()
        if self.attestor is not None:  # its outcome goes in the record's batch
            if encoded is None:
                encoded = encode_receipts(result.receipts), encode_receipts(result.events)
            outcome = self.attestor.outcome(
                r.height,
                record.block_hash,
                result.state_root,
                result.packed,
                *encoded,
                result.notes,
            )
            extra = (outcome_op(r.height, outcome),)
        _put_record(self.store, record, extra=extra)
        commit_block(self.store, cand.block, result, sync=self.wal is None, encoded=encoded)
        if self.wal is not None and not self.wal.sync():
            _put_record(self.store, record, sync=True)  # syncs the whole log, block included
        self.metrics.write_time.observe(time.perf_counter() - t0)
        return result, record

    def _after_commit(self, result: BlockResult) -> None:
        m = self.metrics
        m.height.set(self.height)
        m.commits.inc()
        applied = 0
        rejected: dict[str, int] = {}
        for r in result.receipts:  # one metric update per block and reason, not per receipt
            if r.applied:
                applied += 1
            else:
                reason = r.reason.name.lower()
                rejected[reason] = rejected.get(reason, 0) + 1
        if applied:
            m.committed_tx.inc(applied)
        for reason, n in rejected.items():
            m.rejected_tx.labels(reason).inc(n)
        for lat in self.pending.resolve(result.receipts):
            m.latency.observe(lat)
        m.pending.set(len(self.pending))

    def _check_same(self, cand: Candidate) -> None:
        rec = get_record(self.store, cand.block.height)
        if rec is not None and rec.leader_digest != cand.record.leader_digest:
            log.error(
                "divergence at height %d: stored anchor %s, offered %s",
                cand.block.height,
                rec.leader_digest.hex()[:16],
                cand.record.leader_digest.hex()[:16],
            )

    # ---- reads ---------------------------------------------------------------------------
    async def wait_height(self, height: int, timeout_s: float | None = None) -> bool:
        """Wait until the ledger reaches ``height``; False on timeout."""
        loop = asyncio.get_running_loop()
        end = None if timeout_s is None else loop.time() + timeout_s
        while self.height < height:
            left = None if end is None else end - loop.time()
            if left is not None and left <= 0:
                return False
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except TimeoutError:
                return False
        return True

    def record(self, height: int) -> BlockRecord | None:
        """The certificate record of a committed block."""
        return get_record(self.store, height)

    def close(self) -> None:
        """Stop the execution thread (the store is closed by the owner)."""
        self._pool.shutdown(wait=True)
