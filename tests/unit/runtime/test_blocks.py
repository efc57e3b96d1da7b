"""Blocks from committed sub-DAGs and the follower's check of a peer's block."""

from __future__ import annotations

import pytest

from consensus.codec import encode
from consensus.committee import Committee, CommitteeSchedule, Validator
from consensus.crypto import Ed25519Signer, Ed25519Verifier
from consensus.step import CommittedSubDag
from consensus.types import (
    Batch,
    BatchMsg,
    Certificate,
    Header,
    header_signing_bytes,
    vote_signing_bytes,
)
from drex_node.runtime.blocks import BlockCheckError, BlockRecord, from_subdag, verify_record

SIGNERS = {name: Ed25519Signer(bytes([i + 1]) * 32) for i, name in enumerate("abcd")}
AUTHORITY = Ed25519Signer(b"\x09" * 32)


def committee() -> Committee:
    vs = [Validator(n, s.public_key, 1, "") for n, s in SIGNERS.items()]
    return Committee.create(0, vs).signed(AUTHORITY)


def cert(
    author: str,
    round_: int,
    batches: tuple[Batch, ...],
    voters: str = "abc",
    parents: tuple[bytes, ...] = (),
) -> Certificate:
    payload = tuple((b.partition, b.digest) for b in batches)
    digest = Header.body_digest(author, round_, 0, parents, payload)
    sig = SIGNERS[author].sign(header_signing_bytes(digest))
    h = Header(author, round_, 0, parents, payload, sig, digest)
    votes = tuple((v, SIGNERS[v].sign(vote_signing_bytes(digest))) for v in voters)
    return Certificate(h, votes)


def subdag() -> CommittedSubDag:
    c = committee()
    b1 = Batch.create("b", 0, 1, (b"tx1", b"tx2"))
    b2 = Batch.create("a", 1, 1, (b"tx3",))
    first = [cert("a", 1, ()), cert("b", 1, (b1,)), cert("c", 1, ())]
    parents = tuple(sorted(x.digest for x in first))
    leader = cert(c.leader(2), 2, (b2,), parents=parents)
    return CommittedSubDag(7, leader, (*first, leader), (b1, b2))


def test_block_from_subdag_orders_batches_and_uses_commit_index() -> None:
    cand = from_subdag(subdag())
    assert cand.block.height == 7 and cand.block.time_ms == 2
    assert cand.block.txs == (b"tx1", b"tx2", b"tx3")
    rec = cand.record
    assert BlockRecord.decode(rec.encode()) == rec


def verify(sub: CommittedSubDag, **change: object) -> None:
    rec = from_subdag(sub).record
    certs = list(change.get("certs", rec.certificates))  # type: ignore[call-overload]
    batches = list(change.get("batches", rec.batches))  # type: ignore[call-overload]
    leader_round = int(change.get("leader_round", rec.leader_round))  # type: ignore[call-overload]
    verify_record(
        7, leader_round, certs, batches, CommitteeSchedule(committee()), Ed25519Verifier()
    )


def test_valid_record_verifies_and_rebuilds_the_block() -> None:
    sub = subdag()
    rec = from_subdag(sub).record
    cand = verify_record(
        7,
        rec.leader_round,
        list(rec.certificates),
        list(rec.batches),
        CommitteeSchedule(committee()),
        Ed25519Verifier(),
    )
    assert cand.block == from_subdag(sub).block


def test_tampered_records_are_refused() -> None:
    sub = subdag()
    rec = from_subdag(sub).record
    other = encode(BatchMsg(Batch.create("b", 0, 1, (b"evil",))))
    with pytest.raises(BlockCheckError, match="batches"):
        verify(sub, batches=[other, rec.batches[1]])
    with pytest.raises(BlockCheckError, match="batches"):
        verify(sub, batches=[rec.batches[0]])
    with pytest.raises(BlockCheckError, match="anchor"):
        verify(sub, leader_round=4)
    with pytest.raises(BlockCheckError, match="undecodable"):
        verify(sub, certs=[b"\xc1garbage"])
    with pytest.raises(BlockCheckError, match="no certificates"):
        verify(sub, certs=[], batches=[])
    weak = CommittedSubDag(
        7, cert(sub.leader.author, 2, sub.batches[1:], voters="ab"), (), sub.batches[1:]
    )
    weak = CommittedSubDag(7, weak.leader, (weak.leader,), weak.batches)
    with pytest.raises(BlockCheckError, match="certificate"):
        verify(weak)
    swapped = CommittedSubDag(7, sub.leader, (sub.leader, *sub.certificates[:3]), sub.batches)
    with pytest.raises(BlockCheckError):
        verify(swapped)


def test_odd_round_anchor_only_under_shoal() -> None:
    """A block anchored by round 3's scheduled leader: not a Bullshark anchor, a Shoal one
    (the network's rule comes from genesis, ADR 0078)."""
    c = committee()
    r1 = [cert(a, 1, ()) for a in "abc"]
    p1 = tuple(sorted(x.digest for x in r1))
    first = [*r1, *(cert(a, 2, (), parents=p1) for a in "abc")]
    parents = tuple(sorted(x.digest for x in first[3:]))
    leader = cert(c.leader(3), 3, (), parents=parents)
    rec = from_subdag(CommittedSubDag(7, leader, (*first, leader), ())).record
    args = (7, 3, list(rec.certificates), [], CommitteeSchedule(c), Ed25519Verifier())
    with pytest.raises(BlockCheckError, match="anchor of round 3"):
        verify_record(*args)
    assert verify_record(*args, commit_rule="shoal").record.leader_round == 3
    wrong = cert("d" if c.leader(3) != "d" else "a", 3, (), parents=parents)
    rec = from_subdag(CommittedSubDag(7, wrong, (*first, wrong), ())).record
    with pytest.raises(BlockCheckError, match="anchor of round 3"):
        verify_record(
            7,
            3,
            list(rec.certificates),
            [],
            CommitteeSchedule(c),
            Ed25519Verifier(),
            commit_rule="shoal",
        )
