"""The flattened fast verifiers (zkp.fast.verifier) give the reference's verdicts.

Oracles: the reference verifiers on py-ecc (``reference_msm``) for honest proofs and a
few tampers, and the reference verifiers on the fast backend (themselves proven equal
to py-ecc by the tamper/vector suites) for exhaustive tampering. Verdicts are compared
whole: ``ok`` and reason.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zkp_testlib import (
    az_data,
    negated_point_tampers,
    transfer,
    word_tampers,
)

from zkp import api, vectors
from zkp.fast import compat as fast_compat
from zkp.fast import hardened as fast_hardened
from zkp.fast import verifier
from zkp.fast.algebra import cross, ring_rows
from zkp.fast.backend import fast_backend
from zkp.msm import reference_msm
from zkp.reference import compat, hardened
from zkp.reference.anonymity import cross_coefficients, ring_vectors
from zkp.reference.field import P, Q
from zkp.reference.statements import BurnStatement, TransferStatement
from zkp.verdict import Verdict

BACKEND = fast_backend()


def _reference(st: TransferStatement, proof: bytes, mode: str) -> Verdict:
    """The reference verifier on the fast MSM backend."""
    module = hardened if mode == "hardened" else compat
    return module.verify_transfer(st, proof, BACKEND)


def _case(n: int, mode: str) -> tuple[TransferStatement, bytes]:
    return transfer(n, mode, fee=1 if mode == "hardened" else 0)


@pytest.mark.parametrize("mode", ["hardened", "compat"])
@pytest.mark.parametrize("n", [2, 4, 8])
def test_honest_proofs_on_the_fast_path_match_py_ecc(n: int, mode: str) -> None:
    verifier.warm_up()  # idempotent; verdicts never depend on it
    st_, proof = _case(n, mode)
    if mode == "hardened":
        assert fast_hardened.prepare_transfer(st_, proof) is not None
    else:
        assert fast_compat.verify_transfer(st_, proof) is not None
    module = hardened if mode == "hardened" else compat
    want = module.verify_transfer(st_, proof, reference_msm)
    assert want.ok
    assert verifier.verify_transfer(st_, proof, mode) == want
    assert api.verify_transfer(st_, proof, mode, BACKEND) == want


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["hardened", "compat"])
def test_n64_matches_reference(mode: str) -> None:
    st_, proof = _case(64, mode)
    assert verifier.verify_transfer(st_, proof, mode) == _reference(st_, proof, mode)
    assert verifier.verify_transfer(st_, proof, mode).ok
    bad = proof[:-40] + bytes([proof[-40] ^ 4]) + proof[-39:]
    assert verifier.verify_transfer(st_, bad, mode) == _reference(st_, bad, mode)


@pytest.mark.parametrize("mode", ["hardened", "compat"])
@pytest.mark.parametrize("n", [2, 4, 8])
def test_every_word_flip_and_negated_point_matches_reference(n: int, mode: str) -> None:
    st_, proof = _case(n, mode)
    tampers = [t for _, t in word_tampers(proof)]
    words = range(1, len(proof) // 32, 2)  # includes every point's y word
    tampers += [t for _, t in negated_point_tampers(proof, list(words))]
    for data in tampers:
        assert verifier.verify_transfer(st_, data, mode) == _reference(st_, data, mode)


@pytest.mark.parametrize("mode", ["hardened", "compat"])
def test_tampers_match_py_ecc(mode: str) -> None:
    st_, proof = _case(2, mode)
    module = hardened if mode == "hardened" else compat
    for i in (0, 5, 40, len(proof) // 32 - 1):
        data = bytearray(proof)
        data[32 * i + 31] ^= 1
        got = verifier.verify_transfer(st_, bytes(data), mode)
        assert got == module.verify_transfer(st_, bytes(data), reference_msm)
        assert not got.ok


def _mutations(st_: TransferStatement) -> list[TransferStatement]:
    y0 = st_.y[0]
    assert y0 is not None
    return [
        replace(st_, D=None),
        replace(st_, u=None),
        replace(st_, auditor=None),
        replace(st_, auditor=(0, 0)),
        replace(st_, y=(st_.y[0], st_.y[0], *st_.y[2:])),
        replace(st_, y=(None, *st_.y[1:])),
        replace(st_, C=((0, 0), *st_.C[1:])),
        replace(st_, C=((y0[0], P - y0[1]), *st_.C[1:])),
        replace(st_, CLn=st_.CLn[1:]),
        replace(st_, CRn=(None, *st_.CRn[1:])),
        replace(st_, D=(y0[0], y0[1] + P)),
        replace(st_, fee=1 << 256),
        replace(st_, epoch=-1),
        replace(st_, epoch=st_.epoch + 1),
        replace(st_, chain_id=st_.chain_id + 1),
        replace(st_, u=st_.y[1]),
    ]


@pytest.mark.parametrize("mode", ["hardened", "compat"])
def test_statement_mutations_match_reference(mode: str) -> None:
    st_, proof = _case(2, mode)
    for mutated in _mutations(st_):
        assert verifier.verify_transfer(mutated, proof, mode) == _reference(mutated, proof, mode)


@pytest.mark.parametrize("mode", ["hardened", "compat"])
def test_odd_proof_objects_match_reference(mode: str) -> None:
    st_, proof = _case(2, mode)
    for data in (bytearray(proof), memoryview(proof), proof[:-1], proof + b"\0", b"", "x"):
        got = verifier.verify_transfer(st_, data, mode)  # type: ignore[arg-type]
        assert got == _reference(st_, data, mode)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        verifier.verify_transfer(st_, proof, "bogus")


def test_forged_nonce_accepted_in_compat_rejected_in_hardened() -> None:
    cst, cproof = transfer(2, "compat", forge=True)
    assert verifier.verify_transfer(cst, cproof, "compat").ok
    hst, hproof = transfer(2, "hardened", forge=True)
    assert verifier.verify_transfer(hst, hproof, "hardened") == _reference(hst, hproof, "hardened")
    assert not verifier.verify_transfer(hst, hproof, "hardened").ok


def test_every_vector_matches_evm_and_reference() -> None:
    for case in az_data()["vectors"]:
        st_ = vectors.case_statement(case)
        proof = vectors.case_proof(case)
        if isinstance(st_, BurnStatement):
            got = api.verify_burn(st_, proof, "compat", BACKEND)
            assert got == compat.verify_burn(st_, proof, BACKEND)
        else:
            got = api.verify_transfer(st_, proof, "compat", BACKEND)
            assert got == compat.verify_transfer(st_, proof, BACKEND)
            assert verifier.verify_transfer(st_, proof, "hardened") == _reference(
                st_, proof, "hardened"
            )
        assert got.ok == case["evm_accepts"], case["id"]


@settings(max_examples=40)
@given(st.integers(1, 6), st.randoms(use_true_random=False), st.integers(0, Q - 1))
def test_cross_kernel_and_ring_rows_match_reference(m: int, rnd: object, v: int) -> None:
    draw = rnd.randrange  # type: ignore[attr-defined]
    f = [draw(1 << 256) for _ in range(2 * m)]
    w = draw(Q)
    from zkp.reference.field import evm_sub

    f1 = [e % Q for e in f]
    f0 = [evm_sub(w, e) % Q for e in f]
    r0, r1 = ring_rows(f1, f0, m)
    assert (r0, r1) == ring_vectors(f, w, m)
    assert cross(r0, r1, v) == cross_coefficients(r0, r1, v)
    extreme = [Q - 1] * (1 << m)
    assert cross(extreme, extreme, Q - 1) == cross_coefficients(extreme, extreme, Q - 1)


@settings(max_examples=25)
@given(st.sampled_from(["hardened", "compat"]), st.integers(0, 10**6), st.integers(0, 7))
def test_random_bit_flips_match_reference(mode: str, pos: int, bit: int) -> None:
    st_, proof = _case(2, mode)
    data = bytearray(proof)
    data[pos % len(proof)] ^= 1 << bit
    assert verifier.verify_transfer(st_, bytes(data), mode) == _reference(st_, bytes(data), mode)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=700))
def test_fast_keccak_matches_pycryptodome(data: bytes) -> None:
    """The transcript hash through pycryptodome's C functions (ADR 0053) is keccak256."""
    from Crypto.Hash import keccak as pycryptodome_keccak

    from zkp.fast import algebra

    want = pycryptodome_keccak.new(digest_bits=256, data=data).digest()
    assert algebra.keccak(data) == want
    assert algebra.hash_to_scalar(data) == int.from_bytes(want, "big") % Q
