"""Public multi-scalar multiplication API of the numba fast path.

Every function takes and returns affine points with plain integer coordinates
(``Point = tuple[int, int] | None``, ``None`` being the point at infinity) and
arbitrary Python int scalars (reduced mod the group order r).  Coordinates must
be ints in ``[0, p)``; anything else raises ``ValueError``.  The MSM does not
check that points lie on the curve: callers holding points from outside run
``validate_points`` first (BN254 G1 has cofactor 1, so on-curve means in-group).
Results never depend on whether ``warm_up`` ran.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zkp.fast.convert import (
    Arr,
    Flags,
    Point,
    jac_to_plain_affine,
    points_to_raw,
    raw_to_mont,
    scalars_to_limbs,
)
from zkp.fast.field import P_INT, limbs_to_int
from zkp.fast.pippenger import (
    build_table,
    msm_fixed,
    msm_fused,
    msm_variable,
    num_windows,
    recode_signed,
)

__all__ = [
    "FixedBaseMSM",
    "Point",
    "is_on_curve",
    "msm",
    "msm_mixed",
    "validate_points",
    "variable_window",
    "warm_up",
]

_EMPTY_PTS = np.zeros((0, 8), dtype=np.uint64)
_EMPTY_INF = np.zeros(0, dtype=np.uint8)


def _cost(n: int, c: int, doublings: bool) -> int:
    """Relative cost of a bucket MSM in mixed-add units (full add ~1.5, double ~0.7)."""
    nwin = num_windows(c)
    per_window = n + 3 * (1 << (c - 1))
    return nwin * per_window + (180 if doublings else 0)


def _straus_cost(n: int, c: int) -> float:
    """Relative cost of Straus: shared doublings, one add per digit, tables, one inversion.

    The factors are fitted to measurements (ADR 0041): Straus wins below ~80 points.
    """
    return 220 + 1.1 * n * num_windows(c) + 1.6 * n * (1 << (c - 1))


def variable_plan(n: int) -> tuple[int, bool]:
    """(window c, use Straus) minimising the modelled cost of a variable-base MSM of n points."""
    plans: list[tuple[float, int, bool]] = [(_cost(n, c, True), c, False) for c in range(2, 17)]
    plans += [(_straus_cost(n, c), c, True) for c in range(2, 7)]
    _, c, use_straus = min(plans)
    return c, use_straus


def variable_window(n: int) -> int:
    """Window width c of the variable-base MSM of n points."""
    return variable_plan(n)[0]


def fixed_window(n: int) -> int:
    """Default window width for a fixed-base table over n bases."""
    return min(range(2, 14), key=lambda c: _cost(n * num_windows(c), c, False) // num_windows(c))


def _prepare(points: Sequence[Point], check_curve: bool) -> tuple[Arr, Flags]:
    raw, inf = points_to_raw(points)
    pts, bad = raw_to_mont(raw, inf, check_curve)
    if bad >= 0:
        raise ValueError(f"point {int(bad)} has a coordinate >= p or is not on the curve")
    return pts, inf


def _to_point(acc: Arr) -> Point:
    out = np.zeros((2, 8), dtype=np.uint64)
    if jac_to_plain_affine(acc, out):
        return None
    return limbs_to_int(out[0]), limbs_to_int(out[1])


def is_on_curve(point: Point) -> bool:
    """True for None (infinity) or ints 0 <= x, y < p with y**2 = x**3 + 3 mod p."""
    if point is None:
        return True
    try:
        x, y = point
    except (TypeError, ValueError):
        return False
    if not (isinstance(x, int) and isinstance(y, int)) or not (0 <= x < P_INT and 0 <= y < P_INT):
        return False
    return (y * y - x * x * x - 3) % P_INT == 0


def validate_points(points: Sequence[Point]) -> bool:
    """True when every point is None or canonical and on the curve (checked in one kernel)."""
    if len(points) == 0:
        return True
    try:
        raw, inf = points_to_raw(points)
    except ValueError:
        return False
    _, bad = raw_to_mont(raw, inf, True)
    return bool(bad < 0)


def msm(
    points: Sequence[Point],
    scalars: Sequence[int],
    window: int | None = None,
    straus: bool | None = None,
) -> Point:
    """sum_i scalars[i] * points[i].

    By default the algorithm (Straus for few points, the bucket method for many)
    and the window width are chosen from n; ``window`` (2..16, Straus 2..8) and
    ``straus`` override them, for tests and tuning.
    """
    if len(points) != len(scalars):
        raise ValueError("points and scalars differ in length")
    c, use_straus = variable_plan(len(points))
    if straus is not None:
        use_straus = straus
    if window is not None:
        c = window
    if not 2 <= c <= (8 if use_straus else 16):
        raise ValueError("window out of range")
    if len(points) == 0:
        return None
    pts, inf = _prepare(points, False)
    digits = recode_signed(scalars_to_limbs(scalars), c, num_windows(c))
    acc = np.empty((3, 8), dtype=np.uint64)
    msm_variable(pts, inf, digits, c, use_straus, acc)
    return _to_point(acc)


class FixedBaseMSM:
    """MSM over a fixed list of bases with a precomputed table of 2**(c*k) * B_i.

    Build once per process (e.g. for g, h, gs[..], hs[..]) and call many times;
    the instance is read-only after construction and safe to share between threads.
    """

    def __init__(self, bases: Sequence[Point], window: int | None = None) -> None:
        """Validate ``bases`` (ValueError if one is off the curve) and build the table."""
        c = fixed_window(len(bases)) if window is None else window
        if not 2 <= c <= 16:
            raise ValueError("window must be in [2, 16]")
        self.bases: tuple[Point, ...] = tuple(bases)
        self.window = c
        self.nwin = num_windows(c)
        pts, inf = _prepare(self.bases, True) if bases else (_EMPTY_PTS, _EMPTY_INF)
        self._inf = inf
        self._table = build_table(pts, inf, c, self.nwin)

    def __len__(self) -> int:
        return len(self.bases)

    def digits(self, scalars: Sequence[int]) -> np.typing.NDArray[np.int64]:
        """Signed digits of ``scalars`` (at most len(self) of them; missing ones are 0)."""
        if len(scalars) > len(self.bases):
            raise ValueError("more scalars than fixed bases")
        limbs = np.zeros((len(self.bases), 8), dtype=np.uint64)
        limbs[: len(scalars)] = scalars_to_limbs(scalars)
        return recode_signed(limbs, self.window, self.nwin)

    def __call__(self, scalars: Sequence[int]) -> Point:
        """sum_i scalars[i] * bases[i]; scalars may be shorter than the bases."""
        acc = np.empty((3, 8), dtype=np.uint64)
        msm_fixed(self._table, self._inf, self.digits(scalars), self.window, acc)
        return _to_point(acc)


def msm_mixed(
    fixed: FixedBaseMSM,
    fixed_scalars: Sequence[int],
    var_points: Sequence[Point],
    var_scalars: Sequence[int],
) -> Point:
    """fixed(fixed_scalars) + msm(var_points, var_scalars) in one fused kernel call."""
    if len(var_points) != len(var_scalars):
        raise ValueError("var_points and var_scalars differ in length")
    tdigits = fixed.digits(fixed_scalars)
    if var_points:
        pts, inf = _prepare(var_points, False)
    else:
        pts, inf = _EMPTY_PTS, _EMPTY_INF
    c, use_straus = variable_plan(len(var_points))
    pdigits = recode_signed(scalars_to_limbs(var_scalars), c, num_windows(c))
    acc = np.empty((3, 8), dtype=np.uint64)
    msm_fused(
        fixed._table, fixed._inf, tdigits, fixed.window, pts, inf, pdigits, c, use_straus, acc
    )
    return _to_point(acc)


def warm_up() -> None:
    """Compile (or load from the on-disk cache) every kernel by running each once."""
    g = (1, 2)
    g2 = (
        1368015179489954701390400359078579693043519447331113978918064868415326638035,
        9918110051302171585080402603319702774565515993150576347155970296011118125764,
    )
    fb = FixedBaseMSM([g, None, g2], window=4)
    fb([1, 0, 5])
    msm([g, None, g2, g], [3, 1, 0, -3])
    msm_mixed(fb, [2], [g2], [7])
    validate_points([g, None])
