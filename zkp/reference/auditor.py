"""Auditor-side decryption: baby-step giant-step over 32-bit values, party recovery.

``BsgsTable`` precomputes ``j·g`` for ``j < 2^baby_bits`` once (about 65k points for the
default 16 bits) and then solves ``M = v·g`` for ``v < 2^32`` with at most
``2^(32 - baby_bits)`` giant steps. The audit node builds one table at start.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from zkp.errors import AuditError, ProofFormatError
from zkp.msm import Point
from zkp.reference import generators as gen
from zkp.reference.curve import add, mul, neg
from zkp.reference.proofs import HardenedTransferProof
from zkp.reference.statements import TransferStatement


class BsgsTable:
    """Discrete logs base ``g`` of values below ``2^value_bits``."""

    def __init__(self, value_bits: int = 32, baby_bits: int = 16) -> None:
        if not 1 <= baby_bits <= value_bits <= 64:
            raise ValueError("need 1 <= baby_bits <= value_bits <= 64")
        self.value_bits = value_bits
        self.baby_bits = baby_bits
        g = gen.g()
        table: dict[Point, int] = {None: 0}
        acc: Point = None
        for j in range(1, 1 << baby_bits):
            acc = add(acc, g)
            table[acc] = j
        self._table = table
        self._giant = neg(mul(g, 1 << baby_bits))

    def solve(self, target: Point) -> int:
        """``v`` with ``v·g == target``, or :class:`AuditError` if ``v >= 2^value_bits``."""
        cur = target
        step = 1 << self.baby_bits
        for i in range(1 << (self.value_bits - self.baby_bits)):
            j = self._table.get(cur)
            if j is not None:
                return i * step + j
            cur = add(cur, self._giant)
        raise AuditError(f"value is not below 2^{self.value_bits}")


@cache
def default_table() -> BsgsTable:
    """The process-wide 32-bit table (built on first use; audit nodes warm it at start)."""
    return BsgsTable()


def decrypt_amount(message_point: Point, table: BsgsTable | None = None) -> int:
    """Solve ``message_point = v·g`` for a 32-bit ``v``."""
    return (table or default_table()).solve(message_point)


def _small_log(target: Point, limit: int) -> int:
    acc: Point = None
    g = gen.g()
    for i in range(limit):
        if acc == target:
            return i
        acc = add(acc, g)
    raise AuditError("party index out of ring range")


@dataclass(frozen=True)
class AuditRecord:
    """What the auditor learns from a hardened transfer."""

    amount: int
    sender_index: int
    receiver_index: int
    sender: Point
    receiver: Point


def audit_transfer(
    auditor_sk: int,
    st: TransferStatement,
    proof: bytes | HardenedTransferProof,
    table: BsgsTable | None = None,
) -> AuditRecord:
    """Decrypt amount and parties of a hardened transfer with the auditor's secret key.

    The proof should have been verified first (validators do); decryption itself only
    needs the auditor ciphertexts and ``D``.
    """
    if not isinstance(proof, HardenedTransferProof):
        try:
            proof = HardenedTransferProof.decode(proof, st.n)
        except ProofFormatError as exc:
            raise AuditError(f"undecodable proof: {exc}") from None

    def open_(left: Point, right: Point) -> Point:
        return add(left, neg(mul(right, auditor_sk)))

    amount = decrypt_amount(open_(proof.E, st.D), table)
    i0 = _small_log(open_(proof.Es_L, proof.Es_R), st.n)
    i1 = _small_log(open_(proof.Er_L, proof.Er_R), st.n)
    return AuditRecord(amount, i0, i1, st.y[i0], st.y[i1])
