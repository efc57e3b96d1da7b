"""BN254 scalar-field arithmetic and the reference contract's uint256 quirks.

``Q`` is the group order (scalars), ``P`` the base-field modulus (coordinates). The
``evm_*`` helpers reproduce ``Utils.sol`` bit for bit (e.g. ``sub`` wraps modulo 2**256
when handed an unreduced operand) so that compatibility verdicts match the EVM.
"""

from __future__ import annotations

from collections.abc import Sequence

Q = 0x30644E72E131A029B85045B68181585D2833E84879B9709143E1F593F0000001
P = 0x30644E72E131A029B85045B68181585D97816A916871CA8D3C208C16D87CFD47
U256 = 1 << 256


def inv(x: int) -> int:
    """Multiplicative inverse modulo Q (``inv(0) == 0``, as the EVM's modexp gives)."""
    x %= Q
    return pow(x, -1, Q) if x else 0


def batch_inv(xs: Sequence[int]) -> list[int]:
    """Inverses of many non-zero scalars with one exponentiation (Montgomery's trick)."""
    prefix = [1] * (len(xs) + 1)
    for i, x in enumerate(xs):
        prefix[i + 1] = prefix[i] * x % Q
    acc = inv(prefix[-1])
    out = [0] * len(xs)
    for i in range(len(xs) - 1, -1, -1):
        out[i] = acc * prefix[i] % Q
        acc = acc * xs[i] % Q
    return out


def evm_sub(x: int, y: int) -> int:
    """``Utils.sub``: ``x - y`` if ``x >= y`` else ``Q - y + x`` in uint256 arithmetic."""
    return x - y if x >= y else (Q - y + x) % U256


def evm_neg(x: int) -> int:
    """``Utils.neg`` on a scalar: ``Q - x`` in uint256 arithmetic."""
    return (Q - x) % U256


def powers(base: int, n: int) -> list[int]:
    """``[1, base, base**2, ..., base**(n-1)]`` modulo Q."""
    out = [1] * n
    for i in range(1, n):
        out[i] = out[i - 1] * base % Q
    return out
