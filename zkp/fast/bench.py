"""Micro-benchmark of the fast MSMs, for the ``zkp`` suite of ``drex-bench``.

Inputs are deterministic (points k*G, scalars from SHA-256 of a counter), and
every kernel is warmed before timing, so compilation never lands in a figure.
The clock is ``timeit.default_timer``: this module is a benchmark, not
verification code, and nothing it measures feeds a verdict.
"""

from __future__ import annotations

import hashlib
import timeit
from collections.abc import Callable

from zkp.fast.field import R_INT
from zkp.fast.msm import FixedBaseMSM, Point, msm, msm_mixed, variable_window, warm_up

SIZES = (16, 64, 150, 300)
_G: Point = (1, 2)


def _scalar(i: int) -> int:
    return int.from_bytes(hashlib.sha256(b"drex-bench-msm" + i.to_bytes(8, "big")).digest()) % R_INT


def _points(n: int) -> list[Point]:
    one = FixedBaseMSM([_G])
    return [one([_scalar(10_000 + i)]) for i in range(n)]


def _ms_per_call(fn: Callable[[], object], repeats: int) -> float:
    fn()
    best = float("inf")
    for _ in range(max(1, repeats)):
        start = timeit.default_timer()
        fn()
        best = min(best, timeit.default_timer() - start)
    return best * 1000.0


def _reference_ms(pts: list[Point], ks: list[int]) -> float:
    """One naive py-ecc sum of multiplications (the reference's way), in ms."""
    from py_ecc.fields import optimized_bn128_FQ as FQ
    from py_ecc.optimized_bn128.optimized_curve import Z1, add, multiply

    def run() -> None:
        acc = Z1
        for pt, k in zip(pts, ks, strict=True):
            if pt is not None:
                acc = add(acc, multiply((FQ(pt[0]), FQ(pt[1]), FQ(1)), k))

    return _ms_per_call(run, 1)


def measure(n_points: int, repeats: int, reference: bool = False) -> dict[str, float | int]:
    """Best-of-``repeats`` milliseconds per MSM of ``n_points`` terms.

    Keys: ``variable_ms`` (``msm`` on variable points), ``fixed_ms`` (a
    ``FixedBaseMSM`` call, table built beforehand), ``mixed_ms`` (``msm_mixed`` with
    n fixed and n/8 variable terms), plus the window widths used.  With
    ``reference`` also ``py_ecc_ms``: the same MSM as a naive py-ecc sum (slow).
    """
    warm_up()
    pts = _points(n_points)
    ks = [_scalar(i) for i in range(n_points)]
    fixed = FixedBaseMSM(pts)
    nvar = max(1, n_points // 8)
    result: dict[str, float | int] = {
        "n_points": n_points,
        "repeats": repeats,
        "variable_ms": _ms_per_call(lambda: msm(pts, ks), repeats),
        "fixed_ms": _ms_per_call(lambda: fixed(ks), repeats),
        "mixed_ms": _ms_per_call(lambda: msm_mixed(fixed, ks, pts[:nvar], ks[:nvar]), repeats),
        "variable_window": variable_window(n_points),
        "fixed_window": fixed.window,
    }
    if reference:
        result["py_ecc_ms"] = _reference_ms(pts, ks)
    return result


def measure_all(repeats: int = 5, reference: bool = False) -> list[dict[str, float | int]]:
    """``measure`` for every size in ``SIZES``."""
    return [measure(n, repeats, reference) for n in SIZES]


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(measure_all(reference="--reference" in sys.argv), indent=1))
