"""Per-KYC-tier limits (reject): per-transaction amount and holding balance.

Parameters: ``tx.<tier>`` — largest amount one transfer may move from an account of
that tier; ``hold.<tier>`` — largest balance of any single asset such an account may
hold after a credit. A tier without a parameter is unlimited. Accounts flagged as
institutions are exempt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drex_node.ledger.codes import AccountFlag
from drex_node.policy.api import ALLOW, Params, Verdict

if TYPE_CHECKING:
    from drex_node.ledger.state import Account, StateReader, StateView
    from drex_node.ledger.tx import Tx


class TierLimits:
    name = "tier-limits"

    def validate_params(self, params: Params) -> str | None:
        for key, value in params.items():
            kind, _, tier = key.partition(".")
            if kind not in ("tx", "hold") or not tier.isdigit():
                return f"unknown parameter {key!r} (expected tx.<tier> or hold.<tier>)"
            if value < 0:
                return f"parameter {key!r} must be >= 0"
        return None

    def admit(self, tx: Tx, state: StateReader, params: Params) -> Verdict:
        return ALLOW

    def on_debit(
        self,
        view: StateView,
        account: Account,
        asset: str,
        amount: int,
        height: int,
        params: Params,
    ) -> Verdict:
        if account.flags & AccountFlag.INSTITUTION:
            return ALLOW
        limit = params.get(f"tx.{account.kyc_tier}")
        if limit is not None and amount > limit:
            return Verdict.reject(f"amount {amount} over tier {account.kyc_tier} limit {limit}")
        return ALLOW

    def record_debit(
        self,
        view: StateView,
        account: Account,
        asset: str,
        amount: int,
        height: int,
        params: Params,
    ) -> None:
        return None

    def on_credit(
        self,
        view: StateView,
        account: Account,
        asset: str,
        amount: int,
        height: int,
        params: Params,
    ) -> Verdict:
        if account.flags & AccountFlag.INSTITUTION:
            return ALLOW
        limit = params.get(f"hold.{account.kyc_tier}")
        if limit is not None and account.balances.get(asset, 0) + amount > limit:
            return Verdict.reject(f"holding over tier {account.kyc_tier} limit {limit}")
        return ALLOW
