"""The load generator signs a run's transactions before its clock starts
(`drex_node.testnet.load.LoadGen.presign`, ADR 0085): what it sends must be exactly what
signing at send time would give a user at that moment (its next nonce, a valid
signature), also after a refusal moved the user's nonce back."""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

import pytest

import drex_node.testnet.load as load
from drex_node.ledger.codes import TxType
from drex_node.ledger.tx import decode, verify_signatures
from drex_node.testnet.layout import Network


@pytest.fixture
def gen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> load.LoadGen:
    monkeypatch.setattr(load, "load_credentials", lambda _d: None)  # no network is used
    g = load.LoadGen(Network(str(tmp_path), "drex-test", 2, ()), seed=7)
    g.nonce = {i: 4 for i in range(len(g.users))}  # as read from the ledger
    g.idle = deque(range(len(g.users)))
    return g


def _check(raw: bytes, g: load.LoadGen, user: int, nonce: int) -> Any:
    tx = decode(raw, chain_id="drex-test")
    assert tx.type is TxType.TRANSFER
    assert tx.nonce == nonce
    assert tx.sender == g.users[user].address
    assert verify_signatures(tx)
    return tx


def test_presigned_transactions_carry_each_users_next_nonces(gen: load.LoadGen) -> None:
    users = len(gen.users)  # 10: two per partition
    signed = gen.presign(25)  # 3 each on average, one more as slack
    assert signed == 4 * users
    for _round in range(4):
        for u in range(users):
            _check(gen._tx(u), gen, u, gen.nonce[u])
    assert gen.signed_at_send == 0
    assert all(n == 8 for n in gen.nonce.values())
    _check(gen._tx(0), gen, 0, 9)  # past what was signed ahead: signed now
    assert gen.signed_at_send == 1


def test_a_nonce_moved_back_is_signed_again(gen: load.LoadGen) -> None:
    gen.presign(30)
    first = gen._tx(3)
    _check(first, gen, 3, 5)
    gen.nonce[3] -= 1  # refused at admission: the generator reuses the nonce
    again = gen._tx(3)
    _check(again, gen, 3, 5)
    assert gen.signed_at_send == 1
    _check(gen._tx(3), gen, 3, 6)  # the rest of its chain no longer fits either
    assert gen.signed_at_send == 2
    _check(gen._tx(4), gen, 4, 5)  # other users keep theirs
    assert gen.signed_at_send == 2


def test_presign_is_bounded(gen: load.LoadGen, monkeypatch: pytest.MonkeyPatch) -> None:
    assert gen.presign(10**6) == load.PRESIGN_PER_USER * len(gen.users)
    monkeypatch.setattr(load, "PRESIGN_MAX", 25)
    assert gen.presign(10**6) == 2 * len(gen.users)
    gen.idle.clear()
    assert gen.presign(100) == 0


def test_same_seed_signs_the_same_transactions(gen: load.LoadGen, tmp_path: Path) -> None:
    other = load.LoadGen(Network(str(tmp_path), "drex-test", 2, ()), seed=7)
    other.nonce = dict(gen.nonce)
    other.idle = deque(gen.idle)
    gen.presign(20)
    other.presign(20)
    assert gen.presigned == other.presigned
