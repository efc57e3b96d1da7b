"""Scalar side of the fast verifiers: transcript words and per-proof scalar algebra.

Everything here is exact integer arithmetic modulo Q with the reference's own
conventions (``inv(0) == 0``, the EVM's ``sub``/``neg`` where compat uses them), so
the coefficients computed here give the same group sum as the reference's
:class:`~zkp.reference.lincomb.Terms` (ADR 0045). The cyclic convolution of the
one-out-of-many aggregates uses Kronecker substitution: both operands packed into
Python integers, one big multiplication, coefficients read back.
"""

from __future__ import annotations

from collections.abc import Sequence

from Crypto.Hash import keccak as _keccak

from zkp.reference.field import Q, evm_neg, inv, powers

U256 = 1 << 256
_SLOT = 66  # bytes per Kronecker slot: sums of up to 64 products of two values < 2**256


def word(x: int) -> bytes:
    """``abi.encode(uint256(x))``."""
    return (x % U256).to_bytes(32, "big")


def hash_to_scalar(data: bytes) -> int:
    """``uint256(keccak256(data)) mod Q``."""
    return int.from_bytes(_keccak.new(digest_bits=256, data=data).digest(), "big") % Q


def keccak(data: bytes) -> bytes:
    """Ethereum keccak256."""
    return _keccak.new(digest_bits=256, data=data).digest()


def abi(items: Sequence[bytes | tuple[int, bytes]]) -> bytes:
    """``abi.encode`` of pre-encoded items: 32/64-byte static words, or dynamic point
    arrays given as ``(count, joined 64-byte encodings)``."""
    head_len = sum(32 if isinstance(it, tuple) else len(it) for it in items)
    head: list[bytes] = []
    tail: list[bytes] = []
    tail_len = 0
    for it in items:
        if isinstance(it, tuple):
            count, blob = it
            head.append((head_len + tail_len).to_bytes(32, "big"))
            tail.append(count.to_bytes(32, "big"))
            tail.append(blob)
            tail_len += 32 + len(blob)
        else:
            head.append(it)
    return b"".join(head) + b"".join(tail)


def ring_rows(f1: Sequence[int], f0: Sequence[int], m: int) -> tuple[list[int], list[int]]:
    """``ring_vectors``: ``r[j][i] = Π_t (f1 if bit t of i else f0)[j m + t]``, by doubling."""
    rows = []
    for j in range(2):
        row = [1]
        for t in range(m):
            a, b = f0[j * m + t], f1[j * m + t]
            row = [v * a % Q for v in row] + [v * b % Q for v in row]
        rows.append(row)
    return rows[0], rows[1]


def _pack(values: Sequence[int], stride: int) -> int:
    """Kronecker packing: ``values[k]`` at slot ``k * stride``."""
    gap = bytes(_SLOT * (stride - 1))
    return int.from_bytes(b"".join(v.to_bytes(_SLOT, "little") + gap for v in values), "little")


def cross(r0: Sequence[int], r1: Sequence[int], v: int) -> list[int]:
    """``cross_coefficients``: ``X[l] = Σ_i v_i r[i mod 2][(l - 2⌊i/2⌋) mod N]``.

    With ``a_k = v_{2k}``, ``b_k = v_{2k+1}`` (``v_i = 1, 1, v, v², ...``) this is the
    cyclic convolution ``A(x²)·R0(x) + B(x²)·R1(x) mod x^N - 1``.
    """
    n = len(r0)
    if n == 1:
        return [r0[0] % Q]
    vpow = [1, *powers(v, n - 1)]
    half = n // 2
    big = _pack(vpow[0::2][:half], 2) * _pack(r0, 1) + _pack(vpow[1::2][:half], 2) * _pack(r1, 1)
    raw = big.to_bytes(_SLOT * 2 * n, "little")
    coeff = [int.from_bytes(raw[k * _SLOT : (k + 1) * _SLOT], "little") for k in range(2 * n)]
    return [(coeff[k] + coeff[k + n]) % Q for k in range(n)]


def ip_scalars(
    n: int, x: int, z: int, ys: Sequence[int], twos: Sequence[int], mu: int, t_hat: int,
    o: int, challenges: Sequence[int], a: int, b: int,
) -> tuple[list[int], list[int], int, list[int], list[int], int]:  # fmt: skip
    """Coefficients of ``ip_terms``: (gs, hs, h, L, R, BS); BA's is -1.

    The ``z · gSum`` term is spread over ``gs[0..n)`` (``gSum = Σ gs[i]``).
    """
    rounds = len(challenges)
    y_inv = inv(ys[1]) if n > 1 else 1
    ys_inv = powers(y_inv, n)
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
    gs = [(s[i] * a + z) % Q for i in range(n)]
    hs = [ys_inv[i] * (s[n - 1 - i] * b - (ys[i] * z + twos[i])) % Q for i in range(n)]
    h = (o * a % Q * b - (evm_neg(mu) % Q) - o * t_hat) % Q
    inverses = [inv(c) for c in challenges]
    lcoef = [(-sq) % Q for sq in squares]
    rcoef = [(-ci * ci) % Q for ci in inverses]
    return gs, hs, h, lcoef, rcoef, (-x) % Q
