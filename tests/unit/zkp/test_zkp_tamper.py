"""Flipping any 32-byte word of a valid proof is rejected (every word, N up to 8).

For N = 2 and burns every point is also replaced by its negation (a valid curve point that
passes decoding, so each case is a full verification).

Runs on every available MSM backend (reference, and zkp.fast when present).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from zkp_testlib import (
    az_case,
    burn,
    msm_backends,
    negated_point_tampers,
    transfer,
    word_tampers,
)

from zkp import vectors
from zkp.msm import MSM
from zkp.reference import codec, compat, hardened
from zkp.reference.field import Q
from zkp.reference.proofs import (
    COMPAT_BURN_LAYOUT,
    HARDENED_BURN_LAYOUT,
    compat_transfer_layout,
    hardened_transfer_layout,
)
from zkp.verdict import Verdict

BACKENDS = msm_backends()


def _point_y_words(layout: codec.Layout) -> list[int]:
    words, pos = [], 0
    for _, kind, count in layout:
        for _ in range(max(count, 1)):
            if kind == "pt":
                words.append(pos + 1)
                pos += 2
            else:
                pos += 1
    return words


def _check_all_tampers(
    verify: Callable[[bytes], Verdict], proof: bytes, layout: codec.Layout, negate: bool = True
) -> None:
    """Every word bit-flipped; with ``negate`` also every point replaced by its negation."""
    assert verify(proof).ok
    assert len(proof) == codec.layout_size(layout)
    bad = [i for i, t in word_tampers(proof) if verify(t).ok]
    if negate:
        negated = negated_point_tampers(proof, _point_y_words(layout))
        bad += [i for i, t in negated if verify(t).ok]
    assert bad == [], f"tampered words accepted: {bad}"


def _compat_vector(case_id: str, msm: MSM, negate: bool = True) -> None:
    case = az_case(case_id)
    st = vectors.case_statement(case)
    proof = vectors.case_proof(case)
    if case["kind"] == "burn":
        verify_burn = lambda b: compat.verify_burn(st, b, msm)  # type: ignore[arg-type]  # noqa: E731
        _check_all_tampers(verify_burn, proof, COMPAT_BURN_LAYOUT, negate)
    else:
        layout = compat_transfer_layout(case["N"].bit_length() - 1)
        verify = lambda b: compat.verify_transfer(st, b, msm)  # type: ignore[arg-type]  # noqa: E731
        _check_all_tampers(verify, proof, layout, negate)


@pytest.mark.parametrize("msm", BACKENDS)
@pytest.mark.parametrize("case_id", ["transfer_N2_valid", "burn_valid"])
def test_compat_vector_word_flips(case_id: str, msm: MSM) -> None:
    _compat_vector(case_id, msm, negate=False)


@pytest.mark.slow
@pytest.mark.parametrize("msm", BACKENDS)
@pytest.mark.parametrize("case_id", ["transfer_N2_valid", "burn_valid"])
def test_compat_vector_tampering(case_id: str, msm: MSM) -> None:
    _compat_vector(case_id, msm)


@pytest.mark.slow
@pytest.mark.parametrize("msm", BACKENDS)
@pytest.mark.parametrize("case_id", ["transfer_N4_valid", "transfer_N8_valid"])
def test_compat_vector_tampering_larger_rings(case_id: str, msm: MSM) -> None:
    _compat_vector(case_id, msm, negate=False)


def _hardened(n: int, msm: MSM, negate: bool = True) -> None:
    st, proof = transfer(n, "hardened", fee=1)
    layout = hardened_transfer_layout(n.bit_length() - 1)
    _check_all_tampers(lambda b: hardened.verify_transfer(st, b, msm), proof, layout, negate)


@pytest.mark.parametrize("msm", BACKENDS)
def test_hardened_word_flips_n2(msm: MSM) -> None:
    _hardened(2, msm, negate=False)


@pytest.mark.slow
@pytest.mark.parametrize("msm", BACKENDS)
def test_hardened_tampering_n2(msm: MSM) -> None:
    _hardened(2, msm)


@pytest.mark.slow
@pytest.mark.parametrize("msm", BACKENDS)
@pytest.mark.parametrize("n", [4, 8])
def test_hardened_tampering_larger_rings(n: int, msm: MSM) -> None:
    _hardened(n, msm, negate=False)


@pytest.mark.parametrize("msm", BACKENDS)
def test_hardened_burn_tampering(msm: MSM) -> None:
    st, proof = burn("hardened")
    _check_all_tampers(lambda b: hardened.verify_burn(st, b, msm), proof, HARDENED_BURN_LAYOUT)


def _add_q(proof: bytes, word: int) -> bytes:
    value = int.from_bytes(proof[32 * word : 32 * word + 32], "big") + Q
    return proof[: 32 * word] + value.to_bytes(32, "big") + proof[32 * word + 32 :]


def test_non_canonical_scalar_compat_matches_evm_and_hardened_rejects() -> None:
    # compat: the EVM multiplies points by s_sk + Q exactly as by s_sk, so it accepts
    case = az_case("transfer_N2_valid")
    st = vectors.case_statement(case)
    clayout = compat_transfer_layout(1)
    s_sk_word = codec.layout_size(clayout[: [n for n, _, _ in clayout].index("s_sk")]) // 32
    malleated = _add_q(vectors.case_proof(case), s_sk_word)
    assert compat.verify_transfer(st, malleated).ok  # type: ignore[arg-type]
    # but the challenge c is compared as a raw word: c + Q is rejected
    assert not compat.verify_transfer(st, _add_q(vectors.case_proof(case), s_sk_word - 1)).ok  # type: ignore[arg-type]
    # hardened: every scalar must be canonical
    hst, hproof = transfer(2, "hardened", fee=1)
    layout = hardened_transfer_layout(1)
    idx = [n for n, _, _ in layout].index("s_sk")
    word = codec.layout_size(layout[:idx]) // 32
    verdict = hardened.verify_transfer(hst, _add_q(hproof, word))
    assert not verdict.ok and "group order" in verdict.reason
