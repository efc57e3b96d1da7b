"""Public statements a proof is verified against.

``TransferStatement`` mirrors ``ZetherVerifier.verifyTransfer``'s arguments (CLn/CRn are
the ring's balances *after* adding C/D), ``BurnStatement`` mirrors ``verifyBurn``. The
hardened fields (chain id, fee, auditor key) are ignored in compat mode, where the fee is
the reference contract's constant 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkp.errors import StatementError
from zkp.msm import Point
from zkp.reference.codec import ring_log
from zkp.reference.curve import is_on_curve

Pts = tuple[Point, ...]


def _is_point(pt: object) -> bool:
    """None or a tuple of two ints (lists and other shapes are malformed, not points)."""
    if pt is None:
        return True
    return isinstance(pt, tuple) and len(pt) == 2 and all(isinstance(c, int) for c in pt)


def _check_points(what: str, pts: Pts) -> None:
    for i, pt in enumerate(pts):
        if not (_is_point(pt) and is_on_curve(pt)):
            raise StatementError(f"{what}[{i}] is not a valid BN254 point")


@dataclass(frozen=True)
class TransferStatement:
    """A confidential transfer over a ring ``y`` of N public keys."""

    CLn: Pts
    CRn: Pts
    C: Pts
    D: Point
    y: Pts
    epoch: int
    u: Point
    fee: int = 0
    chain_id: int = 0
    auditor: Point = None

    @property
    def n(self) -> int:
        """Anonymity set size."""
        return len(self.y)

    def validate(self) -> None:
        """Raise :class:`StatementError` if malformed (sizes, points, integer ranges)."""
        try:
            ring_log(len(self.y))
        except Exception as exc:
            raise StatementError(str(exc)) from None
        for name in ("CLn", "CRn", "C"):
            if len(getattr(self, name)) != len(self.y):
                raise StatementError(
                    f"{name} has {len(getattr(self, name))} entries, ring has {len(self.y)}"
                )
            _check_points(name, getattr(self, name))
        _check_points("y", self.y)
        _check_points("D/u/auditor", (self.D, self.u, self.auditor))
        for name in ("epoch", "fee", "chain_id"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 0 <= value < 1 << 256:
                raise StatementError(f"{name} must be a uint256")


@dataclass(frozen=True)
class BurnStatement:
    """A burn (withdrawal) by ``y`` of a public amount, ``sender`` an EVM address."""

    CLn: Point
    CRn: Point
    y: Point
    epoch: int
    sender: int
    u: Point
    chain_id: int = 0

    def validate(self) -> None:
        """Raise :class:`StatementError` if malformed."""
        _check_points("burn", (self.CLn, self.CRn, self.y, self.u))
        if not 0 <= self.sender < 1 << 160:
            raise StatementError("sender must be a 20-byte address")
        for name in ("epoch", "chain_id"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 0 <= value < 1 << 256:
                raise StatementError(f"{name} must be a uint256")
