"""Ledger invariants under random blocks (hypothesis, derandomized in CI):

- per asset, supply = minted - burned = sum of balances, after every block;
- no negative balance; a transaction applies at most once;
- frozen accounts cannot send; DvP is all-or-nothing;
- the same blocks on two fresh stores (memory and RocksDB) give the same roots.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from drex_node.ledger.codes import AccountStatus, Reason, TxType
from drex_node.ledger.state import P_ACCOUNT, Account, StateView, partition_ns
from drex_node.storage import MemoryStore
from drex_node.storage.rocks import RocksStore
from tests.ledgerkit import Chain

PARTS = ("N", "SE", "S")
USERS = [f"user-{p}-{i}" for p in PARTS for i in range(3)]
ASSETS = ["DREX", "BRL@bank-N", "BRL@bank-SE"]
ISSUER = {"BRL@bank-N": "bank-N", "BRL@bank-SE": "bank-SE"}

user = st.sampled_from(USERS)
amount = st.integers(1, 600_000)
op = st.one_of(
    st.tuples(st.just("transfer"), user, user, st.sampled_from(ASSETS), amount),
    st.tuples(st.just("mint"), st.sampled_from(sorted(ISSUER)), user, amount),
    st.tuples(st.just("burn"), st.sampled_from(sorted(ISSUER)), amount),
    st.tuples(st.just("freeze"), user),
    st.tuples(st.just("unfreeze"), user),
    st.tuples(
        st.just("settle"),
        user,
        user,
        st.sampled_from(ASSETS),
        amount,
        st.sampled_from(ASSETS),
        amount,
    ),
    st.tuples(st.just("replay"), st.integers(0, 50)),
    st.tuples(st.just("garbage"), st.binary(max_size=40)),
)
blocks = st.lists(st.lists(op, min_size=1, max_size=12), min_size=1, max_size=6)


def accounts(chain: Chain) -> list[Account]:
    out = []
    for p in PARTS:
        for _k, v in chain.store.iter_prefix(partition_ns(p), P_ACCOUNT):
            out.append(Account.decode(v))
    return out


def build(chain: Chain, ops: list[Any], history: list[bytes]) -> list[bytes]:
    txs: list[bytes] = []
    for o in ops:
        kind = o[0]
        if kind == "transfer":
            txs.append(chain.transfer(o[1], o[2], o[4], asset=o[3]))
        elif kind == "mint":
            txs.append(chain.tx(ISSUER[o[1]], TxType.MINT, [chain.addr(o[2]), o[1], o[3]]))
        elif kind == "burn":
            txs.append(chain.tx(ISSUER[o[1]], TxType.BURN, [o[1], o[2]]))
        elif kind in ("freeze", "unfreeze"):
            t = TxType.FREEZE if kind == "freeze" else TxType.UNFREEZE
            txs.append(chain.tx("regulator", t, [chain.addr(o[1]), 1]))
        elif kind == "settle":
            a, b = chain.addr(o[1]), chain.addr(o[2])
            legs = [[a, b, o[3], o[4]], [b, a, o[5], o[6]]]
            cos = [o[2]] if o[2] != o[1] else []
            txs.append(chain.tx(o[1], TxType.SETTLE, [legs], cosigners=cos))
        elif kind == "replay" and history:
            txs.append(history[o[1] % len(history)])
        elif kind == "garbage":
            txs.append(o[1])
    return txs


def check_invariants(chain: Chain) -> None:
    accs = accounts(chain)
    view = StateView(chain.store)
    for asset in ASSETS + ["BRL"]:
        minted, burned = view.supply(asset)
        total = sum(a.balances.get(asset, 0) for a in accs)
        assert total == minted - burned, f"supply of {asset} broken"
    for a in accs:
        assert all(v >= 0 for v in a.balances.values()), "negative balance"


@settings(max_examples=150)
@given(blocks)
def test_invariants_hold_after_every_block(plan: list[list[Any]]) -> None:
    chain = Chain(MemoryStore(), partitions=PARTS, users_per_partition=3)
    history: list[bytes] = []
    applied = Counter[bytes]()
    for ops in plan:
        before = {a.pubkey: a for a in accounts(chain)}
        txs = build(chain, ops, history)
        result = chain.commit(txs)
        history += txs
        after = {a.pubkey: a for a in accounts(chain)}
        for r in result.receipts:
            if r.reason is Reason.OK:
                applied[r.tx_hash] += 1
        check_invariants(chain)
        frozen_all_block = {
            pk
            for pk, a in before.items()
            if a.status == AccountStatus.FROZEN and after[pk].status == AccountStatus.FROZEN
        }
        if not any(o[0] in ("unfreeze", "freeze", "burn") for o in ops):
            for pk in frozen_all_block:
                for asset, v in before[pk].balances.items():
                    assert after[pk].balances.get(asset, 0) >= v, "a frozen account sent"
    assert all(n == 1 for n in applied.values()), "a transaction applied twice"


@settings(max_examples=80)
@given(user, user, st.sampled_from(ASSETS), amount, st.sampled_from(ASSETS), amount)
def test_dvp_is_all_or_nothing(a: str, b: str, x: str, n: int, y: str, m: int) -> None:
    chain = Chain(MemoryStore(), partitions=PARTS, users_per_partition=3)
    chain.commit([chain.tx("bank-N", TxType.MINT, [chain.addr(b), "BRL@bank-N", 300_000])])
    before = {k: (chain.balance(k, x), chain.balance(k, y)) for k in (a, b)}
    r = chain.commit(build(chain, [("settle", a, b, x, n, y, m)], []))
    after = {k: (chain.balance(k, x), chain.balance(k, y)) for k in (a, b)}
    if r.receipts[0].reason is Reason.OK:
        assert a != b
        exp_a = {x: -n, y: m} if x != y else {x: m - n}
        got = {x: after[a][0] - before[a][0], y: after[a][1] - before[a][1]}
        assert got == exp_a
    else:
        assert after == before


@settings(max_examples=25)
@given(blocks)
def test_same_blocks_same_roots_on_both_backends(plan: list[list[Any]]) -> None:
    with tempfile.TemporaryDirectory() as d:
        mem = Chain(MemoryStore(), partitions=PARTS, users_per_partition=3)
        rocks = Chain(RocksStore(d), partitions=PARTS, users_per_partition=3)
        assert mem.root == rocks.root
        history: list[bytes] = []
        for ops in plan:
            txs = build(mem, ops, history)
            history += txs
            ra = mem.commit(txs)
            rb = rocks.commit(txs)
            assert ra.state_root == rb.state_root
            assert ra.receipts == rb.receipts
        rocks.store.close()
