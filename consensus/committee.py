"""The committee (proof of authority over who validates) and its schedule over rounds.

A committee lists validators with Ed25519 keys and integer weights. With total weight W,
``f = (W - 1) // 3``; the quorum is ``W - f`` (2f+1 when W = 3f+1) and validity is f+1.
The authority key signs every committee; a ``CommitteeChange`` is a signed committee of the
next epoch that takes effect at a round fixed by where the change was committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from consensus.crypto import Signer, Verifier
from consensus.types import ValidatorId, blake


@dataclass(frozen=True, slots=True)
class Validator:
    """One committee member."""

    id: ValidatorId
    public_key: bytes
    weight: int
    address: str = ""


@dataclass(frozen=True, slots=True)
class Committee:
    """Validators of one epoch, sorted by id, signed by the authority key."""

    epoch: int
    validators: tuple[Validator, ...]
    authority_signature: bytes = b""
    _idx: dict[ValidatorId, tuple[bytes, int]] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        idx = {v.id: (v.public_key, v.weight) for v in self.validators}
        object.__setattr__(self, "_idx", idx)

    @staticmethod
    def create(epoch: int, validators: list[Validator] | tuple[Validator, ...]) -> Committee:
        """Sort and validate members (unsigned)."""
        vs = tuple(sorted(validators, key=lambda v: v.id))
        if not vs:
            raise ValueError("committee is empty")
        if len({v.id for v in vs}) != len(vs):
            raise ValueError("duplicate validator id")
        if any(v.weight <= 0 for v in vs):
            raise ValueError("validator weight must be positive")
        return Committee(epoch, vs)

    def signing_bytes(self) -> bytes:
        """What the authority signs."""
        body = [self.epoch, [[v.id, v.public_key, v.weight, v.address] for v in self.validators]]
        return b"drex/sign/committee/v1" + blake(b"drex/committee/v1", body)

    def signed(self, authority: Signer) -> Committee:
        """This committee signed by the authority key."""
        return Committee(self.epoch, self.validators, authority.sign(self.signing_bytes()))

    def verify(self, authority_public_key: bytes, verifier: Verifier) -> bool:
        """True iff the authority signed this committee."""
        return verifier.verify(authority_public_key, self.signing_bytes(), self.authority_signature)

    @property
    def total_weight(self) -> int:
        """Sum of weights."""
        return sum(v.weight for v in self.validators)

    @property
    def quorum(self) -> int:
        """2f+1 by weight."""
        w = self.total_weight
        return w - (w - 1) // 3

    @property
    def validity(self) -> int:
        """f+1 by weight."""
        return (self.total_weight - 1) // 3 + 1

    def weight(self, vid: ValidatorId) -> int:
        """Weight of a member, 0 for a non-member."""
        return self._index().get(vid, (b"", 0))[1]

    def public_key(self, vid: ValidatorId) -> bytes | None:
        """Public key of a member, or None."""
        entry = self._index().get(vid)
        return entry[0] if entry else None

    def is_member(self, vid: ValidatorId) -> bool:
        """Whether ``vid`` is in this committee."""
        return vid in self._index()

    @property
    def ids(self) -> tuple[ValidatorId, ...]:
        """Member ids in sorted order."""
        return tuple(v.id for v in self.validators)

    def stake(self, ids: Iterable[ValidatorId]) -> int:
        """Total weight of the distinct members among ``ids``."""
        idx = self._idx
        return sum(idx[i][1] for i in set(ids) if i in idx)

    def leader(self, round_: int) -> ValidatorId:
        """Deterministic round-robin anchor schedule over sorted ids (even rounds)."""
        return self.validators[(round_ // 2) % len(self.validators)].id

    def _index(self) -> dict[ValidatorId, tuple[bytes, int]]:
        return self._idx


@dataclass(frozen=True, slots=True)
class CommitteeChange:
    """An authority-signed committee of the next epoch, committed through the ledger."""

    committee: Committee


class CommitteeSchedule:
    """Which committee governs each round: a list of (first_round, committee)."""

    def __init__(self, genesis: Committee) -> None:
        self._entries: list[tuple[int, Committee]] = [(1, genesis)]

    @property
    def entries(self) -> tuple[tuple[int, Committee], ...]:
        """(first round, committee) pairs in ascending order."""
        return tuple(self._entries)

    def add(self, first_round: int, committee: Committee) -> None:
        """Schedule ``committee`` from ``first_round`` (must be after every earlier entry)."""
        if first_round <= self._entries[-1][0] or committee.epoch != self.latest.epoch + 1:
            raise ValueError("committee change out of order")
        self._entries.append((first_round, committee))

    @property
    def latest(self) -> Committee:
        """The newest scheduled committee."""
        return self._entries[-1][1]

    def for_round(self, round_: int) -> Committee:
        """The committee governing ``round_``."""
        for first, committee in reversed(self._entries):
            if round_ >= first:
                return committee
        return self._entries[0][1]

    def prune(self, below_round: int) -> None:
        """Forget committees that govern no round ≥ ``below_round``."""
        while len(self._entries) > 1 and self._entries[1][0] <= below_round:
            self._entries.pop(0)
