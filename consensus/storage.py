"""Storage protocol for engine state, an in-memory backend, and the typed record layer.

The node implements ``Storage`` on RocksDB; ``check_storage_conformance`` is the suite every
backend must pass. The engine buffers its writes during one call and flushes them as one
atomic batch *before* it returns the step, so a vote is durable before it is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import msgpack

from consensus.codec import batch_from_wire, cert_from_wire, encode, header_from_wire
from consensus.codec_reference import DecodeError, Limits
from consensus.commit_rule import CommitState
from consensus.committee import Committee, Validator
from consensus.types import (
    Batch,
    BatchMsg,
    Certificate,
    CertificateMsg,
    Digest,
    Header,
    HeaderMsg,
    ValidatorId,
)


class Storage(Protocol):
    """A durable byte key-value store with atomic batched writes."""

    def get(self, key: bytes) -> bytes | None:
        """The value under ``key`` or None."""
        ...

    def write(self, puts: Mapping[bytes, bytes], deletes: Iterable[bytes] = ()) -> None:
        """Apply puts and deletes atomically and durably (deletes first)."""
        ...


class MemoryStorage:
    """``Storage`` in a dict (tests and the simulator; 'durable' for the process lifetime)."""

    def __init__(self) -> None:
        self.data: dict[bytes, bytes] = {}
        self.writes = 0

    def get(self, key: bytes) -> bytes | None:
        """The value or None."""
        return self.data.get(key)

    def write(self, puts: Mapping[bytes, bytes], deletes: Iterable[bytes] = ()) -> None:
        """Apply a batch."""
        for k in deletes:
            self.data.pop(k, None)
        self.data.update(puts)
        self.writes += 1


def check_storage_conformance(store: Storage) -> None:
    """Conformance suite for a fresh, empty backend; raises AssertionError on a deviation."""
    if store.get(b"k1") is not None:
        raise AssertionError("fresh store is not empty")
    store.write({b"k1": b"v1", b"k2": b""})
    if store.get(b"k1") != b"v1" or store.get(b"k2") != b"":
        raise AssertionError("put then get failed (empty values must round-trip)")
    store.write({b"k1": b"v2"}, deletes=[b"k2"])
    if store.get(b"k1") != b"v2" or store.get(b"k2") is not None:
        raise AssertionError("overwrite or delete failed")
    store.write({b"k3": b"x"}, deletes=[b"k3"])
    if store.get(b"k3") != b"x":
        raise AssertionError("puts must apply after deletes within one batch")
    store.write({}, deletes=[b"missing"])


def _pack(obj: object) -> bytes:
    out: bytes = msgpack.packb(obj, use_bin_type=True)
    return out


def _unpack(data: bytes) -> Any:
    return msgpack.unpackb(data, raw=False)


class EngineStore:
    """Typed engine records over a ``Storage``, with a write buffer flushed per engine call."""

    def __init__(self, backend: Storage) -> None:
        self.backend = backend
        self._puts: dict[bytes, bytes] = {}
        self._limits = Limits()

    def _get(self, key: bytes) -> bytes | None:
        if key in self._puts:
            return self._puts[key]
        return self.backend.get(key)

    def flush(self) -> None:
        """Write buffered records as one atomic batch."""
        if self._puts:
            self.backend.write(self._puts)
            self._puts = {}

    # ---- votes and own proposals (safety across restarts) --------------------------------
    def put_last_vote(self, author: ValidatorId, round_: int, digest: Digest) -> None:
        """Record the vote for ``author``'s header of ``round_``."""
        self._puts[b"vote/" + author.encode()] = _pack([round_, digest])

    def last_vote(self, author: ValidatorId) -> tuple[int, Digest] | None:
        """The last (round, header digest) voted for ``author``."""
        raw = self._get(b"vote/" + author.encode())
        if raw is None:
            return None
        r, d = _unpack(raw)
        return int(r), bytes(d)

    def put_own_header(self, header: Header) -> None:
        """Record our latest proposal before it is sent."""
        self._puts[b"own-header"] = encode(HeaderMsg(header))

    def own_header(self) -> Header | None:
        """Our latest proposal."""
        raw = self._get(b"own-header")
        return header_from_wire(_unpack(raw)[1], self._limits) if raw else None

    # ---- DAG ------------------------------------------------------------------------------
    def put_certificate(self, cert: Certificate) -> None:
        """Store a certificate and index it by (round, author)."""
        self._puts[b"cert/" + cert.digest] = encode(CertificateMsg(cert))
        self._puts[b"idx/%d/" % cert.round + cert.author.encode()] = cert.digest
        if cert.round > self.highest_round():
            self._puts[b"highest"] = _pack(cert.round)

    def certificate(self, digest: Digest) -> Certificate | None:
        """A stored certificate."""
        raw = self._get(b"cert/" + digest)
        return cert_from_wire(_unpack(raw)[1], self._limits) if raw else None

    def certificate_at(self, round_: int, author: ValidatorId) -> Certificate | None:
        """The stored certificate of ``author`` in ``round_``."""
        d = self._get(b"idx/%d/" % round_ + author.encode())
        return self.certificate(d) if d else None

    def highest_round(self) -> int:
        """Highest round of any stored certificate."""
        raw = self._get(b"highest")
        return int(_unpack(raw)) if raw else 0

    def put_batch(self, batch: Batch) -> None:
        """Store a batch."""
        self._puts[b"batch/" + batch.digest] = encode(BatchMsg(batch))

    def batch(self, digest: Digest) -> Batch | None:
        """A stored batch."""
        raw = self._get(b"batch/" + digest)
        return batch_from_wire(_unpack(raw)[1], self._limits) if raw else None

    def put_abandoned(self, digest: Digest) -> None:
        """Our certificate ``digest`` will never be ordered; its batches were proposed again."""
        self._puts[b"abandoned/" + digest] = b""

    def is_abandoned(self, digest: Digest) -> bool:
        """Whether ``put_abandoned`` was recorded for ``digest``."""
        return self._get(b"abandoned/" + digest) is not None

    def put_lane_sequence(self, partition: int, sequence: int) -> None:
        """Record the last batch sequence number of a lane."""
        self._puts[b"lane/%d" % partition] = _pack(sequence)

    def lane_sequence(self, partition: int) -> int:
        """The last batch sequence number of a lane (0 if none)."""
        raw = self._get(b"lane/%d" % partition)
        return int(_unpack(raw)) if raw else 0

    # ---- commit state and committees ------------------------------------------------------
    def put_commit_state(self, st: CommitState) -> None:
        """Record the commit rule's state."""
        ordered = [[d, r] for d, r in st.ordered.items()]
        self._puts[b"commit"] = _pack([st.last_committed_round, st.commit_index, ordered])

    def commit_state(self) -> CommitState | None:
        """The recorded commit state."""
        raw = self._get(b"commit")
        if raw is None:
            return None
        lcr, idx, ordered = _unpack(raw)
        return CommitState(int(lcr), int(idx), {bytes(d): int(r) for d, r in ordered})

    def put_schedule(self, entries: tuple[tuple[int, Committee], ...]) -> None:
        """Record scheduled committees after genesis."""
        self._puts[b"schedule"] = _pack([[first, committee_to_wire(c)] for first, c in entries])

    def schedule(self) -> list[tuple[int, Committee]]:
        """Recorded (first round, committee) entries."""
        raw = self._get(b"schedule")
        if raw is None:
            return []
        return [(int(f), committee_from_wire(c)) for f, c in _unpack(raw)]


def committee_to_wire(c: Committee) -> list[object]:
    """msgpack-ready committee."""
    vs = [[v.id, v.public_key, v.weight, v.address] for v in c.validators]
    return [c.epoch, vs, c.authority_signature]


def committee_from_wire(obj: Any) -> Committee:
    """Inverse of ``committee_to_wire``; raises DecodeError on malformed input."""
    try:
        epoch, vs, sig = obj
        validators = [Validator(str(i), bytes(k), int(w), str(a)) for i, k, w, a in vs]
        return Committee(
            int(epoch), Committee.create(int(epoch), validators).validators, bytes(sig)
        )
    except (TypeError, ValueError) as exc:
        raise DecodeError(f"committee: {exc}") from None


__all__ = [
    "EngineStore",
    "MemoryStorage",
    "Storage",
    "check_storage_conformance",
    "committee_from_wire",
    "committee_to_wire",
]
