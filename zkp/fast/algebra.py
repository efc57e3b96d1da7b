"""Scalar side of the fast verifiers: transcript words and per-proof scalar algebra.

Everything here is exact integer arithmetic modulo Q with the reference's own
conventions (``inv(0) == 0``, the EVM's ``sub``/``neg`` where compat uses them), so
the coefficients computed here give the same group sum as the reference's
:class:`~zkp.reference.lincomb.Terms` (ADR 0045). The cyclic convolution of the
one-out-of-many aggregates uses Kronecker substitution: both operands packed into
Python integers, one big multiplication, coefficients read back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from Crypto.Hash import keccak as _keccak

from zkp.fast import scalar_kernels
from zkp.reference.field import Q, evm_neg, powers

U256 = 1 << 256


def word(x: int) -> bytes:
    """``abi.encode(uint256(x))``."""
    return (x % U256).to_bytes(32, "big")


def _keccak_wrapped(data: bytes) -> bytes:
    return _keccak.new(digest_bits=256, data=data).digest()


def _raw_keccak() -> Callable[[bytes], bytes] | None:
    """keccak256 straight through pycryptodome's C functions (its cffi backend), without
    the Python wrapper objects: ~2 us instead of ~5 us per short hash, ~16 hashes per
    verification (ADR 0053). None when that backend or its names are not there, or the
    result differs from the wrapper's on a self-test; callers then use the wrapper."""
    try:
        from Crypto.Util import _raw_api

        lib: Any = _keccak._raw_keccak_lib
        if _raw_api.backend != "cffi":
            return None
        ffi: Any = _raw_api.ffi
        init, absorb, digest, destroy = (
            lib.keccak_init, lib.keccak_absorb, lib.keccak_digest, lib.keccak_destroy
        )  # fmt: skip

        def run(data: bytes) -> bytes:
            state = ffi.new("void **")
            out = ffi.new("uint8_t[32]")
            if init(state, 64, 24):  # capacity 64 bytes (keccak256), 24 rounds
                raise ValueError("keccak_init failed")
            try:
                if absorb(state[0], data, len(data)) or digest(state[0], out, 32, 0x01):
                    raise ValueError("keccak failed")
            finally:
                destroy(state[0])
            return bytes(ffi.buffer(out))

        samples = (b"", b"drex", bytes(range(256)) * 3)
        if all(run(x) == _keccak_wrapped(x) for x in samples):
            return run
    except Exception:  # any surprise in the private names: use the wrapper
        return None
    return None


keccak: Callable[[bytes], bytes] = _raw_keccak() or _keccak_wrapped
"""Ethereum keccak256."""


def hash_to_scalar(data: bytes) -> int:
    """``uint256(keccak256(data)) mod Q``."""
    return int.from_bytes(keccak(data), "big") % Q


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


