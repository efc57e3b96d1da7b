"""Differential tests: zkp.fast.curve Jacobian formulas against py_ecc.optimized_bn128."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc import optimized_bn128 as bn

from zkp.fast import curve as C
from zkp.fast import field as F

P = F.P_INT
R = 1 << 256
RINV = pow(R, -1, P)
Affine = tuple[int, int] | None

scalars = st.one_of(st.integers(1, bn.curve_order - 1), st.integers(1, 50))


def affine(k: int) -> Affine:
    pt = bn.normalize(bn.multiply(bn.G1, k % bn.curve_order))
    if k % bn.curve_order == 0:
        return None
    return int(pt[0]), int(pt[1])


def mont(x: int) -> F.Fe:
    return F.int_to_fe(x * R % P)


def to_jac(pt: Affine, zfactor: int = 1) -> C.Jac:
    """A Jacobian representative (x z^2, y z^3, z) with an arbitrary z, or infinity."""
    if pt is None:
        return (mont(1), mont(1), mont(0))
    x, y = pt
    z = zfactor % P or 1
    return (mont(x * z * z % P), mont(y * z * z * z % P), mont(z))


def from_jac(j: tuple[tuple[int, ...], ...]) -> Affine:
    x, y, z = (F.limbs_to_int(np.array(c, dtype=np.uint64)) * RINV % P for c in j)
    if z == 0:
        return None
    zi = pow(z, -1, P)
    return x * zi * zi % P, y * zi * zi * zi % P


def ref_add(a: Affine, b: Affine) -> Affine:
    def lift(p: Affine) -> tuple[bn.FQ, bn.FQ, bn.FQ]:
        return bn.Z1 if p is None else (bn.FQ(p[0]), bn.FQ(p[1]), bn.FQ(1))

    s = bn.add(lift(a), lift(b))
    if bn.is_inf(s):
        return None
    n = bn.normalize(s)
    return int(n[0]), int(n[1])


def neg(pt: Affine) -> Affine:
    return None if pt is None else (pt[0], (-pt[1]) % P)


@settings(max_examples=25)
@given(scalars, scalars, st.integers(1, P - 1), st.integers(1, P - 1))
def test_add_double_match_py_ecc(a: int, b: int, za: int, zb: int) -> None:
    pa, pb = affine(a), affine(b)
    assert from_jac(C.jac_add(to_jac(pa, za), to_jac(pb, zb))) == ref_add(pa, pb)
    assert from_jac(C.jac_double(to_jac(pa, za))) == ref_add(pa, pa)
    assert pb is not None
    mx, my = mont(pb[0]), mont(pb[1])
    assert from_jac(C.jac_add_affine(to_jac(pa, za), mx, my)) == ref_add(pa, pb)


@settings(max_examples=10)
@given(scalars, st.integers(1, P - 1), st.integers(1, P - 1))
def test_edge_cases(k: int, z1: int, z2: int) -> None:
    pt = affine(k)
    assert pt is not None
    inf = to_jac(None)
    twice = ref_add(pt, pt)
    # P + P through the addition formulas (different Z) takes the doubling branch.
    assert from_jac(C.jac_add(to_jac(pt, z1), to_jac(pt, z2))) == twice
    assert from_jac(C.jac_add_affine(to_jac(pt, z1), mont(pt[0]), mont(pt[1]))) == twice
    # P + (-P) is infinity.
    ng = neg(pt)
    assert ng is not None
    assert from_jac(C.jac_add(to_jac(pt, z1), to_jac(ng, z2))) is None
    assert from_jac(C.jac_add_affine(to_jac(pt, z1), mont(ng[0]), mont(ng[1]))) is None
    # Infinity is the identity and doubles to itself.
    assert from_jac(C.jac_add(inf, to_jac(pt, z1))) == pt
    assert from_jac(C.jac_add(to_jac(pt, z1), inf)) == pt
    assert from_jac(C.jac_add(inf, inf)) is None
    assert from_jac(C.jac_double(inf)) is None
    assert from_jac(C.jac_add_affine(inf, mont(pt[0]), mont(pt[1]))) == pt
    assert from_jac(C.jac_neg(to_jac(pt, z1))) == ng


@settings(max_examples=20)
@given(scalars, st.integers(1, P - 1))
def test_to_affine_and_on_curve(k: int, z: int) -> None:
    pt = affine(k)
    assert pt is not None
    x, y = C.jac_to_affine(to_jac(pt, z))
    back = tuple(F.limbs_to_int(np.array(c, dtype=np.uint64)) * RINV % P for c in (x, y))
    assert back == pt
    assert C.on_curve(mont(pt[0]), mont(pt[1]))
    assert not C.on_curve(mont(pt[0]), mont((pt[1] + 1) % P))


@settings(max_examples=20)
@given(scalars, st.integers(0, 1 << 20), st.integers(1, P - 1))
def test_mul_small(k: int, m: int, z: int) -> None:
    pt = affine(k)
    want = affine(k * m) if m else None
    assert from_jac(C.jac_mul_small(to_jac(pt, z), m)) == want
    assert from_jac(C.jac_mul_small(to_jac(None), m)) is None
