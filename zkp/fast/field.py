"""Montgomery arithmetic over the BN254 base field Fp in 4 x 64-bit words (numba kernels).

A field element ``Fe`` is a tuple of 4 ``uint64`` words, least significant first
(ADR 0040 chose value tuples; ADR 0044 widened the limbs from 32 to 64 bits).
Tuples are values: numba keeps them in registers, with no array views and no
reference counting in the hot loops. Multiplication, addition and subtraction
are LLVM intrinsics (``zkp.fast.mont64``) using 128- and 256-bit integers.
Values are in Montgomery form ``a * 2**256 mod p`` unless a name says otherwise.
Storage is 2-D ``(rows, NLIMBS)`` uint64 arrays, read with ``ld`` and written with ``st``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from py_ecc.optimized_bn128.optimized_curve import curve_order, field_modulus

from zkp.fast._jit import kernel, kernel_inline
from zkp.fast.mont64 import add_mod4, mont_mul4, sub_mod4

Limbs = npt.NDArray[np.uint64]
Fe = tuple[np.uint64, np.uint64, np.uint64, np.uint64]

NLIMBS = 4
P_INT: int = int(field_modulus)
R_INT: int = int(curve_order)
MONT_ONE_INT: int = (1 << 256) % P_INT
MONT_R2_INT: int = (1 << 512) % P_INT


def int_to_limbs(x: int) -> Limbs:
    """Split a non-negative int < 2**256 into 4 little-endian 64-bit words."""
    return np.frombuffer(x.to_bytes(32, "little"), dtype="<u8").astype(np.uint64)


def limbs_to_int(limbs: Limbs) -> int:
    """Join 4 little-endian 64-bit words into an int."""
    return int.from_bytes(np.ascontiguousarray(limbs, dtype="<u8").tobytes(), "little")


def int_to_fe(x: int) -> Fe:
    """The 4-word tuple of a non-negative int < 2**256 (no Montgomery conversion)."""
    limbs = int_to_limbs(x)
    return (limbs[0], limbs[1], limbs[2], limbs[3])


def fe_to_int(a: Fe) -> int:
    """The int held by a 4-word tuple (no Montgomery conversion)."""
    return limbs_to_int(np.array(a, dtype=np.uint64))


P_LIMBS = int_to_limbs(P_INT)
P_MINUS_2 = int_to_limbs(P_INT - 2)
ZERO = np.uint64(0)
ONE = np.uint64(1)
P0, P1, P2, P3 = (np.uint64(int(v)) for v in P_LIMBS)
FE_ZERO: Fe = int_to_fe(0)
FE_ONE: Fe = int_to_fe(MONT_ONE_INT)
FE_PLAIN_ONE: Fe = int_to_fe(1)
FE_R2: Fe = int_to_fe(MONT_R2_INT)
FE_B: Fe = int_to_fe((3 << 256) % P_INT)


@kernel_inline
def mul(a: Fe, b: Fe) -> Fe:
    """a * b / 2**256 mod p (Montgomery product, ADR 0044)."""
    return mont_mul4(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3])  # type: ignore[no-any-return]


@kernel_inline
def sqr(a: Fe) -> Fe:
    """a * a / 2**256 mod p."""
    return mont_mul4(a[0], a[1], a[2], a[3], a[0], a[1], a[2], a[3])  # type: ignore[no-any-return]


@kernel
def add(a: Fe, b: Fe) -> Fe:
    """a + b mod p (inputs < p)."""
    return add_mod4(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3])  # type: ignore[no-any-return]


@kernel
def sub(a: Fe, b: Fe) -> Fe:
    """a - b mod p (inputs < p)."""
    return sub_mod4(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3])  # type: ignore[no-any-return]


@kernel
def neg(a: Fe) -> Fe:
    """-a mod p (input < p)."""
    if is_zero(a):
        return a
    return sub(FE_ZERO, a)


@kernel
def is_zero(a: Fe) -> bool:
    """True when a == 0."""
    return bool((a[0] | a[1] | a[2] | a[3]) == ZERO)


@kernel
def eq(a: Fe, b: Fe) -> bool:
    """True when a == b limb by limb."""
    x = (a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])
    return bool(x == ZERO)


@kernel
def geq_p(a: Fe) -> bool:
    """True when the 4-word integer a is >= p (not a canonical field element)."""
    if a[3] != P3:
        return bool(a[3] > P3)
    if a[2] != P2:
        return bool(a[2] > P2)
    if a[1] != P1:
        return bool(a[1] > P1)
    return bool(a[0] >= P0)


@kernel
def to_mont(a: Fe) -> Fe:
    """a * 2**256 mod p for a plain integer a < p."""
    return mul(a, FE_R2)


@kernel
def from_mont(a: Fe) -> Fe:
    """a / 2**256 mod p: back to a plain integer < p."""
    return mul(a, FE_PLAIN_ONE)


def _inv_steps(e: int, w: int) -> npt.NDArray[np.int64]:
    """Left-to-right sliding-window plan of ``a**e``: rows (squarings, odd digit) - the
    first row's digit starts the accumulator - then a final row (squarings, 0)."""
    steps: list[tuple[int, int]] = []
    i = e.bit_length() - 1
    pending = 0
    while i >= 0:
        if not (e >> i) & 1:
            pending += 1
            i -= 1
            continue
        j = max(i - w + 1, 0)
        while not (e >> j) & 1:
            j += 1
        steps.append((pending + i - j + 1 if steps else 0, (e >> j) & ((1 << (i - j + 1)) - 1)))
        pending = 0
        i = j - 1
    steps.append((pending, 0))
    return np.array(steps, dtype=np.int64)


_INV_W = 5
INV_STEPS = _inv_steps(P_INT - 2, _INV_W)


@kernel
def inv(a: Fe) -> Fe:
    """a**(p-2) = 1/a in Montgomery form (0 maps to 0); sliding windows of 5 bits
    (253 squarings and 55 multiplications instead of 110)."""
    odd = np.empty((1 << (_INV_W - 1), NLIMBS), dtype=np.uint64)
    a2 = sqr(a)
    cur = a
    st(odd, 0, cur)
    for k in range(1, 1 << (_INV_W - 1)):
        cur = mul(cur, a2)
        st(odd, k, cur)
    acc = ld(odd, INV_STEPS[0, 1] >> 1)
    for r in range(1, INV_STEPS.shape[0]):
        for _ in range(INV_STEPS[r, 0]):
            acc = sqr(acc)
        if INV_STEPS[r, 1] != 0:
            acc = mul(acc, ld(odd, INV_STEPS[r, 1] >> 1))
    return acc


@kernel
def ld(arr: Limbs, row: int) -> Fe:
    """Row ``row`` of a 2-D (rows, NLIMBS) array as a field element."""
    return (arr[row, 0], arr[row, 1], arr[row, 2], arr[row, 3])


@kernel
def st(arr: Limbs, row: int, a: Fe) -> None:
    """Write field element ``a`` into row ``row`` of a 2-D (rows, NLIMBS) array."""
    arr[row, 0] = a[0]
    arr[row, 1] = a[1]
    arr[row, 2] = a[2]
    arr[row, 3] = a[3]


@kernel
def batch_inv(vals: Limbs, out: Limbs) -> None:
    """out[i] = 1/vals[i] for the rows of an (n, NLIMBS) array (Montgomery's trick; 0 maps to 0)."""
    n = vals.shape[0]
    prefix = np.empty((n + 1, NLIMBS), dtype=np.uint64)
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
