"""Loading points from bytes, array-based MSMs and the q-field kernels (ADR 0044/0045)."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc import optimized_bn128 as bn

from zkp.fast import mont64
from zkp.fast.backend import fast_backend
from zkp.fast.loader import FINITE, NONE, PROOF, encode_points, load_points
from zkp.fast.msm import many_rows, mixed_is_identity, msm, msm_many
from zkp.fast.scalar_kernels import cross, from_words, to_words
from zkp.msm import naive_msm
from zkp.reference.anonymity import cross_coefficients
from zkp.reference.curve import encode_point
from zkp.reference.field import P, Q

Pt = tuple[int, int]


def _affine(k: int) -> Pt:
    pt = bn.normalize(bn.multiply(bn.G1, k))
    return int(pt[0]), int(pt[1])


POOL = [_affine(k) for k in (1, 2, 3, 12345, Q - 1, 2**200 + 3)]


def _load(blob: bytes, kinds: list[int]) -> tuple[np.ndarray, np.ndarray, int]:
    buf = np.frombuffer(blob, dtype=np.uint8)
    offsets = np.arange(0, len(blob), 64, dtype=np.int64)
    pts, inf, bad = load_points(buf, offsets, np.array(kinds, dtype=np.uint8))
    return pts, inf, int(bad)


def test_load_points_validates_like_decode_point() -> None:
    g = POOL[0]
    blob, kinds = encode_points([g, None, POOL[1]])
    assert kinds == [FINITE, NONE, FINITE]
    pts, inf, bad = _load(blob + bytes(64), [*kinds, PROOF])
    assert bad == -1 and list(inf) == [0, 1, 0, 1]
    off_curve = g[0].to_bytes(32, "big") + (g[1] + 1).to_bytes(32, "big")
    too_big = (g[0] + P).to_bytes(32, "big") + g[1].to_bytes(32, "big")
    assert _load(blob + off_curve, [*kinds, PROOF])[2] == 3
    assert _load(too_big + blob, [PROOF, *kinds])[2] == 0
    assert _load(bytes(64), [FINITE])[2] == 0  # (0, 0) given as a point is off the curve
    assert _load(bytes(64), [PROOF])[2] == -1  # zero bytes in a proof are infinity


def test_encode_points_rejects_non_points() -> None:
    for bad in ([1, 2], (1,), (1.0, 2), ("1", 2), (-1, 2), (1 << 256, 2)):
        try:
            encode_points([bad])  # type: ignore[list-item]
        except (TypeError, ValueError, OverflowError):
            continue
        raise AssertionError(f"accepted {bad!r}")
    blob, _ = encode_points([POOL[2], None])
    assert blob == encode_point(POOL[2]) + encode_point(None)


@settings(max_examples=30)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(-(2**260), 2**260)), max_size=40))
def test_mixed_is_identity_and_many_rows_match_naive(terms: list[tuple[int, int]]) -> None:
    pool: list[Pt | None] = [*POOL, None]
    points = [pool[i] for i, _ in terms]
    scalars = [k % Q for _, k in terms]
    blob, kinds = encode_points(points)
    pts, inf, bad = _load(blob, kinds)
    assert bad == -1
    want = naive_msm(points, scalars)
    table = fast_backend().table
    assert mixed_is_identity(table, [], pts, inf, scalars) == (want is None)
    ids = list(range(len(points)))
    jobs = [(ids, scalars), (ids[:3], scalars[:3]), ([], [])]
    got = many_rows(pts, inf, jobs)
    wants = [want, naive_msm(points[:3], scalars[:3]), None]
    assert got == [None if w is None else encode_point(w) for w in wants]


def test_many_rows_large_jobs_and_fixed_part() -> None:
    rnd = random.Random(5)
    points = [POOL[rnd.randrange(len(POOL))] for _ in range(70)]
    scalars = [rnd.randrange(Q) for _ in points]
    blob, kinds = encode_points(points)
    pts, inf, _ = _load(blob, kinds)
    want = msm(points, scalars)
    assert many_rows(pts, inf, [(list(range(70)), scalars)]) == [encode_point(want)]
    assert msm_many([(points, scalars)]) == [want]
    table = fast_backend().table
    gens = table.bases
    fixed = [rnd.randrange(Q) for _ in range(5)]
    total = naive_msm([*gens[:5], *points], [*fixed, *scalars])
    assert mixed_is_identity(table, fixed, pts, inf, scalars) == (total is None)
    # cancel the sum exactly: add -total as one more variable point
    assert total is not None
    neg_blob, neg_kinds = encode_points([(total[0], (-total[1]) % P)])
    pts2, inf2, _ = _load(blob + neg_blob, kinds + neg_kinds)
    assert mixed_is_identity(table, fixed, pts2, inf2, [*scalars, 1])


@settings(max_examples=50)
@given(st.integers(0, Q - 1), st.integers(0, Q - 1))
def test_q_field_intrinsics(a: int, b: int) -> None:
    assert from_words(to_words([a, b])) == [a, b]
    # N = 2, weights (1, 1): X[l] = r0[l] + r1[l]; weights (a, b): X[l] = a r0[l] + b r1[l]
    assert cross([a, b], [b, a], [1, 1]) == [(a + b) % Q, (a + b) % Q]
    assert cross([1, 0], [0, 1], [a, b]) == [a, b]
    assert mont64.Q64 == [(Q >> (64 * i)) & ((1 << 64) - 1) for i in range(4)]


@settings(max_examples=20)
@given(st.integers(1, 6), st.randoms(use_true_random=False))
def test_cross_kernel_matches_reference(m: int, rnd: random.Random) -> None:
    n = 1 << m
    r0 = [rnd.randrange(Q) for _ in range(n)]
    r1 = [rnd.randrange(Q) for _ in range(n)]
    v = rnd.randrange(Q)
    from zkp.reference.field import powers

    vpow = [1, *powers(v, n - 1)]
    assert cross(r0, r1, vpow) == cross_coefficients(r0, r1, v)


@settings(max_examples=20)
@given(st.integers(1, Q - 1), st.integers(0, Q - 1), st.randoms(use_true_random=False))
def test_ip_generator_kernel_matches_python(y: int, z: int, rnd: random.Random) -> None:
    from zkp.fast.algebra import ip_parts, ip_scalars
    from zkp.fast.scalar_kernels import ip_generator_scalars
    from zkp.reference.ipa import range_constants

    chal = [rnd.randrange(1, Q) for _ in range(6)]
    x, mu, t_hat, o, a, b, weight = (rnd.randrange(1 << 256) for _ in range(7))
    ys, twos, _ = range_constants(y, z, 64)
    want = ip_scalars(64, x, z, ys, twos, mu, t_hat, o, chal, a, b)
    parts = ip_parts(x, y, mu, t_hat, o, chal, a, b)
    assert want is not None and parts is not None
    gs, hs, h, lco, rco, bs = want
    assert (parts.h, parts.lcoef, parts.rcoef, parts.bs) == (h, lco, rco, bs)
    adjust = {0: 5, 64: 7, 70: Q + 3}
    got = from_words(
        ip_generator_scalars(64, parts.s0, a % Q, b % Q, z, parts.y_inv, weight % Q,
                             parts.squares, adjust)
    )  # fmt: skip
    expect = [weight * v % Q for v in gs + hs]
    for row, val in adjust.items():
        expect[row] = (expect[row] - val) % Q
    assert got == expect
    assert ip_parts(x, 0, mu, t_hat, o, chal, a, b) is None
    assert ip_parts(x, y, mu, t_hat, o, [0, *chal[1:]], a, b) is None


def test_many_rows_shared_points_and_affine_tables() -> None:
    """Jobs sharing points (one table per distinct point, signs per term, ADR 0053), a
    point twice in one job, infinity rows, and enough distinct points (>= 24) for the
    affine-batch tables; against naive sums."""
    rnd = random.Random(53)
    distinct: list[Pt | None] = [_affine(rnd.randrange(1, Q)) for _ in range(30)]
    distinct += [None, distinct[0], (distinct[1][0], (-distinct[1][1]) % P)]  # type: ignore[index]
    blob, kinds = encode_points(distinct)
    pts, inf, bad = _load(blob, kinds)
    assert bad == -1
    n = len(distinct)
    jobs: list[tuple[list[int], list[int]]] = []
    for size in (1, 2, 5, 33, 40, 3):
        ids = [rnd.randrange(n) for _ in range(size)]
        ks = [rnd.choice([rnd.randrange(Q), Q - rnd.randrange(1, 1 << 64), 1, 0]) for _ in ids]
        jobs.append((ids, ks))
    jobs.append(([1, 1, 32], [5, Q - 3, 2]))  # P1, P1, -P1: 5 - 3 - 2 = 0 -> identity
    got = many_rows(pts, inf, jobs)
    for (ids, ks), res in zip(jobs, got, strict=True):
        want = naive_msm([distinct[i] for i in ids], ks)
        assert res == (None if want is None else encode_point(want))
    assert got[-1] is None
    # straus (no GLV) over the same >= 24 points: affine tables there too
    assert msm(distinct, [rnd.randrange(Q) for _ in distinct], algorithm="straus") is not None
    ks = [rnd.randrange(Q) for _ in distinct]
    assert msm(distinct, ks, algorithm="straus") == naive_msm(distinct, ks)
    assert msm(distinct, ks, algorithm="straus-glv") == naive_msm(distinct, ks)
