"""The transfer fast path (ADR 0005) against a readable reference: the plain sequence of
full checks it short-cuts. Same receipts and roots on workloads that hit every refusal
(overdrafts, frozen receivers, locked funds, paused assets, replays, regulatory rules),
and the same results through a read cache (``CachedStore.peek``) as without one."""

from __future__ import annotations

import random
from typing import Any

import pytest

from drex_node.ledger import execute, state
from drex_node.ledger.codes import Reason, TxType
from drex_node.ledger.context import OK, ExecContext, Outcome, begin, fail
from drex_node.ledger.transfers import Credit, move, receivable, spendable
from drex_node.ledger.tx import Tx
from drex_node.storage import MemoryStore
from drex_node.storage.cache import CachedStore
from tests.ledgerkit import Chain
from tests.unit.ledger.test_partitions import mixed_block

RULES = {
    "regulatory_rules": [
        {"name": "tier-limits", "params": {"tx.1": 300_000, "hold.1": 1_200_000}},
        {"name": "velocity", "params": {"max_transfers": 3, "window_blocks": 2}},
    ]
}


def reference_transfer(
    ctx: ExecContext, tx: Tx, index: int, credits: list[Credit], partition: str | None = None
) -> Outcome:
    to, asset_id, amount, _memo = tx.fields
    view = ctx.view
    sender = view.account(tx.sender, partition)
    if sender is None:
        return fail(Reason.UNKNOWN_ACCOUNT, "sender")
    started = begin(ctx, tx, sender)
    if started is not OK:
        return started
    if to == tx.sender:
        return fail(Reason.SELF_TRANSFER)
    ok = spendable(ctx, sender, asset_id, amount)
    if ok is not OK:
        return ok
    debit = ctx.check_debit(sender, asset_id, amount)
    if debit.reason is not Reason.OK:
        return debit
    flags = debit.flags
    dst_partition = view.partition_of(to)
    if dst_partition is None:
        return fail(Reason.UNKNOWN_ACCOUNT, "receiver")
    if dst_partition == sender.partition:
        receiver = view.account(to, dst_partition)
        assert receiver is not None
        credit = receivable(ctx, to, receiver, asset_id, amount)
        if credit.reason is not Reason.OK:
            return credit
        move(receiver, asset_id, amount)
        view.touch(to, receiver)
        flags += credit.flags
    else:
        credits.append(
            Credit(index, tx.hash, tx.sender, sender.partition, to, dst_partition, asset_id, amount)
        )
    move(sender, asset_id, -amount)
    ctx.record_debit(sender, asset_id, amount)
    return Outcome(Reason.OK, "", flags) if flags else OK


def reference_credit(ctx: ExecContext, c: Credit) -> Outcome:
    receiver = ctx.view.account(c.dst, c.dst_partition)
    if receiver is None:
        return fail(Reason.CREDIT_REFUSED, "receiver vanished")
    ok = receivable(ctx, c.dst, receiver, c.asset, c.amount)
    if ok.reason is not Reason.OK:
        return fail(Reason.CREDIT_REFUSED, f"refunded: {ok.reason.name} {ok.detail}".strip())
    move(receiver, c.asset, c.amount)
    ctx.view.touch(c.dst, receiver)
    return ok


def _blocks(chain: Chain, seed: int) -> list[list[bytes]]:
    rng = random.Random(seed)
    blocks = []
    for h in range(4):
        txs = mixed_block(chain, rng, "user-NE-2")
        # senders and receivers mixed_block does not use (it may leave nonce gaps)
        target, other = chain.addr("user-N-4"), "user-CO-5"
        if h == 1:  # locked funds, a replayed nonce, an operation id used twice
            txs.append(chain.tx("regulator", TxType.LOCK, [target, "DREX", 999_990, 1]))
            txs.append(chain.transfer("user-N-4", other, 50))
            txs.append(chain.transfer("user-S-4", other, 5, op_id=b"op-1"))
            txs.append(chain.transfer("user-S-4", other, 5, op_id=b"op-1"))
            txs.append(chain.transfer("user-S-4", other, 5, nonce=1))
            txs.append(chain.transfer("user-S-4", other, 5, asset="NOPE"))
        if h == 2:  # funds unlocked; a frozen receiver refuses credits from elsewhere
            txs.append(chain.tx("regulator", TxType.UNLOCK, [target, "DREX", 999_990, 1]))
            txs.append(chain.tx("regulator", TxType.FREEZE, [chain.addr("user-CO-4"), 1]))
            txs += [chain.transfer(f"user-{p}-5", "user-CO-4", 9) for p in ("N", "S", "CO")]
        if h == 3:
            txs.append(chain.tx("regulator", TxType.UNFREEZE, [chain.addr("user-CO-4"), 1]))
        blocks.append(txs)
    return blocks


def _run(store: Any, seed: int, policies: dict[str, Any] | None) -> list[Any]:
    state.clear_decoded_memo()
    chain = Chain(store, users_per_partition=6, **({"policies": policies} if policies else {}))
    out = []
    for txs in _blocks(chain, seed):
        r = chain.commit(txs)
        out.append((r.state_root, r.receipts, r.events))
    return out


@pytest.mark.parametrize("policies", [None, RULES], ids=["no-rules", "rules"])
@pytest.mark.parametrize("seed", [5, 6])
def test_fast_transfer_equals_the_reference(
    seed: int, policies: dict[str, Any] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = _run(MemoryStore(), seed, policies)
    reasons = {r.reason for _root, receipts, _e in fast for r in receipts}
    assert {Reason.OK, Reason.CREDIT_REFUSED, Reason.ACCOUNT_FROZEN} <= reasons
    assert {Reason.FUNDS_LOCKED, Reason.NONCE_REPLAY, Reason.DUPLICATE_OPERATION} <= reasons
    assert (Reason.POLICY_REJECTED if policies else Reason.INSUFFICIENT_FUNDS) in reasons
    monkeypatch.setattr(execute, "transfer", reference_transfer)
    monkeypatch.setattr(execute, "apply_credit", reference_credit)
    assert _run(MemoryStore(), seed, policies) == fast


def test_a_read_cache_changes_nothing() -> None:
    plain = _run(MemoryStore(), 8, None)
    cached_store = CachedStore(MemoryStore())
    assert _run(cached_store, 8, None) == plain
    assert state.StateView(cached_store)._peek == cached_store.peek


def test_key_memos_are_pure() -> None:
    addr = bytes(range(32))
    assert state._account_key(addr) == state.P_ACCOUNT + addr
    assert state._dir_key(addr) == state.P_DIR + addr
    assert state._account_key(addr) is state._account_key(addr)
