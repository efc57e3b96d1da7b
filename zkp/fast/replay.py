"""The compat point-FFT revert replay in one numba kernel per base (ADR 0047, 0048).

Same verdict as ``zkp.reference.evm_quirks.replay_convolutions_batched`` (ADR 0051):
the contract reverts exactly when the odd input of some butterfly of its forward FFT
of the base points or of the inverse FFTs of the two folded vectors is the identity.
Here the recursion runs bottom-up (bit-reversed order, the same butterflies and
twiddles ``ω^(i·N/s)`` at size ``s``), every point stays in Jacobian coordinates
inside the kernel, and multiplications use GLV with width-w NAF over affine
odd-multiple tables (``φ(x, y) = (βx, y)``), normalised with one inversion per stage.
Only checked values are computed (ADR 0048): the forward FFT stops below its top
stage (the fold is formed from the halves' FFTs), the inverse FFTs skip their top
stages, and folded value 0 is only formed when the caller wants the ring sum
``h·Σ r0[j]·B_j`` (compat's ``CR00``/``yR00``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

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
    jac_neg,
    st_jac,
)
from zkp.fast.field import FE_ONE, NLIMBS, batch_inv, ld, mul, neg, sqr, st
from zkp.fast.straus import FE_BETA, glv_digits
from zkp.reference.evm_quirks import UNITY
from zkp.reference.field import Q, inv

Arr = npt.NDArray[np.uint64]
Flags = npt.NDArray[np.uint8]
Digits = npt.NDArray[np.int64]

W_FOLD = 5  # NAF width of the fold's two-term sums (each table serves both rows)
W = 4  # NAF width of the replay's multiplications (tables of 4 odd multiples)


@kernel
def _tables(src: Arr, idx: npt.NDArray[np.int64], m: int, w: int) -> tuple[Arr, Flags]:
    """Affine odd multiples P, 3P, .., (2 nt - 1)P of the Jacobian points src[idx[0..m)],
    normalised with one batch inversion; rows ``2 (j nt + e)``, flags for infinity."""
    nt = 1 << (w - 2)
    jac = np.empty((3 * m * nt, NLIMBS), dtype=np.uint64)
    tinf = np.zeros(m, dtype=np.uint8)
    for j in range(m):
        q = idx[j]
        p = (ld(src, 3 * q), ld(src, 3 * q + 1), ld(src, 3 * q + 2))
        if jac_is_inf(p):
            tinf[j] = 1
            for e in range(nt):
                st_jac(jac, j * nt + e, (FE_ONE, FE_ONE, FE_ONE))
            continue
        cur = p
        two = jac_double(p)
        for e in range(nt):
            if e > 0:
                cur = jac_add(cur, two)
            st_jac(jac, j * nt + e, cur)
    zs = np.empty((m * nt, NLIMBS), dtype=np.uint64)
    for t in range(m * nt):
        st(zs, t, ld(jac, 3 * t + 2))
    zinv = np.empty((m * nt, NLIMBS), dtype=np.uint64)
    batch_inv(zs, zinv)
    table = np.empty((2 * m * nt, NLIMBS), dtype=np.uint64)
    for t in range(m * nt):
        zi = ld(zinv, t)
        zi2 = sqr(zi)
        st(table, 2 * t, mul(ld(jac, 3 * t), zi2))
        st(table, 2 * t + 1, mul(ld(jac, 3 * t + 1), mul(zi2, zi)))
    return table, tinf


@kernel
def _glv_sum(
    table: Arr, tinf: Flags, slots: npt.NDArray[np.int64], k: int, naf: Digits,
    signs: Flags, rows: npt.NDArray[np.int64], w: int,
) -> Jac:  # fmt: skip
    """Σ_j s_j·P_j over the points with tables ``slots[0..k)`` (see :func:`_tables`);
    s_j's GLV NAF rows are rows[j] (|k1|, on P) and rows[j] + 1 (|k2|, on φ(P))."""
    nt = 1 << (w - 2)
    top = -1
    for j in range(k):
        if tinf[slots[j]] != 0:
            continue
        for pos in range(naf.shape[1] - 1, top, -1):
            if naf[rows[j], pos] != 0 or naf[rows[j] + 1, pos] != 0:
                top = pos
                break
    acc = jac_inf()
    for pos in range(top, -1, -1):
        if not jac_is_inf(acc):
            acc = jac_double(acc)
        for v in range(2 * k):
            j = v // 2
            if tinf[slots[j]] != 0:
                continue
            r = rows[j] + v % 2
            d = naf[r, pos]
            if d == 0:
                continue
            t = 2 * (slots[j] * nt + ((d if d > 0 else -d) - 1) // 2)
            x = ld(table, t)
            if v % 2 == 1:
                x = mul(x, FE_BETA)
            y = ld(table, t + 1)
            if (d < 0) != (signs[r] != 0):
                y = neg(y)
            acc = jac_add_affine(acc, x, y)
    return acc


@kernel
def _fft_reverts(a: Arr, lo: int, cnt: int, n: int, full: int, naf: Digits, signs: Flags) -> bool:
    """In-place unscaled DIT FFTs of size n of each block of n Jacobian points in
    ``a[lo .. lo + cnt)`` (bit-reversed input, natural-order output) with the twiddles
    of a size-``full`` FFT (n divides it and cnt).

    Twiddle ``ω^j`` (``ω`` of order ``full``) has GLV rows ``2(j-1)``, ``2(j-1)+1``
    (``ω^0 = 1`` is not multiplied); at size ``s`` butterfly ``i`` uses ``j = i·full/s``.
    True as soon as a butterfly's odd input is the identity. Each stage builds the
    tables of all its multiplied points, in every block, with one inversion.
    """
    slot = np.empty(1, dtype=np.int64)
    row = np.empty(1, dtype=np.int64)
    idx = np.empty(max(cnt, 1), dtype=np.int64)
    s = 2
    while s <= n:
        h = s // 2
        step = full // s
        m = 0
        for o in range(lo, lo + cnt, s):
            for i in range(h):
                q = o + h + i
                if jac_is_inf((ld(a, 3 * q), ld(a, 3 * q + 1), ld(a, 3 * q + 2))):
                    return True
                if i > 0:
                    idx[m] = q
                    m += 1
        if m > 0:
            table, tinf = _tables(a, idx, m, W)
        else:  # only ω^0 at this stage: no multiplication, no inversion
            table = np.empty((0, NLIMBS), dtype=np.uint64)
            tinf = np.empty(0, dtype=np.uint8)
        m = 0
        for o in range(lo, lo + cnt, s):
            for i in range(h):
                q = o + h + i
                if i == 0:
                    t = (ld(a, 3 * q), ld(a, 3 * q + 1), ld(a, 3 * q + 2))
                else:
                    slot[0] = m
                    row[0] = 2 * (i * step - 1)
                    t = _glv_sum(table, tinf, slot, 1, naf, signs, row, W)
                    m += 1
                p = o + i
                even = (ld(a, 3 * p), ld(a, 3 * p + 1), ld(a, 3 * p + 2))
                st_jac(a, p, jac_add(even, t))
                st_jac(a, q, jac_add(even, jac_neg(t)))
        s *= 2
    return False


@kernel
def _any_inf(a: Arr, lo: int, hi: int) -> bool:
    """True when one of the Jacobian points ``a[lo .. hi)`` is the identity."""
    for q in range(lo, hi):
        if jac_is_inf((ld(a, 3 * q), ld(a, 3 * q + 1), ld(a, 3 * q + 2))):
            return True
    return False


@kernel
def _check_reverts(a: Arr, n: int, naf: Digits, signs: Flags) -> bool:
    """True iff the FFT of the n bit-reversed points ``a`` reverts; its outputs unused.

    The top stage's outputs are never checked, so its multiplications are skipped: its
    odd inputs (the FFT of the upper half, computed and checked in full) are checked,
    and the lower half recurses. In place, this is a full FFT with checked outputs of
    every block ``[2^k, 2^(k+1))``; block ``[0, 1)`` is never an odd input.
    """
    size = n // 2
    while size >= 1:
        if _fft_reverts(a, size, size, size, n, naf, signs) or _any_inf(a, size, 2 * size):
            return True
        size //= 2
    return False


@kernel
def _bit_reverse(src: Arr, n: int) -> Arr:
    """(3n, NLIMBS) Jacobian copy of n Jacobian points in bit-reversed order."""
    out = np.empty((3 * n, NLIMBS), dtype=np.uint64)
    bits = 0
    while (1 << bits) < n:
        bits += 1
    for i in range(n):
        r = 0
        for b in range(bits):
            r |= ((i >> b) & 1) << (bits - 1 - b)
        for c in range(3):
            for j in range(NLIMBS):
                out[3 * r + c, j] = src[3 * i + c, j]
    return out


@kernel
def _affine_rows(jac: Arr) -> tuple[Arr, Flags]:
    """Affine Montgomery rows (2k, NLIMBS) and infinity flags of k Jacobian points."""
    k = jac.shape[0] // 3
    zs = np.empty((k, NLIMBS), dtype=np.uint64)
    for q in range(k):
        st(zs, q, ld(jac, 3 * q + 2))
    zinv = np.empty((k, NLIMBS), dtype=np.uint64)
    batch_inv(zs, zinv)
    rows = np.zeros((2 * k, NLIMBS), dtype=np.uint64)
    inf = np.zeros(k, dtype=np.uint8)
    for q in range(k):
        if jac_is_inf((ld(jac, 3 * q), ld(jac, 3 * q + 1), ld(jac, 3 * q + 2))):
            inf[q] = 1
            continue
        zi = ld(zinv, q)
        zi2 = sqr(zi)
        st(rows, 2 * q, mul(ld(jac, 3 * q), zi2))
        st(rows, 2 * q + 1, mul(ld(jac, 3 * q + 1), mul(zi2, zi)))
    return rows, inf


@kernel
def replay_bases(
    base: Arr, binf: Flags, nb: int, tw_naf: Digits, tw_signs: Flags, fold_naf: Digits,
    fold_signs: Flags, inv_naf: Digits, inv_signs: Flags, want: bool,
) -> tuple[bool, Arr, Flags]:  # fmt: skip
    """(reverts?, rows, flags): True iff ``assembleConvolutions`` on one of the ``nb``
    bases would revert; all bases in one call (ADR 0053).

    ``base``/``binf``: affine Montgomery rows and infinity flags of the ``nb`` bases of N
    points each, one after the other. The forward FFT stops below its top stage: the even
    and odd halves' FFTs ``E``, ``O`` (all checked, and ``O``'s values are the top stage's
    odd inputs); the top stage's outputs ``E[i] ± ω^i O[i]`` only feed the fold, so folded
    value ``i`` of row r is ``α·E[i] + β·O[i]`` with GLV rows ``2(2(r h + i))`` (α) and
    ``2(2(r h + i) + 1)`` (β) of ``fold_naf`` (the same for every base), for
    ``i = 1 .. h-1`` (folded value 0 is never checked). The half FFTs of all bases share
    one table inversion per stage, the fold tables of all bases one more.

    With ``want`` (and no revert), ``rows``/``flags`` hold the affine sum of row 0's
    folded values of each base, folded value 0 included: ``Σ_i folded_0[i] = h · Σ_j
    r0[j]·P_j`` (the inverse FFT's output 0, ``1/2`` factors dropped); else no rows.
    """
    n = binf.shape[0] // nb
    h = n // 2
    none_rows = np.zeros((0, NLIMBS), dtype=np.uint64)
    none_flags = np.zeros(0, dtype=np.uint8)
    a = np.empty((3 * nb * n, NLIMBS), dtype=np.uint64)
    jac = np.empty((3 * n, NLIMBS), dtype=np.uint64)
    for q in range(nb):
        for i in range(n):
            k = q * n + i
            if binf[k] != 0:
                st_jac(jac, i, jac_inf())
            else:
                st_jac(jac, i, (ld(base, 2 * k), ld(base, 2 * k + 1), FE_ONE))
        a[3 * q * n : 3 * (q + 1) * n] = _bit_reverse(jac, n)
    if _fft_reverts(a, 0, nb * n, h, n, tw_naf, tw_signs):
        return True, none_rows, none_flags
    for q in range(nb):
        if _any_inf(a, q * n + h, (q + 1) * n):
            return True, none_rows, none_flags
    if h < 2 and not want:
        return False, none_rows, none_flags
    idx = np.arange(nb * n)
    table, tinf = _tables(a, idx, nb * n, W_FOLD)
    slots = np.empty(2, dtype=np.int64)
    rows = np.empty(2, dtype=np.int64)
    totals = np.zeros((3 * nb, NLIMBS), dtype=np.uint64)
    folded = np.empty((3 * h, NLIMBS), dtype=np.uint64)
    for q in range(nb):
        for r in range(2):
            st_jac(folded, 0, jac_inf())
            for i in range(0 if want and r == 0 else 1, h):
                slots[0] = q * n + i
                slots[1] = q * n + i + h
                rows[0] = 4 * (r * h + i)
                rows[1] = rows[0] + 2
                st_jac(
                    folded, i, _glv_sum(table, tinf, slots, 2, fold_naf, fold_signs, rows, W_FOLD)
                )
            if want and r == 0:
                acc = jac_inf()
                for i in range(h):
                    acc = jac_add(
                        acc, (ld(folded, 3 * i), ld(folded, 3 * i + 1), ld(folded, 3 * i + 2))
                    )
                st_jac(totals, q, acc)
            if _check_reverts(_bit_reverse(folded, h), h, inv_naf, inv_signs):
                return True, none_rows, none_flags
    if not want:
        return False, none_rows, none_flags
    out, flags = _affine_rows(totals)
    return False, out, flags


def _digits(scalars: Sequence[int], w: int = W) -> tuple[Digits, Flags]:
    if not scalars:
        return np.zeros((2, 256), dtype=np.int64), np.zeros(2, dtype=np.uint8)
    return glv_digits(scalars, w)


@cache
def _twiddles(size: int) -> tuple[Digits, Flags, Digits, Flags]:
    """GLV digits of ω^i (i = 1 .. N/2 - 1) and of the inverse FFT's twiddles, per N."""
    half = size // 2
    omega = pow(UNITY, (1 << 28) // size, Q)
    omega_inv = inv(omega * omega)
    half_half = 1 if half == 1 else half // 2
    tw = _digits([pow(omega, i, Q) for i in range(1, half)])
    iv = _digits([pow(omega_inv, i, Q) for i in range(1, half_half)])
    return tw[0], tw[1], iv[0], iv[1]


@cache
def _fft_plan(size: int) -> tuple[list[int], list[list[int]]]:
    """Bit-reversal order and per-stage twiddles of the size-``size`` scalar FFT whose
    root is ``UNITY^(2^28 / size)`` (the contract's ``_fft_scalars`` on that size)."""
    bits = size.bit_length() - 1
    order = [int(format(i, f"0{bits}b")[::-1], 2) if bits else 0 for i in range(size)]
    omega = pow(UNITY, (1 << 28) // size, Q)
    stages = []
    s = 2
    while s <= size:
        root = pow(omega, size // s, Q)
        stages.append([pow(root, i, Q) for i in range(s // 2)])
        s *= 2
    return order, stages


def _fft_q(values: Sequence[int]) -> list[int]:
    """``_fft_scalars`` (forward, unscaled) iteratively: bit-reversed input, DIT stages."""
    order, stages = _fft_plan(len(values))
    a = [values[i] for i in order]
    for tw in stages:
        half = len(tw)
        for o in range(0, len(a), 2 * half):
            for i in range(half):
                e = a[o + i]
                t = a[o + half + i] * tw[i] % Q
                a[o + i] = (e + t) % Q
                a[o + half + i] = (e - t) % Q
    return a


def fold_scalars(r0: Sequence[int], r1: Sequence[int]) -> list[int]:
    """Per row r (r0, r1) and ``i < h``: ``α``, ``β`` with ``a·A[i] + b·A[i+h] = α·E[i] + β·O[i]``
    for the contract's fold coefficients ``a, b = exp_fft_r[i], exp_fft_r[i + h]`` times
    ``TWO_INV`` (``assembleConvolutions``; ``exp_fft_r`` the FFT of ``r`` reversed) and
    ``A[i] = E[i] + ω^i O[i]``, ``A[i+h] = E[i] - ω^i O[i]``.

    ``exp_fft`` splits the same way into the FFTs ``e``, ``o`` of its input's even and odd
    entries, so ``α = (a + b) = e[i]`` and ``β = ω^i (a - b) = ω^(2i) o[i]``.
    """
    size = len(r0)
    half = size // 2
    omega2 = pow(UNITY, (1 << 28) // size * 2, Q)
    out: list[int] = []
    for row in (r0, r1):
        flipped = [row[(size - i) % size] for i in range(size)]
        e = _fft_q(flipped[0::2])
        o = _fft_q(flipped[1::2])
        tw = 1
        for i in range(half):
            out.append(e[i])
            out.append(tw * o[i] % Q)
            tw = tw * omega2 % Q
    return out


def reverts(r0: Sequence[int], r1: Sequence[int], bases: Sequence[tuple[Arr, Flags]]) -> bool:
    """True iff the contract's convolution of (r0, r1) with one of ``bases`` reverts."""
    return replay(r0, r1, bases, False)[0]


def replay(
    r0: Sequence[int], r1: Sequence[int], bases: Sequence[tuple[Arr, Flags]], sums: bool
) -> tuple[bool, Arr, Flags]:
    """(reverts?, rows, flags): with ``sums`` and no revert, the affine Montgomery rows and
    infinity flags of ``h · Σ_j r0[j]·B_j`` for each base ``B`` (``h = N/2``), taken from
    the replay's folded values (``1/h`` goes into the caller's scalar)."""
    if not bases:
        return False, np.zeros((0, NLIMBS), dtype=np.uint64), np.zeros(0, dtype=np.uint8)
    tw_naf, tw_signs, inv_naf, inv_signs = _twiddles(len(r0))
    fold_naf, fold_signs = _digits(fold_scalars(r0, r1), W_FOLD)
    pts = np.concatenate([p for p, _ in bases]) if len(bases) > 1 else bases[0][0]
    inf = np.concatenate([f for _, f in bases]) if len(bases) > 1 else bases[0][1]
    return replay_bases(
        pts, inf, len(bases), tw_naf, tw_signs, fold_naf, fold_signs, inv_naf, inv_signs, sums
    )
