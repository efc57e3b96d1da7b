"""Committee changes as ledger transactions (ADR 0065, superseding the carrier of 0064).

The authority signs two things: a ``COMMITTEE_CHANGE`` ledger transaction (epoch,
members; the ledger checks the signer is the authority account and records it) and the
committee itself (``Committee.signing_bytes``, which the consensus engine checks). Both
travel in one lane entry (:mod:`drex_node.runtime.carrier`). When the block holding it
commits with an OK receipt, every node (validators and followers, live or catching up)
rebuilds the committee from the transaction's fields and the carried signature, checks it
against its schedule and schedules it from the same round: the first even round at or
after ``anchor round + reconfig_delay_rounds``.
"""

from __future__ import annotations

from consensus.committee import Committee, CommitteeSchedule, Validator
from consensus.crypto import Ed25519Signer, Verifier
from drex_node.ledger.admin import K_COMMITTEE
from drex_node.ledger.codes import TxType
from drex_node.ledger.execute import BlockResult
from drex_node.ledger.state import META, pack, unpack
from drex_node.ledger.tx import Tx, TxDecodeError, build, decode
from drex_node.runtime.blocks import (
    RECORDS_NS,
    BlockCheckError,
    Candidate,
    get_record,
    verify_record,
)
from drex_node.runtime.carrier import wrap
from drex_node.storage.kv import KVStore, WriteBatch

SCHEDULED = b"committee/"  # + epoch_be8 -> [first_round, members, authority signature]


def members_of(committee: Committee) -> list[list[object]]:
    """The ledger transaction's ``members`` field: ``[[id, pubkey, weight, address]]``."""
    return [[v.id, v.public_key, v.weight, v.address] for v in committee.validators]


def committee_of(tx: Tx, signature: bytes) -> Committee | None:
    """The committee a ``COMMITTEE_CHANGE`` transaction lists, with the carried authority
    signature; None for another type or an unusable member list."""
    if tx.type is not TxType.COMMITTEE_CHANGE:
        return None
    epoch, members = tx.fields
    try:
        unsigned = Committee.create(
            epoch, [Validator(vid, pk, weight, address) for vid, pk, weight, address in members]
        )
    except ValueError:
        return None
    return Committee(unsigned.epoch, unsigned.validators, signature)


def committed_changes(cand: Candidate, result: BlockResult) -> list[Committee]:
    """The committees of the carried ``COMMITTEE_CHANGE`` transactions that ``cand``'s
    block applied with an OK receipt, each with its carried authority signature."""
    if not cand.committee_signatures:
        return []
    applied = {r.tx_hash for r in result.receipts if r.applied}
    out = []
    for index, signature in cand.committee_signatures:
        try:
            tx = decode(cand.block.txs[index])
        except TxDecodeError:
            continue
        change = committee_of(tx, signature)
        if change is not None and tx.hash in applied:
            out.append(change)
    return out


def build_change(
    chain_id: str, committee: Committee, nonce: int, expiry: int, authority_seed: bytes
) -> bytes:
    """The lane entry an operator submits: ``committee`` (unsigned or signed, its members
    are what counts) signed by the authority, wrapped with its ledger transaction."""
    signed = Committee.create(committee.epoch, list(committee.validators)).signed(
        Ed25519Signer(authority_seed)
    )
    tx = build(
        chain_id,
        TxType.COMMITTEE_CHANGE,
        [signed.epoch, members_of(signed)],
        nonce,
        expiry,
        [authority_seed],
    )
    return wrap(tx, signed.authority_signature)


def first_round(committed_round: int, delay_rounds: int) -> int:
    """The round from which a change committed in ``committed_round`` governs (even)."""
    first = committed_round + delay_rounds
    return first + first % 2


def check_change(
    committee: Committee, schedule: CommitteeSchedule, authority: bytes, verifier: Verifier
) -> str | None:
    """Why ``committee`` cannot be the next one, or None."""
    if not committee.verify(authority, verifier):
        return "not signed by the authority key"
    if committee.epoch != schedule.latest.epoch + 1:
        return f"epoch {committee.epoch} is not {schedule.latest.epoch + 1}"
    return None


def save_scheduled(store: KVStore, first_round: int, committee: Committee) -> None:
    """Remember (synced) a committee change a follower scheduled, so that a restart
    rebuilds the same schedule (validators' engines keep their own)."""
    wb = WriteBatch()
    value = pack([first_round, members_of(committee), committee.authority_signature])
    wb.put(RECORDS_NS, SCHEDULED + committee.epoch.to_bytes(8, "big"), value)
    store.write(wb, sync=True)


def load_scheduled(
    store: KVStore, schedule: CommitteeSchedule, authority: bytes, verifier: Verifier
) -> list[str]:
    """Add the changes :func:`save_scheduled` kept to ``schedule``, in epoch order, each
    checked as when it was first scheduled; returns why any was skipped."""
    problems: list[str] = []
    for key, raw in sorted(store.iter_prefix(RECORDS_NS, SCHEDULED)):
        epoch = int.from_bytes(key[len(SCHEDULED) :], "big")
        try:
            first, members, signature = unpack(raw)
            unsigned = Committee.create(epoch, [Validator(*m) for m in members])
            committee = Committee(unsigned.epoch, unsigned.validators, signature)
            why = check_change(committee, schedule, authority, verifier)
            if why is None:
                schedule.add(first, committee)
        except (TypeError, ValueError) as exc:
            why = f"unreadable: {exc}"
        if why is not None:
            problems.append(f"committee of epoch {epoch}: {why}")
    return problems


def recover_latest(
    store: KVStore,
    schedule: CommitteeSchedule,
    authority: bytes,
    verifier: Verifier,
    delay_rounds: int,
    commit_rule: str = "bullshark",
) -> str | None:
    """Schedule (and save) the committee the ledger last recorded if the schedule lacks
    it: a crash between a block's commit and :func:`save_scheduled`, or a follower that
    scheduled it before changes were saved. The change is rebuilt from the carrier in
    that block's certified batches, as when the block was applied. Returns a problem."""
    raw = store.get(META, K_COMMITTEE)
    if raw is None:
        return None
    try:
        epoch, _members, height = unpack(raw)
    except (TypeError, ValueError) as exc:
        return f"unreadable committee record: {exc}"
    if epoch != schedule.latest.epoch + 1:
        return None  # scheduled already (or a gap no single record can fill)
    rec = get_record(store, height)
    if rec is None:
        return f"committee of epoch {epoch}: no block record at height {height}"
    try:  # the block as when it was applied: its certificates checked again
        cand = verify_record(
            height,
            rec.leader_round,
            list(rec.certificates),
            list(rec.batches),
            schedule,
            verifier,
            commit_rule=commit_rule,
        )
    except BlockCheckError as exc:
        return f"committee of epoch {epoch}: block {height}: {exc}"
    for index, signature in cand.committee_signatures:
        try:
            change = committee_of(decode(cand.block.txs[index]), signature)
        except TxDecodeError:
            continue
        if change is None or change.epoch != epoch:
            continue
        why = check_change(change, schedule, authority, verifier)
        if why is not None:
            return f"committee of epoch {epoch}: {why}"
        first = first_round(rec.leader_round, delay_rounds)
        schedule.add(first, change)
        save_scheduled(store, first, change)
        return None
    return f"committee of epoch {epoch}: no carrier in the block at height {height}"
