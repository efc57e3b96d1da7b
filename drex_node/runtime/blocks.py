"""Committed sub-DAG -> ledger block, the certificate record kept next to each block, and
the check a follower runs on a block received from a peer.

Block height ``h`` is the ``h``-th committed sub-DAG (its commit index), empty or not, so
every node maps the same consensus output to the same heights. A block's time is the
round of its anchor: consensus time, identical everywhere.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import msgpack

from consensus.codec import DecodeError, Limits, decode, encode
from consensus.committee import CommitteeSchedule
from consensus.crypto import Verifier
from consensus.step import CommittedSubDag
from consensus.types import Batch, BatchMsg, Certificate, CertificateMsg
from consensus.validation import check_certificate
from drex_node.ledger.execute import Block
from drex_node.runtime.carrier import unwrap
from drex_node.storage.kv import KVStore, WriteBatch

RECORDS_NS = "node/records"
BLOCK_DOMAIN = b"drex:block:v1"
MAX_HEADER_BATCHES = 256


def _key(height: int) -> bytes:
    return height.to_bytes(8, "big")


def block_hash(height: int, leader: bytes, parent: bytes, state_root: bytes) -> bytes:
    """Hash naming a block: height, anchor certificate digest, parent hash, state root."""
    h = hashlib.blake2b(BLOCK_DOMAIN, digest_size=32)
    h.update(height.to_bytes(8, "big") + leader + parent + state_root)
    return h.digest()


@dataclass(frozen=True, slots=True)
class BlockRecord:
    """What a node keeps next to a ledger block: the certificates that ordered it."""

    height: int
    leader_round: int
    epoch: int
    leader_digest: bytes
    certificates: tuple[bytes, ...]
    batches: tuple[bytes, ...]
    state_root: bytes = b""
    block_hash: bytes = b""
    parent_hash: bytes = b""

    def encode(self) -> bytes:
        """Canonical msgpack of the record."""
        body = [
            self.height,
            self.leader_round,
            self.epoch,
            self.leader_digest,
            list(self.certificates),
            list(self.batches),
            self.state_root,
            self.block_hash,
            self.parent_hash,
        ]
        return bytes(msgpack.packb(body, use_bin_type=True))

    @staticmethod
    def decode(data: bytes) -> BlockRecord:
        """Inverse of :meth:`encode` (our own records)."""
        h, lr, ep, ld, certs, batches, root, bh, ph = msgpack.unpackb(data, raw=False)
        return BlockRecord(h, lr, ep, ld, tuple(certs), tuple(batches), root, bh, ph)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A block ready to execute, with its certificate record (root and hashes not yet set)."""

    block: Block
    record: BlockRecord
    batches: tuple[Batch, ...]
    # (index in block.txs, authority committee signature) of carried committee changes
    committee_signatures: tuple[tuple[int, bytes], ...] = ()
    # (digest, round) of each certificate, for the checks against the chain so far
    certs: tuple[tuple[bytes, int], ...] = ()


def from_subdag(sub: CommittedSubDag) -> Candidate:
    """The block at height ``sub.index`` made of the sub-DAG's batches, in order; carrier
    entries (committee changes, ADR 0065) are unwrapped to their ledger transaction."""
    txs: list[bytes] = []
    signatures: list[tuple[int, bytes]] = []
    for b in sub.batches:
        for tx in b.txs:
            carried = unwrap(tx)
            if carried is not None:
                signatures.append((len(txs), carried[1]))
                tx = carried[0]
            txs.append(tx)
    record = BlockRecord(
        sub.index,
        sub.leader.round,
        sub.leader.header.epoch,
        sub.leader.digest,
        tuple(encode(CertificateMsg(c)) for c in sub.certificates),
        tuple(encode(BatchMsg(b)) for b in sub.batches),
    )
    return Candidate(
        Block(sub.index, sub.leader.round, tuple(txs)),
        record,
        sub.batches,
        tuple(signatures),
        tuple((c.digest, c.round) for c in sub.certificates),
    )


