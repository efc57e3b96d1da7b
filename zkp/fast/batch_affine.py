"""Bucket accumulation with affine buckets and batched inversions (numba kernels).

Adding an affine point to an affine bucket costs one inversion, two
multiplications and a squaring; Montgomery's trick shares one inversion over a
batch of additions into distinct buckets (3 multiplications each), so an addition
costs ~6-7 multiplications instead of 11 for a mixed Jacobian addition (ADR 0042).
An addition whose bucket is already in the current batch is deferred to the next
pass.  P + P takes the tangent slope, P + (-P) empties the bucket.

Entries are (bucket, source point row, negate) triples; the variable-base MSM
uses one bucket set per window so all windows accumulate in one go.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from zkp.fast._jit import kernel
from zkp.fast.curve import (
    Jac,
    jac_add,
    jac_add_affine,
    jac_double,
    jac_inf,
    jac_is_inf,
    jac_mul_small,
)
from zkp.fast.field import FE_ONE, NLIMBS, add, eq, inv, is_zero, ld, mul, neg, sqr, st, sub
from zkp.fast.fixed_tree import count_digits, segment_sums

Arr = npt.NDArray[np.uint64]
Flags = npt.NDArray[np.uint8]
Digits = npt.NDArray[np.int64]
Index = npt.NDArray[np.int64]

MAX_BATCH = 512


@kernel
def _flush(
    src: Arr, ent_p: Index, ent_neg: Flags, buckets: Arr, inbatch: Flags,
    bb: Index, be: Index, den: Arr, pre: Arr, t: int,
) -> None:  # fmt: skip
    """Apply the t pending additions: denominators den[:t], running products pre[:t].

    One inversion of ``pre[t-1]``; the backward pass of Montgomery's trick yields
    each ``1/den[j]`` as it goes (the buckets of one batch are distinct, so the
    order does not matter).
    """
    inv_acc = inv(ld(pre, t - 1))
    for j in range(t - 1, -1, -1):
        dinv = mul(inv_acc, ld(pre, j - 1)) if j > 0 else inv_acc
        inv_acc = mul(inv_acc, ld(den, j))
        b = bb[j]
        e = be[j]
        x = ld(src, 2 * ent_p[e])
        y = ld(src, 2 * ent_p[e] + 1)
        if ent_neg[e] != 0:
            y = neg(y)
        bx = ld(buckets, 2 * b)
        by = ld(buckets, 2 * b + 1)
        if eq(bx, x):
            x2 = sqr(x)
            lam = mul(add(add(x2, x2), x2), dinv)
        else:
            lam = mul(sub(y, by), dinv)
        x3 = sub(sub(sqr(lam), bx), x)
        st(buckets, 2 * b, x3)
        st(buckets, 2 * b + 1, sub(mul(lam, sub(bx, x3)), by))
        inbatch[b] = 0


@kernel
def accumulate(
    src: Arr, ent_b: Index, ent_p: Index, ent_neg: Flags, nbuckets: int
) -> tuple[Arr, Flags]:
    """Affine buckets (2 nbuckets, NLIMBS) and their empty flags after adding every entry."""
    m = ent_b.shape[0]
    batch = min(MAX_BATCH, max(1, nbuckets // 2))
    buckets = np.zeros((2 * nbuckets, NLIMBS), dtype=np.uint64)
    empty = np.ones(nbuckets, dtype=np.uint8)
    inbatch = np.zeros(nbuckets, dtype=np.uint8)
    queue = np.arange(m)
    deferred = np.empty(m, dtype=np.int64)
    bb = np.empty(batch, dtype=np.int64)
    be = np.empty(batch, dtype=np.int64)
    den = np.empty((batch, NLIMBS), dtype=np.uint64)
    pre = np.empty((batch, NLIMBS), dtype=np.uint64)
    qlen = m
    acc = FE_ONE
    while qlen > 0:
        nlen = 0
        t = 0
        for qi in range(qlen):
            e = queue[qi]
            b = ent_b[e]
            if inbatch[b] != 0:
                deferred[nlen] = e
                nlen += 1
                continue
            x = ld(src, 2 * ent_p[e])
            y = ld(src, 2 * ent_p[e] + 1)
            if ent_neg[e] != 0:
                y = neg(y)
            if empty[b] != 0:
                st(buckets, 2 * b, x)
                st(buckets, 2 * b + 1, y)
                empty[b] = 0
                continue
            bx = ld(buckets, 2 * b)
            if eq(bx, x):
                if not eq(ld(buckets, 2 * b + 1), y) or is_zero(y):
                    empty[b] = 1  # P + (-P); y = 0 would be 2-torsion (none in G1)
                    continue
                d = add(y, y)
            else:
                d = sub(x, bx)
            st(den, t, d)
            acc = d if t == 0 else mul(acc, d)
            st(pre, t, acc)
            bb[t] = b
            be[t] = e
            inbatch[b] = 1
            t += 1
            if t == batch:
                _flush(src, ent_p, ent_neg, buckets, inbatch, bb, be, den, pre, t)
                t = 0
        if t > 0:
            _flush(src, ent_p, ent_neg, buckets, inbatch, bb, be, den, pre, t)
        queue, deferred = deferred, queue
        qlen = nlen
    return buckets, empty


@kernel
def bucket_sum(buckets: Arr, empty: Flags, lo: int, nb: int) -> Jac:
    """sum_j (j+1) * bucket[lo + j] over nb affine buckets, by running sums.

    Runs of empty buckets cost one small multiplication (see pippenger._bucket_sum).
    """
    running = jac_inf()
    total = jac_inf()
    last = -1
    for j in range(nb - 1, -1, -1):
        b = lo + j
        if empty[b] != 0:
            continue
        if last >= 0:
            total = jac_add(total, jac_mul_small(running, last - j))
        running = jac_add_affine(running, ld(buckets, 2 * b), ld(buckets, 2 * b + 1))
        last = j
    if last >= 0:
        total = jac_add(total, jac_mul_small(running, last + 1))
    return total


@kernel
def digit_entries(
    inf: Flags, digits: Digits, nb: int, per_window: bool
) -> tuple[Digits, Digits, Flags]:
    """One (bucket, point, negate) entry per non-zero digit. ``per_window``: variable
    points, a bucket set per window (point i); otherwise a fixed-base table holding each
    window's multiple (point i * nwin + k) summed into one bucket set."""
    nwin = digits.shape[1]
    m = count_digits(inf, digits)
    ent_b = np.empty(m, dtype=np.int64)
    ent_p = np.empty(m, dtype=np.int64)
    ent_neg = np.empty(m, dtype=np.uint8)
    m = 0
    for i in range(digits.shape[0]):
        if inf[i] == 0:
            for k in range(nwin):
                d = digits[i, k]
                if d != 0:
                    j = d - 1 if d > 0 else -d - 1
                    ent_b[m] = k * nb + j if per_window else j
                    ent_p[m] = i if per_window else i * nwin + k
                    ent_neg[m] = 1 if d < 0 else 0
                    m += 1
    return ent_b, ent_p, ent_neg


