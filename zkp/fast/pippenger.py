"""Multi-scalar multiplication kernels: signed-digit bucket method (numba).

Scalars arrive as ``(n, 8)`` uint64 arrays of plain 32-bit limbs (already reduced
mod r, so < 2**254) and are recoded into signed base-2**c digits in
``[-2**(c-1), 2**(c-1)]``, which halves the number of buckets: a negative digit
adds the negated affine point.  Variable bases run the classic Pippenger loop
(one bucket pass per window, c doublings between windows).  Fixed bases use a
precomputed table of ``2**(c*k) * B_i`` in affine form, so every (base, window)
pair is one more point in a single bucket pass with no doublings (ADR 0041).

Array layouts: affine points ``(2n, NLIMBS)`` (x then y per point, Montgomery form),
infinity flags ``(n,)`` uint8, digits ``(n, W)`` int64, a fixed-base table
``(2 n W, NLIMBS)`` with entry (i, k) at point index ``i * W + k``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from zkp.fast._jit import kernel
from zkp.fast.batch_affine import fixed_affine, variable_affine
from zkp.fast.curve import (
    Jac,
    jac_add,
    jac_add_affine,
    jac_double,
    jac_inf,
    jac_is_inf,
    jac_mul_small,
    ld_jac,
    st_jac,
)
from zkp.fast.field import FE_ONE, NLIMBS, batch_inv, ld, mul, neg, sqr, st
from zkp.fast.fixed_tree import fixed_tree
from zkp.fast.straus import straus, straus_glv

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
def _bucket_add(buckets: Arr, d: int, pts: Arr, j: int) -> None:
    """buckets[|d| - 1] += sign(d) * affine point j of ``pts``."""
    x = ld(pts, 2 * j)
    y = ld(pts, 2 * j + 1)
    if d > 0:
        b = d - 1
    else:
        b = -d - 1
        y = neg(y)
    st_jac(buckets, b, jac_add_affine(ld_jac(buckets, b), x, y))


@kernel
def _bucket_sum(buckets: Arr, nb: int) -> Jac:
    """sum_j (j+1) * buckets[j] via running sums, skipping runs of empty buckets.

    With non-empty buckets j_1 > ... > j_m and running sums S_t, the total is
    sum_t S_t * (j_t - j_{t+1}) (j_{m+1} = -1): a run of empty buckets costs one
    small multiplication instead of one addition per bucket.
    """
    running = jac_inf()
    total = jac_inf()
    last = -1
    for j in range(nb - 1, -1, -1):
        b = ld_jac(buckets, j)
        if jac_is_inf(b):
            continue
        if last >= 0:
            total = jac_add(total, jac_mul_small(running, last - j))
        running = jac_add(running, b)
        last = j
    if last >= 0:
        total = jac_add(total, jac_mul_small(running, last + 1))
    return total


@kernel
def _clear(buckets: Arr, nb: int) -> None:
    inf = jac_inf()
    for b in range(nb):
        st_jac(buckets, b, inf)


@kernel
def _variable(pts: Arr, inf: Flags, digits: Digits, c: int) -> Jac:
    n = inf.shape[0]
    nwin = digits.shape[1]
    nb = 1 << (c - 1)
    buckets = np.empty((3 * nb, NLIMBS), dtype=np.uint64)
    acc = jac_inf()
    for k in range(nwin - 1, -1, -1):
        if not jac_is_inf(acc):
            for _ in range(c):
                acc = jac_double(acc)
        _clear(buckets, nb)
        used = False
        for i in range(n):
            d = digits[i, k]
            if d != 0 and inf[i] == 0:
                _bucket_add(buckets, d, pts, i)
                used = True
        if used:
            acc = jac_add(acc, _bucket_sum(buckets, nb))
    return acc


@kernel
def _fixed(table: Arr, inf: Flags, digits: Digits, c: int) -> Jac:
    n = digits.shape[0]
    nwin = digits.shape[1]
    nb = 1 << (c - 1)
    buckets = np.empty((3 * nb, NLIMBS), dtype=np.uint64)
    _clear(buckets, nb)
    used = False
    for i in range(n):
        if inf[i] != 0:
            continue
        for k in range(nwin):
            d = digits[i, k]
            if d != 0:
                _bucket_add(buckets, d, table, i * nwin + k)
                used = True
    if not used:
        return jac_inf()
    return _bucket_sum(buckets, nb)


METHOD_BUCKETS = 0
METHOD_STRAUS = 1
METHOD_AFFINE = 2
METHOD_GLV = 3


@kernel
def _any_variable(pts: Arr, inf: Flags, digits: Digits, signs: Flags, c: int, method: int) -> Jac:
    if method == METHOD_GLV:
        return straus_glv(pts, inf, digits, signs, c)
    if method == METHOD_STRAUS:
        return straus(pts, inf, digits, c)
    if method == METHOD_AFFINE:
        return variable_affine(pts, inf, digits, c)
    return _variable(pts, inf, digits, c)


FIXED_BUCKETS = 0
FIXED_AFFINE = 1
FIXED_TREE = 2


@kernel
def _any_fixed(table: Arr, inf: Flags, digits: Digits, c: int, mode: int) -> Jac:
    if mode == FIXED_TREE:
        return fixed_tree(table, inf, digits, c)
    if mode == FIXED_AFFINE:
        return fixed_affine(table, inf, digits, c)
    return _fixed(table, inf, digits, c)


@kernel
def msm_fused(
    table: Arr,
    tinf: Flags,
    tdigits: Digits,
    tc: int,
    tmode: int,
    pts: Arr,
    pinf: Flags,
    pdigits: Digits,
    psigns: Flags,
    pc: int,
    method: int,
    out: Arr,
) -> None:
    """out (3, NLIMBS) = fixed-base part + variable-base part, in one call.

    ``tmode`` is FIXED_BUCKETS, FIXED_AFFINE (batch-affine buckets) or FIXED_TREE
    (a table of every window multiple, ``zkp.fast.fixed_tree``) for the fixed part; ``method`` is
    METHOD_BUCKETS, METHOD_STRAUS, METHOD_AFFINE or METHOD_GLV for the variable
    part (``psigns``: GLV half-scalar signs, empty otherwise).
    """
    var = _any_variable(pts, pinf, pdigits, psigns, pc, method)
    st_jac(out, 0, jac_add(_any_fixed(table, tinf, tdigits, tc, tmode), var))


@kernel
def sum_partials(parts: Arr, out: Arr) -> None:
    """out (3, NLIMBS) = sum of the Jacobian points stored in parts (3k, NLIMBS)."""
    acc = jac_inf()
    for j in range(parts.shape[0] // 3):
        acc = jac_add(acc, ld_jac(parts, j))
    st_jac(out, 0, acc)


@kernel
def build_table(pts: Arr, inf: Flags, c: int, nwin: int) -> Arr:
    """Rows (2 n W, NLIMBS): entry i * W + k = 2**(c*k) * pts[i], affine Montgomery (0 if infinite)."""
    n = inf.shape[0]
    m = n * nwin
    jac = np.empty((3 * m, NLIMBS), dtype=np.uint64)
    for i in range(n):
        if inf[i] != 0:
            for k in range(nwin):
                st_jac(jac, i * nwin + k, jac_inf())
            continue
        cur = (ld(pts, 2 * i), ld(pts, 2 * i + 1), FE_ONE)
        for k in range(nwin):
            st_jac(jac, i * nwin + k, cur)
            for _ in range(c):
                cur = jac_double(cur)
    zs = np.empty((m, NLIMBS), dtype=np.uint64)
    for t in range(m):
        st(zs, t, ld(jac, 3 * t + 2))
    zinv = np.empty((m, NLIMBS), dtype=np.uint64)
    batch_inv(zs, zinv)
    table = np.zeros((2 * m, NLIMBS), dtype=np.uint64)
    for t in range(m):
        zi = ld(zinv, t)
        zi2 = sqr(zi)
        st(table, 2 * t, mul(ld(jac, 3 * t), zi2))
        st(table, 2 * t + 1, mul(ld(jac, 3 * t + 1), mul(zi2, zi)))
    return table
