"""Straus MSM with width-w NAF digits, for a few variable points (numba kernels).

For small n the bucket method pays a bucket pass per window that the terms
cannot amortise.  Straus instead keeps a table of the odd multiples
P, 3P, ..., (2**(w-1) - 1)P of each point (normalised to affine with one batch
inversion) and runs one shared chain of ~255 doublings; each point's scalar is
recoded in width-w NAF (odd digits, at least w - 1 zeros after each non-zero one),
so it costs ~255 / (w + 1) additions instead of 255 / c for plain signed windows
(ADR 0041).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from zkp.fast._jit import kernel
from zkp.fast.convert import scalars_to_limbs
from zkp.fast.curve import (
    Jac,
    jac_add_affine,
    jac_double,
    jac_inf,
    jac_is_inf,
    ld_jac,
    st_jac,
)
from zkp.fast.field import (
    FE_ONE,
    FE_PLAIN_ONE,
    FE_ZERO,
    NLIMBS,
    P_INT,
    add,
    batch_inv,
    from_mont,
    int_to_fe,
    is_zero,
    ld,
    mul,
    neg,
    sqr,
    st,
    sub,
)
from zkp.fast.glv import BETA, split_limbs

Arr = npt.NDArray[np.uint64]
Flags = npt.NDArray[np.uint8]
Digits = npt.NDArray[np.int64]
Index = npt.NDArray[np.int64]

NAF_LEN = 256
FE_BETA = int_to_fe((BETA << 256) % P_INT)


@kernel
def _bits(k: Arr, i: int, pos: int, count: int) -> np.int64:
    """``count`` (<= 16) bits of scalar row i (8 x 32-bit limbs) from bit ``pos``; 0 past 256."""
    limb = pos >> 5
    if limb >= 8:
        return np.int64(0)
    off = np.uint64(pos & 31)
    v = k[i, limb] >> off
    if limb < 7 and off + np.uint64(count) > np.uint64(32):
        v |= k[i, limb + 1] << (np.uint64(32) - off)
    return np.int64(v & np.uint64((1 << count) - 1))


@kernel
def _bit_length(scalars: Arr, i: int) -> int:
    """Bit length of scalar row i (8 x 32-bit limbs)."""
    for j in range(7, -1, -1):
        if scalars[i, j] != 0:
            v = scalars[i, j]
            top = 32 * j
            while v != 0:
                v >>= np.uint64(1)
                top += 1
            return top
    return 0


@kernel
def recode_wnaf(scalars: Arr, w: int) -> Digits:
    """Width-w NAF digits (n, L) of scalars < 2**254 (plain limbs), least significant first.

    Every non-zero digit is odd, below 2**(w-1) in magnitude, and followed by at least
    w - 1 zeros. Bits are read in place (no shifting of the limbs): a position whose bit
    equals the pending carry is a zero digit, otherwise the next w bits plus the carry
    form one signed digit. ``L`` is one more than the longest scalar's bit length (a NAF
    is at most that long), at most ``NAF_LEN``: GLV halves give ~130 columns instead of
    256, so the kernels' scans and the array are half as long (ADR 0053).
    """
    n = scalars.shape[0]
    longest = 0
    for i in range(n):
        longest = max(longest, _bit_length(scalars, i))
    digits = np.zeros((n, min(NAF_LEN, longest + 1)), dtype=np.int64)
    for i in range(n):
        top = _bit_length(scalars, i)
        carry = np.int64(0)
        pos = 0
        while pos < NAF_LEN and (pos < top or carry != 0):
            if _bits(scalars, i, pos, 1) == carry:
                pos += 1
                continue
            d = _bits(scalars, i, pos, w) + carry
            carry = (d >> (w - 1)) & 1
            d -= carry << w
            digits[i, pos] = d
            pos += w
    return digits


@kernel
def glv_naf(limbs: Arr, w: int) -> tuple[Digits, Flags]:
    """Width-w NAF digits (2n rows: |k1|, |k2| per scalar) and half-scalar signs of
    ``(n, 8)`` 32-bit limbs of scalars < r: ``glv.split_limbs`` and :func:`recode_wnaf`
    in one kernel call."""
    halves, signs = split_limbs(limbs)
    return recode_wnaf(halves, w), signs


def glv_digits(scalars: Sequence[int], w: int) -> tuple[Digits, Flags]:
    """:func:`glv_naf` of Python int scalars (any ints; reduced mod r)."""
    return glv_naf(scalars_to_limbs(scalars), w)


AFFINE_FROM = 24  # from this many finite points, tables are built in affine batches


@kernel
def _odd_multiples_affine(pts: Arr, inf: Flags, nt: int) -> Arr:
    """:func:`_odd_multiples` in affine coordinates, all points side by side (ADR 0053).

    2P for every point with one batch inversion, then (2j + 1)P = (2j - 1)P + 2P, each
    round one batch inversion for all points: ~6 multiplications per entry instead of
    a mixed addition plus normalisation, but ``nt`` inversions, so worth it for many
    points. On the curve (prime order, no point of order 2) no denominator is zero;
    ``batch_inv`` maps a zero of a point off the curve to zero (garbage for that point only).
    """
    n = inf.shape[0]
    table = np.zeros((2 * n * nt, NLIMBS), dtype=np.uint64)
    live = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(n):
        if inf[i] == 0:
            live[m] = i
            m += 1
    if m == 0:
        return table
    den = np.empty((m, NLIMBS), dtype=np.uint64)
    dinv = np.empty((m, NLIMBS), dtype=np.uint64)
    tx = np.empty((m, NLIMBS), dtype=np.uint64)
    ty = np.empty((m, NLIMBS), dtype=np.uint64)
    for u in range(m):
        i = live[u]
        y = ld(pts, 2 * i + 1)
        st(table, 2 * i * nt, ld(pts, 2 * i))
        st(table, 2 * i * nt + 1, y)
        st(den, u, add(y, y))
    batch_inv(den, dinv)
    for u in range(m):  # 2P: lambda = 3x^2 / 2y
        i = live[u]
        x = ld(pts, 2 * i)
        x2 = sqr(x)
        lam = mul(add(add(x2, x2), x2), ld(dinv, u))
        x3 = sub(sub(sqr(lam), x), x)
        st(tx, u, x3)
        st(ty, u, sub(mul(lam, sub(x, x3)), ld(pts, 2 * i + 1)))
    for j in range(1, nt):
        for u in range(m):
            st(den, u, sub(ld(tx, u), ld(table, 2 * (live[u] * nt + j - 1))))
        batch_inv(den, dinv)
        for u in range(m):
            r = 2 * (live[u] * nt + j - 1)
            xp = ld(table, r)
            yp = ld(table, r + 1)
            lam = mul(sub(ld(ty, u), yp), ld(dinv, u))
            x3 = sub(sub(sqr(lam), xp), ld(tx, u))
            st(table, r + 2, x3)
            st(table, r + 3, sub(mul(lam, sub(xp, x3)), yp))
    return table


@kernel
def _odd_multiples(pts: Arr, inf: Flags, nt: int) -> Arr:
    """Affine rows (2 n nt, NLIMBS): entry i * nt + j = (2j + 1) * pts[i] (zero rows if infinite)."""
    n = inf.shape[0]
    live = 0
    for i in range(n):
        if inf[i] == 0:
            live += 1
    if live >= AFFINE_FROM:
        return _odd_multiples_affine(pts, inf, nt)
    m = n * nt
    jac = np.empty((3 * m, NLIMBS), dtype=np.uint64)
    for i in range(n):
        if inf[i] != 0:
            for j in range(nt):
                st_jac(jac, i * nt + j, jac_inf())
            continue
        x = ld(pts, 2 * i)
        y = ld(pts, 2 * i + 1)
        two = jac_double((x, y, FE_ONE))
        st_jac(jac, i * nt, (x, y, FE_ONE))
        # on the isomorphic curve (x, y) -> (x Z^2, y Z^3), Z = Z(2P), 2P is affine
        # (X, Y): mixed additions (the a = 0 formulas do not use b); Z' * Z maps back
        z2 = sqr(two[2])
        cur = (mul(x, z2), mul(y, mul(z2, two[2])), FE_ONE)
        for j in range(1, nt):
            cur = jac_add_affine(cur, two[0], two[1])
            st_jac(jac, i * nt + j, (cur[0], cur[1], mul(cur[2], two[2])))
    zs = np.empty((m, NLIMBS), dtype=np.uint64)
    for t in range(m):
        st(zs, t, ld(jac, 3 * t + 2))
    zinv = np.empty((m, NLIMBS), dtype=np.uint64)
    batch_inv(zs, zinv)
    table = np.zeros((2 * m, NLIMBS), dtype=np.uint64)
    for t in range(m):
        zi = ld(zinv, t)
        zi2 = sqr(zi)
        p = ld_jac(jac, t)
        st(table, 2 * t, mul(p[0], zi2))
        st(table, 2 * t + 1, mul(p[1], mul(zi2, zi)))
    return table


@kernel
def _loop(table: Arr, inf: Flags, naf: Digits, nt: int) -> Jac:
    """Shared doubling chain; virtual point i adds its table row i * nt + (|d| - 1) / 2."""
    n = inf.shape[0]
    top = -1
    for i in range(n):
        if inf[i] == 0:
            for pos in range(naf.shape[1] - 1, top, -1):
                if naf[i, pos] != 0:
                    top = pos
                    break
    acc = jac_inf()
    for pos in range(top, -1, -1):
        if not jac_is_inf(acc):
            acc = jac_double(acc)
        for i in range(n):
            d = naf[i, pos]
            if d == 0 or inf[i] != 0:
                continue
            t = i * nt + ((d if d > 0 else -d) - 1) // 2
            y = ld(table, 2 * t + 1)
            if d < 0:
                y = neg(y)
            acc = jac_add_affine(acc, ld(table, 2 * t), y)
    return acc


@kernel
def straus(pts: Arr, inf: Flags, naf: Digits, w: int) -> Jac:
    """sum_i scalar_i * pts[i] (Jacobian) from width-w NAF digits."""
    nt = 1 << (w - 2)
    return _loop(_odd_multiples(pts, inf, nt), inf, naf, nt)


@kernel
def glv_table(pts: Arr, inf: Flags, signs: Flags, nt: int) -> tuple[Arr, Flags]:
    """Odd-multiple tables of the 2n virtual points P_i, phi(P_i) (signs applied) and flags.

    ``signs[j]`` marks a negative half scalar; phi(x, y) = (beta * x, y), so the
    table of phi(P) is P's table with x scaled by beta, and a sign flips y.
    """
    n = inf.shape[0]
    base = _odd_multiples(pts, inf, nt)
    table = np.empty((4 * n * nt, NLIMBS), dtype=np.uint64)
    inf2 = np.empty(2 * n, dtype=np.uint8)
    for i in range(n):
        for h in range(2):
            j = 2 * i + h
            inf2[j] = inf[i]
            for e in range(nt):
                x = ld(base, 2 * (i * nt + e))
                y = ld(base, 2 * (i * nt + e) + 1)
                if h == 1:
                    x = mul(x, FE_BETA)
                if signs[j] != 0:
                    y = neg(y)
                st(table, 2 * (j * nt + e), x)
                st(table, 2 * (j * nt + e) + 1, y)
    return table, inf2


@kernel
def straus_glv(pts: Arr, inf: Flags, naf: Digits, signs: Flags, w: int) -> Jac:
    """sum_i (k1_i * pts[i] + k2_i * phi(pts[i])) from NAF rows 2i (|k1_i|), 2i+1 (|k2_i|)."""
    nt = 1 << (w - 2)
    table, inf2 = glv_table(pts, inf, signs, nt)
    return _loop(table, inf2, naf, nt)


@kernel
def glv_table_plain(pts: Arr, inf: Flags, nt: int) -> Arr:
    """Odd-multiple tables of P_i (virtual point 2i) and phi(P_i) (2i + 1), no signs:
    entry e of virtual point j is rows ``2 (j nt + e)``, ``+ 1``."""
    n = inf.shape[0]
    base = _odd_multiples(pts, inf, nt)
    table = np.empty((4 * n * nt, NLIMBS), dtype=np.uint64)
    for i in range(n):
        for e in range(nt):
            x = ld(base, 2 * (i * nt + e))
            y = ld(base, 2 * (i * nt + e) + 1)
            st(table, 2 * (2 * i * nt + e), x)
            st(table, 2 * (2 * i * nt + e) + 1, y)
            st(table, 2 * ((2 * i + 1) * nt + e), mul(x, FE_BETA))
            st(table, 2 * ((2 * i + 1) * nt + e) + 1, y)
    return table


@kernel
def _loop_terms(
    table: Arr, inf: Flags, which: Index, lo: int, hi: int, naf: Digits, signs: Flags, nt: int
) -> Jac:
    """Σ over terms t in [lo, hi) of k_t·P_which[t]: GLV NAF rows 2t (|k1|, on P) and
    2t + 1 (|k2|, on phi(P)), signs applied at lookup (tables of :func:`glv_table_plain`)."""
    top = -1
    for t in range(lo, hi):
        if inf[which[t]] == 0:
            for r in range(2 * t, 2 * t + 2):
                for pos in range(naf.shape[1] - 1, top, -1):
                    if naf[r, pos] != 0:
                        top = pos
                        break
    acc = jac_inf()
    for pos in range(top, -1, -1):
        if not jac_is_inf(acc):
            acc = jac_double(acc)
        for r in range(2 * lo, 2 * hi):
            d = naf[r, pos]
            if d == 0:
                continue
            i = which[r >> 1]
            if inf[i] != 0:
                continue
            e = 2 * ((2 * i + (r & 1)) * nt + ((d if d > 0 else -d) - 1) // 2)
            y = ld(table, e + 1)
            if (d < 0) != (signs[r] != 0):
                y = neg(y)
            acc = jac_add_affine(acc, ld(table, e), y)
    return acc


@kernel
def straus_glv_many(
    pts: Arr, inf: Flags, which: Index, naf: Digits, signs: Flags, w: int, bounds: Index,
    out: Arr,
) -> None:  # fmt: skip
    """Independent GLV-Straus MSMs over term ranges [bounds[q], bounds[q+1]).

    Term t multiplies point ``which[t]`` of ``pts``/``inf`` (a point may serve several
    terms and jobs: one table per point, ADR 0053); its GLV NAF rows are 2t and 2t + 1.
    All tables share the inversions of one build and all results one more: out
    (3k, NLIMBS) receives plain (X, Y, Z) with Z = 1 (affine, Z = 0 for infinity).
    """
    nt = 1 << (w - 2)
    table = glv_table_plain(pts, inf, nt)
    k = bounds.shape[0] - 1
    jac = np.empty((3 * k, NLIMBS), dtype=np.uint64)
    for q in range(k):
        st_jac(jac, q, _loop_terms(table, inf, which, bounds[q], bounds[q + 1], naf, signs, nt))
    zs = np.empty((k, NLIMBS), dtype=np.uint64)
    for q in range(k):
        st(zs, q, ld(jac, 3 * q + 2))
    zinv = np.empty((k, NLIMBS), dtype=np.uint64)
    batch_inv(zs, zinv)
    for q in range(k):
        p = ld_jac(jac, q)
        if is_zero(p[2]):
            st(out, 3 * q, FE_ZERO)
            st(out, 3 * q + 1, FE_ZERO)
            st(out, 3 * q + 2, FE_ZERO)
            continue
        zi = ld(zinv, q)
        zi2 = sqr(zi)
        st(out, 3 * q, from_mont(mul(p[0], zi2)))
        st(out, 3 * q + 1, from_mont(mul(p[1], mul(zi2, zi))))
        st(out, 3 * q + 2, FE_PLAIN_ONE)
