"""Entry points for the node: verify transfers and burns in either mode.

``mode`` is ``"hardened"`` (the network default) or ``"compat"`` (byte-exact with the
reference Anonymous Zether contracts). ``msm`` selects the multi-scalar-multiplication
backend; ``None`` means the py-ecc reference. A backend that brings its own verifier
(``verify_transfer`` / ``verify_burn`` methods, as ``zkp.fast.backend.FastBackend``
does: ADR 0045) is asked for the verdict directly; it must return the reference's.
Bad input yields a rejected :class:`~zkp.verdict.Verdict`, never an exception.
"""

from __future__ import annotations

from zkp.msm import MSM, reference_msm
from zkp.reference import compat, hardened
from zkp.reference.statements import BurnStatement, TransferStatement
from zkp.verdict import Verdict

MODES = ("hardened", "compat")


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown proof mode {mode!r}; expected one of {MODES}")


def verify_transfer(
    statement: TransferStatement, proof: bytes, mode: str = "hardened", msm: MSM | None = None
) -> Verdict:
    """Verify a confidential transfer proof."""
    _check_mode(mode)
    backend = msm or reference_msm
    own = getattr(backend, "verify_transfer", None)
    if own is not None:
        verdict: Verdict = own(statement, proof, mode)
        return verdict
    if mode == "compat":
        return compat.verify_transfer(statement, proof, backend)
    return hardened.verify_transfer(statement, proof, backend)


def verify_burn(
    statement: BurnStatement, proof: bytes, mode: str = "hardened", msm: MSM | None = None
) -> Verdict:
    """Verify a burn proof."""
    _check_mode(mode)
    backend = msm or reference_msm
    own = getattr(backend, "verify_burn", None)
    if own is not None:
        verdict: Verdict = own(statement, proof, mode)
        return verdict
    if mode == "compat":
        return compat.verify_burn(statement, proof, backend)
    return hardened.verify_burn(statement, proof, backend)
