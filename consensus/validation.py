"""Stateless checks of headers, votes and certificates from peers; return a Fault or None."""

from __future__ import annotations

from consensus.committee import CommitteeSchedule
from consensus.crypto import CachingVerifier, Verifier
from consensus.step import Fault, FaultKind
from consensus.types import (
    Certificate,
    Header,
    ValidatorId,
    Vote,
    header_signing_bytes,
    vote_signing_bytes,
)


def check_header_shape(
    h: Header, schedule: CommitteeSchedule, max_batches: int, blame: ValidatorId
) -> Fault | None:
    """Membership, epoch and sizes of a header (no signature, no parents lookup)."""
    committee = schedule.for_round(h.round)
    if h.round < 1:
        return Fault(blame, FaultKind.BAD_ROUND, "round 0 is not a proposal round", (h,))
    if not committee.is_member(h.author):
        return Fault(blame, FaultKind.NOT_MEMBER, f"author {h.author} not in committee", (h,))
    if h.epoch != committee.epoch:
        return Fault(blame, FaultKind.WRONG_EPOCH, f"epoch {h.epoch} != {committee.epoch}", (h,))
    if h.round == 1 and h.parents:
        return Fault(blame, FaultKind.BAD_PARENTS, "round 1 has no parents", (h,))
    if h.round > 1:
        prev = schedule.for_round(h.round - 1)
        if not h.parents or len(h.parents) > len(prev.validators):
            return Fault(blame, FaultKind.BAD_PARENTS, "parent count out of range", (h,))
        if len(set(h.parents)) != len(h.parents):
            return Fault(blame, FaultKind.BAD_PARENTS, "duplicate parents", (h,))
    if len(h.payload) > max_batches:
        return Fault(blame, FaultKind.TOO_LARGE, "too many batches in header", (h,))
    return None


def check_header_signature(
    h: Header, schedule: CommitteeSchedule, verifier: Verifier, blame: ValidatorId
) -> Fault | None:
    """The author's signature over the header digest."""
    pk = schedule.for_round(h.round).public_key(h.author)
    if pk is None or not verifier.verify(pk, header_signing_bytes(h.digest), h.signature):
        return Fault(blame, FaultKind.BAD_SIGNATURE, "header signature", (h,))
    return None


def check_vote(
    v: Vote, header: Header, schedule: CommitteeSchedule, verifier: Verifier
) -> Fault | None:
    """A vote for our own ``header``."""
    committee = schedule.for_round(header.round)
    pk = committee.public_key(v.voter)
    if pk is None:
        return Fault(v.voter, FaultKind.NOT_MEMBER, "voter not in committee", (v,))
    if v.round != header.round or v.origin != header.author:
        return Fault(v.voter, FaultKind.MALFORMED, "vote fields do not match header", (v,))
    if not verifier.verify(pk, vote_signing_bytes(v.header_digest), v.signature):
        return Fault(v.voter, FaultKind.BAD_SIGNATURE, "vote signature", (v,))
    return None


def check_certificate(
    c: Certificate,
    schedule: CommitteeSchedule,
    verifier: Verifier,
    max_batches: int,
    blame: ValidatorId,
) -> Fault | None:
    """Shape of the header plus a quorum of valid, distinct member votes.

    Votes are verified (already-cached ones first) only until a quorum is reached, so an
    honest certificate costs at most 2f+1 verifications, and only while the votes left can
    still make a quorum, so a forged one costs at most f+1. Invalid votes are skipped, so the
    verdict is "a quorum of valid votes exists", whatever order the checks ran in.
    """
    fault = check_header_shape(c.header, schedule, max_batches, blame)
    if fault is not None:
        return fault
    committee = schedule.for_round(c.round)
    if len(c.votes) > len(committee.validators):
        return Fault(blame, FaultKind.TOO_LARGE, "more votes than members", (c,))
    message = vote_signing_bytes(c.digest)
    seen: set[ValidatorId] = set()
    keyed: list[tuple[ValidatorId, bytes, bytes]] = []
    for voter, sig in c.votes:
        if voter in seen:
            return Fault(blame, FaultKind.MALFORMED, "duplicate voter in certificate", (c,))
        seen.add(voter)
        pk = committee.public_key(voter)
        if pk is None:
            return Fault(blame, FaultKind.NOT_MEMBER, f"voter {voter} not in committee", (c,))
        keyed.append((voter, pk, sig))
    if isinstance(verifier, CachingVerifier):  # already-verified signatures first: free
        keyed.sort(key=lambda k: not verifier.known(k[1], message, k[2]))
    stake = 0
    unchecked = sum(committee.weight(voter) for voter, _, _ in keyed)
    bad: list[ValidatorId] = []
    for voter, pk, sig in keyed:
        if stake + unchecked < committee.quorum:
            break  # the votes left cannot make a quorum: verifying them changes nothing
        unchecked -= committee.weight(voter)
        if not verifier.verify(pk, message, sig):
            bad.append(voter)  # skipped: the verdict depends only on whether a quorum is valid
            continue
        stake += committee.weight(voter)
        if stake >= committee.quorum:
            return None
    if bad:
        return Fault(blame, FaultKind.BAD_SIGNATURE, f"votes of {bad} in certificate", (c,))
    return Fault(blame, FaultKind.NO_QUORUM, "certificate votes below quorum", (c,))
