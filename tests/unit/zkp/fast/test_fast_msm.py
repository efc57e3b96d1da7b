"""Differential tests: zkp.fast MSMs against a naive sum of py_ecc multiplications."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc import optimized_bn128 as bn

from zkp.fast import (
    FixedBaseMSM,
    is_on_curve,
    msm,
    msm_many,
    msm_mixed,
    validate_points,
    warm_up,
)
from zkp.fast.field import P_INT, R_INT
from zkp.fast.msm import Point


def _affine(k: int) -> Point:
    pt = bn.normalize(bn.multiply(bn.G1, k))
    return int(pt[0]), int(pt[1])


def _neg(pt: Point) -> Point:
    return None if pt is None else (pt[0], (-pt[1]) % P_INT)


BASE_KS = [1, 2, 3, 7, 1000003, R_INT - 1, 2**200 + 17, 123456789123456789]
POOL: list[Point] = [_affine(k) for k in BASE_KS]
POOL += [_neg(p) for p in POOL[:3]] + [None]
G = POOL[0]

scalars = st.one_of(
    st.integers(-(2**300), 2**300),
    st.sampled_from([0, 1, -1, 2, R_INT, R_INT - 1, R_INT + 1, 2**253, 2**254 - 1]),
)
points = st.sampled_from(POOL)


def naive(pts: list[Point], ks: list[int]) -> Point:
    acc = bn.Z1
    for pt, k in zip(pts, ks, strict=True):
        if pt is not None and k % R_INT:
            acc = bn.add(acc, bn.multiply((bn.FQ(pt[0]), bn.FQ(pt[1]), bn.FQ(1)), k % R_INT))
    if bn.is_inf(acc):
        return None
    n = bn.normalize(acc)
    return int(n[0]), int(n[1])


terms = st.lists(st.tuples(points, scalars), min_size=0, max_size=70)


@settings(max_examples=12)
@given(terms)
def test_msm_matches_naive(ts: list[tuple[Point, int]]) -> None:
    pts = [p for p, _ in ts]
    ks = [k for _, k in ts]
    assert msm(pts, ks) == naive(pts, ks)


@settings(max_examples=8)
@given(st.lists(st.tuples(points, scalars), min_size=1, max_size=12), st.integers(2, 16))
def test_msm_any_window_and_algorithm(ts: list[tuple[Point, int]], window: int) -> None:
    pts = [p for p, _ in ts]
    ks = [k for _, k in ts]
    want = naive(pts, ks)
    assert msm(pts, ks, window=window, algorithm="buckets") == want
    assert msm(pts, ks, window=window, algorithm="batch-affine") == want
    assert msm(pts, ks, window=min(window, 8), algorithm="straus") == want
    assert msm(pts, ks, window=min(window, 8), algorithm="straus-glv") == want


@settings(max_examples=8)
@given(st.lists(scalars, min_size=0, max_size=len(POOL)), st.integers(2, 12))
def test_fixed_base_matches_msm(ks: list[int], window: int) -> None:
    want = naive(POOL[: len(ks)], ks)
    for affine in (False, True):
        fixed = FixedBaseMSM(POOL, window=window, batch_affine=affine)
        assert fixed(ks) == want
    assert FixedBaseMSM(POOL, window=min(window, 6), full=True)(ks) == want
    assert msm(POOL[: len(ks)], ks) == want


def test_full_table_tree_sum_edge_cases() -> None:
    g = POOL[0]
    fixed = FixedBaseMSM([g, g, _neg(g), None], window=3, full=True)
    for k in (1, 2, 5, R_INT - 1, 2**200 + 17):
        assert fixed([k, k, 2 * k, 9]) is None  # k g + k g - 2k g: doubling then cancelling
        assert fixed([k, k, 0, 9]) == naive([g], [2 * k])
        assert fixed([k, 0, k]) is None
    assert fixed([]) is None
    assert fixed([0, 0, 0, 0]) is None
    big = FixedBaseMSM(POOL, full=True)  # default window (8)
    ks = [(i * 0x9E3779B97F4A7C15) ** 3 - i for i in range(len(POOL))]
    assert big(ks) == naive(POOL, ks)
    assert msm_mixed(big, ks, POOL, [-k for k in ks]) is None
    with pytest.raises(ValueError):
        FixedBaseMSM(POOL, window=11, full=True)


@settings(max_examples=8)
@given(st.lists(scalars, max_size=len(POOL)), st.lists(st.tuples(points, scalars), max_size=10))
def test_msm_mixed_matches_naive(fks: list[int], vts: list[tuple[Point, int]]) -> None:
    fixed = FixedBaseMSM(POOL)
    vps = [p for p, _ in vts]
    vks = [k for _, k in vts]
    want = naive(POOL[: len(fks)] + vps, fks + vks)
    assert msm_mixed(fixed, fks, vps, vks) == want


@pytest.mark.parametrize("algorithm", [None, "straus-glv", "straus", "buckets", "batch-affine"])
def test_edge_cases(algorithm: str | None) -> None:
    p = POOL[1]

    def m(pts: list[Point], ks: list[int]) -> Point:
        return msm(pts, ks, algorithm=algorithm)

    assert m([], []) is None
    assert m([None], [5]) is None
    assert m([G, p], [0, 0]) is None
    assert m([p, _neg(p)], [9, 9]) is None
    assert m([p, p], [1, 1]) == naive([p], [2])
    assert m([p, p, p], [3, -1, -2]) is None
    assert m([p, p, _neg(p), p], [5, 5, 5, 5]) == naive([p], [10])
    assert m([G], [R_INT]) is None
    assert m([G], [-1]) == _neg(G)
    assert m([G], [1]) == G
    for affine in (False, True):
        assert FixedBaseMSM([], batch_affine=affine)([]) is None
        assert msm_mixed(FixedBaseMSM([], batch_affine=affine), [], [], []) is None
        assert msm_mixed(FixedBaseMSM([G], batch_affine=affine), [1], [G], [-1]) is None
        twice = FixedBaseMSM([p, p, _neg(p)], batch_affine=affine)
        assert twice([7, 7, 7]) == naive([p], [7])


def test_bad_input_is_rejected() -> None:
    off_curve = (1, 3)
    assert is_on_curve(G) and is_on_curve(None)
    assert not is_on_curve(off_curve)
    assert not is_on_curve((P_INT + 1, 2))
    assert not is_on_curve((-1, 2))
    assert validate_points([])
    assert validate_points(POOL)
    assert not validate_points([G, off_curve])
    assert not validate_points([(G[0] + P_INT, G[1])])  # type: ignore[index]
    assert not validate_points([(-1, 2)])
    assert not validate_points([("1", 2)])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        msm([(P_INT, 2)], [1])
    with pytest.raises(ValueError):
        msm([(-1, 2)], [1])
    with pytest.raises(ValueError):
        msm([G], [1, 2])
    with pytest.raises(ValueError):
        msm([G], [1], window=1)
    with pytest.raises(ValueError):
        msm([G], [1], window=9, algorithm="straus")
    with pytest.raises(ValueError):
        msm([G], [1], algorithm="magic")
    with pytest.raises(ValueError):
        FixedBaseMSM([G, off_curve])
    with pytest.raises(ValueError):
        FixedBaseMSM([G])([1, 2])
    with pytest.raises(TypeError):
        msm([G], [1.5])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        msm([G], ["1"])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        msm([(1.0, 2.0)], [1])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        msm([(1, 2, 1)], [1])  # type: ignore[list-item]


def test_integer_like_inputs_are_accepted() -> None:
    np_point = (np.int64(1), np.int64(2))
    assert msm([np_point], [np.int64(3)]) == naive([G], [3])  # type: ignore[list-item]
    assert msm([G, [1, 2]], [True, np.uint64(2)]) == naive([G], [3])  # type: ignore[list-item]


def test_result_does_not_depend_on_warm_up() -> None:
    ks = [3, -5, 2**250 + 1]
    before = msm(POOL[:3], ks)
    warm_up()
    warm_up()
    assert msm(POOL[:3], ks) == before == naive(POOL[:3], ks)


def _collapsed(pts: list[Point], ks: list[int]) -> Point:
    """Reference for many repeated points: sum the scalars per distinct point first."""
    total: dict[Point, int] = {}
    for pt, k in zip(pts, ks, strict=True):
        total[pt] = total.get(pt, 0) + k
    uniq = sorted(total, key=repr)
    return naive(uniq, [total[u] for u in uniq])


@settings(max_examples=6)
@given(st.lists(st.tuples(st.sampled_from(POOL[:3] + POOL[-4:]), scalars), max_size=300))
def test_many_repeated_points_all_algorithms(ts: list[tuple[Point, int]]) -> None:
    # Few distinct points and small windows force bucket conflicts (deferred passes),
    # tangent additions (P + P) and cancellations (P + (-P)) inside batched buckets.
    pts = [p for p, _ in ts]
    ks = [k for _, k in ts]
    want = _collapsed(pts, ks)
    for window in (2, 3, 6):
        assert msm(pts, ks, window=window, algorithm="batch-affine") == want
        assert msm(pts, ks, window=window, algorithm="buckets") == want
    assert msm(pts, ks) == want
    fixed = FixedBaseMSM(pts, window=2, batch_affine=True)
    assert fixed(ks) == want


def test_batch_affine_conflicts_deterministic() -> None:
    src = POOL[:3] + POOL[-4:]
    pts = [src[(i * i + i // 50) % len(src)] for i in range(400)]
    ks = [((i + 1) * 0x9E3779B97F4A7C15) ** 4 * (-1) ** i for i in range(400)]
    want = _collapsed(pts, ks)
    for window in (2, 5, 9):
        assert msm(pts, ks, window=window, algorithm="batch-affine") == want
    assert FixedBaseMSM(pts, window=6, batch_affine=True)(ks) == want


@settings(max_examples=10)
@given(st.lists(st.lists(st.tuples(points, scalars), max_size=6), max_size=8))
def test_msm_many_matches_naive(jobs: list[list[tuple[Point, int]]]) -> None:
    pairs = [([p for p, _ in job], [k for _, k in job]) for job in jobs]
    assert msm_many(pairs) == [naive(pts, ks) for pts, ks in pairs]


def test_msm_many_edge_cases() -> None:
    p = POOL[1]
    big = (POOL * 5)[:50]
    big_ks = [3**i - 7 * i for i in range(50)]
    jobs: list[tuple[list[Point], list[int]]] = [
        ([], []),
        ([None], [3]),
        ([p, _neg(p)], [4, 4]),
        ([p, p], [1, 1]),
        ([G], [R_INT]),
        (big, big_ks),
        ([G], [-1]),
    ]
    want = [msm(pts, ks) for pts, ks in jobs]
    assert want[:5] == [None, None, None, naive([p], [2]), None]
    assert msm_many(jobs) == want
    assert msm_many([]) == []
    with pytest.raises(ValueError):
        msm_many([([G], [1, 2])])


def test_threads_do_not_change_results() -> None:
    pts = (POOL * 40)[:300]
    ks = [(i * 0x9E3779B97F4A7C15) ** 3 - i for i in range(len(pts))]
    fixed = FixedBaseMSM(pts)
    full = FixedBaseMSM(pts[:40], window=4, full=True)
    want = msm(pts, ks)
    assert want is not None
    assert full(ks[:40], threads=2) == full(ks[:40]) == msm(pts[:40], ks[:40])
    for threads in (2, 3):
        assert msm(pts, ks, threads=threads) == want
        assert msm(pts, ks, threads=threads, algorithm="straus-glv") == want
        assert fixed(ks, threads=threads) == want
        assert msm_mixed(fixed, ks[:150], pts[150:], ks[150:], threads=threads) == want
    assert msm_mixed(fixed, ks, pts, [-k for k in ks], threads=2) is None


@pytest.mark.slow
@settings(max_examples=60)
@given(st.lists(st.tuples(points, scalars), min_size=0, max_size=150))
def test_msm_matches_naive_many(ts: list[tuple[Point, int]]) -> None:
    pts = [p for p, _ in ts]
    ks = [k for _, k in ts]
    fixed = FixedBaseMSM(pts)
    want = naive(pts, ks)
    assert msm(pts, ks) == want
    for algorithm in ("straus-glv", "straus", "buckets", "batch-affine"):
        assert msm(pts, ks, algorithm=algorithm) == want
    assert fixed(ks) == want
    assert msm_mixed(fixed, ks[:5], pts[5:], ks[5:]) == naive(pts[:5] + pts[5:], ks)


@pytest.fixture(scope="module")
def distinct_points() -> list[Point]:
    """300 distinct points k * G (py-ecc, k small so this stays cheap)."""
    out: list[Point] = []
    acc = bn.G1
    for _ in range(300):
        n = bn.normalize(acc)
        out.append((int(n[0]), int(n[1])))
        acc = bn.add(acc, bn.G1)
    return out


@pytest.mark.slow
@settings(max_examples=3)
@given(st.lists(scalars, min_size=300, max_size=300), st.integers(0, 299))
def test_large_distinct_msm_all_algorithms(
    distinct_points: list[Point], ks: list[int], cut: int
) -> None:
    pts = distinct_points
    want = naive(pts, ks)
    for algorithm in ("straus-glv", "straus", "buckets", "batch-affine"):
        assert msm(pts, ks, algorithm=algorithm) == want
    assert msm(pts, ks, threads=2) == want
    for affine in (False, True):
        fixed = FixedBaseMSM(pts[:cut], batch_affine=affine)
        assert msm_mixed(fixed, ks[:cut], pts[cut:], ks[cut:]) == want
        assert msm_mixed(fixed, ks[:cut], pts[cut:], ks[cut:], threads=2) == want


def test_batch_affine_bit_sum_reduction_edge_cases() -> None:
    g = POOL[0]
    for window in (3, 4, 5):
        # digits 1 and 3 share bit 0: the bit-0 sum adds G + G (tangent) or G + (-G) (identity)
        for pts, ks in (
            ([g, g], [1, 3]),
            ([g, _neg(g)], [1, 3]),
            ([g, _neg(g), g], [3, 3, 5]),
            ([g, g, g, _neg(g)], [1, 2, 3, 7]),
            ([g, None, _neg(g)], [2**200 + 1, 5, 2**200 + 1]),
        ):
            assert msm(pts, ks, window=window, algorithm="batch-affine") == naive(pts, ks)


def test_table_on_huge_pages_keeps_values() -> None:
    """The generator table's huge-page copy (ADR 0053) holds the same words; small
    tables stay as they are."""
    import importlib

    msm_module = importlib.import_module("zkp.fast.msm")  # zkp.fast.msm is also a function
    big = np.arange(4 * (msm_module._HUGE_MIN // 32 + 3), dtype=np.uint64).reshape(-1, 4)
    moved = msm_module._on_huge_pages(big)
    assert moved.shape == big.shape and moved.dtype == big.dtype
    assert moved.flags["C_CONTIGUOUS"] and np.array_equal(moved, big)
    assert moved.ctypes.data % msm_module._HUGE_PAGE == 0 or moved is big
    small = np.ones((8, 4), dtype=np.uint64)
    assert msm_module._on_huge_pages(small) is small