@kernel
def variable_affine(pts: Arr, inf: Flags, digits: Digits, c: int) -> Jac:
    """sum_i scalar_i * pts[i]: every window's buckets filled in one batched pass."""
    nwin = digits.shape[1]
    nb = 1 << (c - 1)
    ent_b, ent_p, ent_neg = digit_entries(inf, digits, nb, True)
    buckets, empty = accumulate(pts, ent_b, ent_p, ent_neg, nwin * nb)
    return _reduce_by_bits(buckets, empty, nwin, c)


@kernel
def _reduce_by_bits(buckets: Arr, empty: Flags, nwin: int, c: int) -> Jac:
    """sum_k 2**(c k) sum_j (j + 1) bucket[k, j], as sum_p 2**p S_p (ADR 0046).

    ``S_(c k + b)`` is the sum of window k's buckets whose digit ``j + 1`` has bit b
    set; all ``c * nwin`` sums run side by side as batch-affine trees
    (``segment_sums``), then one Horner pass doubles and adds them.
    """
    nb = 1 << (c - 1)
    nseg = nwin * c
    length = np.zeros(nseg, dtype=np.int64)
    for k in range(nwin):
        for j in range(nb):
            if empty[k * nb + j] == 0:
                for b in range(c):
                    if ((j + 1) >> b) & 1:
                        length[k * c + b] += 1
    start = np.zeros(nseg, dtype=np.int64)
    total = 0
    for sg in range(nseg):
        start[sg] = total
        total += length[sg]
    xs = np.empty((max(total, 1), NLIMBS), dtype=np.uint64)
    ys = np.empty((max(total, 1), NLIMBS), dtype=np.uint64)
    fill = start.copy()
    for k in range(nwin):
        for j in range(nb):
            bk = k * nb + j
            if empty[bk] == 0:
                for b in range(c):
                    if ((j + 1) >> b) & 1:
                        sg = k * c + b
                        st(xs, fill[sg], ld(buckets, 2 * bk))
                        st(ys, fill[sg], ld(buckets, 2 * bk + 1))
                        fill[sg] += 1
    flags = segment_sums(xs, ys, start, length)
    acc = jac_inf()
    for k in range(nwin - 1, -1, -1):
        for b in range(c - 1, -1, -1):
            if not jac_is_inf(acc):
                acc = jac_double(acc)
            sg = k * c + b
            if flags[sg] == 0:
                acc = jac_add_affine(acc, ld(xs, start[sg]), ld(ys, start[sg]))
    return acc


@kernel
def fixed_affine(table: Arr, inf: Flags, digits: Digits, c: int) -> Jac:
    """sum_i scalar_i * B_i from the table of 2**(c*k) * B_i, with one affine bucket set."""
    nb = 1 << (c - 1)
    ent_b, ent_p, ent_neg = digit_entries(inf, digits, nb, False)
    buckets, empty = accumulate(table, ent_b, ent_p, ent_neg, nb)
    return bucket_sum(buckets, empty, 0, nb)
