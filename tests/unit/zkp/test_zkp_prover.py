"""Our provers: compat proofs verify under the reference rules, hardened under ours."""

from __future__ import annotations

from dataclasses import replace

import pytest
from zkp_testlib import SENDER_BALANCE, auditor_keys, burn, ring, transfer

from zkp.errors import ProverError
from zkp.reference import compat, hardened, wallet
from zkp.reference.curve import mul
from zkp.reference.generators import g
from zkp.reference.rng import SeededRng


@pytest.mark.parametrize("n", [2, 4])
def test_compat_transfer_verifies_under_reference_rules(n: int) -> None:
    st, proof = transfer(n, "compat")
    assert len(proof) == 1472 + 576 * (n.bit_length() - 1)
    assert compat.verify_transfer(st, proof).ok


def test_compat_burn_verifies() -> None:
    st, proof = burn("compat")
    assert len(proof) == 1152
    assert compat.verify_burn(st, proof).ok


@pytest.mark.slow
def test_compat_transfer_n8_verifies() -> None:
    st, proof = transfer(8, "compat")
    assert compat.verify_transfer(st, proof).ok


def test_compat_transfer_with_fee_is_rejected_like_the_contract() -> None:
    # the reference contract's fee constant is 0; a client using fee = 1 is rejected
    st, proof = transfer(2, "compat", fee=1)
    assert not compat.verify_transfer(st, proof).ok


@pytest.mark.parametrize("n", [2, 4])
def test_hardened_transfer_verifies(n: int) -> None:
    st, proof = transfer(n, "hardened", fee=1)
    assert hardened.verify_transfer(st, proof).ok


def test_hardened_burn_verifies_and_binds_chain_and_sender() -> None:
    st, proof = burn("hardened")
    assert hardened.verify_burn(st, proof).ok
    assert not hardened.verify_burn(replace(st, chain_id=8), proof).ok
    assert not hardened.verify_burn(replace(st, sender=0x99), proof).ok
    assert not hardened.verify_burn(replace(st, epoch=8), proof).ok


@pytest.mark.parametrize(
    "change",
    [
        {"chain_id": 8},
        {"epoch": 8},
        {"fee": 0},
        {"u": mul(g(), 12345)},
        {"auditor": mul(g(), 777)},
    ],
)
def test_hardened_transcript_binds_statement(change: dict[str, object]) -> None:
    st, proof = transfer(2, "hardened", fee=1)
    assert not hardened.verify_transfer(replace(st, **change), proof).ok  # type: ignore[arg-type]


def test_formats_are_not_interchangeable() -> None:
    st, proof = transfer(2, "compat")
    verdict = hardened.verify_transfer(replace(st, auditor=auditor_keys()[1]), proof)
    assert not verdict.ok and verdict.reason.startswith("malformed")
    hst, hproof = transfer(2, "hardened")
    assert not compat.verify_transfer(hst, hproof).ok


def test_wallet_reads_its_own_balance() -> None:
    keys, members = ring(2)
    assert wallet.read_balance(keys[1][0], members[1].balance) == SENDER_BALANCE


def test_prover_refuses_bad_witnesses() -> None:
    keys, members = ring(4)
    rng = SeededRng("bad")
    with pytest.raises(ProverError):  # overspend
        wallet.build_transfer(keys[1][0], members, 1, 2, 101, 7, rng, mode="compat", balance=100)
    with pytest.raises(ProverError):  # same parity
        wallet.build_transfer(keys[1][0], members, 1, 3, 1, 7, rng, mode="compat", balance=100)
    with pytest.raises(ProverError):  # key does not match sender
        wallet.build_transfer(keys[0][0], members, 1, 2, 1, 7, rng, mode="compat", balance=100)
    with pytest.raises(ProverError):  # hardened needs an auditor
        wallet.build_transfer(keys[1][0], members, 1, 2, 1, 7, rng, balance=100)


def test_wallet_builds_from_secret_key_encrypted_balance_and_ring() -> None:
    # no plaintext balance given: the wallet decrypts its own balance (BSGS) first
    keys, members = ring(2)
    st, proof = wallet.build_transfer(
        keys[1][0], members, 1, 0, 25, 9, SeededRng("wallet"), mode="compat"
    )
    assert compat.verify_transfer(st, proof).ok
    receiver_gain = wallet.read_balance(keys[0][0], (st.C[0], st.D))
    assert receiver_gain == 25


def test_verification_is_deterministic() -> None:
    from zkp.reference.hardened_transcript import fuse_weights

    st, proof = transfer(2, "hardened", fee=1)
    assert hardened.verify_transfer(st, proof) == hardened.verify_transfer(st, proof)
    assert fuse_weights(1, proof, 5) == fuse_weights(1, proof, 5)
    assert fuse_weights(1, proof, 5) != fuse_weights(2, proof, 5)


def test_hardened_rejects_degenerate_rings() -> None:
    st, proof = transfer(4, "hardened", fee=1)
    dup = replace(st, y=(st.y[0], st.y[1], st.y[2], st.y[1]))
    assert "distinct" in hardened.verify_transfer(dup, proof).reason
    ident = replace(st, y=(st.y[0], st.y[1], st.y[2], None))
    assert "distinct" in hardened.verify_transfer(ident, proof).reason
    assert not hardened.verify_transfer(replace(st, u=None), proof).ok
    assert not hardened.verify_transfer(replace(st, auditor=None), proof).ok
