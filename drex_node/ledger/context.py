"""What a transaction handler sees: the view, the height and the policies in force."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from drex_node.ledger.codes import Reason
from drex_node.ledger.state import Account, ChainInfo, StateView, partition_ns
from drex_node.ledger.tx import Tx
from drex_node.policy.host import ActivePolicies, Registry


class Outcome(NamedTuple):
    """Result of one handler: a reason (OK when applied), a detail and alerts."""

    reason: Reason
    detail: str = ""
    flags: tuple[str, ...] = ()


OK = Outcome(Reason.OK)
_new_outcome = tuple.__new__  # skips the NamedTuple's Python-level __new__ (hot path)


def fail(reason: Reason, detail: str = "", flags: tuple[str, ...] = ()) -> Outcome:
    """An outcome with ``reason`` (a refusal, usually)."""
    return _new_outcome(Outcome, (reason, detail, flags))


def applied(detail: str = "", flags: tuple[str, ...] = ()) -> Outcome:
    """An OK outcome with a detail and/or alerts."""
    return _new_outcome(Outcome, (Reason.OK, detail, flags))


@dataclass(slots=True)
class ExecContext:
    view: StateView
    height: int
    time_ms: int
    chain: ChainInfo
    policies: ActivePolicies
    registry: Registry

    def check_debit(self, acc: Account, asset: str, amount: int) -> Outcome:
        """Run every rule's debit check; a reject wins, flags accumulate."""
        if not self.policies.rules:
            return OK
        return self._check("on_debit", acc, asset, amount)

    def check_credit(self, acc: Account, asset: str, amount: int) -> Outcome:
        """Run every rule's credit check; a reject wins, flags accumulate."""
        if not self.policies.rules:
            return OK
        return self._check("on_credit", acc, asset, amount)

    def _check(self, hook: str, acc: Account, asset: str, amount: int) -> Outcome:
        flags: list[str] = []
        for rule, params in self.policies.rules:
            v = getattr(rule, hook)(self.view, acc, asset, amount, self.height, params)
            if v.kind == "reject":
                return fail(Reason.POLICY_REJECTED, f"{rule.name}: {v.message}")
            if v.kind == "flag":
                flags.append(f"{rule.name}: {v.message}")
        return applied("", tuple(flags))

    def record_debit(self, acc: Account, asset: str, amount: int) -> None:
        if not self.policies.rules:
            return
        for rule, params in self.policies.rules:
            rule.record_debit(self.view, acc, asset, amount, self.height, params)


def check_nonce(acc: Account, nonce: int) -> Outcome:
    """Nonces are sequential per account: exactly ``acc.nonce + 1`` is accepted."""
    if nonce <= acc.nonce:
        return fail(Reason.NONCE_REPLAY, f"nonce {nonce} already used (next {acc.nonce + 1})")
    if nonce > acc.nonce + 1:
        return fail(Reason.NONCE_GAP, f"nonce {nonce} ahead of next {acc.nonce + 1}")
    return OK


P_OP = b"op/"


def begin(ctx: ExecContext, tx: Tx, acc: Account) -> Outcome:
    """Sequence the sender's nonce and record its client operation id, if any.

    A transaction that passes is final: its nonce is consumed whatever comes next. A
    second transaction with an operation id already used by the same account gets
    DUPLICATE_OPERATION with the original transaction's hash, and no other effect.
    """
    if tx.nonce != acc.nonce + 1:
        return check_nonce(acc, tx.nonce)
    acc.nonce += 1
    ctx.view.touch(tx.sender, acc)
    if tx.op_id is not None:
        ns, key = partition_ns(acc.partition), P_OP + tx.sender + tx.op_id
        original = ctx.view.get(ns, key)
        if original is not None:
            return fail(Reason.DUPLICATE_OPERATION, original.hex())
        ctx.view.put(ns, key, tx.hash)
    return OK
