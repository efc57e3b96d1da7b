"""Interfaces of policy modules (DESIGN §6).

Modules are deterministic and integer-only. They are found through the entry-point
groups ``drex_node.monetary_policy`` and ``drex_node.regulatory_rules``, enabled in
genesis, and re-parameterised only by authority-signed ``PolicyUpdate``
transactions effective from a block height. Parameters are ``dict[str, int]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from drex_node.ledger.state import Account, StateReader, StateView
    from drex_node.ledger.tx import Tx

Params = dict[str, int]


@dataclass(frozen=True, slots=True)
class Verdict:
    """allow (default), reject with a reason, or allow but raise an alert (flag)."""

    kind: str = "allow"  # "allow" | "reject" | "flag"
    message: str = ""

    @staticmethod
    def allow() -> Verdict:
        return ALLOW

    @staticmethod
    def reject(reason: str) -> Verdict:
        return Verdict("reject", reason)

    @staticmethod
    def flag(alert: str) -> Verdict:
        return Verdict("flag", alert)


ALLOW = Verdict()


@runtime_checkable
class RegulatoryRule(Protocol):
    """AML/CFT and operational rules, evaluated at admission and at execution."""

    name: str

    def validate_params(self, params: Params) -> str | None:
        """An error message when ``params`` are unusable, else None."""

    def admit(self, tx: Tx, state: StateReader, params: Params) -> Verdict:
        """Cheap check before a transaction enters a batch (may read committed state)."""

    def on_debit(
        self,
        view: StateView,
        account: Account,
        asset: str,
        amount: int,
        height: int,
        params: Params,
    ) -> Verdict:
        """Execution check on the sending side (in the sender's partition); no writes."""

    def record_debit(
        self,
        view: StateView,
        account: Account,
        asset: str,
        amount: int,
        height: int,
        params: Params,
    ) -> None:
        """Update the rule's own state once a debit has been applied."""

    def on_credit(
        self,
        view: StateView,
        account: Account,
        asset: str,
        amount: int,
        height: int,
        params: Params,
    ) -> Verdict:
        """Execution check on the receiving side (in the receiver's partition); no writes."""


@runtime_checkable
class MonetaryPolicy(Protocol):
    """Issuance, remuneration and holding-limit policies, run at block and epoch ends."""

    name: str

    def validate_params(self, params: Params) -> str | None:
        """An error message when ``params`` are unusable, else None."""

    def on_block_end(self, view: StateView, height: int, params: Params) -> list[str]:
        """Apply deterministic end-of-block effects; return audit notes."""

    def on_epoch_end(self, view: StateView, epoch: int, params: Params) -> list[str]:
        """Apply deterministic end-of-epoch effects; return audit notes."""
