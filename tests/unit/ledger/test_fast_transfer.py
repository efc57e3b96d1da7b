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
from drex_node.ledger.execute import PartitionJob
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
    assert state._account_key(addr, "N") == ("p/N", state.P_ACCOUNT + addr)
    assert state._dir_key(addr) == (state.META, state.P_DIR + addr)
    assert state._account_key(addr, "N") is state._account_key(addr, "N")
    # the same address in another partition (another chain): the memo follows it
    assert state._account_key(addr, "S") == ("p/S", state.P_ACCOUNT + addr)
    view = state.StateView(state.DictReader({}))
    assert view.account(addr, "N") is None and state._ACCOUNT_KEYS[addr][0] == "p/N"


def _drex_blocks(n_blocks: int, per_block: int) -> tuple[Chain, list[list[bytes]]]:
    """The bench's DREX mix (transfers, swaps, two-step, DvP), signed in-process."""
    import argparse

    from benchmarks import ledger_bench
    from drex_node.ledger.tx import build

    p = argparse.ArgumentParser()
    ledger_bench.add_arguments(p)
    args = p.parse_args(["--txs", str(n_blocks * per_block), "--accounts", "4", "--mix", "drex"])
    doc, plan = ledger_bench._drex_plan(args)
    chain = Chain(MemoryStore(), drex=True, chain_id="drex-bench", clients_per_bank=8)
    txs = [build("drex-bench", TxType(t), f, nonce, 10**9, [seed]) for seed, t, f, nonce in plan]
    return chain, [txs[i : i + per_block] for i in range(0, len(txs), per_block)]


def reference_flush_segment(run: Any) -> None:
    """The segment as partition jobs run one by one on the block's view (ADR 0004's
    form, before ADR 0005): the reference for ``_segment_on_view``."""
    if not run.pending:
        return
    jobs = [PartitionJob(p, "txs", tuple(items)) for p, items in sorted(run.pending.items())]
    run.pending = {}
    credits = [c for _o, cs in _reference_jobs(run, jobs) for c in cs]
    refunds = _reference_grouped(run, credits, "credits", lambda c: c.dst_partition)
    _reference_grouped(run, refunds, "refunds", lambda c: c.src_partition)


def _reference_jobs(run: Any, jobs: list[PartitionJob]) -> list[Any]:
    outs = [execute._exec_job(run.ctx(), j) for j in jobs]
    for outcomes, _credits in outs:
        for index, outcome in outcomes:
            prev = run.outcomes.get(index)
            if prev is not None:
                outcome = Outcome(outcome.reason, outcome.detail, prev.flags + outcome.flags)
            run.outcomes[index] = outcome
    return outs


def _reference_grouped(run: Any, items: list[Credit], kind: str, key: Any) -> list[Credit]:
    groups: dict[str, list[Credit]] = {}
    for c in sorted(items):
        groups.setdefault(key(c), []).append(c)
    jobs = [PartitionJob(p, kind, tuple(cs)) for p, cs in sorted(groups.items())]
    return [c for _o, cs in _reference_jobs(run, jobs) for c in cs] if jobs else []


def _drex_run(seed_blocks: int = 3) -> list[Any]:
    state.clear_decoded_memo()
    chain, blocks = _drex_blocks(seed_blocks, 80)
    out = []
    for txs in blocks:
        r = chain.commit(txs)
        out.append((r.state_root, r.receipts, r.events))
    return out


def test_segments_on_the_view_equal_the_job_form(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short segments between barriers (the DREX mix) and long ones with credit legs
    and refunds (mixed blocks): same receipts, events and roots as the job form."""
    fast = (_drex_run(), _run(MemoryStore(), 5, None), _run(MemoryStore(), 6, RULES))
    applied = [r for _root, receipts, _e in fast[0] for r in receipts if r.applied]
    assert len(applied) > 150
    monkeypatch.setattr(execute._BlockRun, "flush_segment", reference_flush_segment)
    assert (_drex_run(), _run(MemoryStore(), 5, None), _run(MemoryStore(), 6, RULES)) == fast


def test_per_job_views_equal_the_block_view_on_the_drex_mix() -> None:
    """Per-job views (which re-decode accounts, as worker processes do) and the block's own
    view write the same bytes on the DREX mix: an account whose held/locked map keeps a
    zero entry encodes in the short form, as a fresh decode of it would (this was a strict
    xfail until the encoding followed its own rule)."""
    from tests.unit.ledger.test_partitions import reversed_map

    results = []
    for mapper in (execute.sequential_map, reversed_map):
        state.clear_decoded_memo()
        chain, blocks = _drex_blocks(1, 80)
        results.append(chain.execute(blocks[0], mapper=mapper).state_root)
    assert results[0] == results[1]


def test_only_the_holder_rule_classes_can_refuse_a_holder() -> None:
    """The fast paths call ``Asset.may_hold`` only for ``_HOLDER_RULES`` classes: every
    other class must accept any account."""
    from drex_node.ledger import transfers
    from drex_node.ledger.state import Account, Asset

    plain = Account(b"p" * 32, "N", 1)
    for klass in ("retail", "bond", "wholesale", "deposit", "anything"):
        asset = Asset("X", b"i" * 32, 2, klass)
        if klass not in transfers._HOLDER_RULES:
            assert asset.may_hold(b"a" * 32, plain)
        else:
            assert not asset.may_hold(b"a" * 32, plain)
