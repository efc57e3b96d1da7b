"""A fast verifier's fused check: generator coefficients plus loaded variable points.

:class:`Fused` is the flattened form of a reference ``PreparedCheck``: one
coefficient per generator of the per-process table (``g, h, gs[..], hs[..]``) and
one per variable point, the points already in Montgomery limbs. ``holds`` runs
the single MSM; :func:`fold` weights several checks into one (batch
verification, ADR 0045).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from zkp.fast.backend import fast_backend
from zkp.fast.layout import Plan
from zkp.fast.loader import encode_points, load_points
from zkp.fast.msm import mixed_is_identity
from zkp.reference.field import Q

Arr = npt.NDArray[np.uint64]
Flags = npt.NDArray[np.uint8]
Point = tuple[int, int] | None


@dataclass
class Fused:
    """``Σ fixed[j]·G_j + Σ scalars[i]·P_i`` must be the identity; ``digest`` names the proof."""

    fixed: list[int]
    pts: Arr
    inf: Flags
    scalars: list[int]
    digest: bytes

    def holds(self) -> bool:
        """Evaluate the check with one fused MSM."""
        return mixed_is_identity(fast_backend().table, self.fixed, self.pts, self.inf, self.scalars)


def fixed_index() -> tuple[int, int, int, int]:
    """Positions of ``g``, ``h``, ``gs[0]`` and ``hs[0]`` in the backend's table."""
    return 0, 1, 2, 66


def load(plan: Plan, head: Sequence[Point], proof: bytes) -> tuple[bytes, Arr, Flags] | None:
    """(encoded head points, Montgomery rows, infinity flags), or None if a point is bad."""
    try:
        blob, kinds = encode_points(head)
    except (TypeError, ValueError, OverflowError, AttributeError):
        return None
    kind_arr = plan.kinds.copy()
    kind_arr[: len(kinds)] = kinds
    buf = np.frombuffer(blob + proof, dtype=np.uint8)
    pts, inf, bad = load_points(buf, plan.offsets, kind_arr)
    if bad >= 0:
        return None
    return blob, pts, inf


def read_scalars(
    plan: Plan, proof: bytes, names: Sequence[str], count: int, canonical: bool = True
) -> list[int] | None:
    """The scalar fields ``names`` (single scalars, or ``count`` items of one field).

    None when ``canonical`` and one is not below Q.
    """
    by = plan.byte
    if count:
        base = by[names[0]]
        offs = [base + 32 * k for k in range(count)]
    else:
        offs = [by[name] for name in names]
    out = [int.from_bytes(proof[o : o + 32], "big") for o in offs]
    if canonical and any(v >= Q for v in out):
        return None
    return out


def fold(checks: Sequence[Fused], weights: Sequence[int]) -> Fused:
    """``Σ weights[i]·checks[i]`` as one check (variable points concatenated)."""
    fixed = [0] * len(checks[0].fixed)
    scalars: list[int] = []
    for check, wt in zip(checks, weights, strict=True):
        for j, k in enumerate(check.fixed):
            fixed[j] += k * wt
        scalars.extend(k * wt % Q for k in check.scalars)
    pts = np.concatenate([c.pts for c in checks])
    inf = np.concatenate([c.inf for c in checks])
    return Fused([k % Q for k in fixed], pts, inf, scalars, b"")
