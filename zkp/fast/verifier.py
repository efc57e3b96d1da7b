"""Fast verification entry points: flattened verifiers, the reference as fallback.

``verify_transfer`` runs the flattened verifier of the mode (``zkp.fast.hardened``
or ``zkp.fast.compat``) when the statement and proof are well formed; otherwise,
and for burns, it runs the reference verifier on the table-backed fast backend.
Either way the verdict — ``ok`` and reason — is the reference's (ADR 0045).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from zkp.fast import compat as fast_compat
from zkp.fast import hardened as fast_hardened
from zkp.fast.backend import fast_backend
from zkp.fast.msm import warm_up as warm_kernels
from zkp.reference import compat, hardened
from zkp.reference.statements import BurnStatement, TransferStatement
from zkp.verdict import ACCEPT, Verdict, reject

HARDENED_FAILURE = "fused check failed"
T = TypeVar("T")


def _as_bytes(proof: object) -> bytes | None:
    if isinstance(proof, bytes):
        return proof
    if isinstance(proof, (bytearray, memoryview)):
        return bytes(proof)
    return None


def _guarded(
    fast: Callable[[TransferStatement, bytes], T | None], st: TransferStatement, data: bytes
) -> T | None:
    """``fast(st, data)``, or None (the reference decides) when a malformed statement
    (wrong shapes or types: a ring that is not a sequence, points as lists) trips it."""
    try:
        return fast(st, data)
    except (TypeError, ValueError, AttributeError, OverflowError):
        return None


def verify_transfer(st: TransferStatement, proof: bytes, mode: str = "hardened") -> Verdict:
    """Verdict of ``zkp.reference.<mode>.verify_transfer``, computed on the fast path."""
    data = _as_bytes(proof)
    if mode == "hardened":
        check = None if data is None else _guarded(fast_hardened.prepare_transfer, st, data)
        if check is None:
            return hardened.verify_transfer(st, proof, fast_backend())
        return ACCEPT if check.holds() else reject(HARDENED_FAILURE)
    if mode == "compat":
        verdict = None if data is None else _guarded(fast_compat.verify_transfer, st, data)
        if verdict is None:
            return compat.verify_transfer(st, proof, fast_backend())
        return verdict
    raise ValueError(f"unknown proof mode {mode!r}")


def warm_up() -> None:
    """Compile or load every kernel and build the generator table (node start)."""
    warm_kernels()
    fast_backend()


def verify_burn(st: BurnStatement, proof: bytes, mode: str = "hardened") -> Verdict:
    """Verdict of ``zkp.reference.<mode>.verify_burn`` on the fast backend."""
    if mode == "hardened":
        return hardened.verify_burn(st, proof, fast_backend())
    if mode == "compat":
        return compat.verify_burn(st, proof, fast_backend())
    raise ValueError(f"unknown proof mode {mode!r}")
