"""Prover building blocks shared by compat and hardened modes (wallet side).

Pedersen vector commitments, the Bulletproofs range-proof polynomials and the
inner-product argument prover, following the reference client's algebra. Every group
operation goes through an :class:`~zkp.msm.MSM` backend (py-ecc by default; the fast
backend with generator tables gives the same points, hence the same proofs; ADR 0050).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkp.msm import MSM, Point, many_of, reference_msm
from zkp.reference import generators as gen
from zkp.reference.field import Q, batch_inv, inv, powers
from zkp.reference.rng import Rng
from zkp.reference.transcript import hash_scalar


def scale(pt: Point, k: int, msm: MSM = reference_msm) -> Point:
    """``k·pt``."""
    return msm([pt], [k])


def vector_commit(
    gv: Sequence[int], hv: Sequence[int], blind: int, msm: MSM = reference_msm
) -> Point:
    """``blind·h + Σ gv[i]·gs[i] + Σ hv[i]·hs[i]``."""
    gs, hs = gen.gs(), gen.hs()
    pts: list[Point] = [gen.h(), *gs[: len(gv)], *hs[: len(hv)]]
    return msm(pts, [blind, *gv, *hv])


def pedersen(value: int, blind: int, msm: MSM = reference_msm) -> Point:
    """``value·g + blind·h``."""
    return msm([gen.g(), gen.h()], [value, blind])


def bits(number: int, n: int) -> list[int]:
    """Little-endian bits of ``number``."""
    return [(number >> i) & 1 for i in range(n)]


@dataclass
class RangeCommit:
    """First move of the aggregated range proof (BA, BS) and its secrets."""

    aL: list[int]
    aR: list[int]
    sL: list[int]
    sR: list[int]
    alpha: int
    rho: int
    BA: Point
    BS: Point


def range_commit(number: int, n: int, rng: Rng, msm: MSM = reference_msm) -> RangeCommit:
    """Commit to the bits of ``number`` (n = 64 for transfers, 32 for burns)."""
    aL = bits(number, n)
    aR = [(b - 1) % Q for b in aL]
    sL = [rng.scalar() for _ in range(n)]
    sR = [rng.scalar() for _ in range(n)]
    alpha, rho = rng.scalar(), rng.scalar()
    return RangeCommit(
        aL, aR, sL, sR, alpha, rho,
        vector_commit(aL, aR, alpha, msm), vector_commit(sL, sR, rho, msm),
    )  # fmt: skip


@dataclass
class RangePolys:
    """``l(X) = l0 + l1 X``, ``r(X) = r0 + r1 X`` and ``t(X)`` coefficients."""

    l0: list[int]
    l1: list[int]
    r0: list[int]
    r1: list[int]
    t: tuple[int, int, int]


def range_polys(rc: RangeCommit, ys: Sequence[int], twos: Sequence[int], z: int) -> RangePolys:
    """The range proof's vector polynomials for challenges ``y`` (as ``ys``) and ``z``."""
    n = len(ys)
    l0 = [(a - z) % Q for a in rc.aL]
    l1 = list(rc.sL)
    r0 = [(ys[i] * (rc.aR[i] + z) + twos[i]) % Q for i in range(n)]
    r1 = [rc.sR[i] * ys[i] % Q for i in range(n)]

    def ip(u: Sequence[int], v: Sequence[int]) -> int:
        return sum(a * b for a, b in zip(u, v, strict=True)) % Q

    t = (ip(l0, r0), (ip(l0, r1) + ip(l1, r0)) % Q, ip(l1, r1))
    return RangePolys(l0, l1, r0, r1, t)


def evaluate(p0: Sequence[int], p1: Sequence[int], x: int) -> list[int]:
    """``p0 + x·p1``."""
    return [(a + x * b) % Q for a, b in zip(p0, p1, strict=True)]


@dataclass
class IPProof:
    """Inner-product argument: ``L``, ``R`` per round and final scalars."""

    L: tuple[Point, ...]
    R: tuple[Point, ...]
    a: int
    b: int


def prove_inner_product(
    as_: Sequence[int], bs: Sequence[int], ys: Sequence[int], o: int, msm: MSM = reference_msm
) -> IPProof:
    """Prove ``<as, bs>`` against ``gs``, ``hs[i]/ys[i]`` and ``u = o·h`` (salt ``o``).

    Each round's generator folding is one batch of two-term MSMs (``many_of(msm)``).
    """
    n = len(as_)
    many = many_of(msm)
    gs: list[Point] = list(gen.gs()[:n])
    ys_inv = batch_inv(list(ys))
    hs: list[Point] = many([([p], [ys_inv[i]]) for i, p in enumerate(gen.hs()[:n])])
    u = scale(gen.h(), o, msm)
    a, b = list(as_), list(bs)
    Ls: list[Point] = []
    Rs: list[Point] = []
    prev = o
    while n > 1:
        k = n // 2
        cL = sum(a[i] * b[k + i] for i in range(k)) % Q
        cR = sum(a[k + i] * b[i] for i in range(k)) % Q
        L = msm([*gs[k:], *hs[:k], u], [*a[:k], *b[k:], cL])
        R = msm([*gs[:k], *hs[k:], u], [*a[k:], *b[:k], cR])
        Ls.append(L)
        Rs.append(R)
        x = hash_scalar(prev, L, R)
        prev = x
        xi = inv(x)
        folded = many(
            [([gs[i], gs[k + i]], [xi, x]) for i in range(k)]
            + [([hs[i], hs[k + i]], [x, xi]) for i in range(k)]
        )
        gs, hs = folded[:k], folded[k:]
        a = [(a[i] * x + a[k + i] * xi) % Q for i in range(k)]
        b = [(b[i] * xi + b[k + i] * x) % Q for i in range(k)]
        n = k
    return IPProof(tuple(Ls), tuple(Rs), a[0], b[0])


def poly_coefficients(a: Sequence[int], b: Sequence[int], m: int) -> list[list[int]]:
    """``P[k][i]``: coefficient of ``X^k`` (k < m) in ``Π_t (bit_t(i) ? a_t + b_t X : -a_t + (1-b_t) X)``."""
    n = 1 << m
    out = [[0] * n for _ in range(m)]
    for i in range(n):
        poly = [1]
        for t in range(m):
            if (i >> t) & 1:
                c0, c1 = a[t], b[t]
            else:
                c0, c1 = (-a[t]) % Q, (1 - b[t]) % Q
            nxt = [0] * (len(poly) + 1)
            for d, coef in enumerate(poly):
                nxt[d] = (nxt[d] + coef * c0) % Q
                nxt[d + 1] = (nxt[d + 1] + coef * c1) % Q
            poly = nxt
        for k in range(m):
            out[k][i] = poly[k]
    return out


def weighted_sum(points: Sequence[Point], coeffs: Sequence[int], msm: MSM = reference_msm) -> Point:
    """MSM shortcut used by the provers."""
    return msm(list(points), list(coeffs))


def scalar_powers(base: int, n: int) -> list[int]:
    """Re-export of ``powers`` for prover modules."""
    return powers(base, n)
