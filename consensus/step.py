"""What the engine returns: messages to send, outputs for the node, faults of peers."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from consensus.committee import Committee
from consensus.types import Batch, Certificate, Digest, Message, ValidatorId


@dataclass(frozen=True, slots=True)
class Outbound:
    """A message to one peer, or to every other committee member when ``to`` is None."""

    to: ValidatorId | None
    message: Message


class FaultKind(StrEnum):
    """Why a peer's message was rejected."""

    MALFORMED = "malformed"
    NOT_MEMBER = "not-member"
    BAD_SIGNATURE = "bad-signature"
    WRONG_EPOCH = "wrong-epoch"
    EQUIVOCATION = "equivocation"
    BAD_PARENTS = "bad-parents"
    NO_QUORUM = "no-quorum"
    TOO_LARGE = "too-large"
    BAD_ROUND = "bad-round"
    SPOOFED = "spoofed"


@dataclass(frozen=True, slots=True)
class Fault:
    """A recorded misbehaviour of ``peer``; ``evidence`` holds the offending objects."""

    peer: ValidatorId
    kind: FaultKind
    detail: str
    evidence: tuple[object, ...] = ()


@dataclass(frozen=True, slots=True)
class CommittedSubDag:
    """One committed leader and the causal history it orders, in deterministic order."""

    index: int
    leader: Certificate
    certificates: tuple[Certificate, ...]
    batches: tuple[Batch, ...]

    @property
    def leader_round(self) -> int:
        """Round of the committed leader."""
        return self.leader.round

    @property
    def batch_digests(self) -> tuple[Digest, ...]:
        """Digests of the ordered batches."""
        return tuple(b.digest for b in self.batches)


@dataclass(frozen=True, slots=True)
class EpochScheduled:
    """A committee change was accepted; it governs rounds from ``first_round``."""

    first_round: int
    committee: Committee


@dataclass(frozen=True, slots=True)
class BatchStored:
    """A peer's batch this validator received for the first time (held in memory; written
    once a header it votes for, a certificate or a fetch references it): the node may
    start work on its transactions (signature checks) before they are ordered. Advisory
    only."""

    batch: Batch


Output = CommittedSubDag | EpochScheduled | BatchStored


@dataclass(slots=True)
class Step:
    """Effects of one engine call, performed by the caller (sends, outputs, fault records)."""

    messages: list[Outbound] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)

    def extend(self, other: Step) -> None:
        """Append another step's effects."""
        self.messages.extend(other.messages)
        self.outputs.extend(other.outputs)
        self.faults.extend(other.faults)
