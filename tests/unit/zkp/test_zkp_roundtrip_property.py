"""Property: any well-formed hardened transfer verifies and the auditor opens it exactly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zkp_testlib import SENDER_BALANCE, auditor_keys, ring

from zkp.reference import hardened, wallet
from zkp.reference.auditor import BsgsTable, audit_transfer
from zkp.reference.rng import SeededRng

TABLE = BsgsTable(value_bits=8, baby_bits=4)


@pytest.mark.slow
@settings(max_examples=4)
@given(
    value=st.integers(0, SENDER_BALANCE - 5),
    fee=st.integers(0, 5),
    receiver=st.sampled_from([0, 2]),
    seed=st.integers(0, 2**32),
)
def test_hardened_roundtrip(value: int, fee: int, receiver: int, seed: int) -> None:
    keys, members = ring(4)
    st_, proof = wallet.build_transfer(
        keys[1][0], members, 1, receiver, value, 3, SeededRng(seed), fee=fee, chain_id=11,
        auditor=auditor_keys()[1], balance=SENDER_BALANCE,
    )  # fmt: skip
    assert hardened.verify_transfer(st_, proof).ok
    record = audit_transfer(auditor_keys()[0], st_, proof, TABLE)
    assert (record.amount, record.sender_index, record.receiver_index) == (value, 1, receiver)
