"""A fast verifier's fused check: generator coefficients plus loaded variable points.

:class:`Fused` is the flattened form of a reference ``PreparedCheck``: one
coefficient per generator of the per-process table (``g, h, gs[..], hs[..]``) and
one per variable point, the points already in Montgomery limbs. ``holds`` runs
the single MSM (ADR 0045).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from zkp.fast.algebra import IpParts
from zkp.fast.backend import fast_backend
from zkp.fast.layout import Plan
from zkp.fast.loader import encode_points, load_points
from zkp.fast.msm import mixed_is_identity
from zkp.fast.scalar_kernels import Words, ip_generator_scalars, to_words
from zkp.reference.field import Q

Arr = npt.NDArray[np.uint64]
Flags = npt.NDArray[np.uint8]
Point = tuple[int, int] | None


@dataclass
class Fused:
    """``Σ fixed[j]·G_j + Σ scalars[i]·P_i`` must be the identity."""

    fixed: Words
    pts: Arr
    inf: Flags
    scalars: list[int]

    def holds(self) -> bool:
        """Evaluate the check with one fused MSM."""
        return mixed_is_identity(fast_backend().table, self.fixed, self.pts, self.inf, self.scalars)


def generator_words(
    g: int, h: int, ip: IpParts, a: int, b: int, z: int, weight: int,
    f1: Sequence[int], f0: Sequence[int], m: int,
) -> Words:  # fmt: skip
    """The (130, 4) coefficient words of ``g, h, gs[..], hs[..]``: ``g``, ``h`` as given,
    ``weight`` times the inner-product terms (``scalar_kernels``) and the recovery
    equation's ``-f1``, ``-f1·f0`` terms (weight 1) on ``gs/hs[0..2m+1]``."""
    adjust = {k: f1[k] for k in range(2 * m)}
    for k in range(2 * m):
        adjust[64 + k] = f1[k] * f0[k]
    adjust[64 + 2 * m] = f1[0] * f1[m]
    adjust[64 + 2 * m + 1] = f0[0] * f0[m]
    gens = ip_generator_scalars(
        64, ip.s0, a % Q, b % Q, z, ip.y_inv, weight % Q, ip.squares, adjust
    )
    return np.concatenate([to_words([g % Q, h % Q]), gens])


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
