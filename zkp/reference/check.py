"""A proof reduced to one group equation, ready for a (possibly batched) MSM."""

from __future__ import annotations

from dataclasses import dataclass

from zkp.msm import MSM
from zkp.reference.lincomb import Terms
from zkp.verdict import ACCEPT, Verdict, reject


@dataclass
class PreparedCheck:
    """Either an early rejection, or terms whose sum must be the identity.

    ``digest`` identifies the (statement, proof) pair; batch verification derives the
    proof's batch weight from it.
    """

    verdict: Verdict
    terms: Terms | None
    digest: bytes

    @classmethod
    def rejected(cls, reason: str) -> PreparedCheck:
        """An early rejection."""
        return cls(reject(reason), None, b"")


def finish(check: PreparedCheck, msm: MSM, failure: str) -> Verdict:
    """Evaluate a prepared check's fused MSM."""
    if not check.verdict.ok or check.terms is None:
        return check.verdict
    if check.terms.evaluate(msm) is not None:
        return reject(failure)
    return ACCEPT