def range_delta(y: int, z: int, bits: int = 64) -> int:
    """The ``delta`` of ``zkp.reference.ipa.range_constants(y, z, bits)`` (``bits`` a power
    of two, 32 or 64): ``Σ_{i<bits} y^i`` by doubling (``S_2k = S_k (1 + y^k)``)."""
    total, power, count = 1, y % Q, 1
    while count < bits:
        total = total * (1 + power) % Q
        power = power * power % Q
        count *= 2
    zpows = [pow(z, 2 + j, Q) for j in range(bits // 32)]
    z_sum = sum(zpows) * z % Q
    return (total * ((z - z * z) % Q) - z_sum * ((1 << 32) - 1)) % Q


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


def cross(r0: Sequence[int], r1: Sequence[int], v: int) -> list[int]:
    """``cross_coefficients``: ``X[l] = Σ_i v_i r[i mod 2][(l - 2⌊i/2⌋) mod N]``,
    ``v_i = 1, 1, v, v², ...`` (one numba kernel, ``zkp.fast.scalar_kernels``)."""
    n = len(r0)
    vpow = [1, *powers(v, n - 1)] if n > 1 else [1]
    return scalar_kernels.cross([e % Q for e in r0], [e % Q for e in r1], vpow)


def _batch_inv(xs: Sequence[int]) -> list[int] | None:
    """Inverses modulo Q with one exponentiation; None if one of ``xs`` is zero."""
    prefix = [1]
    for x in xs:
        prefix.append(prefix[-1] * x % Q)
    if prefix[-1] == 0:
        return None
    acc = pow(prefix[-1], -1, Q)
    out = [0] * len(xs)
    for i in range(len(xs) - 1, -1, -1):
        out[i] = acc * prefix[i] % Q
        acc = acc * xs[i] % Q
    return out


@dataclass(frozen=True)
class IpParts:
    """The inner-product check's challenge-derived values (see :func:`ip_scalars`)."""

    s0: int
    squares: list[int]
    y_inv: int
    h: int
    lcoef: list[int]
    rcoef: list[int]
    bs: int


def ip_parts(
    x: int, y: int, mu: int, t_hat: int, o: int, challenges: Sequence[int], a: int, b: int
) -> IpParts | None:
    """Everything of :func:`ip_scalars` but the 2n generator coefficients, which
    ``scalar_kernels.ip_generator_scalars`` computes from ``s0``, ``squares``, ``y_inv``.
    None when ``y`` or a challenge is zero (left to the reference verifier)."""
    rounds = len(challenges)
    inverses = _batch_inv([*challenges, y])
    if inverses is None:
        return None
    s0 = 1
    for ci in inverses[:rounds]:
        s0 = s0 * ci % Q
    squares = [c * c % Q for c in challenges]
    h = (o * (a % Q) % Q * (b % Q) - (evm_neg(mu) % Q) - o * t_hat) % Q
    lcoef = [(-sq) % Q for sq in squares]
    rcoef = [(-ci * ci) % Q for ci in inverses[:rounds]]
    return IpParts(s0, squares, inverses[rounds], h, lcoef, rcoef, (-x) % Q)


def ip_scalars(
    n: int, x: int, z: int, ys: Sequence[int], twos: Sequence[int], mu: int, t_hat: int,
    o: int, challenges: Sequence[int], a: int, b: int,
) -> tuple[list[int], list[int], int, list[int], list[int], int] | None:  # fmt: skip
    """Coefficients of ``ip_terms``: (gs, hs, h, L, R, BS); BA's is -1 (pure Python;
    the verifiers use :func:`ip_parts` and the kernel, tests compare the two).

    The ``z · gSum`` term is spread over ``gs[0..n)`` (``gSum = Σ gs[i]``). None when
    ``y`` (``ys[1]``) or a challenge is zero: the reference's ``inv(0) == 0`` path is
    left to the reference verifier.
    """
    rounds = len(challenges)
    inverses = _batch_inv([*challenges, ys[1]])
    if inverses is None:
        return None
    y_inv = inverses[rounds]
    s0 = 1
    for ci in inverses[:rounds]:
        s0 = s0 * ci % Q
    squares = [c * c % Q for c in challenges]
    s = [s0] + [0] * (n - 1)
    for i in range(1, n):
        top = i.bit_length() - 1
        s[i] = s[i - (1 << top)] * squares[rounds - 1 - top] % Q
    a %= Q
    b %= Q
    gs = [(si * a + z) % Q for si in s]
    hs = [0] * n
    yi = 1
    for i in range(n):
        hs[i] = (yi * (s[n - 1 - i] * b - twos[i]) - z) % Q
        yi = yi * y_inv % Q
    h = (o * a % Q * b - (evm_neg(mu) % Q) - o * t_hat) % Q
    lcoef = [(-sq) % Q for sq in squares]
    rcoef = [(-ci * ci) % Q for ci in inverses[:rounds]]
    return gs, hs, h, lcoef, rcoef, (-x) % Q


def ipa_challenges(o: int, proof: bytes, l_at: int, r_at: int, rounds: int = 6) -> list[int]:
    """The inner-product argument's round challenges: each hashes the previous one with
    that round's L and R points (64 bytes each, at ``l_at`` / ``r_at`` + 64 per round)."""
    chal = []
    prev = o
    for i in range(rounds):
        lo, ro = l_at + 64 * i, r_at + 64 * i
        prev = hash_to_scalar(word(prev) + proof[lo : lo + 64] + proof[ro : ro + 64])
        chal.append(prev)
    return chal
