"""The decoded-account memo is a pure optimisation: same roots and receipts with it on
or off, and every memoised account equals a fresh decode of its key."""

from __future__ import annotations

import random
from typing import Any

import pytest

from drex_node.ledger import state
from drex_node.ledger.codes import TxType
from drex_node.ledger.state import Account
from drex_node.storage import MemoryStore
from tests.ledgerkit import Chain
from tests.unit.ledger.test_partitions import mixed_block


def _run(seed: int) -> list[Any]:
    chain = Chain(MemoryStore())
    rng = random.Random(seed)
    out = []
    for h in range(4):
        txs = mixed_block(chain, rng, "user-NE-2")
        if h == 1:  # locks leave zero entries in `locked` after an unlock
            target = chain.addr("user-N-1")
            txs.append(chain.tx("regulator", TxType.LOCK, [target, "DREX", 10, 1]))
            txs.append(chain.tx("regulator", TxType.UNLOCK, [target, "DREX", 10, 1]))
        r = chain.commit(txs)
        out.append((r.state_root, r.receipts, r.events))
    return out


@pytest.mark.parametrize("seed", [3, 4])
def test_same_results_with_and_without_the_memo(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    state.clear_decoded_memo()
    with_memo = _run(seed)
    assert state._DECODED, "blocks should have left decoded accounts behind"
    for raw, acc in state._DECODED.items():
        fresh = Account.decode(raw)
        assert acc == fresh and acc.encode() == raw
        assert list(acc.balances) == list(fresh.balances)
    state.clear_decoded_memo()
    monkeypatch.setattr(state, "DECODED_MEMO_MAX", 0)  # every insert clears: memo off
    without = _run(seed)
    assert with_memo == without


def test_a_view_takes_a_memoised_account_for_itself() -> None:
    state.clear_decoded_memo()
    acc = Account(b"k" * 32, "N", 1, balances={"DREX": 0, "BRL": 5}, enabled={"b", "a"})
    raw = acc.encode()
    state._memoize(raw, acc)
    fresh = Account.decode(raw)
    assert acc == fresh and acc.balances == {"BRL": 5}
    assert list(acc.balances) == list(fresh.balances)  # same iteration order as a decode
    assert list(acc.enabled) == list(fresh.enabled)
    assert state._DECODED.pop(raw) is acc
    assert raw not in state._DECODED
