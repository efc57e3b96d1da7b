"""Multi-scalar multiplication kernels: signed-digit bucket method (numba).

Scalars arrive as ``(n, 8)`` uint64 arrays of plain 32-bit limbs (already reduced
mod r, so < 2**254) and are recoded into signed base-2**c digits in
``[-2**(c-1), 2**(c-1)]``, which halves the number of buckets: a negative digit
adds the negated affine point.  Variable bases run the classic Pippenger loop
(one bucket pass per window, c doublings between windows).  Fixed bases use a
precomputed table of ``2**(c*k) * B_i`` in affine form, so every (base, window)
pair is one more point in a single bucket pass with no doublings (ADR 0041).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from zkp.fast._jit import kernel
from zkp.fast.curve import (
    TMP_ROWS,
    affine_neg,
    jac_add,
    jac_add_affine,
    jac_double,
    jac_set_inf,
)
from zkp.fast.field import fp_batch_inv, fp_from_mont, fp_inv, fp_is_zero, fp_mul, fp_set_one

Arr = npt.NDArray[np.uint64]
Flags = npt.NDArray[np.uint8]
Digits = npt.NDArray[np.int64]

SCALAR_BITS = 254


def num_windows(c: int) -> int:
    """Signed windows needed for scalars < 2**254: c * W >= 255 absorbs the last carry."""
    return -(-(SCALAR_BITS + 1) // c)


@kernel
def recode_signed(scalars: Arr, c: int, nwin: int) -> Digits:
    """Signed base-2**c digits of each row of ``scalars`` (least significant first)."""
    n = scalars.shape[0]
    digits = np.zeros((n, nwin), dtype=np.int64)
    half = np.int64(1) << (c - 1)
    full = np.int64(1) << c
    mask = np.uint64(full - 1)
    for i in range(n):
        carry = np.int64(0)
        for k in range(nwin):
            off = k * c
            limb = off // 32
            sh = off % 32
            w = np.uint64(0)
            if limb < 8:
                w = scalars[i, limb] >> np.uint64(sh)
                if sh + c > 32 and limb + 1 < 8:
                    w |= scalars[i, limb + 1] << np.uint64(32 - sh)
            d = np.int64(w & mask) + carry
            if d > half:
                d -= full
                carry = np.int64(1)
            else:
                carry = np.int64(0)
            digits[i, k] = d
    return digits


@kernel
def _bucket_add(bucket: Arr, q: Arr, d: np.int64, neg: Arr, tmp: Arr) -> None:
    if d > 0:
        jac_add_affine(bucket, q, bucket, tmp)
    else:
        affine_neg(q, neg)
        jac_add_affine(bucket, neg, bucket, tmp)


@kernel
def _bucket_sum(buckets: Arr, out: Arr, tmp: Arr) -> None:
    """out = sum_j (j+1) * buckets[j] via running sums."""
    running = np.empty((3, 8), dtype=np.uint64)
    jac_set_inf(running)
    jac_set_inf(out)
    for j in range(buckets.shape[0] - 1, -1, -1):
        jac_add(running, buckets[j], running, tmp)
        jac_add(out, running, out, tmp)


@kernel
def msm_variable(pts: Arr, inf: Flags, digits: Digits, c: int, out: Arr) -> None:
    """out = sum_i scalar_i * pts[i] (Jacobian) for affine Montgomery points."""
    n = pts.shape[0]
    nwin = digits.shape[1]
    nb = 1 << (c - 1)
    buckets = np.empty((nb, 3, 8), dtype=np.uint64)
    tmp = np.empty((TMP_ROWS, 8), dtype=np.uint64)
    neg = np.empty((2, 8), dtype=np.uint64)
    wsum = np.empty((3, 8), dtype=np.uint64)
    jac_set_inf(out)
    for k in range(nwin - 1, -1, -1):
        if not fp_is_zero(out[2]):
            for _ in range(c):
                jac_double(out, out, tmp)
        used = False
        for b in range(nb):
            jac_set_inf(buckets[b])
        for i in range(n):
            d = digits[i, k]
            if d != 0 and inf[i] == 0:
                idx = d - 1 if d > 0 else -d - 1
                _bucket_add(buckets[idx], pts[i], d, neg, tmp)
                used = True
        if used:
            _bucket_sum(buckets, wsum, tmp)
            jac_add(out, wsum, out, tmp)


@kernel
def msm_fixed(table: Arr, inf: Flags, digits: Digits, c: int, out: Arr) -> None:
    """out = sum_i scalar_i * B_i using table[i, k] = 2**(c*k) * B_i (affine Montgomery)."""
    n = digits.shape[0]
    nwin = digits.shape[1]
    nb = 1 << (c - 1)
    buckets = np.empty((nb, 3, 8), dtype=np.uint64)
    tmp = np.empty((TMP_ROWS, 8), dtype=np.uint64)
    neg = np.empty((2, 8), dtype=np.uint64)
    for b in range(nb):
        jac_set_inf(buckets[b])
    used = False
    for i in range(n):
        if inf[i] != 0:
            continue
        for k in range(nwin):
            d = digits[i, k]
            if d != 0:
                idx = d - 1 if d > 0 else -d - 1
                _bucket_add(buckets[idx], table[i, k], d, neg, tmp)
                used = True
    if used:
        _bucket_sum(buckets, out, tmp)
    else:
        jac_set_inf(out)


@kernel
def msm_fused(
    table: Arr,
    tinf: Flags,
    tdigits: Digits,
    tc: int,
    pts: Arr,
    pinf: Flags,
    pdigits: Digits,
    pc: int,
    out: Arr,
) -> None:
    """out = fixed-base part + variable-base part, in one call."""
    part = np.empty((3, 8), dtype=np.uint64)
    tmp = np.empty((TMP_ROWS, 8), dtype=np.uint64)
    msm_fixed(table, tinf, tdigits, tc, part)
    msm_variable(pts, pinf, pdigits, pc, out)
    jac_add(out, part, out, tmp)


@kernel
def build_table(pts: Arr, inf: Flags, c: int, nwin: int) -> Arr:
    """table[i, k] = 2**(c*k) * pts[i] in affine Montgomery form (rows of infinite bases: 0)."""
    n = pts.shape[0]
    jac = np.empty((n * nwin, 3, 8), dtype=np.uint64)
    cur = np.empty((3, 8), dtype=np.uint64)
    tmp = np.empty((TMP_ROWS, 8), dtype=np.uint64)
    for i in range(n):
        if inf[i] != 0:
            for k in range(nwin):
                jac_set_inf(jac[i * nwin + k])
            continue
        cur[0, :] = pts[i, 0]
        cur[1, :] = pts[i, 1]
        fp_set_one(cur[2])
        for k in range(nwin):
            jac[i * nwin + k] = cur
            for _ in range(c):
                jac_double(cur, cur, tmp)
    zs = np.empty((n * nwin, 8), dtype=np.uint64)
    for t in range(n * nwin):
        zs[t, :] = jac[t, 2]
    zinv = np.empty((n * nwin, 8), dtype=np.uint64)
    fp_batch_inv(zs, zinv)
    table = np.zeros((n, nwin, 2, 8), dtype=np.uint64)
    z2 = np.empty(8, dtype=np.uint64)
    for i in range(n):
        for k in range(nwin):
            t = i * nwin + k
            fp_mul(zinv[t], zinv[t], z2)
            fp_mul(jac[t, 0], z2, table[i, k, 0])
            fp_mul(z2, zinv[t], z2)
            fp_mul(jac[t, 1], z2, table[i, k, 1])
    return table


@kernel
def jac_to_plain_affine(p: Arr, out: Arr) -> bool:
    """out = affine (x, y) of p as plain integers; returns True when p is infinity."""
    if fp_is_zero(p[2]):
        return True
    zinv = np.empty(8, dtype=np.uint64)
    z2 = np.empty(8, dtype=np.uint64)
    fp_inv(p[2], zinv)
    fp_mul(zinv, zinv, z2)
    fp_mul(p[0], z2, out[0])
    fp_mul(z2, zinv, z2)
    fp_mul(p[1], z2, out[1])
    fp_from_mont(out[0], out[0])
    fp_from_mont(out[1], out[1])
    return False
