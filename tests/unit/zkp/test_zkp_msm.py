"""The reference MSM against scalar-multiply-and-add, and its edge cases."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkp.msm import Point, naive_msm, reference_msm
from zkp.reference import generators as gen
from zkp.reference.curve import add, mul, neg
from zkp.reference.field import Q

POINTS: list[Point] = [gen.g(), gen.h(), *gen.gs()[:6], None, neg(gen.g())]
scalars = st.one_of(st.integers(0, (1 << 256) - 1), st.sampled_from([0, 1, 2, Q - 1, Q, Q + 1]))


@settings(max_examples=30)
@given(st.lists(st.tuples(st.sampled_from(POINTS), scalars), min_size=0, max_size=40))
def test_reference_matches_naive(terms: list[tuple[Point, int]]) -> None:
    pts = [p for p, _ in terms]
    ks = [k for _, k in terms]
    assert reference_msm(pts, ks) == naive_msm(pts, ks)


def test_edge_cases() -> None:
    g = gen.g()
    assert reference_msm([], []) is None
    assert reference_msm([g, neg(g)], [5, 5]) is None
    assert reference_msm([g, g], [3, 4]) == mul(g, 7)
    assert reference_msm([None, g], [9, 1]) == g
    assert reference_msm([g], [Q]) is None
    assert add(mul(g, 3), mul(g, 4)) == mul(g, 7)
    with pytest.raises(ValueError):
        reference_msm([g], [1, 2])
