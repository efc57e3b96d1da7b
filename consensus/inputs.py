"""Inputs the node hands to the engine (``Engine.handle_input``)."""

from __future__ import annotations

from dataclasses import dataclass

from consensus.committee import CommitteeChange


@dataclass(frozen=True, slots=True)
class SubmitTx:
    """A client transaction for the lane of ``partition``."""

    partition: int
    tx: bytes


@dataclass(frozen=True, slots=True)
class ChangeCommittee:
    """An authority-signed committee change the ledger committed in the sub-DAG whose leader
    is of round ``committed_round``; it governs rounds from the first even round at or after
    ``committed_round + reconfig_delay_rounds`` (identical on every node)."""

    change: CommitteeChange
    committed_round: int


Input = SubmitTx | ChangeCommittee


def boundary_round(committed_round: int, delay_rounds: int) -> int:
    """First round governed by a committee change committed at ``committed_round``."""
    first = committed_round + delay_rounds
    return first + first % 2
