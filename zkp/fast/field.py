"""Montgomery arithmetic over the BN254 base field Fp in 8 x 32-bit limbs (numba kernels).

A field element is a C-contiguous ``uint64`` array of 8 limbs, least significant
first, each limb < 2**32 (ADR 0040 explains the choice).  Kernels write their
result into an ``out`` array that may alias any input.  Values handed to the
kernels are in Montgomery form ``a * 2**256 mod p`` unless a name says otherwise.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from py_ecc.optimized_bn128.optimized_curve import curve_order, field_modulus

from zkp.fast._jit import kernel

Limbs = npt.NDArray[np.uint64]

NLIMBS = 8
P_INT: int = int(field_modulus)
R_INT: int = int(curve_order)
MONT_ONE_INT: int = (1 << 256) % P_INT
MONT_R2_INT: int = (1 << 512) % P_INT


def int_to_limbs(x: int) -> Limbs:
    """Split a non-negative int < 2**256 into 8 little-endian 32-bit limbs."""
    return np.frombuffer(x.to_bytes(32, "little"), dtype="<u4").astype(np.uint64)


def limbs_to_int(limbs: Limbs) -> int:
    """Join 8 little-endian 32-bit limbs into an int."""
    return int.from_bytes(np.ascontiguousarray(limbs, dtype="<u4").tobytes(), "little")


P_LIMBS = int_to_limbs(P_INT)
P_MINUS_2 = int_to_limbs(P_INT - 2)
MONT_ONE = int_to_limbs(MONT_ONE_INT)
MONT_R2 = int_to_limbs(MONT_R2_INT)
PLAIN_ONE = int_to_limbs(1)
MONT_B = int_to_limbs((3 << 256) % P_INT)

M32 = np.uint64(0xFFFFFFFF)
S32 = np.uint64(32)
ZERO = np.uint64(0)
ONE = np.uint64(1)
NINV = np.uint64((-pow(P_INT, -1, 1 << 32)) % (1 << 32))
P0, P1, P2, P3, P4, P5, P6, P7 = (np.uint64(int(v)) for v in P_LIMBS)


@kernel
def fp_mul(a: Limbs, b: Limbs, out: Limbs) -> None:
    """out = a * b / 2**256 mod p (Montgomery product; CIOS without the top carry word).

    p < 2**254, so the top limb of p is below 2**31 and the accumulator never
    needs a ninth word; every partial sum t + x*y + c stays below 2**64.
    """
    a0 = a[0]
    a1 = a[1]
    a2 = a[2]
    a3 = a[3]
    a4 = a[4]
    a5 = a[5]
    a6 = a[6]
    a7 = a[7]
    t0 = ZERO
    t1 = ZERO
    t2 = ZERO
    t3 = ZERO
    t4 = ZERO
    t5 = ZERO
    t6 = ZERO
    t7 = ZERO
    for i in range(8):
        bi = b[i]
        s = t0 + a0 * bi
        ca = s >> S32
        t0 = s & M32
        m = (t0 * NINV) & M32
        s = t0 + m * P0
        cm = s >> S32
        s = t1 + a1 * bi + ca
        ca = s >> S32
        s = (s & M32) + m * P1 + cm
        cm = s >> S32
        t0 = s & M32
        s = t2 + a2 * bi + ca
        ca = s >> S32
        s = (s & M32) + m * P2 + cm
        cm = s >> S32
        t1 = s & M32
        s = t3 + a3 * bi + ca
        ca = s >> S32
        s = (s & M32) + m * P3 + cm
        cm = s >> S32
        t2 = s & M32
        s = t4 + a4 * bi + ca
        ca = s >> S32
        s = (s & M32) + m * P4 + cm
        cm = s >> S32
        t3 = s & M32
        s = t5 + a5 * bi + ca
        ca = s >> S32
        s = (s & M32) + m * P5 + cm
        cm = s >> S32
        t4 = s & M32
        s = t6 + a6 * bi + ca
        ca = s >> S32
        s = (s & M32) + m * P6 + cm
        cm = s >> S32
        t5 = s & M32
        s = t7 + a7 * bi + ca
        ca = s >> S32
        s = (s & M32) + m * P7 + cm
        cm = s >> S32
        t6 = s & M32
        t7 = ca + cm
    # Conditional final subtraction: t < 2p, so at most one p comes off.
    s = t0 + (M32 + ONE) - P0
    d0 = s & M32
    br = ONE - (s >> S32)
    s = t1 + (M32 + ONE) - P1 - br
    d1 = s & M32
    br = ONE - (s >> S32)
    s = t2 + (M32 + ONE) - P2 - br
    d2 = s & M32
    br = ONE - (s >> S32)
    s = t3 + (M32 + ONE) - P3 - br
    d3 = s & M32
    br = ONE - (s >> S32)
    s = t4 + (M32 + ONE) - P4 - br
    d4 = s & M32
    br = ONE - (s >> S32)
    s = t5 + (M32 + ONE) - P5 - br
    d5 = s & M32
    br = ONE - (s >> S32)
    s = t6 + (M32 + ONE) - P6 - br
    d6 = s & M32
    br = ONE - (s >> S32)
    s = t7 + (M32 + ONE) - P7 - br
    d7 = s & M32
    br = ONE - (s >> S32)
    if br == ZERO:
        out[0] = d0
        out[1] = d1
        out[2] = d2
        out[3] = d3
        out[4] = d4
        out[5] = d5
        out[6] = d6
        out[7] = d7
    else:
        out[0] = t0
        out[1] = t1
        out[2] = t2
        out[3] = t3
        out[4] = t4
        out[5] = t5
        out[6] = t6
        out[7] = t7


@kernel
def fp_geq_p(a: Limbs) -> bool:
    """True when the 8-limb integer a is >= p (not a canonical field element)."""
    for j in range(7, -1, -1):
        if a[j] != P_LIMBS[j]:
            return bool(a[j] > P_LIMBS[j])
    return True


@kernel
def _sub_p_if_needed(out: Limbs) -> None:
    if fp_geq_p(out):
        br = ZERO
        for j in range(8):
            s = out[j] + (M32 + ONE) - P_LIMBS[j] - br
            out[j] = s & M32
            br = ONE - (s >> S32)


@kernel
def fp_add(a: Limbs, b: Limbs, out: Limbs) -> None:
    """out = a + b mod p (inputs < p)."""
    c = ZERO
    for j in range(8):
        s = a[j] + b[j] + c
        out[j] = s & M32
        c = s >> S32
    _sub_p_if_needed(out)


@kernel
def fp_sub(a: Limbs, b: Limbs, out: Limbs) -> None:
    """out = a - b mod p (inputs < p)."""
    br = ZERO
    for j in range(8):
        s = a[j] + (M32 + ONE) - b[j] - br
        out[j] = s & M32
        br = ONE - (s >> S32)
    if br != ZERO:
        c = ZERO
        for j in range(8):
            s = out[j] + P_LIMBS[j] + c
            out[j] = s & M32
            c = s >> S32


@kernel
def fp_is_zero(a: Limbs) -> bool:
    """True when a == 0."""
    acc = ZERO
    for j in range(8):
        acc |= a[j]
    return bool(acc == ZERO)


@kernel
def fp_neg(a: Limbs, out: Limbs) -> None:
    """out = -a mod p (input < p)."""
    if fp_is_zero(a):
        for j in range(8):
            out[j] = ZERO
        return
    br = ZERO
    for j in range(8):
        s = P_LIMBS[j] + (M32 + ONE) - a[j] - br
        out[j] = s & M32
        br = ONE - (s >> S32)


@kernel
def fp_eq(a: Limbs, b: Limbs) -> bool:
    """True when a == b limb by limb."""
    acc = ZERO
    for j in range(8):
        acc |= a[j] ^ b[j]
    return bool(acc == ZERO)


@kernel
def fp_copy(src: Limbs, out: Limbs) -> None:
    """out = src."""
    for j in range(8):
        out[j] = src[j]


@kernel
def fp_set_zero(out: Limbs) -> None:
    """out = 0."""
    for j in range(8):
        out[j] = ZERO


@kernel
def fp_set_one(out: Limbs) -> None:
    """out = 1 in Montgomery form."""
    for j in range(8):
        out[j] = MONT_ONE[j]


@kernel
def fp_to_mont(a: Limbs, out: Limbs) -> None:
    """out = a * 2**256 mod p (a plain integer < p)."""
    fp_mul(a, MONT_R2, out)


@kernel
def fp_from_mont(a: Limbs, out: Limbs) -> None:
    """out = a / 2**256 mod p (back to a plain integer < p)."""
    fp_mul(a, PLAIN_ONE, out)


@kernel
def fp_inv(a: Limbs, out: Limbs) -> None:
    """out = a**(p-2) = 1/a (Montgomery form in and out; 0 maps to 0)."""
    base = a.copy()
    acc = MONT_ONE.copy()
    for j in range(7, -1, -1):
        word = P_MINUS_2[j]
        for k in range(31, -1, -1):
            fp_mul(acc, acc, acc)
            if (word >> np.uint64(k)) & ONE:
                fp_mul(acc, base, acc)
    fp_copy(acc, out)


@kernel
def fp_batch_inv(vals: Limbs, out: Limbs) -> None:
    """out[i] = 1/vals[i] for rows of an (n, 8) array (Montgomery's trick; 0 maps to 0)."""
    n = vals.shape[0]
    prefix = np.empty((n + 1, 8), dtype=np.uint64)
    fp_set_one(prefix[0])
    for i in range(n):
        if fp_is_zero(vals[i]):
            fp_copy(prefix[i], prefix[i + 1])
        else:
            fp_mul(prefix[i], vals[i], prefix[i + 1])
    inv = np.empty(8, dtype=np.uint64)
    tmp = np.empty(8, dtype=np.uint64)
    fp_inv(prefix[n], inv)
    for i in range(n - 1, -1, -1):
        if fp_is_zero(vals[i]):
            fp_set_zero(out[i])
        else:
            fp_mul(inv, prefix[i], tmp)
            fp_mul(inv, vals[i], inv)
            fp_copy(tmp, out[i])
