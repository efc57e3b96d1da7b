"""Settlement invariants under random operations on the DREX asset model, on both
storage backends: supply per asset, no negative amounts, escrow conservation
(escrowed = Σ open operations, escrowed + locked + free = total) and expiry always
releases every escrow."""

from __future__ import annotations

import tempfile
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drex_node.ledger.codes import TxType
from drex_node.ledger.settlement import OPEN, P_DVP, P_PROPOSAL, DvpOp, Proposal
from drex_node.ledger.state import META, P_ACCOUNT, Account, StateView, partition_ns
from drex_node.storage import MemoryStore
from drex_node.storage.kv import KVStore
from drex_node.storage.rocks import RocksStore
from tests.ledgerkit import Chain

BANKS = ["bank-itau", "bank-bb", "bank-bradesco"]
TOKENS = {"bank-itau": "BRL@60701190", "bank-bb": "BRL@00000000", "bank-bradesco": "BRL@60746948"}
CLIENTS = [f"client-{b[5:]}-{i}" for b in BANKS for i in range(2)]
BOND = "TPF/LTN/100000/2027-01-01"
ASSETS = ["BRL", BOND, *TOKENS.values()]

bank = st.sampled_from(BANKS)
client = st.sampled_from(CLIENTS)
amt = st.integers(1, 2_000_000)
op = st.one_of(
    st.tuples(st.just("propose"), bank, bank, amt, st.booleans(), st.integers(1, 4)),
    st.tuples(st.just("accept"), bank, st.integers(0, 30)),
    st.tuples(st.just("cancel"), bank, st.integers(0, 30)),
    st.tuples(st.just("leg"), bank, bank, st.integers(0, 1), st.integers(0, 3), amt),
    st.tuples(st.just("swap"), client, client, amt),
    st.tuples(st.just("lock"), client, amt),
    st.tuples(st.just("force"), client, bank, amt),
    st.tuples(st.just("transfer"), client, client, amt),
)
plans = st.lists(st.lists(op, min_size=1, max_size=8), min_size=1, max_size=5)


def token_of(name: str) -> str:
    return TOKENS["bank-" + name.split("-")[1]]


def build(c: Chain, ops: list[Any], proposals: list[bytes]) -> list[bytes]:
    from drex_node.ledger.tx import decode

    out = []
    for o in ops:
        k = o[0]
        if k == "propose":
            want = [BOND, 10] if o[4] else ["", 0]
            raw = c.tx(o[1], TxType.PROPOSE, [c.addr(o[2]), "BRL", o[3], *want, o[5], 0])
            proposals.append(decode(raw).hash)
        elif k in ("accept", "cancel") and proposals:
            pid = proposals[o[2] % len(proposals)]
            fields = [pid] if k == "accept" else [pid, 1]
            raw = c.tx(o[1], TxType.ACCEPT if k == "accept" else TxType.CANCEL, fields)
        elif k == "leg":
            raw = c.tx(
                o[1], TxType.DVP_LEG, [f"OP{o[4]}", c.addr(o[2]), o[3], BOND, 100, "BRL", o[5], 3]
            )
        elif k == "swap":
            raw = c.tx(o[1], TxType.SWAP, [c.addr(o[2]), token_of(o[1]), token_of(o[2]), o[3]])
        elif k == "lock":
            raw = c.tx("regulator", TxType.LOCK, [c.addr(o[1]), token_of(o[1]), o[2], 1])
        elif k == "force":
            raw = c.tx(
                "authority",
                TxType.FORCE_MOVE,
                [c.addr(o[1]), c.addr(o[2]), token_of(o[1]), o[3], "court"],
            )
        elif k == "transfer":
            raw = c.transfer(o[1], o[2], o[3], asset=token_of(o[1]))
        else:
            continue
        out.append(raw)
    return out


def accounts(c: Chain) -> list[Account]:
    return [
        Account.decode(v)
        for p in c.genesis.partitions
        for _k, v in c.store.iter_prefix(partition_ns(p), P_ACCOUNT)
    ]


def open_escrow(c: Chain) -> dict[tuple[bytes, str], int]:
    out: dict[tuple[bytes, str], int] = {}
    for _k, v in c.store.iter_prefix(META, P_PROPOSAL):
        p = Proposal.decode(v)
        if p.state == OPEN:
            out[(p.proposer, p.give)] = out.get((p.proposer, p.give), 0) + p.give_amount
    for _k, v in c.store.iter_prefix(META, P_DVP):
        d = DvpOp.decode(v)
        if d.state == OPEN:
            asset, n = d.held
            out[(d.initiator, asset)] = out.get((d.initiator, asset), 0) + n
    return out


def check(c: Chain) -> None:
    from drex_node.ledger.tx import address_of

    accs = accounts(c)
    view = StateView(c.store)
    for asset in ASSETS:
        minted, burned = view.supply(asset)
        assert sum(a.balances.get(asset, 0) for a in accs) == minted - burned, asset
    held: dict[tuple[bytes, str], int] = {}
    for a in accs:
        for asset in set(a.balances) | set(a.held) | set(a.locked):
            total, h, lk = a.balances.get(asset, 0), a.held.get(asset, 0), a.locked.get(asset, 0)
            assert min(total, h, lk) >= 0
            assert a.free(asset) >= 0 and h + lk + a.free(asset) == total
            if h:
                held[(address_of(a.pubkey), asset)] = h
    assert held == open_escrow(c), "escrow does not match the open operations"


def run_plan(store: KVStore, plan: list[list[Any]]) -> None:
    c = Chain(store, drex=True, clients_per_bank=2)
    proposals: list[bytes] = []
    for ops in plan:
        c.commit(build(c, ops, proposals))
        check(c)
    for _ in range(5):  # every expiry is at most 4 blocks away
        c.commit([])
    check(c)
    assert open_escrow(c) == {}, "an expired operation kept its escrow"
    assert all(not a.held for a in accounts(c))


@pytest.mark.parametrize("backend", ["memory", "rocksdb"])
@settings(max_examples=40)
@given(plan=plans)
def test_settlement_invariants(backend: str, plan: list[list[Any]]) -> None:
    if backend == "memory":
        run_plan(MemoryStore(), plan)
        return
    with tempfile.TemporaryDirectory() as d:
        store = RocksStore(d)
        try:
            run_plan(store, plan)
        finally:
            store.close()
