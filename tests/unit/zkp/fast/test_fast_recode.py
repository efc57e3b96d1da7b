"""Scalar recodings used by the MSM kernels reconstruct the scalar exactly."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc import optimized_bn128 as bn

from zkp.fast.convert import scalars_to_limbs
from zkp.fast.field import P_INT, R_INT
from zkp.fast.glv import BETA, LAMBDA, decompose, split_scalars
from zkp.fast.pippenger import num_windows, recode_signed
from zkp.fast.straus import recode_wnaf

scalar_lists = st.lists(
    st.one_of(st.integers(0, R_INT - 1), st.sampled_from([0, 1, 2, R_INT - 1, 2**253])),
    min_size=1,
    max_size=8,
)


@settings(max_examples=40)
@given(scalar_lists, st.integers(2, 16))
def test_signed_windows_reconstruct(ks: list[int], c: int) -> None:
    digits = recode_signed(scalars_to_limbs(ks), c, num_windows(c))
    half = 1 << (c - 1)
    for k, row in zip(ks, digits, strict=True):
        assert sum(int(d) << (c * i) for i, d in enumerate(row)) == k
        assert all(-half <= int(d) <= half for d in row)


@settings(max_examples=40)
@given(scalar_lists, st.integers(2, 8))
def test_wnaf_reconstructs_with_sparse_odd_digits(ks: list[int], w: int) -> None:
    digits = recode_wnaf(scalars_to_limbs(ks), w)
    for k, row in zip(ks, digits, strict=True):
        assert sum(int(d) << i for i, d in enumerate(row)) == k
        nonzero = [i for i, d in enumerate(row) if d]
        assert all(b - a >= w for a, b in zip(nonzero, nonzero[1:], strict=False))
        assert all(int(d) % 2 == 1 and abs(int(d)) < 1 << (w - 1) for d in row if d)


def test_scalars_reduce_mod_r() -> None:
    limbs = scalars_to_limbs([R_INT, -1, R_INT + 5, 2**300])
    assert [int.from_bytes(row.astype("<u4").tobytes(), "little") for row in limbs] == [
        0,
        R_INT - 1,
        5,
        2**300 % R_INT,
    ]


@settings(max_examples=60)
@given(st.integers(-(2**300), 2**300))
def test_glv_decomposition(k: int) -> None:
    k1, k2 = decompose(k)
    assert (k1 + k2 * LAMBDA - k) % R_INT == 0
    assert abs(k1) < 2**128 and abs(k2) < 2**128
    limbs, signs = split_scalars([k])
    halves = [int.from_bytes(row.astype("<u4").tobytes(), "little") for row in limbs]
    assert [(-h if s else h) for h, s in zip(halves, signs, strict=True)] == [k1, k2]


def test_glv_endomorphism_constants() -> None:
    assert pow(BETA, 3, P_INT) == 1 and BETA != 1
    assert (LAMBDA * LAMBDA + LAMBDA + 1) % R_INT == 0
    gx, gy = 1, 2
    lam_g = bn.normalize(bn.multiply(bn.G1, LAMBDA))
    assert (int(lam_g[0]), int(lam_g[1])) == (BETA * gx % P_INT, gy)


@settings(max_examples=200)
@given(st.lists(st.integers(-(2**300), 2**300), max_size=20))
def test_kernel_glv_split_is_a_valid_short_decomposition(ks: list[int]) -> None:
    from zkp.fast.field import R_INT
    from zkp.fast.glv import LAMBDA, split_scalars_fast

    ks = ks + [0, 1, R_INT - 1, LAMBDA, R_INT - LAMBDA, 2**253, 2**128]
    limbs, signs = split_scalars_fast(ks)
    assert limbs.shape == (2 * len(ks), 8)
    for i, k in enumerate(ks):
        halves = []
        for h in range(2):
            mag = sum(int(v) << (32 * j) for j, v in enumerate(limbs[2 * i + h]))
            assert mag < 1 << 129
            halves.append(-mag if signs[2 * i + h] else mag)
        assert (halves[0] + halves[1] * LAMBDA - k) % R_INT == 0


def test_wnaf_carries_out_of_runs_of_ones() -> None:
    # a run of ones ending at the top leaves a carry past the scalar's last bit
    ks = [(1 << b) - 1 for b in range(1, 254)] + [R_INT - 1, 2**128 - 1, 2**129 - 1, 3, 7]
    for w in range(2, 9):
        digits = recode_wnaf(scalars_to_limbs(ks), w)
        for k, row in zip(ks, digits, strict=True):
            assert sum(int(d) << i for i, d in enumerate(row)) == k
            assert all(int(d) % 2 == 1 and abs(int(d)) < 1 << (w - 1) for d in row if d)


def _wnaf_bitwise(k: int, w: int, length: int) -> list[int]:
    """Width-w NAF one bit position at a time (the recoding ``recode_wnaf`` must match)."""
    out = [0] * length
    carry, pos = 0, 0
    while pos < 256 and (pos < k.bit_length() or carry):
        if (k >> pos) & 1 == carry:
            pos += 1
            continue
        d = ((k >> pos) & ((1 << w) - 1)) + carry
        carry = (d >> (w - 1)) & 1
        out[pos] = d - (carry << w)
        pos += w
    return out


_WORD_EDGES = [
    2**64 - 1, 2**64, 2**63, 2**128 - 1, (2**64 - 1) << 64, 2**192 + 2**63,
    (2**253 - 1) ^ (1 << 64), 2**253 + 2**191 - 1, ((1 << 190) - 1) << 63, R_INT - 1,
]  # fmt: skip


@settings(max_examples=150)
@given(
    st.lists(
        st.one_of(st.integers(0, R_INT - 1), st.sampled_from(_WORD_EDGES)),
        min_size=1,
        max_size=8,
    ),
    st.integers(2, 8),
)
def test_wnaf_digits_match_the_bitwise_recoding(ks: list[int], w: int) -> None:
    digits = recode_wnaf(scalars_to_limbs(ks), w)
    assert digits.shape[1] == min(256, max(k.bit_length() for k in ks) + 1)
    for k, row in zip(ks, digits, strict=True):
        assert [int(d) for d in row] == _wnaf_bitwise(k, w, digits.shape[1])


@settings(max_examples=40)
@given(st.lists(st.integers(-(2**300), 2**300), max_size=12), st.integers(2, 8))
def test_glv_digits_are_the_split_then_the_recoding(ks: list[int], w: int) -> None:
    from zkp.fast.glv import split_scalars_fast
    from zkp.fast.straus import glv_digits

    naf, signs = glv_digits(ks, w)
    limbs, signs2 = split_scalars_fast(ks)
    assert (signs == signs2).all()
    assert (naf == recode_wnaf(limbs, w)).all()
