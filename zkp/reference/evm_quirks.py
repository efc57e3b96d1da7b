"""Reverts of the reference contracts that are not part of the proof's algebra.

``Utils.neg`` maps the point at infinity ``(0, 0)`` to ``(0, P)``, which the ecAdd
precompile rejects, so ``ZetherVerifier`` reverts whenever it negates the identity:
inside its point FFTs (``assembleConvolutions``: ``even + neg(odd·ω)``) and for
``tEval``. Honest proofs never hit this, but crafted statements can (e.g. a transfer with
``D = O`` makes decoy ciphertexts the identity). Compat mode replays those FFTs literally,
with sequential group operations, to return the EVM's verdict.

:func:`replay_convolutions_batched` reaches the same verdict with batched point
operations, for backends that offer a batched ``many`` (ADR 0051).
"""

from __future__ import annotations

from collections.abc import Sequence

from zkp.msm import Many, Point
from zkp.reference.curve import add, mul, neg
from zkp.reference.field import P, Q, inv

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


_FFT_REVERT = "Utils.neg of the identity inside the point FFT"


def _add_pairs(pairs: Sequence[tuple[Point, Point]]) -> list[Point]:
    """``a + b`` for every pair; the generic cases share one field inversion."""
    out: list[Point] = [None] * len(pairs)
    generic: list[int] = []
    prefix = [1]
    for j, (a, b) in enumerate(pairs):
        if a is None or b is None or a[0] == b[0]:
            out[j] = add(a, b)
        else:
            generic.append(j)
            prefix.append(prefix[-1] * (b[0] - a[0]) % P)
    acc = pow(prefix[-1], -1, P)
    for pos in range(len(generic) - 1, -1, -1):
        j = generic[pos]
        (x1, y1), (x2, y2) = pairs[j]  # type: ignore[misc]
        lam = (y2 - y1) * (acc * prefix[pos]) % P
        acc = acc * (x2 - x1) % P
        x3 = (lam * lam - x1 - x2) % P
        out[j] = (x3, (lam * (x1 - x3) - y1) % P)
    return out


def _fft_points_batched(
    problems: list[list[Point]], omegas: Sequence[int], many: Many
) -> list[list[Point]]:
    """Unscaled ``_fft_points`` of every problem (all one size); one ``many`` call a level.

    Raises :class:`EvmRevert` where the literal replay would negate the identity.
    """
    size = len(problems[0])
    if size == 1:
        return problems
    subs = _fft_points_batched(
        [v[0::2] for v in problems] + [v[1::2] for v in problems], omegas[0::2], many
    )
    evens, odds = subs[: len(problems)], subs[len(problems) :]
    half = size // 2
    jobs: list[tuple[list[Point], list[int]]] = []
    for odd in odds:
        for i in range(half):
            if odd[i] is None:
                raise EvmRevert(_FFT_REVERT)
            if omegas[i] != 1:
                jobs.append(([odd[i]], [omegas[i]]))
    scaled = iter(many(jobs))
    pairs: list[tuple[Point, Point]] = []
    for even, odd in zip(evens, odds, strict=True):
        temps = [odd[i] if omegas[i] == 1 else next(scaled) for i in range(half)]
        pairs.extend((even[i], temps[i]) for i in range(half))
        pairs.extend((even[i], neg(temps[i])) for i in range(half))
    flat = _add_pairs(pairs)
    return [flat[p * size : (p + 1) * size] for p in range(len(problems))]


def replay_convolutions_batched(
    r0: Sequence[int], r1: Sequence[int], bases: Sequence[Sequence[Point]], many: Many
) -> None:
    """:func:`replay_convolutions` for each of ``bases`` at once, with the same reverts.

    Point operations run level by level: twiddle multiplications in one ``many`` call
    (``ω^i ≠ 0``, so ``ω^i·odd`` is the identity iff ``odd`` is), additions in Python
    with one shared inversion. The inverse FFT omits its ``1/2`` factors: every value
    of one level carries the same non-zero factor ``2^-d``, so a value is the identity
    exactly when the literal replay's is.
    """
    size = len(bases[0])
    half = size // 2
    omega = pow(UNITY, (1 << 28) // size, Q)
    omega_inv = inv(omega * omega)
    half_half = 1 if half == 1 else half // 2
    omegas = [pow(omega, i, Q) for i in range(half)]
    inverses = [pow(omega_inv, i, Q) for i in range(half_half)]
    base_ffts = _fft_points_batched([list(b) for b in bases], omegas, many)
    exp_ffts = [
        _fft_scalars([row[(size - i) % size] for i in range(size)], omegas) for row in (r0, r1)
    ]
    folds: list[tuple[list[Point], list[int]]] = [
        (
            [base_fft[i], base_fft[i + half]],
            [exp_fft[i] * TWO_INV % Q, exp_fft[i + half] * TWO_INV % Q],
        )
        for base_fft in base_ffts
        for exp_fft in exp_ffts
        for i in range(half)
    ]
    folded = many(folds)
    _fft_points_batched(
        [folded[k * half : (k + 1) * half] for k in range(len(folded) // half)], inverses, many
    )
