"""Packed signature jobs: the verdicts equal verify_signatures on every kind of input."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drex_node.ledger.codes import TxType
from drex_node.ledger.sigbatch import pack_jobs, verify_packed
from drex_node.ledger.tx import Tx, address_of, build, decode, verify_signatures


def seed(tag: str) -> bytes:
    return hashlib.sha256(tag.encode()).digest()


def one_signer(i: int) -> Tx:
    s = seed(f"s{i}")
    return decode(build("c", TxType.TRANSFER, [address_of(seed("to")), "X", i + 1, b""], 1, 9, [s]))


def dvp(i: int, signers: int) -> Tx:
    keys = [seed(f"d{i}.{k}") for k in range(signers)]
    legs = [
        [address_of(keys[k]), address_of(keys[(k + 1) % signers]), "X", 1] for k in range(signers)
    ]
    return decode(build("c", TxType.SETTLE, [legs], 1, 9, keys))


def flip(b: bytes, at: int) -> bytes:
    return b[:at] + bytes([b[at] ^ 1]) + b[at + 1 :]


def forged_sig(tx: Tx, k: int = 0) -> Tx:
    sigs = list(tx.signatures)
    pk, sig = sigs[k]
    sigs[k] = (pk, flip(sig, 7))
    return tx._replace(signatures=tuple(sigs))


def wrong_key(tx: Tx) -> Tx:
    (pk, sig), *rest = tx.signatures
    return tx._replace(signatures=((flip(pk, 3), sig), *rest))


def zero_key(tx: Tx) -> Tx:  # a small-order point libsodium refuses outright
    (_pk, sig), *rest = tx.signatures
    return tx._replace(signatures=((bytes(32), sig), *rest))


VALID = [one_signer(0), dvp(1, 2), dvp(2, 3), one_signer(3)]
VARIANTS = [
    lambda t: t,
    forged_sig,
    wrong_key,
    zero_key,
    lambda t: forged_sig(t, len(t.signatures) - 1),
    lambda t: t._replace(hash=flip(t.hash, 0)),
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(VALID), st.sampled_from(VARIANTS)), max_size=12))
def test_verdicts_equal_verify_signatures(picks: list[tuple[Tx, object]]) -> None:
    txs = [variant(tx) for tx, variant in picks]  # type: ignore[operator]
    got = verify_packed(pack_jobs(txs))
    assert list(got) == [int(verify_signatures(t)) for t in txs]


def test_every_variant_but_the_original_is_refused() -> None:
    for tx in VALID:
        got = verify_packed(pack_jobs([v(tx) for v in VARIANTS]))
        assert got == b"\x01" + b"\x00" * (len(VARIANTS) - 1)


def test_layout_is_count_hash_then_pairs() -> None:
    tx = dvp(5, 2)
    blob = pack_jobs([tx])
    (pk0, s0), (pk1, s1) = tx.signatures
    assert blob == b"\x02" + tx.hash + pk0 + s0 + pk1 + s1
    assert pack_jobs([]) == b"" and verify_packed(b"") == b""


@pytest.mark.parametrize("cut", [1, 32, 33, 100, 128])
def test_a_truncated_blob_is_a_clear_error(cut: int) -> None:
    blob = pack_jobs([one_signer(7)])
    with pytest.raises(ValueError, match="truncated"):
        verify_packed(blob[:cut])
    with pytest.raises(ValueError, match="truncated"):
        verify_packed(b"\x00" + blob[1:])
