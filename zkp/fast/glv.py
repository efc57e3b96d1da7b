"""GLV scalar decomposition for BN254 G1 (ADR 0043).

BN254 has the endomorphism phi(x, y) = (beta * x, y), beta a cube root of unity
in Fp, with phi(P) = lambda * P for a cube root of unity lambda mod r.  Any
scalar k splits as k = k1 + k2 * lambda (mod r) with |k1|, |k2| ~ sqrt(r), so
k * P = k1 * P + k2 * phi(P) needs half as many doublings.  The short lattice
basis comes from the extended Euclidean algorithm on (r, lambda); the constants
are derived here from p and r, and the (lambda, beta) pairing is checked on the
generator when the module loads.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import isqrt
from operator import index

import numpy as np
import numpy.typing as npt
from py_ecc.optimized_bn128.optimized_curve import G1, multiply, normalize

from zkp.fast._jit import kernel
from zkp.fast.convert import scalars_to_limbs
from zkp.fast.field import P_INT, R_INT
from zkp.fast.mont64 import glv_split4

Arr = npt.NDArray[np.uint64]
Flags = npt.NDArray[np.uint8]


def _cube_root_of_unity(m: int) -> int:
    """The first non-trivial cube root of unity g**((m-1)/3) mod prime m, g = 2, 3, ..."""
    g = 2
    while pow(g, (m - 1) // 3, m) == 1:
        g += 1
    return pow(g, (m - 1) // 3, m)


def _pair() -> tuple[int, int]:
    """(lambda, beta) with lambda * G = (beta * x_G, y_G)."""
    lam0 = _cube_root_of_unity(R_INT)
    beta0 = _cube_root_of_unity(P_INT)
    gx, gy = (int(c) for c in normalize(G1))
    for lam in (lam0, lam0 * lam0 % R_INT):
        qx, qy = (int(c) for c in normalize(multiply(G1, lam)))
        for beta in (beta0, beta0 * beta0 % P_INT):
            if qx == beta * gx % P_INT and qy == gy:
                return lam, beta
    raise RuntimeError("no GLV endomorphism pairing found for BN254")


def _short_basis(r: int, lam: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """Two short vectors (a, b) with a + b * lam = 0 (mod r) (extended Euclid, GLV 2001)."""
    bound = isqrt(r)
    r0, r1, t0, t1 = r, lam, 0, 1
    while r1 >= bound:
        q = r0 // r1
        r0, r1, t0, t1 = r1, r0 - q * r1, t1, t0 - q * t1
    v1 = (r1, -t1)
    q = r0 // r1
    r2, t2 = r0 - q * r1, t0 - q * t1
    v2 = min((r0, -t0), (r2, -t2), key=lambda v: v[0] * v[0] + v[1] * v[1])
    return v1, v2


LAMBDA, BETA = _pair()
(A1, B1), (A2, B2) = _short_basis(R_INT, LAMBDA)
_DET = A1 * B2 - A2 * B1


def decompose(k: int) -> tuple[int, int]:
    """(k1, k2), small and signed, with k1 + k2 * LAMBDA = k (mod r)."""
    k %= R_INT
    c1 = (2 * B2 * k + _DET) // (2 * _DET)
    c2 = (-2 * B1 * k + _DET) // (2 * _DET)
    return k - c1 * A1 - c2 * A2, -c1 * B1 - c2 * B2


def split_scalars(scalars: Sequence[int]) -> tuple[Arr, Flags]:
    """Limbs (2n, 8) of |k1|, |k2| per scalar, and flags (2n,) marking negative halves."""
    parts: list[bytes] = []
    signs = np.zeros(2 * len(scalars), dtype=np.uint8)
    for i, s in enumerate(scalars):
        for j, half in enumerate(decompose(index(s))):
            if half < 0:
                signs[2 * i + j] = 1
                half = -half
            parts.append(half.to_bytes(32, "little"))
    limbs = np.frombuffer(b"".join(parts), dtype="<u4").astype(np.uint64)
    return limbs.reshape(2 * len(scalars), 8), signs


@kernel
def split_limbs(limbs: Arr) -> tuple[Arr, Flags]:
    """Kernel form of :func:`split_scalars` for ``(n, 8)`` 32-bit limbs of scalars < r.

    Uses ``mont64.glv_split4`` (Barrett-rounded lattice coefficients): the halves may
    differ from :func:`decompose`'s but always satisfy ``k1 + k2 λ = k (mod r)``.
    """
    n = limbs.shape[0]
    out = np.zeros((2 * n, 8), dtype=np.uint64)
    signs = np.zeros(2 * n, dtype=np.uint8)
    m32 = np.uint64(0xFFFFFFFF)
    s32 = np.uint64(32)
    for i in range(n):
        r = glv_split4(
            limbs[i, 0] | (limbs[i, 1] << s32),
            limbs[i, 2] | (limbs[i, 3] << s32),
            limbs[i, 4] | (limbs[i, 5] << s32),
            limbs[i, 6] | (limbs[i, 7] << s32),
        )
        for h in range(2):
            for j in range(4):
                w = r[5 * h + j]
                out[2 * i + h, 2 * j] = w & m32
                out[2 * i + h, 2 * j + 1] = w >> s32
            signs[2 * i + h] = np.uint8(r[5 * h + 4])
    return out, signs


def split_scalars_fast(scalars: Sequence[int]) -> tuple[Arr, Flags]:
    """Like :func:`split_scalars` (same layout), with the split in one kernel call."""
    if len(scalars) == 0:
        return np.zeros((0, 8), dtype=np.uint64), np.zeros(0, dtype=np.uint8)
    return split_limbs(scalars_to_limbs(scalars))
