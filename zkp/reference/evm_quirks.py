"""Reverts of the reference contracts that are not part of the proof's algebra.

``Utils.neg`` maps the point at infinity ``(0, 0)`` to ``(0, P)``, which the ecAdd
precompile rejects, so ``ZetherVerifier`` reverts whenever it negates the identity:
inside its point FFTs (``assembleConvolutions``: ``even + neg(odd·ω)``) and for
``tEval``. Honest proofs never hit this, but crafted statements can (e.g. a transfer with
``D = O`` makes decoy ciphertexts the identity). Compat mode replays those FFTs literally,
with sequential group operations, to return the EVM's verdict.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkp.msm import Point
from zkp.reference.curve import add, mul, neg
from zkp.reference.field import Q, inv

UNITY = 0x14A3074B02521E3B1ED9852E5028452693E87BE4E910500C7BA9BBDDB2F46EDD  # 2^28-th root
TWO_INV = 0x183227397098D014DC2822DB40C0AC2E9419F4243CDCB848A1F0FAC9F8000001


class EvmRevert(Exception):
    """The contract would revert (the proof is rejected)."""


def _fft_points(values: Sequence[Point], omegas: Sequence[int], inverse: bool) -> list[Point]:
    size = len(values)
    if size == 1:
        return list(values)
    even = _fft_points(values[0::2], omegas[0::2], inverse)
    odd = _fft_points(values[1::2], omegas[0::2], inverse)
    half = size // 2
    out: list[Point] = [None] * size
    for i in range(half):
        temp = mul(odd[i], omegas[i])
        if temp is None:
            raise EvmRevert("Utils.neg of the identity inside the point FFT")
        out[i] = add(even[i], temp)
        out[i + half] = add(even[i], neg(temp))
        if inverse:
            out[i] = mul(out[i], TWO_INV)
            out[i + half] = mul(out[i + half], TWO_INV)
    return out


def _fft_scalars(values: Sequence[int], omegas: Sequence[int]) -> list[int]:
    size = len(values)
    if size == 1:
        return list(values)
    even = _fft_scalars(values[0::2], omegas[0::2])
    odd = _fft_scalars(values[1::2], omegas[0::2])
    half = size // 2
    out = [0] * size
    for i in range(half):
        temp = odd[i] * omegas[i] % Q
        out[i] = (even[i] + temp) % Q
        out[i + half] = (even[i] - temp) % Q
    return out


def replay_convolutions(r0: Sequence[int], r1: Sequence[int], base: Sequence[Point]) -> None:
    """Run ``assembleConvolutions(r, base)``'s point operations; raise EvmRevert if it would."""
    size = len(base)
    half = size // 2
    omega = pow(UNITY, (1 << 28) // size, Q)
    omega_inv = inv(omega * omega)
    half_half = 1 if half == 1 else half // 2
    omegas = [pow(omega, i, Q) for i in range(half)]
    inverses = [pow(omega_inv, i, Q) for i in range(half_half)]
    base_fft = _fft_points(base, omegas, False)
    for row in (r0, r1):
        flipped = [row[(size - i) % size] for i in range(size)]
        exp_fft = _fft_scalars(flipped, omegas)
        folded = [
            add(
                mul(base_fft[i], exp_fft[i] * TWO_INV),
                mul(base_fft[i + half], exp_fft[i + half] * TWO_INV),
            )
            for i in range(half)
        ]
        _fft_points(folded, inverses, True)
