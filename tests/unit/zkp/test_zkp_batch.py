"""Batch verification folds many proofs into one MSM and names the bad ones."""

from __future__ import annotations

from zkp_testlib import CountingMSM, az_case, burn, transfer

from zkp import vectors
from zkp.batch import BatchItem, batch_verify
from zkp.reference import compat, hardened


def _flip(proof: bytes, word: int) -> bytes:
    data = bytearray(proof)
    data[32 * word + 31] ^= 1
    return bytes(data)


def _items() -> list[BatchItem]:
    hst, hproof = transfer(2, "hardened", fee=1)
    bst, bproof = burn("hardened")
    case = az_case("transfer_N2_valid")
    cst, cproof = vectors.case_statement(case), vectors.case_proof(case)
    ipa_a_word = len(hproof) // 32 - 2  # final scalar a: only the fused MSM catches it
    return [
        BatchItem(hst, hproof),
        BatchItem(bst, bproof),
        BatchItem(cst, cproof, "compat"),
        BatchItem(hst, _flip(hproof, ipa_a_word)),
        BatchItem(hst, hproof[:-1]),
        BatchItem(hst, hproof),
        BatchItem(cst, _flip(cproof, len(cproof) // 32 - 1), "compat"),
    ]


def test_batch_names_bad_proofs() -> None:
    verdicts = batch_verify(_items(), seed=b"block-1")
    assert [v.ok for v in verdicts] == [True, True, True, False, False, True, False]
    assert verdicts[4].reason.startswith("malformed")


def test_batch_is_deterministic_and_one_msm_when_valid() -> None:
    items = [i for i in _items() if i.proof == _items()[0].proof or i.mode == "compat"][:2]
    counter = CountingMSM()
    first = batch_verify(items, seed=b"s", msm=counter)
    assert all(v.ok for v in first)
    # compat items compute tEval and their 6 Σ commitments explicitly; the rest is one MSM
    assert counter.calls == 7 * sum(i.mode == "compat" for i in items) + 1
    assert batch_verify(items, seed=b"s") == first


def test_single_verification_msm_counts() -> None:
    hst, hproof = transfer(2, "hardened", fee=1)
    counter = CountingMSM()
    assert hardened.verify_transfer(hst, hproof, counter).ok
    assert counter.calls == 1  # one fused MSM
    case = az_case("transfer_N2_valid")
    counter = CountingMSM()
    assert compat.verify_transfer(
        vectors.case_statement(case), vectors.case_proof(case), counter
    ).ok  # type: ignore[arg-type]
    assert counter.calls == 8  # tEval (EVM revert check), six Σ commitments, one fused check
