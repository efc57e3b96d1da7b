"""Choice of MSM algorithm and window width from a small cost model (ADR 0041, 0042).

Costs are in units of one mixed Jacobian addition (~11 multiplications); a full
Jacobian addition counts ~1.5, the ~255 doublings of a variable-base MSM ~180, a
batch-affine addition ~0.65 plus its share of one inversion (~35) per batch.  The
factors are fitted to measurements on the development machine.
"""

from __future__ import annotations

from functools import lru_cache

from zkp.fast.batch_affine import MAX_BATCH
from zkp.fast.pippenger import (
    METHOD_AFFINE,
    METHOD_BUCKETS,
    METHOD_GLV,
    METHOD_STRAUS,
    num_windows,
)

METHODS = {
    "buckets": METHOD_BUCKETS,
    "straus": METHOD_STRAUS,
    "batch-affine": METHOD_AFFINE,
    "straus-glv": METHOD_GLV,
}
MAX_WINDOW = {METHOD_BUCKETS: 16, METHOD_STRAUS: 8, METHOD_AFFINE: 16, METHOD_GLV: 8}


def bucket_cost(n: int, c: int, doublings: bool) -> float:
    """Bucket method: per window n additions plus ~2 * 2**(c-1) full additions."""
    return num_windows(c) * (n + 3 * (1 << (c - 1))) + (180 if doublings else 0)


def affine_cost(n: int, c: int, doublings: bool, nsets: int) -> float:
    """Batch-affine buckets: cheap additions, inversions per batch, bucket reduction.

    With ``nsets > 1`` (variable bases) the buckets are reduced by bit sums
    (ADR 0046): per window ``Σ popcount(1..nb) - c`` batch-affine additions plus a
    Horner step; a single set (fixed bucket table) uses Jacobian running sums.
    """
    nb = 1 << (c - 1)
    adds = num_windows(c) * n
    batch = min(MAX_BATCH, max(1, nsets * nb // 2))
    if nsets > 1:
        bits = sum(bin(v).count("1") for v in range(1, nb + 1))
        sums = nsets * (0.6 * (bits - c) + 2.0 * c)
    else:
        sums = nb * 2.5
    return 0.65 * adds + 35 * (adds / batch + 1) + sums + (180 if doublings else 0)


def straus_cost(n: int, w: int) -> float:
    """Straus with width-w NAF: shared doublings, ~255/(w+1) additions per point,
    2**(w-2) table entries per point (full additions), one inversion."""
    return 220 + 1.1 * n * 255 / (w + 1) + 2.0 * n * (1 << (w - 2))


def glv_cost(n: int, w: int) -> float:
    """Straus over 2n half-length scalars (GLV): half the doublings, same additions,
    plus the Python decomposition (~1-3 us per scalar)."""
    return 130 + 1.1 * 2 * n * 128 / (w + 1) + 2.0 * n * (1 << (w - 2)) + 2 * n


@lru_cache(maxsize=4096)
def variable_plan(n: int) -> tuple[int, int]:
    """(window c, method) minimising the modelled cost of a variable-base MSM of n points."""
    plans = [(bucket_cost(n, c, True), c, METHOD_BUCKETS) for c in range(2, 17)]
    plans += [(affine_cost(n, c, True, num_windows(c)), c, METHOD_AFFINE) for c in range(2, 17)]
    plans += [(straus_cost(n, c), c, METHOD_STRAUS) for c in range(2, 9)]
    plans += [(glv_cost(n, c), c, METHOD_GLV) for c in range(2, 9)]
    _, c, method = min(plans)
    return c, method


def variable_window(n: int) -> int:
    """Window width c of the variable-base MSM of n points."""
    return variable_plan(n)[0]


@lru_cache(maxsize=256)
def fixed_plan(n: int) -> tuple[int, bool]:
    """(window c, batch-affine) for a fixed-base table over n bases (one bucket pass)."""
    plans = [(bucket_cost(n * num_windows(c), c, False), c, False) for c in range(2, 14)]
    plans += [(affine_cost(n, c, False, 1), c, True) for c in range(2, 14)]
    _, c, affine = min(plans)
    return c, affine
