"""The reference generators: try-and-increment ``mapInto(keccak256(...))``.

``g = mapInto("G")``, ``h = mapInto("H")``, ``gs[i] = mapInto("G", i)``,
``hs[i] = mapInto("H", i)`` and ``g_epoch(e) = mapInto("Zether", e)``, where the
seed is ``keccak256(abi.encodePacked(...)) mod P`` — exactly ``Utils.mapInto``.
"""

from __future__ import annotations

from functools import cache

from zkp.msm import Point
from zkp.reference.curve import add
from zkp.reference.field import P
from zkp.reference.transcript import keccak256

VECTOR_LEN = 64  # bits in a transfer range proof (two 32-bit values)


def map_into(seed: int) -> tuple[int, int]:
    """Smallest ``x >= seed`` with ``x^3 + 3`` a square; ``y`` its ``(P+1)/4`` power root."""
    while True:
        y_squared = pow(seed, 3, P) + 3  # not reduced, as in Utils.sol
        y = pow(y_squared, (P + 1) // 4, P)
        if pow(y, 2, P) == y_squared:
            return (seed, y)
        seed += 1


def map_string(tag: str, index: int | None = None) -> tuple[int, int]:
    """``mapInto(tag)`` or ``mapInto(tag, index)`` with abi.encodePacked seeding."""
    packed = tag.encode("utf-8")
    if index is not None:
        packed += index.to_bytes(32, "big")
    return map_into(int.from_bytes(keccak256(packed), "big") % P)


@cache
def g() -> tuple[int, int]:
    """The message base ``g`` (also the key base)."""
    return map_string("G")


@cache
def h() -> tuple[int, int]:
    """The blinding base ``h``."""
    return map_string("H")


@cache
def gs() -> tuple[tuple[int, int], ...]:
    """``gs[0..63]``."""
    return tuple(map_string("G", i) for i in range(VECTOR_LEN))


@cache
def hs() -> tuple[tuple[int, int], ...]:
    """``hs[0..63]``."""
    return tuple(map_string("H", i) for i in range(VECTOR_LEN))


@cache
def g_epoch(epoch: int) -> tuple[int, int]:
    """The per-epoch nonce base ``mapInto("Zether", epoch)``."""
    return map_string("Zether", epoch)


@cache
def gs_sum(n: int) -> Point:
    """``gs[0] + ... + gs[n-1]`` (the contracts' ``gSum()`` constant for n = 64 / 32)."""
    acc: Point = None
    for pt in gs()[:n]:
        acc = add(acc, pt)
    return acc
