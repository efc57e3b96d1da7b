"""Linear combinations of points, kept symbolic until one MSM evaluates them.

Verifier equations are built as :class:`Terms` (lists of ``(point, scalar)``) so that
several can be folded into one multi-scalar multiplication with random weights.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from zkp.msm import MSM, Point
from zkp.reference.field import Q


class Terms:
    """A mutable sum ``Σ k_i · P_i`` (scalars reduced modulo Q)."""

    __slots__ = ("points", "scalars")

    def __init__(self) -> None:
        self.points: list[Point] = []
        self.scalars: list[int] = []

    def add(self, pt: Point, k: int) -> Terms:
        """Append ``k · pt``."""
        self.points.append(pt)
        self.scalars.append(k % Q)
        return self

    def add_many(self, pts: Sequence[Point], ks: Iterable[int]) -> Terms:
        """Append ``Σ ks[i] · pts[i]``."""
        for pt, k in zip(pts, ks, strict=True):
            self.add(pt, k)
        return self

    def add_terms(self, other: Terms, k: int = 1) -> Terms:
        """Append ``k · other``."""
        k %= Q
        self.points.extend(other.points)
        self.scalars.extend(s * k % Q for s in other.scalars)
        return self

    def compact(self) -> tuple[list[Point], list[int]]:
        """Merge repeated points (generators recur in every equation); drop zero terms.

        Order is first occurrence, so the result is deterministic.
        """
        merged: dict[tuple[int, int], int] = {}
        for pt, k in zip(self.points, self.scalars, strict=True):
            if pt is not None:
                merged[pt] = (merged.get(pt, 0) + k) % Q
        pts: list[Point] = [pt for pt, k in merged.items() if k]
        return pts, [k for k in merged.values() if k]

    def evaluate(self, msm: MSM) -> Point:
        """Compute the point through ``msm`` (after merging repeated points)."""
        pts, ks = self.compact()
        return msm(pts, ks)


def combine(*parts: tuple[Terms, int]) -> Terms:
    """``Σ k_j · T_j`` as a new :class:`Terms`."""
    out = Terms()
    for terms, k in parts:
        out.add_terms(terms, k)
    return out


def single(pt: Point, k: int = 1) -> Terms:
    """``k · pt`` as :class:`Terms`."""
    return Terms().add(pt, k)
