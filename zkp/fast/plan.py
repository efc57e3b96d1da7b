"""Choice of MSM algorithm and window width from a small cost model (ADR 0041).

Costs are in units of one mixed addition; a full Jacobian addition counts ~1.5
and the ~255 doublings of a variable-base MSM ~180.  The Straus factors are
fitted to measurements on the development machine.
"""

from __future__ import annotations

from zkp.fast.pippenger import num_windows


def bucket_cost(n: int, c: int, doublings: bool) -> float:
    """Bucket method: per window n additions plus ~2 * 2**(c-1) full additions."""
    return num_windows(c) * (n + 3 * (1 << (c - 1))) + (180 if doublings else 0)


def straus_cost(n: int, c: int) -> float:
    """Straus: shared doublings, one addition per digit, per-point tables, one inversion."""
    return 220 + 1.1 * n * num_windows(c) + 1.6 * n * (1 << (c - 1))


def variable_plan(n: int) -> tuple[int, bool]:
    """(window c, use Straus) minimising the modelled cost of a variable-base MSM of n points.

    Straus wins below ~80 points, the bucket method above.
    """
    plans = [(bucket_cost(n, c, True), c, False) for c in range(2, 17)]
    plans += [(straus_cost(n, c), c, True) for c in range(2, 7)]
    _, c, use_straus = min(plans)
    return c, use_straus


def variable_window(n: int) -> int:
    """Window width c of the variable-base MSM of n points."""
    return variable_plan(n)[0]


def fixed_window(n: int) -> int:
    """Default window width of a fixed-base table over n bases (one bucket pass)."""
    return min(range(2, 14), key=lambda c: bucket_cost(n * num_windows(c), c, False))
