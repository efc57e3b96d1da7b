"""Prover randomness as an input: a system source for wallets, a seeded one for tests.

Verification never draws randomness; only provers and the batch verifier's caller do.
"""

from __future__ import annotations

import secrets
from typing import Protocol

from zkp.reference.field import Q
from zkp.reference.transcript import keccak256


class Rng(Protocol):
    """Source of uniformly random non-zero scalars modulo Q."""

    def scalar(self) -> int:
        """Return a random scalar in ``[1, Q)``."""
        ...


class SystemRng:
    """Operating-system randomness (``secrets``) for real wallets."""

    def scalar(self) -> int:
        """Return a random scalar in ``[1, Q)``."""
        return 1 + secrets.randbelow(Q - 1)


class SeededRng:
    """Deterministic keccak256 counter-mode stream, for reproducible tests and benchmarks."""

    def __init__(self, seed: bytes | int | str) -> None:
        if isinstance(seed, int):
            seed = seed.to_bytes(32, "big")
        elif isinstance(seed, str):
            seed = seed.encode("utf-8")
        self._seed = keccak256(b"drex/zkp/seeded-rng" + seed)
        self._counter = 0

    def scalar(self) -> int:
        """Next scalar of the stream, in ``[1, Q)``."""
        while True:
            self._counter += 1
            block = keccak256(self._seed + self._counter.to_bytes(8, "big"))
            value = int.from_bytes(block + keccak256(block), "big") % Q
            if value:
                return value
