"""Frozen message types of the DAG protocol and their content digests.

Every digest is BLAKE2b-256 over a domain tag and the canonical msgpack encoding of the
object's body (see ``consensus.codec``). Digests are computed once, when an object is built
with its ``create``/``build`` constructor or decoded from bytes, and carried as a field.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import msgpack

Digest = bytes
ValidatorId = str

DIGEST_SIZE = 32


def blake(domain: bytes, body: object) -> Digest:
    """BLAKE2b-256 of ``domain`` followed by the canonical msgpack encoding of ``body``."""
    h = hashlib.blake2b(domain, digest_size=DIGEST_SIZE)
    h.update(msgpack.packb(body, use_bin_type=True))
    return h.digest()


@dataclass(frozen=True, slots=True)
class Batch:
    """Client transactions of one partition sealed by one validator's lane."""

    author: ValidatorId
    partition: int
    sequence: int
    txs: tuple[bytes, ...]
    digest: Digest

    @staticmethod
    def create(author: ValidatorId, partition: int, sequence: int, txs: tuple[bytes, ...]) -> Batch:
        """Build a batch and compute its digest."""
        return Batch(
            author, partition, sequence, txs, batch_digest(author, partition, sequence, txs)
        )

    @property
    def size_bytes(self) -> int:
        """Total size of the transactions in bytes."""
        return sum(len(t) for t in self.txs)


def batch_digest(
    author: ValidatorId, partition: int, sequence: int, txs: tuple[bytes, ...]
) -> Digest:
    """Content digest of a batch."""
    return blake(b"drex/batch/v1", [author, partition, sequence, list(txs)])


@dataclass(frozen=True, slots=True)
class Header:
    """A validator's proposal for one round: parents of the previous round and batch digests."""

    author: ValidatorId
    round: int
    epoch: int
    parents: tuple[Digest, ...]
    payload: tuple[tuple[int, Digest], ...]
    signature: bytes
    digest: Digest

    @staticmethod
    def body_digest(
        author: ValidatorId,
        round_: int,
        epoch: int,
        parents: tuple[Digest, ...],
        payload: tuple[tuple[int, Digest], ...],
    ) -> Digest:
        """Digest of the signed part of a header."""
        body = [author, round_, epoch, list(parents), [list(p) for p in payload]]
        return blake(b"drex/header/v1", body)

    def with_signature(self, signature: bytes) -> Header:
        """The same header with another signature (the digest does not cover it)."""
        return Header(
            self.author, self.round, self.epoch, self.parents, self.payload, signature, self.digest
        )


def header_signing_bytes(digest: Digest) -> bytes:
    """What an author signs for a header."""
    return b"drex/sign/header/v1" + digest


def vote_signing_bytes(digest: Digest) -> bytes:
    """What a voter signs for a header it votes for."""
    return b"drex/sign/vote/v1" + digest


@dataclass(frozen=True, slots=True)
class Vote:
    """A validator's signed vote for one header."""

    header_digest: Digest
    round: int
    origin: ValidatorId
    voter: ValidatorId
    signature: bytes


@dataclass(frozen=True, slots=True)
class Certificate:
    """A header with votes of a quorum of the committee: proof that the header is available."""

    header: Header
    votes: tuple[tuple[ValidatorId, bytes], ...]

    @property
    def digest(self) -> Digest:
        """A certificate is named by its header's digest."""
        return self.header.digest

    @property
    def round(self) -> int:
        """Round of the certified header."""
        return self.header.round

    @property
    def author(self) -> ValidatorId:
        """Author of the certified header."""
        return self.header.author


# ---- wire messages -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BatchMsg:
    """A sealed batch of one lane, sent to the same lane of every other validator just
    ahead of the header that lists it (ADR 0079: the vote for that header is the
    acknowledgement)."""

    batch: Batch


@dataclass(frozen=True, slots=True)
class HeaderMsg:
    """A proposal broadcast to the committee."""

    header: Header


@dataclass(frozen=True, slots=True)
class VoteMsg:
    """A vote sent back to the header's author."""

    vote: Vote


@dataclass(frozen=True, slots=True)
class CertificateMsg:
    """A certificate broadcast by its author (or forwarded)."""

    certificate: Certificate


@dataclass(frozen=True, slots=True)
class CertificateRequest:
    """Ask a peer for certificates and their causal history above ``floor_round``."""

    digests: tuple[Digest, ...]
    floor_round: int


@dataclass(frozen=True, slots=True)
class CertificateResponse:
    """Certificates in ascending (round, author) order."""

    certificates: tuple[Certificate, ...]


@dataclass(frozen=True, slots=True)
class BatchRequest:
    """Ask a peer for batches by digest."""

    digests: tuple[Digest, ...]


@dataclass(frozen=True, slots=True)
class BatchResponse:
    """Batches answering a ``BatchRequest``."""

    batches: tuple[Batch, ...]


Message = (
    BatchMsg
    | HeaderMsg
    | VoteMsg
    | CertificateMsg
    | CertificateRequest
    | CertificateResponse
    | BatchRequest
    | BatchResponse
)
