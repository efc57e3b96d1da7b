"""Pure, deterministic block execution: ``apply_block(state, block) -> BlockResult``.

A block is executed in *segments*. Transfers and single-partition settlements are
partition-local: consecutive ones form a segment whose partitions execute
independently (in any order, or in parallel worker processes) and whose
cross-partition credit legs are applied at the end of the segment, refunds after
them. Every other transaction (account creation, issuance, freezes, policy updates,
multi-partition settlements) is a barrier executed alone, in block order. Every
account therefore sees its own transactions in block order, and the state root is
a function of the block and the prior state only (docs/protocol/execution.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

import msgpack

from drex_node.ledger import admin, settlement
from drex_node.ledger.admin import run_admin
from drex_node.ledger.codes import Reason, TxType
from drex_node.ledger.context import ExecContext, Outcome, fail
from drex_node.ledger.receipts import Receipt, block_receipts_of
from drex_node.ledger.state import K_HEAD, META, StateReader, StateView, pack, unpack
from drex_node.ledger.transfers import Credit, apply_credit, apply_refund, settle, transfer
from drex_node.ledger.tx import Tx, TxDecodeError, decode, raw_hash, verify_signatures
from drex_node.policy.host import ActivePolicies, Registry, active

Writes = dict[tuple[str, bytes], bytes | None]
ROOT_DOMAIN = b"drex:root:v1"
GENESIS_ROOT = bytes(32)
BARRIER_HANDLERS = {**admin.HANDLERS, **settlement.HANDLERS}
SYS_DOMAIN = b"drex:sys:v1"


@dataclass(frozen=True, slots=True)
class Block:
    """An ordered list of raw transactions at a height, with consensus time."""

    height: int
    time_ms: int
    txs: tuple[bytes, ...]


@dataclass(frozen=True)
class BlockResult:
    height: int
    writes: Writes
    receipts: tuple[Receipt, ...]
    state_root: bytes
    notes: tuple[str, ...] = ()
    events: tuple[Receipt, ...] = ()  # system receipts (expiries), after the transactions
    # The writes exactly as the state root hashes them (``packed_writes``): what a
    # validator serves to partition-scoped followers (ADR 0077).
    packed: bytes = b""


class PartitionJob(NamedTuple):
    """One partition's share of a segment: transactions, credits or refunds (a named
    tuple: several are built per segment, and segments are short in a mix of barriers)."""

    partition: str
    kind: str  # "txs" | "credits" | "refunds"
    items: tuple[Any, ...]


_new_job = tuple.__new__


@dataclass(frozen=True, slots=True)
class PartitionOutput:
    writes: Writes
    outcomes: tuple[tuple[int, Outcome], ...]
    credits: tuple[Credit, ...]


Mapper = Callable[[Callable[..., PartitionOutput], Sequence[Any]], Iterable[PartitionOutput]]


def sequential_map(
    fn: Callable[..., PartitionOutput], args: Sequence[Any]
) -> list[PartitionOutput]:
    """The default mapper: run partition jobs one after the other in this process."""
    return [fn(*a) for a in args]


def head(state: StateReader) -> tuple[int, bytes]:
    """(height, state root) of the last committed block; (0, zero root) before any."""
    raw = state.get(META, K_HEAD)
    if raw is None:
        return 0, GENESIS_ROOT
    height, root = unpack(raw)[:2]
    return int(height), bytes(root)


def head_time_ms(state: StateReader) -> int:
    """Consensus time of the last committed block (genesis time before any)."""
    raw = state.get(META, K_HEAD)
    rec = [] if raw is None else unpack(raw)
    return int(rec[3]) if len(rec) > 3 else 0


def state_root(prev_root: bytes, height: int, writes: Writes) -> bytes:
    """Chained commitment over the block's writes:
    ``BLAKE2b-256(domain || prev_root || height_be8 || msgpack(sorted [[[ns, key], value]]))``
    (msgpack's length prefixes make the encoding unambiguous; a deletion is ``nil``)."""
    return root_of_packed(prev_root, height, packed_writes(writes))


def packed_writes(writes: Writes) -> bytes:
    """``msgpack(sorted [[[ns, key], value]])``: the bytes the state root hashes."""
    return pack([(k, writes[k]) for k in sorted_keys(writes)])  # = sorted(writes.items())


def root_of_packed(prev_root: bytes, height: int, packed: bytes) -> bytes:
    """:func:`state_root` of writes given as :func:`packed_writes` bytes."""
    h = hashlib.blake2b(ROOT_DOMAIN + prev_root + height.to_bytes(8, "big"), digest_size=32)
    h.update(packed)
    return h.digest()


def unpack_writes(packed: bytes) -> Writes:
    """Inverse of :func:`packed_writes` (raises ``ValueError`` on anything else)."""
    try:
        items = unpack(packed)
        out: Writes = {}
        for (ns, key), value in items:
            if not (isinstance(ns, str) and isinstance(key, bytes)):
                raise TypeError("key is not [str, bytes]")
            if value is not None and not isinstance(value, bytes):
                raise TypeError("value is not bytes or nil")
            out[(ns, key)] = value
    except (
        TypeError,
        ValueError,
        msgpack.ExtraData,
        msgpack.FormatError,
        msgpack.StackError,
    ) as exc:
        raise ValueError(f"malformed writes: {exc}") from None
    if len(out) != len(items):
        raise ValueError("malformed writes: a key appears twice")
    return out


_NS: Callable[[tuple[str, bytes]], str] = itemgetter(0)
_KEY: Callable[[tuple[str, bytes]], bytes] = itemgetter(1)


def sorted_keys(writes: Writes) -> list[tuple[str, bytes]]:
    """``sorted(writes)``, in two stable sorts: by key bytes, then by namespace. The
    order is the same (lexicographic on ``(ns, key)``), but each comparison is of two
    bytes or two strings instead of two tuples, which costs about half."""
    keys = sorted(writes, key=_KEY)
    keys.sort(key=_NS)
    return keys


def _exec_job(
    ctx: ExecContext, job: PartitionJob
) -> tuple[list[tuple[int, Outcome]], list[Credit]]:
    """Run one partition job's items in ``ctx``; returns (outcomes, refused/pending credits)."""
    outcomes: list[tuple[int, Outcome]] = []
    credits: list[Credit] = []
    append = outcomes.append
    if job.kind == "txs":
        partition, transfer_type = job.partition, TxType.TRANSFER
        for index, tx in job.items:
            if tx.type is transfer_type:
                append((index, transfer(ctx, tx, index, credits, partition)))
            else:
                append((index, settle(ctx, tx)))
    elif job.kind == "credits":
        ok = Reason.OK
        for c in job.items:
            out = apply_credit(ctx, c)
            append((c.tx_index, out))
            if out.reason is not ok:
                credits.append(c)
    else:
        for c in job.items:
            apply_refund(ctx, c)
    return outcomes, credits


def run_partition_job(
    base: StateReader,
    job: PartitionJob,
    height: int,
    time_ms: int,
    policies: ActivePolicies,
    registry: Registry,
) -> PartitionOutput:
    """Execute one partition job against ``base``; pure (picklable for worker processes)."""
    view = StateView(base)
    ctx = ExecContext(view, height, time_ms, view.chain(), policies, registry)
    outcomes, credits = _exec_job(ctx, job)
    return PartitionOutput(view.flush(), tuple(outcomes), tuple(credits))


_DST: Callable[[Credit], str] = attrgetter("dst_partition")
_SRC: Callable[[Credit], str] = attrgetter("src_partition")


class _BlockRun:
    def __init__(
        self,
        state: StateReader,
        block: Block,
        registry: Registry,
        mapper: Mapper,
        sig_ok: Callable[[Tx], bool],
        decoded: Sequence[Tx | TxDecodeError] | None,
        sig_flags: Sequence[int] | None = None,
    ) -> None:
        self.block = block
        self.decoded = decoded
        self.registry = registry
        self.mapper = mapper
        self.sig_ok = sig_ok
        self.sig_flags = sig_flags
        self.view = StateView(state)
        self.chain = self.view.chain()
        self.policies = active(state, registry, block.height)
        self.outcomes: dict[int, Outcome] = {}
        self.hashes: dict[int, bytes] = {}
        self.pending: dict[str, list[tuple[int, Tx]]] = {}
        self._ctx = ExecContext(
            self.view, block.height, block.time_ms, self.chain, self.policies, registry
        )

    def ctx(self) -> ExecContext:
        """The block's execution context (one per block: every field is fixed for it)."""
        return self._ctx

    def _run_jobs(self, jobs: list[PartitionJob]) -> list[tuple[Any, list[Credit]]]:
        """Run one segment's jobs through the mapper, each in its own view over a
        flushed snapshot; returns each job's (outcomes, credits) in job order. (With the
        default sequential mapper, :meth:`_segment_on_view` runs segments instead.)"""
        self.view.flush()
        b = self.block
        args = [(self.view, j, b.height, b.time_ms, self.policies, self.registry) for j in jobs]
        outs: list[tuple[Any, list[Credit]]] = []
        for out in self.mapper(run_partition_job, args):
            self.view.merge(out.writes)
            outs.append((out.outcomes, list(out.credits)))
        merged = self.outcomes
        for job, (outcomes, _credits) in zip(jobs, outs, strict=True):
            if job.kind == "txs":  # first outcomes of their transactions (routed once)
                merged.update(outcomes)
                continue
            for index, outcome in outcomes:
                prev = merged.get(index)
                if prev is not None and (prev.flags or outcome.flags):
                    # a credit leg: keep the debit's alerts (without any, the merged
                    # outcome equals the credit's own)
                    outcome = fail(outcome.reason, outcome.detail, prev.flags + outcome.flags)
                merged[index] = outcome
        return outs

    def flush_segment(self) -> None:
        if not self.pending:
            return
        pending = self.pending
        if self.mapper is sequential_map:
            self.pending = {}
            self._segment_on_view(pending)
            return
        jobs = [
            _new_job(PartitionJob, (p, "txs", tuple(pending[p])))
            for p in (sorted(pending) if len(pending) > 1 else pending)
        ]
        self.pending = {}
        credits = [c for _o, cs in self._run_jobs(jobs) for c in cs]
        if credits:
            refunds = self._grouped_run(credits, "credits", _DST)
            if refunds:
                self._grouped_run(refunds, "refunds", _SRC)

    def _segment_on_view(self, pending: dict[str, list[tuple[int, Tx]]]) -> None:
        """A segment run directly on the block's view (the default sequential mapper):
        the partition jobs touch disjoint partitions, so running them one after the
        other on one view writes what per-job overlays would merge to, without the
        overlays (or the job objects: segments are short in a mix of barriers).

        Same order as the jobs: partitions in name order, then the credit legs by
        destination partition and block index, then refunds by source partition and
        index; outcomes as :meth:`_run_jobs` merges them (a test compares the two)."""
        ctx, merged = self._ctx, self.outcomes
        credits: list[Credit] = []
        transfer_type = TxType.TRANSFER
        for p in sorted(pending) if len(pending) > 1 else pending:
            for index, tx in pending[p]:
                if tx.type is transfer_type:
                    merged[index] = transfer(ctx, tx, index, credits, p)
                else:
                    merged[index] = settle(ctx, tx)
        if not credits:
            return
        credits.sort()  # by block index (unique, the first field) ...
        credits.sort(key=_DST)  # ... within each destination partition (a stable sort)
        refunds = []
        ok = Reason.OK
        for c in credits:
            out = apply_credit(ctx, c)
            if out.reason is not ok:
                refunds.append(c)
            index = c.tx_index
            prev = merged.get(index)
            if prev is not None and (prev.flags or out.flags):
                out = fail(out.reason, out.detail, prev.flags + out.flags)
            merged[index] = out
        if refunds:
            refunds.sort()
            refunds.sort(key=_SRC)
            for c in refunds:
                apply_refund(ctx, c)

    def _grouped_run(
        self, items: list[Credit], kind: str, key: Callable[[Credit], str]
    ) -> list[Credit]:
        """Run ``items`` grouped by the partition ``key`` names."""
        groups: dict[str, list[Credit]] = {}
        for c in sorted(items):  # by block index (unique, the first field)
            groups.setdefault(key(c), []).append(c)
        if not groups:
            return []
        jobs = [_new_job(PartitionJob, (p, kind, tuple(cs))) for p, cs in sorted(groups.items())]
        return [c for _o, cs in self._run_jobs(jobs) for c in cs]

    def route(self, index: int, tx: Tx) -> None:
        """Queue a partition-local transaction or run a barrier transaction now."""
        view = self.view
        if tx.type is TxType.TRANSFER:
            part = view.partition_of(tx.sender)
            if part is None:
                self.outcomes[index] = fail(Reason.UNKNOWN_ACCOUNT, "sender")
                return
            self.pending.setdefault(part, []).append((index, tx))
            return
        if tx.type is TxType.SETTLE:
            parts = {view.partition_of(tx.sender)}
            for src, dst, _a, _n in tx.fields[0]:
                parts |= {view.partition_of(src), view.partition_of(dst)}
            if len(parts) == 1 and None not in parts:
                self.pending.setdefault(parts.pop() or "", []).append((index, tx))
                return
            self.flush_segment()
            self.outcomes[index] = settle(self.ctx(), tx)
            return
        if self.pending:
            self.flush_segment()
        self.outcomes[index] = run_admin(self._ctx, tx, BARRIER_HANDLERS)

    def _decoded(self, index: int, raw: bytes, pre: Tx | TxDecodeError | None) -> Tx | None:
        """Decode (unless ``pre`` is the decoding of ``raw``) and check the chain;
        record a rejection otherwise."""
        try:
            if isinstance(pre, TxDecodeError):
                raise pre
            if pre is None or pre.raw is not raw and pre.raw != raw:
                pre = decode(raw)
            if pre.chain_id != self.chain.chain_id:
                raise TxDecodeError(Reason.WRONG_CHAIN, f"chain id {pre.chain_id!r}")
            return pre
        except TxDecodeError as exc:
            self.hashes[index] = raw_hash(raw)
            self.outcomes[index] = fail(exc.reason, exc.detail)
            return None

    def run(self) -> BlockResult:
        b = self.block
        decoded, flags, sig_ok = self.decoded, self.sig_flags, self.sig_ok
        hashes, outcomes, route = self.hashes, self.outcomes, self.route
        chain_id, height = self.chain.chain_id, b.height
        for index, raw in enumerate(b.txs):
            # admission: decoded (ahead of time, usually), chain, signatures, expiry
            tx = None if decoded is None else decoded[index]
            if type(tx) is not Tx or tx.raw is not raw or tx.chain_id != chain_id:
                tx = self._decoded(index, raw, tx)
                if tx is None:
                    continue
            hashes[index] = tx.hash
            if not (sig_ok(tx) if flags is None else flags[index]):
                outcomes[index] = fail(Reason.BAD_SIGNATURE)
            elif height > tx.expiry:
                outcomes[index] = fail(Reason.EXPIRED, f"expired at height {tx.expiry}")
            else:
                route(index, tx)
        self.flush_segment()
        expired = settlement.process_expiries(self.ctx(), head_time_ms(self.view.base))
        notes = self._policy_hooks()
        writes = self.view.flush(final=True)
        _, prev_root = head(self.view.base)
        packed = packed_writes(writes)
        root = root_of_packed(prev_root, b.height, packed)
        receipts = self._receipts()
        n = len(b.txs)
        events = tuple(
            Receipt(
                hashlib.blake2b(SYS_DOMAIN + ident, digest_size=32).digest(),
                b.height,
                n + i,
                Reason.OK,
                detail,
            )
            for i, (ident, detail) in enumerate(expired)
        )
        return BlockResult(b.height, dict(writes), receipts, root, tuple(notes), events, packed)

    def _policy_hooks(self) -> list[str]:
        notes: list[str] = []
        view, b = self.view, self.block
        for module, params in self.policies.monetary:
            notes += module.on_block_end(view, b.height, params)
            if self.chain.epoch_blocks and b.height % self.chain.epoch_blocks == 0:
                notes += module.on_epoch_end(view, b.height // self.chain.epoch_blocks, params)
        return notes

    def _receipts(self) -> tuple[Receipt, ...]:
        return block_receipts_of(self.block.height, self.hashes, self.outcomes, len(self.block.txs))


def apply_block(
    state: StateReader,
    block: Block,
    *,
    registry: Registry,
    mapper: Mapper = sequential_map,
    sig_ok: Callable[[Tx], bool] = verify_signatures,
    decoded: Sequence[Tx | TxDecodeError] | None = None,
    sig_flags: Sequence[int] | None = None,
) -> BlockResult:
    """Execute ``block`` on ``state`` (unchanged) and return its writes, receipts and root.

    ``mapper`` runs the independent partition jobs of each segment (sequentially by
    default; any order or a process pool gives the same result). ``sig_ok`` may be a
    lookup into signatures verified ahead of time (e.g. by a worker pool), or
    ``sig_flags`` one verdict per transaction of the block, by index (non-zero: every
    signature verifies; e.g. the bytes a verifier pool returns), which replaces
    ``sig_ok``; ``decoded`` the results of :func:`decode` done ahead of time (at
    admission). All are optimisations that never change the result.
    Raises ValueError only for a block at the wrong height (a caller bug).
    """
    expected = head(state)[0] + 1
    if block.height != expected:
        raise ValueError(f"block height {block.height} is not the next height {expected}")
    if sig_flags is not None and len(sig_flags) != len(block.txs):
        raise ValueError(f"{len(sig_flags)} signature verdicts for {len(block.txs)} txs")
    return _BlockRun(state, block, registry, mapper, sig_ok, decoded, sig_flags).run()
