"""Execution outcomes and validator attestations (ADR 0077).

A validator that executed block ``h`` keeps, next to the block's certificate record, the
block's writes exactly as the state root hashes them, the policy notes and its
*attestation*: an Ed25519 signature with its consensus key over (chain id, ``h``, the
block hash, the state root, the outcome digest). The block hash binds the attestation to
the block itself (anchor certificate, parent hash), not only to its result. The outcome digest covers what the state root does not:
the encoded receipts, the system events and the notes.

A partition-scoped follower (tier2, tier3) applies such an outcome instead of executing
the block: it checks the certificates as every follower does, recomputes the state root
from its own previous root and the writes, checks the receipts against the digest, and
requires attestations of that (root, digest) from members holding at least f+1 of the
committee's weight, so at least one honest validator executed the block and got the same.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from consensus.committee import Committee
from consensus.crypto import Signer, Verifier
from drex_node.ledger.state import K_CHAIN, META, pack, unpack
from drex_node.runtime.blocks import RECORDS_NS  # outcomes sit beside the block records
from drex_node.storage.kv import KVStore, WriteBatch

ATTEST_DOMAIN = b"drex:attest:v1"
OUTCOME_DOMAIN = b"drex:outcome:v1"


def _key(height: int) -> bytes:
    return b"o/" + height.to_bytes(8, "big")


def outcome_digest(
    receipts: Sequence[bytes], events: Sequence[bytes], notes: Sequence[str]
) -> bytes:
    """BLAKE2b-256 over the encoded receipts, system events and policy notes of a block."""
    body = pack([list(receipts), list(events), list(notes)])
    return hashlib.blake2b(OUTCOME_DOMAIN + body, digest_size=32).digest()


def attestation_message(
    chain_id: str, height: int, block_hash: bytes, state_root: bytes, digest: bytes
) -> bytes:
    """The bytes a validator signs to attest its execution of a block."""
    return ATTEST_DOMAIN + pack([chain_id, height, block_hash, state_root, digest])


@dataclass(frozen=True, slots=True)
class Attestation:
    """One validator's signed claim: block ``height`` with hash ``block_hash`` gives
    ``state_root`` and ``digest``."""

    height: int
    block_hash: bytes
    state_root: bytes
    digest: bytes
    signer: str
    signature: bytes

    @property
    def claim(self) -> tuple[bytes, bytes, bytes]:
        """What is attested: (block hash, state root, outcome digest)."""
        return self.block_hash, self.state_root, self.digest

    def well_formed(self) -> bool:
        """Sizes as an honest validator produces them (checked before anything else)."""
        return (
            len(self.block_hash) == 32
            and len(self.state_root) == 32
            and len(self.digest) == 32
            and len(self.signature) == 64
            and 0 < len(self.signer) <= 128
        )

    def valid(self, chain_id: str, committee: Committee, verifier: Verifier) -> bool:
        """Well formed and signed by a member of ``committee`` with its consensus key."""
        key = committee.public_key(self.signer)
        if key is None or not self.well_formed():
            return False
        msg = attestation_message(chain_id, self.height, *self.claim)
        return verifier.verify(key, msg, self.signature)


def attested_weight(
    attestations: Iterable[Attestation],
    claim: tuple[bytes, bytes, bytes],
    chain_id: str,
    committee: Committee,
    verifier: Verifier,
) -> int:
    """Weight of the distinct members whose valid attestations make ``claim`` (block
    hash, state root, outcome digest); attestations of anything else count for nothing."""
    signers = {
        a.signer
        for a in attestations
        if a.claim == claim and a.valid(chain_id, committee, verifier)
    }
    return committee.stake(signers)


@dataclass(frozen=True, slots=True)
class StoredOutcome:
    """What a validator keeps per executed block for partition-scoped followers."""

    packed_writes: bytes
    notes: tuple[str, ...]
    digest: bytes
    signer: str
    signature: bytes

    def encode(self) -> bytes:
        return pack(
            [self.packed_writes, list(self.notes), self.digest, self.signer, self.signature]
        )

    @staticmethod
    def decode(raw: bytes) -> StoredOutcome:
        w, notes, d, signer, sig = unpack(raw)
        return StoredOutcome(w, tuple(notes), d, signer, sig)


class Attestor:
    """A validator's signing side: its committee id and consensus key."""

    def __init__(self, chain_id: str, signer_id: str, signer: Signer) -> None:
        self.chain_id = chain_id
        self.signer_id = signer_id
        self._signer = signer

    def outcome(
        self,
        height: int,
        block_hash: bytes,
        state_root: bytes,
        packed_writes: bytes,
        receipts: Sequence[bytes],
        events: Sequence[bytes],
        notes: Sequence[str],
    ) -> StoredOutcome:
        digest = outcome_digest(receipts, events, notes)
        msg = attestation_message(self.chain_id, height, block_hash, state_root, digest)
        sig = self._signer.sign(msg)
        return StoredOutcome(packed_writes, tuple(notes), digest, self.signer_id, sig)


def outcome_op(height: int, outcome: StoredOutcome) -> tuple[str, bytes, bytes]:
    """``(namespace, key, value)`` of an outcome, to write beside its block record."""
    return RECORDS_NS, _key(height), outcome.encode()


def get_outcome(store: KVStore, height: int) -> StoredOutcome | None:
    """The outcome this node stored for ``height`` (None: not a validator then, or older)."""
    raw = store.get(RECORDS_NS, _key(height))
    return None if raw is None else StoredOutcome.decode(raw)


SCOPE_KEY = b"scope"


def _scope_value(partitions: Collection[str] | None) -> bytes:
    return b"all" if partitions is None else pack(sorted(partitions))


def claim_scope(store: KVStore, partitions: Collection[str] | None) -> None:
    """Record which partitions a fresh store keeps (None: all; synced, before genesis is
    written, so a crash in between leaves a store that is still fresh), or refuse a data
    directory created to keep others: a partition added later would be empty, one dropped
    would go stale. A directory without a record (created before ADR 0077) kept every
    partition."""
    fresh = META not in store.namespaces() or store.get(META, K_CHAIN) is None
    if fresh:
        wb = WriteBatch()
        wb.put(RECORDS_NS, SCOPE_KEY, _scope_value(partitions))
        store.write(wb, sync=True)
        return
    stored = store.get(RECORDS_NS, SCOPE_KEY) or b"all"
    if stored != _scope_value(partitions):
        had = "every partition" if stored == b"all" else f"partitions {unpack(stored)}"
        want = "every partition" if partitions is None else f"partitions {sorted(partitions)}"
        raise ValueError(
            f"node.partitions: the data directory keeps {had}, the config asks for {want}; "
            "start with an empty data directory to resync with the new scope"
        )
