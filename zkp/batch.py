"""Batch verification: many proofs folded into one MSM, bisected on failure.

Each proof is first reduced to a :class:`~zkp.reference.check.PreparedCheck` (decoding,
transcript and — in compat mode — the Σ commitments). The remaining group equations are
multiplied by weights ``H(seed ‖ digest_i ‖ i)`` and summed into one multi-scalar
multiplication. If that sum is not the identity, the set is split in halves and each half
re-checked, so every bad proof is named. ``seed`` is an input (e.g. the block hash): the
same inputs always give the same verdicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkp.errors import ZkpError
from zkp.msm import MSM, reference_msm
from zkp.reference import compat, hardened
from zkp.reference.check import PreparedCheck
from zkp.reference.lincomb import Terms
from zkp.reference.proofs import (
    CompatBurnProof,
    CompatTransferProof,
    HardenedBurnProof,
    HardenedTransferProof,
)
from zkp.reference.statements import BurnStatement, TransferStatement
from zkp.reference.transcript import hash_bytes_scalar
from zkp.verdict import ACCEPT, Verdict, reject

Statement = TransferStatement | BurnStatement


@dataclass(frozen=True)
class BatchItem:
    """One proof to verify: its statement, bytes and mode (``compat`` or ``hardened``)."""

    statement: Statement
    proof: bytes
    mode: str = "hardened"


def prepare(item: BatchItem, msm: MSM = reference_msm) -> PreparedCheck:
    """Decode and run everything but the final fused MSM; never raises for bad input."""
    st = item.statement
    try:
        st.validate()
        if isinstance(st, TransferStatement):
            if item.mode == "compat":
                return compat.prepare_transfer(
                    st, CompatTransferProof.decode(item.proof, st.n), msm
                )
            return hardened.prepare_transfer(st, HardenedTransferProof.decode(item.proof, st.n))
        if item.mode == "compat":
            return compat.prepare_burn(st, CompatBurnProof.decode(item.proof), msm)
        return hardened.prepare_burn(st, HardenedBurnProof.decode(item.proof))
    except ZkpError as exc:
        return PreparedCheck.rejected(f"malformed: {exc}")


def _fold(checks: Sequence[tuple[int, PreparedCheck]], seed: bytes) -> Terms:
    total = Terms()
    for index, check in checks:
        assert check.terms is not None  # only passing checks are folded
        weight = hash_bytes_scalar(seed + check.digest + index.to_bytes(8, "big")) or 1
        total.add_terms(check.terms, weight)
    return total


def _bisect(checks: list[tuple[int, PreparedCheck]], seed: bytes, msm: MSM, bad: list[int]) -> None:
    if not checks:
        return
    if _fold(checks, seed).evaluate(msm) is None:
        return
    if len(checks) == 1:
        bad.append(checks[0][0])
        return
    mid = len(checks) // 2
    _bisect(checks[:mid], seed, msm, bad)
    _bisect(checks[mid:], seed, msm, bad)


def batch_verify(
    items: Sequence[BatchItem], seed: bytes, msm: MSM = reference_msm
) -> list[Verdict]:
    """Verdicts for ``items`` (same order); one fused MSM when all are valid."""
    verdicts: list[Verdict] = [ACCEPT] * len(items)
    pending: list[tuple[int, PreparedCheck]] = []
    for i, item in enumerate(items):
        check = prepare(item, msm)
        if not check.verdict.ok or check.terms is None:
            verdicts[i] = check.verdict
        else:
            pending.append((i, check))
    bad: list[int] = []
    _bisect(pending, seed, msm, bad)
    for i in bad:
        verdicts[i] = reject("fused check failed in batch")
    return verdicts


def verify_prepared(checks: Sequence[PreparedCheck], seed: bytes, msm: MSM) -> bool:
    """True iff every prepared check passes, evaluated as one MSM (no bisection)."""
    if any(not c.verdict.ok or c.terms is None for c in checks):
        return False
    return _fold(list(enumerate(checks)), seed).evaluate(msm) is None
