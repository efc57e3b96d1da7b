"""Per-proof scalar algebra modulo the group order q in numba (ADR 0045).

The one-out-of-many aggregates need the cyclic convolution
``X[l] = Σ_i v_i r[i mod 2][(l - 2⌊i/2⌋) mod N]``: N² products, 4096 at N = 64,
too many for Python integers. :func:`cross` runs it in one kernel on 4 x 64-bit
words with the q-Montgomery intrinsic: the weights ``v_i`` enter in Montgomery
form, so each product ``mont(v R, r) = v r`` comes out plain. :func:`ip_generator_scalars`
computes the 2n generator coefficients of the inner-product check the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from zkp.fast._jit import kernel
from zkp.fast.mont64 import add_mod4_q, mont_mul4_q, sub_mod4_q
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


@kernel
def _mm(a: Words, i: int, b: Words, j: int) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64]:
    return mont_mul4_q(  # type: ignore[no-any-return]
        a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[j, 0], b[j, 1], b[j, 2], b[j, 3]
    )


@kernel
def _ip_generators(consts: Words, squares: Words, adj: Words, out: Words) -> None:
    """out[i] = gs coefficient, out[n + i] = hs coefficient (plain), i < n.

    ``consts`` rows (Montgomery form): 0 s0, 1 a, 2 b, 3 z, 4 z², 5 z³, 6 y^-1,
    7 weight, 8 one (R mod q); ``squares``: challenge squares (Montgomery);
    ``adj``: plain values subtracted at the end (rows as ``out``).
    """
    n = out.shape[0] // 2
    rounds = squares.shape[0]
    s = np.empty((n, 4), dtype=np.uint64)
    for j in range(4):
        s[0, j] = consts[0, j]
    for i in range(1, n):
        top = 0
        while (i >> (top + 1)) != 0:
            top += 1
        r = _mm(s, i - (1 << top), squares, rounds - 1 - top)
        for j in range(4):
            s[i, j] = r[j]
    tmp = np.empty((1, 4), dtype=np.uint64)
    plain_one = np.zeros((1, 4), dtype=np.uint64)
    plain_one[0, 0] = 1
    yi = (consts[8, 0], consts[8, 1], consts[8, 2], consts[8, 3])
    tw = (consts[4, 0], consts[4, 1], consts[4, 2], consts[4, 3])
    z = (consts[3, 0], consts[3, 1], consts[3, 2], consts[3, 3])
    for i in range(n):
        if i == 32:
            tw = (consts[5, 0], consts[5, 1], consts[5, 2], consts[5, 3])
        # gs: weight * (s[i] a + z) - adj
        g = _mm(s, i, consts, 1)
        g = add_mod4_q(g[0], g[1], g[2], g[3], z[0], z[1], z[2], z[3])
        for j in range(4):
            tmp[0, j] = g[j]
        g = _mm(tmp, 0, consts, 7)
        for j in range(4):
            tmp[0, j] = g[j]
        g = _mm(tmp, 0, plain_one, 0)
        g = sub_mod4_q(g[0], g[1], g[2], g[3], adj[i, 0], adj[i, 1], adj[i, 2], adj[i, 3])
        for j in range(4):
            out[i, j] = g[j]
        # hs: weight * (y^-i (s[n-1-i] b - twos[i]) - z) - adj
        h = _mm(s, n - 1 - i, consts, 2)
        h = sub_mod4_q(h[0], h[1], h[2], h[3], tw[0], tw[1], tw[2], tw[3])
        h = mont_mul4_q(h[0], h[1], h[2], h[3], yi[0], yi[1], yi[2], yi[3])
        h = sub_mod4_q(h[0], h[1], h[2], h[3], z[0], z[1], z[2], z[3])
        for j in range(4):
            tmp[0, j] = h[j]
        h = _mm(tmp, 0, consts, 7)
        for j in range(4):
            tmp[0, j] = h[j]
        h = _mm(tmp, 0, plain_one, 0)
        h = sub_mod4_q(
            h[0], h[1], h[2], h[3], adj[n + i, 0], adj[n + i, 1], adj[n + i, 2], adj[n + i, 3]
        )
        for j in range(4):
            out[n + i, j] = h[j]
        yi = mont_mul4_q(yi[0], yi[1], yi[2], yi[3], consts[6, 0], consts[6, 1], consts[6, 2],
                         consts[6, 3])  # fmt: skip
        tw = add_mod4_q(tw[0], tw[1], tw[2], tw[3], tw[0], tw[1], tw[2], tw[3])


def ip_generator_scalars(
    n: int, s0: int, a: int, b: int, z: int, y_inv: int, weight: int,
    squares: Sequence[int], adjust: dict[int, int],
) -> Words:  # fmt: skip
    """``(2n, 4)`` words: ``weight·(s_i a + z)`` (gs) then ``weight·(y^-i(s_{n-1-i} b -
    twos_i) - z)`` (hs), minus ``adjust[row]``, all mod q; inputs below q.

    ``s_i = s0 · Π squares[rounds-1-j]`` over the set bits j of i, ``twos_i =
    z^(2 + i // 32) · 2^(i mod 32)`` (the range proof's ``twoTimesZs``).
    """
    z2 = z * z % Q
    consts = [s0, a, b, z, z2, z2 * z % Q, y_inv, weight, 1]
    mont = to_words([c * _R % Q for c in consts])
    sq = to_words([c * _R % Q for c in squares])
    adj = np.zeros((2 * n, 4), dtype=np.uint64)
    if adjust:
        rows = sorted(adjust)
        adj[rows] = to_words([adjust[r] % Q for r in rows])
    out = np.empty((2 * n, 4), dtype=np.uint64)
    _ip_generators(mont, sq, adj, out)
    return out


def warm_up() -> None:
    """Compile or load the kernels of this module."""
    cross([1, 2], [3, 4], [1, 1])
    ip_generator_scalars(2, 1, 2, 3, 4, 5, 6, [7], {0: 1})
