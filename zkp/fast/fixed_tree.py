"""Fixed-base MSM from a table of every window multiple, summed as a tree (ADR 0046).

For a fixed base B and window k the table holds ``d * 2**(c*k) * B`` for every
``d = 1 .. 2**(c-1)`` (affine, Montgomery form), so a scalar's signed digit picks
its term directly: the MSM is a plain sum of ``n * W`` looked-up points, with no
buckets and no bucket reduction. The sum runs as a binary tree: each round adds
disjoint pairs in affine coordinates with one shared inversion (Montgomery's
trick), so an addition costs ~6 multiplications. P + P takes the tangent, P + (-P)
gives infinity, and infinity passes through, so the sum is exact for any input.

:func:`segment_sums` runs many such sums side by side (the bucket reduction of the
variable-base batch-affine MSM uses it, ADR 0046).

Table layout: rows ``(2 * n * W * D, NLIMBS)`` with ``D = 2**(c-1)``; entry
``(i, k, d)`` is point ``(i * W + k) * D + d - 1``. At c = 9 and 130 bases this is
62 MB, built once per process.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from zkp.fast._jit import kernel
from zkp.fast.curve import Jac, jac_add, jac_add_affine, jac_double, jac_inf, ld_jac, st_jac
from zkp.fast.field import (
    FE_ONE,
    NLIMBS,
    add,
    batch_inv,
    eq,
    inv,
    is_zero,
    ld,
    mul,
    neg,
    sqr,
    st,
    sub,
)

Arr = npt.NDArray[np.uint64]
Flags = npt.NDArray[np.uint8]
Digits = npt.NDArray[np.int64]


@kernel
def build_full_table(pts: Arr, inf: Flags, c: int, nwin: int) -> Arr:
    """The table of ``d * 2**(c*k) * pts[i]`` (zero rows for infinite bases)."""
    n = inf.shape[0]
    nd = 1 << (c - 1)
    per = nwin * nd
    table = np.zeros((2 * n * per, NLIMBS), dtype=np.uint64)
    jac = np.empty((3 * per, NLIMBS), dtype=np.uint64)
    zs = np.empty((per, NLIMBS), dtype=np.uint64)
    zinv = np.empty((per, NLIMBS), dtype=np.uint64)
    for i in range(n):
        if inf[i] != 0:
            continue
        cur = (ld(pts, 2 * i), ld(pts, 2 * i + 1), FE_ONE)
        for k in range(nwin):
            acc = cur
            for d in range(nd):
                st_jac(jac, k * nd + d, acc)
                acc = jac_add(acc, cur)
            for _ in range(c):
                cur = jac_double(cur)
        for t in range(per):
            st(zs, t, ld(jac, 3 * t + 2))
        batch_inv(zs, zinv)
        for t in range(per):
            p = ld_jac(jac, t)
            zi = ld(zinv, t)
            zi2 = sqr(zi)
            row = 2 * (i * per + t)
            st(table, row, mul(p[0], zi2))
            st(table, row + 1, mul(p[1], mul(zi2, zi)))
    return table


_FINISH = 64  # at most this many points left: Jacobian additions and one inversion


@kernel
def _finish(
    xs: Arr, ys: Arr, infs: Flags, start: npt.NDArray[np.int64],
    cur: npt.NDArray[np.int64], stride: npt.NDArray[np.int64],
) -> None:  # fmt: skip
    """End :func:`segment_sums` once few points are left: each unfinished segment's
    points go into a Jacobian sum (mixed additions), and one batch inversion returns
    all those sums to affine row ``start``. Cheaper than the last rounds' inversions."""
    nseg = start.shape[0]
    jac = np.empty((3 * nseg, NLIMBS), dtype=np.uint64)
    zs = np.zeros((nseg, NLIMBS), dtype=np.uint64)
    for sg in range(nseg):
        if cur[sg] < 2:
            continue
        acc = jac_inf()
        for j in range(cur[sg]):
            a = start[sg] + j * stride[sg]
            if infs[a] == 0:
                acc = jac_add_affine(acc, ld(xs, a), ld(ys, a))
        st_jac(jac, sg, acc)
        st(zs, sg, acc[2])
    zinv = np.empty((nseg, NLIMBS), dtype=np.uint64)
    batch_inv(zs, zinv)
    for sg in range(nseg):
        if cur[sg] < 2:
            continue
        a = start[sg]
        if is_zero(ld(zs, sg)):
            infs[a] = 1
            continue
        zi = ld(zinv, sg)
        zi2 = sqr(zi)
        st(xs, a, mul(ld(jac, 3 * sg), zi2))
        st(ys, a, mul(ld(jac, 3 * sg + 1), mul(zi2, zi)))
        infs[a] = 0


