"""The multi-scalar-multiplication seam shared by the reference and fast backends.

A :data:`Point` is an affine BN254 G1 point as Python integers, ``None`` being the
point at infinity. Every verifier takes an :class:`MSM`; the reference one below runs
on py-ecc, ``zkp.fast.msm.msm`` on numba kernels. Both must return the same point.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from py_ecc.fields import optimized_bn128_FQ as FQ
from py_ecc.optimized_bn128 import optimized_curve as oc

Point = tuple[int, int] | None

_Jac = tuple[FQ, FQ, FQ]
_CURVE_ORDER: int = oc.curve_order


Jobs = Sequence[tuple[Sequence[Point], Sequence[int]]]
Many = Callable[[Jobs], list[Point]]


class MSM(Protocol):
    """Computes ``sum(scalars[i] * points[i])``; scalars are any non-negative ints."""

    def __call__(self, points: Sequence[Point], scalars: Sequence[int]) -> Point:
        """Return the multi-scalar product as an affine point (``None`` = infinity)."""
        ...


def _to_jac(p: tuple[int, int]) -> _Jac:
    return (FQ(p[0]), FQ(p[1]), FQ(1))


def _from_jac(p: _Jac) -> Point:
    if oc.is_inf(p):
        return None
    x, y = oc.normalize(p)
    return (int(x), int(y))


def _window(n: int) -> int:
    if n < 4:
        return 1
    if n < 32:
        return 3
    if n < 128:
        return 4
    if n < 512:
        return 5
    return 6


_SMALL = 2


def _small_msm(points: Sequence[Point], scalars: Sequence[int]) -> Point:
    """One or two terms: integer double-and-add per term (cheaper than py-ecc objects)."""
    from zkp.reference.curve import add, mul  # zkp.reference.curve imports this module

    acc: Point = None
    for p, s in zip(points, scalars, strict=True):
        acc = add(acc, mul(p, s))
    return acc


def reference_msm(points: Sequence[Point], scalars: Sequence[int]) -> Point:
    """Pippenger bucket method over py-ecc's Jacobian ``add``/``double`` (the readable spec).

    One or two terms (single multiplications in the provers, FFT butterflies) use the
    integer double-and-add of :mod:`zkp.reference.curve` instead.
    """
    if len(points) != len(scalars):
        raise ValueError("points and scalars differ in length")
    terms = [(p, s % _CURVE_ORDER) for p, s in zip(points, scalars, strict=True) if p]
    terms = [(p, s) for p, s in terms if s]
    if not terms:
        return None
    if len(terms) <= _SMALL:
        return _small_msm([p for p, _ in terms], [s for _, s in terms])
    pairs = [(_to_jac(p), s) for p, s in terms if p]
    c = _window(len(pairs))
    mask = (1 << c) - 1
    nwin = (256 + c - 1) // c
    acc: _Jac = oc.Z1
    for win in reversed(range(nwin)):
        for _ in range(c):
            acc = oc.double(acc)
        buckets: list[_Jac | None] = [None] * (mask + 1)
        shift = win * c
        for p, s in pairs:
            d = (s >> shift) & mask
            if d:
                b = buckets[d]
                buckets[d] = p if b is None else oc.add(b, p)
        running: _Jac = oc.Z1
        total: _Jac = oc.Z1
        for d in range(mask, 0, -1):
            b = buckets[d]
            if b is not None:
                running = oc.add(running, b)
            total = oc.add(total, running)
        acc = oc.add(acc, total)
    return _from_jac(acc)


def naive_msm(points: Sequence[Point], scalars: Sequence[int]) -> Point:
    """Scalar-multiply-and-add, one term at a time (differential oracle for tests)."""
    acc: _Jac = oc.Z1
    for p, s in zip(points, scalars, strict=True):
        if p is not None and s % _CURVE_ORDER:
            acc = oc.add(acc, oc.multiply(_to_jac(p), s % _CURVE_ORDER))
    return _from_jac(acc)


def many_of(msm: MSM) -> Many:
    """Several independent MSMs: the backend's batched ``many`` if it has one, else a loop."""
    batched: Many | None = getattr(msm, "many", None)
    if batched is not None:
        return batched
    return lambda jobs: [msm(list(p), list(k)) for p, k in jobs]
