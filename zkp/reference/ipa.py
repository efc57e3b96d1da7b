"""Bulletproofs range-proof commitment ``P`` and the inner-product check, as Terms.

Mirrors ``InnerProductVerifier.verify`` and the ``P`` assembly of the Zether/Burn
verifiers, but returns the final equality ``lhs - P`` as symbolic terms so it can be
fused with the other checks into one multi-scalar multiplication.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkp.msm import Point
from zkp.reference import generators as gen
from zkp.reference.field import Q, batch_inv, evm_neg, inv, powers
from zkp.reference.lincomb import Terms
from zkp.reference.transcript import hash_scalar


def range_constants(y_ch: int, z: int, n: int) -> tuple[list[int], list[int], int]:
    """``(ys, twoTimesZs, delta)`` for an aggregated range proof of ``n`` bits (n = 32 or 64).

    ``delta`` is the contracts' ``k``: ``Σys·(z - z²) - Σ_j z^{j+2}·(2^32 - 1)``.
    """
    ys = powers(y_ch, n)
    values = n // 32
    zpows = [pow(z, 2 + j, Q) for j in range(values)]
    twos = [zpows[i // 32] * (1 << (i % 32)) % Q for i in range(n)]
    z_sum = sum(zpows) * z % Q
    delta = (sum(ys) % Q * ((z - z * z) % Q) - (z_sum * ((1 << 32) - 1))) % Q
    return ys, twos, delta


def ip_terms(
    BA: Point,
    BS: Point,
    x: int,
    z: int,
    ys: Sequence[int],
    twos: Sequence[int],
    mu: int,
    t_hat: int,
    o: int,
    L: Sequence[Point],
    R: Sequence[Point],
    a: int,
    b: int,
) -> Terms:
    """Terms equal to the identity iff the inner-product argument verifies.

    ``P = BA + x BS - z gSum + Σ hs'[i](ys[i] z + twos[i]) - mu h + o tHat h`` with
    ``hs'[i] = hs[i] / ys[i]``; the argument folds L/R with challenges chained from ``o``.
    """
    n = len(ys)
    rounds = len(L)
    hs, gs, h = gen.hs(), gen.gs(), gen.h()
    ys_inv = batch_inv(list(ys))
    challenges = []
    prev = o
    for i in range(rounds):
        prev = hash_scalar(prev, L[i], R[i])
        challenges.append(prev)
    # s[i] = (Π x_j)^-1 · Π_{bit j of i set} x_{rounds-1-j}^2  (InnerProductVerifier's s)
    prod = 1
    for c in challenges:
        prod = prod * c % Q
    squares = [c * c % Q for c in challenges]
    s = [inv(prod)] + [0] * (n - 1)
    for i in range(1, n):
        top = i.bit_length() - 1
        s[i] = s[i - (1 << top)] * squares[rounds - 1 - top] % Q
    a %= Q
    b %= Q
    t = Terms()
    # lhs: u_x^(a b) + Σ gs[i]^(s_i a) + hs'[i]^(s_{n-1-i} b)
    t.add(h, o * a % Q * b)
    for i in range(n):
        t.add(gs[i], s[i] * a)
        t.add(hs[i], ys_inv[i] * (s[n - 1 - i] * b - (ys[i] * z + twos[i])))
    # minus P
    t.add(BA, -1).add(BS, -x).add(gen.gs_sum(n), z)
    t.add(h, -(evm_neg(mu) % Q) - o * t_hat)
    for i in range(rounds):
        c = challenges[i]
        ci = inv(c)
        t.add(L[i], -c * c).add(R[i], -ci * ci)
    return t
