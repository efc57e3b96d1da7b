"""zkp.fast.points helpers against py_ecc.optimized_bn128."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc import optimized_bn128 as bn

from zkp.fast import from_py_ecc, is_on_curve, point_add, point_neg, to_py_ecc
from zkp.fast.field import P_INT
from zkp.fast.msm import Point

small = st.integers(0, 40)


def pt(k: int) -> Point:
    return from_py_ecc(bn.multiply(bn.G1, k))


@settings(max_examples=20)
@given(small, small)
def test_add_and_neg_match_py_ecc(a: int, b: int) -> None:
    pa, pb = pt(a), pt(b)
    assert point_add(pa, pb) == pt(a + b)
    assert point_add(pa, pa) == pt(2 * a)
    assert point_add(pa, point_neg(pa)) is None
    assert point_neg(pa) == from_py_ecc(bn.neg(bn.multiply(bn.G1, a)))
    assert is_on_curve(point_add(pa, pb))


def test_conversions_round_trip() -> None:
    for k in (0, 1, 5, bn.curve_order - 1):
        p = pt(k)
        assert from_py_ecc(to_py_ecc(p)) == p
        assert bn.eq(to_py_ecc(p), bn.multiply(bn.G1, k))
    assert pt(0) is None and pt(1) == (1, 2)
    projective = (bn.FQ(3), bn.FQ(6), bn.FQ(3))  # py-ecc: x = X / Z, y = Y / Z
    assert from_py_ecc(projective) == (1, 2)
    assert from_py_ecc((bn.FQ(5), bn.FQ(7), bn.FQ(P_INT))) is None