class BlockCheckError(ValueError):
    """A block from a peer that its certificates do not prove."""


def verify_record(
    height: int,
    leader_round: int,
    certificates: list[bytes],
    batches: list[bytes],
    schedule: CommitteeSchedule,
    verifier: Verifier,
    limits: Limits | None = None,
    commit_rule: str = "bullshark",
) -> Candidate:
    """Check a peer's committed block against the committee and rebuild it.

    Every certificate must carry a quorum of valid member votes; the last one must be
    the scheduled anchor of ``leader_round`` (an even round under Bullshark, any round
    under Shoal: ``commit_rule`` is the network's, from genesis); certificates are in
    (round, author) order; the batches must be exactly those the certificates reference,
    in order.

    This checks the block alone: that it extends this node's chain (anchor round after the
    previous block's, no certificate committed before) is checked when it is applied
    (``LedgerCore.commit_peer``).
    """
    lim = limits or Limits()
    certs: list[Certificate] = []
    try:
        for raw in certificates:
            msg = decode(raw, lim)
            if not isinstance(msg, CertificateMsg):
                raise BlockCheckError("certificate entry is not a certificate")
            certs.append(msg.certificate)
        bs: list[Batch] = []
        for raw in batches:
            msg = decode(raw, lim)
            if not isinstance(msg, BatchMsg):
                raise BlockCheckError("batch entry is not a batch")
            bs.append(msg.batch)
    except DecodeError as exc:
        raise BlockCheckError(f"undecodable: {exc}") from None
    if not certs:
        raise BlockCheckError("no certificates")
    for c in certs:
        fault = check_certificate(c, schedule, verifier, MAX_HEADER_BATCHES, "peer")
        if fault is not None:
            raise BlockCheckError(
                f"certificate {c.digest.hex()[:12]}: {fault.kind}: {fault.detail}"
            )
    keys = [(c.round, c.author) for c in certs]
    if keys != sorted(keys) or len(set(keys)) != len(keys):
        raise BlockCheckError("certificates not in (round, author) order")
    leader = certs[-1]
    expected = schedule.for_round(leader.round).leader(leader.round)
    odd = leader.round % 2 == 1 and commit_rule != "shoal"
    if leader.round != leader_round or odd or leader.author != expected:
        raise BlockCheckError(f"anchor of round {leader.round} is not the scheduled leader")
    referenced = [d for c in certs for _, d in c.header.payload]
    if [b.digest for b in bs] != referenced:
        raise BlockCheckError("batches do not match the certificates' payload")
    sub = CommittedSubDag(height, leader, tuple(certs), tuple(bs))
    return from_subdag(sub)


def verify_streamed(
    blk: Any, schedule: CommitteeSchedule, verifier: Verifier, commit_rule: str = "bullshark"
) -> Candidate:
    """:func:`verify_record` of a ``CommittedBlock`` received from a peer."""
    return verify_record(
        blk.height,
        blk.leader_round,
        list(blk.certificates),
        list(blk.batches),
        schedule,
        verifier,
        commit_rule=commit_rule,
    )


def put_record(
    store: KVStore,
    record: BlockRecord,
    *,
    sync: bool = False,
    extra: tuple[tuple[str, bytes, bytes], ...] = (),
) -> None:
    """Write a record and ``extra`` puts in one batch (unsynced by default: the block's
    synced commit that follows makes it durable)."""
    wb = WriteBatch()
    wb.put(RECORDS_NS, _key(record.height), record.encode())
    for ns, key, value in extra:
        wb.put(ns, key, value)
    store.write(wb, sync=sync)


def get_record(store: KVStore, height: int) -> BlockRecord | None:
    """The record of ``height`` or None."""
    raw = store.get(RECORDS_NS, _key(height))
    return None if raw is None else BlockRecord.decode(raw)
