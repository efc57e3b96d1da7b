"""Truncated, oversized and malformed encodings give clear errors, never crashes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st_
from zkp_testlib import az_case, transfer

from zkp import vectors
from zkp.errors import ProofFormatError, StatementError
from zkp.reference import compat, hardened
from zkp.reference.curve import decode_point, encode_point
from zkp.reference.field import P
from zkp.reference.proofs import CompatBurnProof, CompatTransferProof, HardenedTransferProof


def _case() -> tuple[object, bytes]:
    case = az_case("transfer_N2_valid")
    return vectors.case_statement(case), vectors.case_proof(case)


@pytest.mark.parametrize("cut", [0, 1, 31, 32, 64, 576, 2047])
def test_truncated_proofs_are_format_errors(cut: int) -> None:
    st, proof = _case()
    short = proof[: len(proof) - cut] if cut < len(proof) else b""
    with pytest.raises(ProofFormatError, match="expected 2048 bytes"):
        CompatTransferProof.decode(short if cut else proof[:-1], 2)
    verdict = compat.verify_transfer(st, proof[: len(proof) - max(cut, 1)])  # type: ignore[arg-type]
    assert not verdict.ok and verdict.reason.startswith("malformed")


@pytest.mark.parametrize("extra", [1, 32, 64, 576])
def test_oversized_proofs_are_rejected(extra: int) -> None:
    st, proof = _case()
    verdict = compat.verify_transfer(st, proof + bytes(extra))  # type: ignore[arg-type]
    assert not verdict.ok and "expected 2048 bytes" in verdict.reason


def test_non_bytes_proof_is_a_clear_rejection() -> None:
    st, _ = _case()
    verdict = compat.verify_transfer(st, "not bytes")  # type: ignore[arg-type]
    assert not verdict.ok and "must be bytes" in verdict.reason


def test_point_checks() -> None:
    assert decode_point(bytes(64)) is None
    with pytest.raises(ProofFormatError, match="not on the BN254 curve"):
        decode_point((1).to_bytes(32, "big") + (1).to_bytes(32, "big"))
    with pytest.raises(ProofFormatError, match="field modulus"):
        decode_point(P.to_bytes(32, "big") + (2).to_bytes(32, "big"))
    g = (1, 2)  # the curve's standard generator is on the curve
    assert decode_point(encode_point(g)) == g


def test_encode_decode_roundtrip() -> None:
    _, proof = _case()
    assert CompatTransferProof.decode(proof, 2).encode() == proof
    burn = vectors.case_proof(az_case("burn_valid"))
    assert CompatBurnProof.decode(burn).encode() == burn
    hst, hproof = transfer(2, "hardened")
    assert HardenedTransferProof.decode(hproof, 2).encode() == hproof


@pytest.mark.parametrize("n", [0, 1, 3, 6, 128])
def test_bad_ring_sizes_are_rejected(n: int) -> None:
    with pytest.raises(ProofFormatError, match="power of two"):
        CompatTransferProof.decode(b"", n)


def test_inconsistent_statement_is_rejected() -> None:
    st, proof = _case()
    from dataclasses import replace

    bad = replace(st, CLn=st.CLn[:1])  # type: ignore[type-var]
    with pytest.raises(StatementError):
        bad.validate()  # type: ignore[attr-defined]
    verdict = compat.verify_transfer(bad, proof)  # type: ignore[arg-type]
    assert not verdict.ok and verdict.reason.startswith("malformed")
    off_curve = replace(st, u=(1, 1))  # type: ignore[type-var]
    assert not compat.verify_transfer(off_curve, proof).ok  # type: ignore[arg-type]


@settings(max_examples=40)
@given(st_.binary(min_size=0, max_size=4200))
def test_random_bytes_never_raise(data: bytes) -> None:
    st, _ = _case()
    assert not compat.verify_transfer(st, data).ok  # type: ignore[arg-type]
    hst, _ = transfer(2, "hardened")
    assert not hardened.verify_transfer(hst, data).ok


@settings(max_examples=15)
@given(st_.data())
def test_random_words_of_the_right_length_never_raise(data: st_.DataObject) -> None:
    hst, hproof = transfer(2, "hardened")
    # keep the points valid (copy them) and randomise the scalars' words
    words = [hproof[i : i + 32] for i in range(0, len(hproof), 32)]
    idx = data.draw(st_.integers(0, len(words) - 1))
    words[idx] = data.draw(st_.binary(min_size=32, max_size=32))
    proof = b"".join(words)
    verdict = hardened.verify_transfer(hst, proof)
    assert verdict.ok == (proof == hproof)
