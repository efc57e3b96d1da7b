"""Baby-step giant-step decryption and auditor opening."""

from __future__ import annotations

import pytest
from zkp_testlib import auditor_keys, transfer

from zkp.errors import AuditError
from zkp.reference.auditor import BsgsTable, audit_transfer, decrypt_amount
from zkp.reference.curve import mul
from zkp.reference.generators import g


@pytest.mark.parametrize("value", [0, 1, 255, 256, 4095, 65535])
def test_small_table_solves_every_range(value: int) -> None:
    table = BsgsTable(value_bits=16, baby_bits=8)
    assert table.solve(mul(g(), value)) == value


def test_small_table_rejects_out_of_range() -> None:
    with pytest.raises(AuditError):
        BsgsTable(value_bits=12, baby_bits=6).solve(mul(g(), 1 << 12))


@pytest.mark.slow
@pytest.mark.parametrize("value", [0, 10, (1 << 32) - 1, 0x89ABCDEF])
def test_default_table_covers_32_bits(value: int) -> None:
    assert decrypt_amount(mul(g(), value)) == value


def test_audit_rejects_wrong_key_cleanly() -> None:
    st, proof = transfer(2, "hardened")
    table = BsgsTable(value_bits=16, baby_bits=8)
    with pytest.raises(AuditError):
        audit_transfer(auditor_keys()[0] + 1, st, proof, table)


def test_audit_small_table() -> None:
    st, proof = transfer(2, "hardened")
    record = audit_transfer(auditor_keys()[0], st, proof, BsgsTable(value_bits=16, baby_bits=8))
    assert (record.amount, record.sender_index, record.receiver_index) == (10, 1, 0)


def test_audit_of_garbage_is_an_audit_error() -> None:
    st, _ = transfer(2, "hardened")
    with pytest.raises(AuditError):
        audit_transfer(auditor_keys()[0], st, b"\x00" * 10)
