"""Per-proof scalar algebra modulo the group order q in numba (ADR 0045).

The one-out-of-many aggregates need the cyclic convolution
``X[l] = Σ_i v_i r[i mod 2][(l - 2⌊i/2⌋) mod N]``: N² products, 4096 at N = 64,
too many for Python integers. :func:`cross` runs it in one kernel on 4 x 64-bit
words with the q-Montgomery intrinsic: the weights ``v_i`` enter in Montgomery
form, so each product ``mont(v R, r) = v r`` comes out plain.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from zkp.fast._jit import kernel
from zkp.fast.mont64 import add_mod4_q, mont_mul4_q
from zkp.reference.field import Q

Words = npt.NDArray[np.uint64]
_R = (1 << 256) % Q


def to_words(values: Sequence[int]) -> Words:
    """``(n, 4)`` little-endian words of non-negative ints below 2**256."""
    buf = b"".join([v.to_bytes(32, "little") for v in values])
    return np.frombuffer(buf, dtype="<u8").astype(np.uint64).reshape(len(values), 4)


def from_words(words: Words) -> list[int]:
    """Inverse of :func:`to_words`."""
    raw = words.astype("<u8").tobytes()
    return [int.from_bytes(raw[32 * i : 32 * i + 32], "little") for i in range(words.shape[0])]


@kernel
def _cross(r0: Words, r1: Words, vmont: Words, out: Words) -> None:
    n = r0.shape[0]
    for idx in range(n):
        a0 = np.uint64(0)
        a1 = np.uint64(0)
        a2 = np.uint64(0)
        a3 = np.uint64(0)
        for i in range(n):
            row = r1 if i % 2 else r0
            j = (idx - 2 * (i // 2)) % n
            p = mont_mul4_q(
                vmont[i, 0], vmont[i, 1], vmont[i, 2], vmont[i, 3],
                row[j, 0], row[j, 1], row[j, 2], row[j, 3],
            )  # fmt: skip
            a0, a1, a2, a3 = add_mod4_q(a0, a1, a2, a3, p[0], p[1], p[2], p[3])
        out[idx, 0] = a0
        out[idx, 1] = a1
        out[idx, 2] = a2
        out[idx, 3] = a3


def cross(r0: Sequence[int], r1: Sequence[int], vpow: Sequence[int]) -> list[int]:
    """``X[l] = Σ_i vpow[i] · r[i mod 2][(l - 2⌊i/2⌋) mod N] mod q`` (inputs below q)."""
    n = len(r0)
    out = np.empty((n, 4), dtype=np.uint64)
    _cross(to_words(r0), to_words(r1), to_words([v * _R % Q for v in vpow]), out)
    return from_words(out)


def warm_up() -> None:
    """Compile or load the kernels of this module."""
    cross([1, 2], [3, 4], [1, 1])