@kernel
def segment_sums(
    xs: Arr, ys: Arr, start: npt.NDArray[np.int64], length: npt.NDArray[np.int64]
) -> Flags:
    """Sum each segment ``[start[s], start[s] + length[s])`` of finite affine points.

    The sums are left in row ``start[s]`` of ``xs``/``ys`` (other rows are
    overwritten); returns per-segment infinity flags (an empty segment is infinity).
    All segments advance together: each round adds the pairs (i, i + stride) of every
    segment in place, with one inversion for the whole round (Montgomery's trick,
    its backward pass fused with the additions).
    """
    nseg = start.shape[0]
    total = xs.shape[0]
    half = max(total // 2, 1)
    infs = np.zeros(max(total, 1), dtype=np.uint8)
    cur = length.copy()
    stride = np.ones(nseg, dtype=np.int64)
    den = np.empty((half, NLIMBS), dtype=np.uint64)
    pre = np.empty((half, NLIMBS), dtype=np.uint64)
    pa = np.empty(half, dtype=np.int64)
    pb = np.empty(half, dtype=np.int64)
    pk = np.empty(half, dtype=np.uint8)
    while True:
        pending = 0
        for sg in range(nseg):
            if cur[sg] >= 2:
                pending += cur[sg]
        if 0 < pending <= _FINISH:
            _finish(xs, ys, infs, start, cur, stride)
            break
        busy = False
        t = 0
        acc = FE_ONE
        for sg in range(nseg):
            c = cur[sg]
            if c < 2:
                continue
            busy = True
            base = start[sg]
            sd = stride[sg]
            for j in range(c // 2):
                a = base + 2 * j * sd
                b = a + sd
                if infs[a] != 0 or infs[b] != 0:
                    if infs[a] != 0 and infs[b] == 0:
                        st(xs, a, ld(xs, b))
                        st(ys, a, ld(ys, b))
                        infs[a] = 0
                    continue
                xa = ld(xs, a)
                xb = ld(xs, b)
                if eq(xa, xb):
                    ya = ld(ys, a)
                    if eq(ya, ld(ys, b)) and not is_zero(ya):
                        d = add(ya, ya)
                        pk[t] = 2
                    else:
                        infs[a] = 1
                        continue
                else:
                    d = sub(xb, xa)
                    pk[t] = 1
                st(den, t, d)
                acc = mul(acc, d)
                st(pre, t, acc)
                pa[t] = a
                pb[t] = b
                t += 1
            cur[sg] = (c + 1) // 2
            stride[sg] = 2 * sd
        if not busy:
            break
        if t == 0:
            continue
        inv_acc = inv(acc)
        for u in range(t - 1, -1, -1):
            a = pa[u]
            b = pb[u]
            dinv = mul(inv_acc, ld(pre, u - 1)) if u > 0 else inv_acc
            inv_acc = mul(inv_acc, ld(den, u))
            xa = ld(xs, a)
            ya = ld(ys, a)
            if pk[u] == 2:
                x2 = sqr(xa)
                lam = mul(add(add(x2, x2), x2), dinv)
                xb = xa
            else:
                xb = ld(xs, b)
                lam = mul(sub(ld(ys, b), ya), dinv)
            x3 = sub(sub(sqr(lam), xa), xb)
            st(ys, a, sub(mul(lam, sub(xa, x3)), ya))
            st(xs, a, x3)
    out = np.zeros(nseg, dtype=np.uint8)
    for sg in range(nseg):
        out[sg] = 1 if length[sg] == 0 or infs[start[sg]] != 0 else 0
    return out


@kernel
def tree_sum(xs: Arr, ys: Arr, m: int) -> Jac:
    """Sum of the m finite affine points (xs[j], ys[j]); the arrays are overwritten."""
    start = np.zeros(1, dtype=np.int64)
    length = np.full(1, m, dtype=np.int64)
    if segment_sums(xs, ys, start, length)[0] != 0:
        return jac_inf()
    return (ld(xs, 0), ld(ys, 0), FE_ONE)


@kernel
def count_digits(inf: Flags, digits: Digits) -> int:
    """Non-zero window digits of the non-infinity rows (one MSM entry each)."""
    m = 0
    for i in range(digits.shape[0]):
        if inf[i] == 0:
            for k in range(digits.shape[1]):
                if digits[i, k] != 0:
                    m += 1
    return m


@kernel
def fixed_tree(table: Arr, inf: Flags, digits: Digits, c: int) -> Jac:
    """sum_i scalar_i * B_i: one table lookup per non-zero digit, summed by :func:`tree_sum`."""
    n = digits.shape[0]
    nwin = digits.shape[1]
    nd = 1 << (c - 1)
    m = count_digits(inf, digits)
    xs = np.empty((max(m, 1), NLIMBS), dtype=np.uint64)
    ys = np.empty((max(m, 1), NLIMBS), dtype=np.uint64)
    m = 0
    for i in range(n):
        if inf[i] != 0:
            continue
        for k in range(nwin):
            d = digits[i, k]
            if d == 0:
                continue
            idx = (i * nwin + k) * nd + (d - 1 if d > 0 else -d - 1)
            st(xs, m, ld(table, 2 * idx))
            y = ld(table, 2 * idx + 1)
            st(ys, m, neg(y) if d < 0 else y)
            m += 1
    return tree_sum(xs, ys, m)
