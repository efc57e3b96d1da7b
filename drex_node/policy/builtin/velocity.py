"""Velocity rule (flag): an account sending more than ``max_transfers`` transfers within
``window_blocks`` blocks raises an alert in the receipt; the transfer still applies.

State: per account, the heights of its recent sends, kept in the account's own
partition under ``x/velocity/<address>`` so partitions stay independent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drex_node.ledger.state import pack, partition_ns, unpack
from drex_node.ledger.tx import address_of
from drex_node.policy.api import ALLOW, Params, Verdict

if TYPE_CHECKING:
    from drex_node.ledger.state import Account, StateReader, StateView
    from drex_node.ledger.tx import Tx

PREFIX = b"x/velocity/"


def _recent(view: StateView, account: Account, height: int, params: Params) -> list[int]:
    raw = view.get(partition_ns(account.partition), PREFIX + address_of(account.pubkey))
    start = height - params["window_blocks"] + 1
    return [h for h in (unpack(raw) if raw else []) if h >= start]


class Velocity:
    name = "velocity"

    def validate_params(self, params: Params) -> str | None:
        if set(params) != {"max_transfers", "window_blocks"}:
            return "parameters are max_transfers and window_blocks"
        if params["max_transfers"] < 1 or not 1 <= params["window_blocks"] <= 10_000:
            return "max_transfers >= 1 and 1 <= window_blocks <= 10000"
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
        count = len(_recent(view, account, height, params)) + 1
        if count > params["max_transfers"]:
            return Verdict.flag(f"velocity: {count} transfers in {params['window_blocks']} blocks")
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
        recent = _recent(view, account, height, params)
        recent.append(height)
        key = PREFIX + address_of(account.pubkey)
        view.put(
            partition_ns(account.partition), key, pack(recent[-(params["max_transfers"] + 1) :])
        )

    def on_credit(
        self,
        view: StateView,
        account: Account,
        asset: str,
        amount: int,
        height: int,
        params: Params,
    ) -> Verdict:
        return ALLOW
