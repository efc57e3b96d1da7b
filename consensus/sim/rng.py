"""A small seeded PRNG (SplitMix64) so the simulator needs no ``random`` module."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")
_MASK = (1 << 64) - 1


class Rng:
    """Deterministic pseudo-random numbers from a 64-bit seed (SplitMix64)."""

    def __init__(self, seed: int) -> None:
        self._state = seed & _MASK

    def next_u64(self) -> int:
        """The next 64-bit output."""
        self._state = (self._state + 0x9E3779B97F4A7C15) & _MASK
        z = self._state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)

    def random(self) -> float:
        """Uniform in [0, 1)."""
        return (self.next_u64() >> 11) / float(1 << 53)

    def randint(self, lo: int, hi: int) -> int:
        """Uniform integer in [lo, hi]."""
        return lo + self.next_u64() % (hi - lo + 1)

    def chance(self, p: float) -> bool:
        """True with probability ``p``."""
        return self.random() < p

    def choice(self, items: Sequence[T]) -> T:
        """One element."""
        return items[self.next_u64() % len(items)]

    def shuffled(self, items: Sequence[T]) -> list[T]:
        """A shuffled copy (Fisher-Yates)."""
        out = list(items)
        for i in range(len(out) - 1, 0, -1):
            j = self.next_u64() % (i + 1)
            out[i], out[j] = out[j], out[i]
        return out

    def bytes(self, n: int) -> bytes:
        """``n`` pseudo-random bytes."""
        return b"".join(self.next_u64().to_bytes(8, "little") for _ in range((n + 7) // 8))[:n]

    def fork(self, label: int) -> Rng:
        """An independent stream derived from this one and ``label``."""
        return Rng(self.next_u64() ^ (label * 0xD1B54A32D192ED03 & _MASK))
