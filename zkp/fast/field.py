"""Montgomery arithmetic over the BN254 base field Fp in 8 x 32-bit limbs (numba kernels).

A field element ``Fe`` is a tuple of 8 ``uint64`` limbs, least significant first,
each < 2**32 (ADR 0040 explains the choice).  Tuples are values: numba keeps them
in registers, with no array views and no reference counting in the hot loops.
Values are in Montgomery form ``a * 2**256 mod p`` unless a name says otherwise.
Storage is 2-D ``(rows, 8)`` uint64 arrays, read with ``ld`` and written with ``st``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from py_ecc.optimized_bn128.optimized_curve import curve_order, field_modulus

from zkp.fast._jit import kernel
from zkp.fast.mont64 import mont_mul4

Limbs = npt.NDArray[np.uint64]
Fe = tuple[np.uint64, np.uint64, np.uint64, np.uint64, np.uint64, np.uint64, np.uint64, np.uint64]

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


def int_to_fe(x: int) -> Fe:
    """The 8-limb tuple of a non-negative int < 2**256 (no Montgomery conversion)."""
    limbs = int_to_limbs(x)
    return (limbs[0], limbs[1], limbs[2], limbs[3], limbs[4], limbs[5], limbs[6], limbs[7])


def fe_to_int(a: Fe) -> int:
    """The int held by an 8-limb tuple (no Montgomery conversion)."""
    return limbs_to_int(np.array(a, dtype=np.uint64))


P_LIMBS = int_to_limbs(P_INT)
P_MINUS_2 = int_to_limbs(P_INT - 2)
M32 = np.uint64(0xFFFFFFFF)
S32 = np.uint64(32)
BASE = np.uint64(1 << 32)
ZERO = np.uint64(0)
ONE = np.uint64(1)
NINV = np.uint64((-pow(P_INT, -1, 1 << 32)) % (1 << 32))
P0, P1, P2, P3, P4, P5, P6, P7 = (np.uint64(int(v)) for v in P_LIMBS)
FE_ZERO: Fe = int_to_fe(0)
FE_ONE: Fe = int_to_fe(MONT_ONE_INT)
FE_PLAIN_ONE: Fe = int_to_fe(1)
FE_R2: Fe = int_to_fe(MONT_R2_INT)
FE_B: Fe = int_to_fe((3 << 256) % P_INT)


@kernel
def _reduce_once(t: Fe) -> Fe:
    """t - p when t >= p, else t (for t < 2p)."""
    t0, t1, t2, t3, t4, t5, t6, t7 = t
    s = t0 + BASE - P0
    d0 = s & M32
    br = ONE - (s >> S32)
    s = t1 + BASE - P1 - br
    d1 = s & M32
    br = ONE - (s >> S32)
    s = t2 + BASE - P2 - br
    d2 = s & M32
    br = ONE - (s >> S32)
    s = t3 + BASE - P3 - br
    d3 = s & M32
    br = ONE - (s >> S32)
    s = t4 + BASE - P4 - br
    d4 = s & M32
    br = ONE - (s >> S32)
    s = t5 + BASE - P5 - br
    d5 = s & M32
    br = ONE - (s >> S32)
    s = t6 + BASE - P6 - br
    d6 = s & M32
    br = ONE - (s >> S32)
    s = t7 + BASE - P7 - br
    d7 = s & M32
    br = ONE - (s >> S32)
    if br == ZERO:
        return (d0, d1, d2, d3, d4, d5, d6, d7)
    return t


@kernel
def mul(a: Fe, b: Fe) -> Fe:
    """a * b / 2**256 mod p (Montgomery product on 4 x 64-bit words, ADR 0044)."""
    r = mont_mul4(
        a[0] | (a[1] << S32),
        a[2] | (a[3] << S32),
        a[4] | (a[5] << S32),
        a[6] | (a[7] << S32),
        b[0] | (b[1] << S32),
        b[2] | (b[3] << S32),
        b[4] | (b[5] << S32),
        b[6] | (b[7] << S32),
    )
    return (
        r[0] & M32,
        r[0] >> S32,
        r[1] & M32,
        r[1] >> S32,
        r[2] & M32,
        r[2] >> S32,
        r[3] & M32,
        r[3] >> S32,
    )


@kernel
def sqr(a: Fe) -> Fe:
    """a * a / 2**256 mod p."""
    return mul(a, a)


@kernel
def add(a: Fe, b: Fe) -> Fe:
    """a + b mod p (inputs < p)."""
    a0, a1, a2, a3, a4, a5, a6, a7 = a
    b0, b1, b2, b3, b4, b5, b6, b7 = b
    s = a0 + b0
    t0 = s & M32
    c = s >> S32
    s = a1 + b1 + c
    t1 = s & M32
    c = s >> S32
    s = a2 + b2 + c
    t2 = s & M32
    c = s >> S32
    s = a3 + b3 + c
    t3 = s & M32
    c = s >> S32
    s = a4 + b4 + c
    t4 = s & M32
    c = s >> S32
    s = a5 + b5 + c
    t5 = s & M32
    c = s >> S32
    s = a6 + b6 + c
    t6 = s & M32
    c = s >> S32
    t7 = a7 + b7 + c
    return _reduce_once((t0, t1, t2, t3, t4, t5, t6, t7))


@kernel
def sub(a: Fe, b: Fe) -> Fe:
    """a - b mod p (inputs < p)."""
    a0, a1, a2, a3, a4, a5, a6, a7 = a
    b0, b1, b2, b3, b4, b5, b6, b7 = b
    s = a0 + BASE - b0
    t0 = s & M32
    br = ONE - (s >> S32)
    s = a1 + BASE - b1 - br
    t1 = s & M32
    br = ONE - (s >> S32)
    s = a2 + BASE - b2 - br
    t2 = s & M32
    br = ONE - (s >> S32)
    s = a3 + BASE - b3 - br
    t3 = s & M32
    br = ONE - (s >> S32)
    s = a4 + BASE - b4 - br
    t4 = s & M32
    br = ONE - (s >> S32)
    s = a5 + BASE - b5 - br
    t5 = s & M32
    br = ONE - (s >> S32)
    s = a6 + BASE - b6 - br
    t6 = s & M32
    br = ONE - (s >> S32)
    s = a7 + BASE - b7 - br
    t7 = s & M32
    br = ONE - (s >> S32)
    if br != ZERO:
        s = t0 + P0
        t0 = s & M32
        c = s >> S32
        s = t1 + P1 + c
        t1 = s & M32
        c = s >> S32
        s = t2 + P2 + c
        t2 = s & M32
        c = s >> S32
        s = t3 + P3 + c
        t3 = s & M32
        c = s >> S32
        s = t4 + P4 + c
        t4 = s & M32
        c = s >> S32
        s = t5 + P5 + c
        t5 = s & M32
        c = s >> S32
        s = t6 + P6 + c
        t6 = s & M32
        c = s >> S32
        t7 = (t7 + P7 + c) & M32
    return (t0, t1, t2, t3, t4, t5, t6, t7)


@kernel
def neg(a: Fe) -> Fe:
    """-a mod p (input < p)."""
    if is_zero(a):
        return a
    return sub(FE_ZERO, a)


@kernel
def is_zero(a: Fe) -> bool:
    """True when a == 0."""
    return bool((a[0] | a[1] | a[2] | a[3] | a[4] | a[5] | a[6] | a[7]) == ZERO)


@kernel
def eq(a: Fe, b: Fe) -> bool:
    """True when a == b limb by limb."""
    x = (a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])
    y = (a[4] ^ b[4]) | (a[5] ^ b[5]) | (a[6] ^ b[6]) | (a[7] ^ b[7])
    return bool((x | y) == ZERO)


@kernel
def geq_p(a: Fe) -> bool:
    """True when the 8-limb integer a is >= p (not a canonical field element)."""
    a0, a1, a2, a3, a4, a5, a6, a7 = a
    s = a0 + BASE - P0
    br = ONE - (s >> S32)
    s = a1 + BASE - P1 - br
    br = ONE - (s >> S32)
    s = a2 + BASE - P2 - br
    br = ONE - (s >> S32)
    s = a3 + BASE - P3 - br
    br = ONE - (s >> S32)
    s = a4 + BASE - P4 - br
    br = ONE - (s >> S32)
    s = a5 + BASE - P5 - br
    br = ONE - (s >> S32)
    s = a6 + BASE - P6 - br
    br = ONE - (s >> S32)
    s = a7 + BASE - P7 - br
    br = ONE - (s >> S32)
    return bool(br == ZERO)


@kernel
def to_mont(a: Fe) -> Fe:
    """a * 2**256 mod p for a plain integer a < p."""
    return mul(a, FE_R2)


@kernel
def from_mont(a: Fe) -> Fe:
    """a / 2**256 mod p: back to a plain integer < p."""
    return mul(a, FE_PLAIN_ONE)


@kernel
def inv(a: Fe) -> Fe:
    """a**(p-2) = 1/a in Montgomery form (0 maps to 0)."""
    acc = FE_ONE
    for j in range(7, -1, -1):
        word = P_MINUS_2[j]
        for k in range(31, -1, -1):
            acc = mul(acc, acc)
            if (word >> np.uint64(k)) & ONE:
                acc = mul(acc, a)
    return acc


@kernel
def ld(arr: Limbs, row: int) -> Fe:
    """Row ``row`` of a 2-D (rows, 8) array as a field element."""
    return (
        arr[row, 0],
        arr[row, 1],
        arr[row, 2],
        arr[row, 3],
        arr[row, 4],
        arr[row, 5],
        arr[row, 6],
        arr[row, 7],
    )


@kernel
def st(arr: Limbs, row: int, a: Fe) -> None:
    """Write field element ``a`` into row ``row`` of a 2-D (rows, 8) array."""
    for j in range(8):
        arr[row, j] = a[j]


@kernel
def batch_inv(vals: Limbs, out: Limbs) -> None:
    """out[i] = 1/vals[i] for the rows of an (n, 8) array (Montgomery's trick; 0 maps to 0)."""
    n = vals.shape[0]
    prefix = np.empty((n + 1, 8), dtype=np.uint64)
    acc = FE_ONE
    st(prefix, 0, acc)
    for i in range(n):
        v = ld(vals, i)
        if not is_zero(v):
            acc = mul(acc, v)
        st(prefix, i + 1, acc)
    acc = inv(acc)
    for i in range(n - 1, -1, -1):
        v = ld(vals, i)
        if is_zero(v):
            st(out, i, FE_ZERO)
        else:
            st(out, i, mul(acc, ld(prefix, i)))
            acc = mul(acc, v)
