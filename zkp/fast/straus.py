"""Straus (interleaved windows) MSM for a few variable points (numba kernel).

For small n the bucket method pays a bucket pass per window that the terms
cannot amortise.  Straus instead precomputes 1..2**(c-1) times each point
(normalised to affine with one batch inversion) and runs one shared chain of
doublings, adding the signed-digit multiple of every point in each window (ADR 0041).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from zkp.fast._jit import kernel
from zkp.fast.curve import Jac, jac_add_affine, jac_double, jac_inf, jac_is_inf, ld_jac, st_jac
from zkp.fast.field import FE_ONE, batch_inv, ld, mul, neg, sqr, st

Arr = npt.NDArray[np.uint64]
Flags = npt.NDArray[np.uint8]
Digits = npt.NDArray[np.int64]


@kernel
def _multiples(pts: Arr, inf: Flags, nb: int) -> Arr:
    """Affine rows (2 n nb, 8): entry i * nb + j = (j + 1) * pts[i] (zero rows if infinite)."""
    n = inf.shape[0]
    m = n * nb
    jac = np.empty((3 * m, 8), dtype=np.uint64)
    for i in range(n):
        if inf[i] != 0:
            for j in range(nb):
                st_jac(jac, i * nb + j, jac_inf())
            continue
        x = ld(pts, 2 * i)
        y = ld(pts, 2 * i + 1)
        cur = (x, y, FE_ONE)
        st_jac(jac, i * nb, cur)
        for j in range(1, nb):
            cur = jac_add_affine(cur, x, y)
            st_jac(jac, i * nb + j, cur)
    zs = np.empty((m, 8), dtype=np.uint64)
    for t in range(m):
        st(zs, t, ld(jac, 3 * t + 2))
    zinv = np.empty((m, 8), dtype=np.uint64)
    batch_inv(zs, zinv)
    table = np.zeros((2 * m, 8), dtype=np.uint64)
    for t in range(m):
        zi = ld(zinv, t)
        zi2 = sqr(zi)
        p = ld_jac(jac, t)
        st(table, 2 * t, mul(p[0], zi2))
        st(table, 2 * t + 1, mul(p[1], mul(zi2, zi)))
    return table


@kernel
def straus(pts: Arr, inf: Flags, digits: Digits, c: int) -> Jac:
    """sum_i scalar_i * pts[i] (Jacobian) from signed base-2**c digits."""
    n = inf.shape[0]
    nwin = digits.shape[1]
    nb = 1 << (c - 1)
    table = _multiples(pts, inf, nb)
    acc = jac_inf()
    for k in range(nwin - 1, -1, -1):
        if not jac_is_inf(acc):
            for _ in range(c):
                acc = jac_double(acc)
        for i in range(n):
            d = digits[i, k]
            if d == 0 or inf[i] != 0:
                continue
            t = i * nb + (d - 1 if d > 0 else -d - 1)
            y = ld(table, 2 * t + 1)
            if d < 0:
                y = neg(y)
            acc = jac_add_affine(acc, ld(table, 2 * t), y)
    return acc
