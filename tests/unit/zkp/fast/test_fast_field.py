"""Differential tests: zkp.fast.field limb arithmetic against Python big-int arithmetic."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc.optimized_bn128 import curve_order, field_modulus

from zkp.fast import field as F
from zkp.fast import mont64

P = F.P_INT
R = 1 << 256
RINV = pow(R, -1, P)

elements = st.one_of(
    st.integers(0, P - 1),
    st.sampled_from([0, 1, 2, P - 1, P - 2, (P - 1) // 2, R % P, 1 << 32, (1 << 32) - 1]),
)


def fe(x: int) -> F.Fe:
    """Plain int -> limb tuple of np.uint64 (numba types Python ints as int64)."""
    return F.int_to_fe(x)


def mont(x: int) -> F.Fe:
    return fe(x * R % P)


def unmont(a: tuple[int, ...]) -> int:
    return F.limbs_to_int(np.array(a, dtype=np.uint64)) * RINV % P


def plain(a: tuple[int, ...]) -> int:
    return F.limbs_to_int(np.array(a, dtype=np.uint64))


def test_constants_match_py_ecc() -> None:
    assert P == int(field_modulus)
    assert F.R_INT == int(curve_order)
    assert P < 1 << 254
    assert (mont64.NINV64 * P) % (1 << 64) == (1 << 64) - 1
    assert sum(w << (64 * i) for i, w in enumerate(mont64.P64)) == P


def test_limb_round_trip() -> None:
    for x in (0, 1, P - 1, (1 << 256) - 1, 0x0123456789ABCDEF << 100):
        assert F.limbs_to_int(F.int_to_limbs(x)) == x
        assert F.fe_to_int(F.int_to_fe(x)) == x


@settings(max_examples=200)
@given(elements, elements)
def test_mul_add_sub_match_integers(x: int, y: int) -> None:
    assert unmont(F.mul(mont(x), mont(y))) == x * y % P
    assert unmont(F.sqr(mont(x))) == x * x % P
    assert plain(F.add(fe(x), fe(y))) == (x + y) % P
    assert plain(F.sub(fe(x), fe(y))) == (x - y) % P
    assert plain(F.neg(fe(x))) == (-x) % P
    assert F.eq(fe(x), fe(y)) == (x == y)
    assert F.is_zero(fe(x)) == (x == 0)


@settings(max_examples=100)
@given(elements)
def test_montgomery_conversions_and_inverse(x: int) -> None:
    assert plain(F.to_mont(fe(x))) == x * R % P
    assert plain(F.from_mont(mont(x))) == x
    expected = pow(x, -1, P) if x else 0
    assert unmont(F.inv(mont(x))) == expected


@given(st.integers(0, (1 << 256) - 1))
def test_geq_p(x: int) -> None:
    assert F.geq_p(fe(x)) == (x >= P)


def test_geq_p_boundaries() -> None:
    for x, want in ((P - 1, False), (P, True), (P + 1, True), (0, False)):
        assert F.geq_p(fe(x)) == want


@settings(max_examples=30)
@given(st.lists(elements, min_size=0, max_size=20))
def test_batch_inv_maps_zero_to_zero(xs: list[int]) -> None:
    vals = np.array([F.int_to_limbs(x * R % P) for x in xs], dtype=np.uint64).reshape(-1, F.NLIMBS)
    out = np.empty_like(vals)
    F.batch_inv(vals, out)
    got = [F.limbs_to_int(row) * RINV % P for row in out]
    assert got == [pow(x, -1, P) if x else 0 for x in xs]


def _products(mulfn: object) -> object:
    """A kernel mapping rows of 4-word a, b to ``mulfn(a, b)`` (an intrinsic of mont64)."""
    import numba

    @numba.njit
    def run(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
        for i in range(a.shape[0]):
            r = mulfn(a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[i, 0], b[i, 1], b[i, 2], b[i, 3])
            for j in range(4):
                out[i, j] = r[j]

    return run


def _words(xs: list[int]) -> np.ndarray:
    return np.array([[(x >> (64 * j)) & ((1 << 64) - 1) for j in range(4)] for x in xs], np.uint64)


def test_montgomery_products_match_integers_both_forms() -> None:
    """The inline-assembly product (ADR 0052; when the CPU has it) and the portable i128
    product agree with Python integers mod p and mod q, edge words included."""
    import random

    rng = random.Random(52)
    for modulus, fns in (
        (P, [mont64.mont_mul4, mont64.mont_mul4_portable]),
        (int(curve_order), [mont64.mont_mul4_q]),
    ):
        edges = [0, 1, 2, modulus - 1, modulus - 2, (1 << 64) - 1, 1 << 64, (1 << 192) - 1]
        edges += [modulus >> 1, (1 << 253) % modulus, R % modulus]
        xs = [rng.randrange(modulus) for _ in range(4000)] + [e for e in edges for _ in edges]
        ys = [rng.randrange(modulus) for _ in range(4000)] + edges * len(edges)
        rinv = pow(R, -1, modulus)
        want = _words([x * y * rinv % modulus for x, y in zip(xs, ys, strict=True)])
        for fn in fns:
            out = np.zeros((len(xs), 4), np.uint64)
            _products(fn)(_words(xs), _words(ys), out)  # type: ignore[operator]
            assert np.array_equal(out, want), fn
