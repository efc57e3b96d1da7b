"""Value movements: transfers (with cross-partition credit legs), DvP settlement,
credits and refunds. Handlers mutate the context's view only when they succeed,
except for the nonce, which a correctly signed, correctly sequenced transaction
consumes whatever its outcome (so every included transaction is final)."""

from __future__ import annotations

from typing import NamedTuple

from drex_node.ledger.codes import MAX_AMOUNT, Reason
from drex_node.ledger.context import OK, ExecContext, Outcome, applied, begin, fail
from drex_node.ledger.state import Account
from drex_node.ledger.tx import Tx, address_of


class Credit(NamedTuple):
    """The credit leg of a cross-partition transfer, applied at the end of its segment.

    A NamedTuple (built once per cross-partition transfer on the hot path); ``tx_index``
    comes first and is unique in a block, so credits sort by it."""

    tx_index: int  # position in the block
    tx_hash: bytes
    src: bytes
    src_partition: str
    dst: bytes
    dst_partition: str
    asset: str
    amount: int


def spendable(
    ctx: ExecContext,
    acc: Account,
    asset_id: str,
    amount: int,
    balances: dict[str, int] | None = None,
) -> Outcome:
    """May ``acc`` send ``amount``? (asset exists and is live, sender active, free funds).
    ``balances`` stand in for the account's own (scratch balances of a DvP)."""
    asset = ctx.view.asset(asset_id)
    if asset is None:
        return fail(Reason.UNKNOWN_ASSET, asset_id)
    if asset.paused:
        return fail(Reason.ASSET_PAUSED, asset_id)
    if acc.status:
        return fail(Reason.ACCOUNT_FROZEN, "sender is frozen")
    total = (acc.balances if balances is None else balances).get(asset_id, 0)
    free = total
    if acc.held or acc.locked:
        free -= acc.held.get(asset_id, 0) + acc.locked.get(asset_id, 0)
    if free < amount:
        if total >= amount:
            return fail(Reason.FUNDS_LOCKED, f"{asset_id}: part of the balance is locked/escrowed")
        return fail(Reason.INSUFFICIENT_FUNDS, f"{asset_id} balance below {amount}")
    return OK


def receivable(
    ctx: ExecContext,
    addr: bytes,
    acc: Account,
    asset_id: str,
    amount: int,
    balances: dict[str, int] | None = None,
) -> Outcome:
    """May ``acc`` be credited ``amount``? (holder rules, not frozen, no overflow, rules).
    ``balances`` stand in for the account's own (scratch balances of a DvP); the rules
    then see an account carrying them."""
    asset = ctx.view.asset(asset_id)
    if asset is None:
        return fail(Reason.UNKNOWN_ASSET, asset_id)
    if not asset.may_hold(addr, acc):
        return fail(Reason.NOT_ENABLED, f"receiver may not hold {asset_id}")
    if acc.status:
        return fail(Reason.ACCOUNT_FROZEN, "receiver is frozen")
    if (acc.balances if balances is None else balances).get(asset_id, 0) + amount > MAX_AMOUNT:
        return fail(Reason.OVERFLOW, "receiver balance would overflow")
    if not ctx.policies.rules:
        return OK
    if balances is not None:
        probe = Account(acc.pubkey, acc.partition, acc.kyc_tier, acc.flags, acc.status)
        probe.balances, probe.enabled = balances, acc.enabled
        acc = probe
    return ctx.check_credit(acc, asset_id, amount)


def move(acc: Account, asset: str, delta: int) -> None:
    acc.balances[asset] = acc.balances.get(asset, 0) + delta


def transfer(
    ctx: ExecContext, tx: Tx, index: int, credits: list[Credit], partition: str | None = None
) -> Outcome:
    """Transfer ``amount`` of ``asset`` from the signer to ``to``; ``partition`` is the
    sender's, when the caller already knows it.

    Each check first tries a condition under which the full check (:func:`begin`,
    :func:`spendable`, :func:`receivable`) is known to pass, and runs the full check
    only when that fails: the common transfer makes no call it does not need."""
    to, asset_id, amount, _memo = tx.fields
    sender_addr = tx.sender
    view = ctx.view
    sender = view.account(sender_addr, partition)
    if sender is None:
        return fail(Reason.UNKNOWN_ACCOUNT, "sender")
    dirty = view.dirty
    if tx.nonce == sender.nonce + 1 and tx.op_id is None:
        sender.nonce = tx.nonce  # what begin() does for such a transaction
        dirty[sender_addr] = None  # view.touch(sender_addr, sender): it holds ``sender``
    else:
        started = begin(ctx, tx, sender)
        if started is not OK:
            return started
    if to == sender_addr:
        return fail(Reason.SELF_TRANSFER)
    asset = view.asset(asset_id)
    if (
        asset is None
        or asset.paused
        or sender.status
        or sender.held
        or sender.locked
        or sender.balances.get(asset_id, 0) < amount
    ):
        ok = spendable(ctx, sender, asset_id, amount)
        if ok is not OK:
            return ok
    rules = ctx.policies.rules
    flags: tuple[str, ...] = ()
    if rules:
        debit = ctx.check_debit(sender, asset_id, amount)
        if debit.reason is not Reason.OK:
            return debit
        flags = debit.flags
    dst_partition = view.partition_of(to)
    if dst_partition is None:
        return fail(Reason.UNKNOWN_ACCOUNT, "receiver")
    if dst_partition == sender.partition:
        receiver = view.account(to, dst_partition)
        assert receiver is not None  # the directory and the partition agree (our invariant)
        if (  # else receivable() is OK: an asset it may hold, active, no overflow
            rules
            or asset is None
            or receiver.status
            or receiver.balances.get(asset_id, 0) + amount > MAX_AMOUNT
            or asset.asset_class in _HOLDER_RULES
            and not asset.may_hold(to, receiver)
        ):
            credit = receivable(ctx, to, receiver, asset_id, amount)
            if credit.reason is not Reason.OK:
                return credit
            flags += credit.flags
        received = receiver.balances
        received[asset_id] = received.get(asset_id, 0) + amount
        dirty[to] = None  # view.touch(to, receiver)
    else:
        credits.append(
            _new_credit(
                Credit,
                (
                    index,
                    tx.hash,
                    sender_addr,
                    sender.partition,
                    to,
                    dst_partition,
                    asset_id,
                    amount,
                ),
            )
        )
    balances = sender.balances
    balances[asset_id] = balances.get(asset_id, 0) - amount
    if rules:
        ctx.record_debit(sender, asset_id, amount)
    return applied("", flags) if flags else OK


_new_credit = tuple.__new__  # every field given: skips the NamedTuple's Python-level __new__


_HOLDER_RULES = ("wholesale", "deposit")  # asset classes where Asset.may_hold can say no


def apply_credit(ctx: ExecContext, c: Credit) -> Outcome:
    """Credit leg in the destination partition; a refusal leads to a refund."""
    view = ctx.view
    dst, asset_id, amount = c.dst, c.asset, c.amount
    receiver = view.account(dst, c.dst_partition)
    if receiver is None:
        return fail(Reason.CREDIT_REFUSED, "receiver vanished")
    ok = OK
    asset = view.asset(asset_id)
    if (  # else receivable() is OK: an asset it may hold, active, no overflow
        ctx.policies.rules
        or asset is None
        or receiver.status
        or receiver.balances.get(asset_id, 0) + amount > MAX_AMOUNT
        or asset.asset_class in _HOLDER_RULES
        and not asset.may_hold(dst, receiver)
    ):
        ok = receivable(ctx, dst, receiver, asset_id, amount)
        if ok.reason is not Reason.OK:
            return fail(Reason.CREDIT_REFUSED, f"refunded: {ok.reason.name} {ok.detail}".strip())
    balances = receiver.balances
    balances[asset_id] = balances.get(asset_id, 0) + amount
    view.dirty[dst] = None  # view.touch(dst, receiver): the view holds ``receiver``
    return ok


def apply_refund(ctx: ExecContext, c: Credit) -> None:
    """Return a refused credit to its sender (cannot fail: the debit came from there)."""
    sender = ctx.view.account(c.src, c.src_partition)
    assert sender is not None  # accounts are never deleted
    move(sender, c.asset, c.amount)
    ctx.view.touch(c.src, sender)


Leg = tuple[bytes, bytes, str, int]


def apply_legs(ctx: ExecContext, legs: tuple[Leg, ...]) -> Outcome:
    """Move every leg or none: validate on scratch balances, then write. Legs' senders
    must be active and have free funds as the legs evolve; receivers must be able to hold."""
    view = ctx.view
    accounts: dict[bytes, Account] = {}
    for src, dst, _asset, _amount in legs:
        if src == dst:
            return fail(Reason.SELF_TRANSFER)
        for addr in (src, dst):
            acc = view.account(addr)
            if acc is None:
                return fail(Reason.UNKNOWN_ACCOUNT, addr.hex()[:16])
            accounts[addr] = acc
    scratch = {a: dict(acc.balances) for a, acc in accounts.items()}
    flags: list[str] = []
    rules = ctx.policies.rules  # without rules, debit checks and records do nothing
    for src, dst, asset_id, amount in legs:
        sacc, dacc = accounts[src], accounts[dst]
        src_bal, dst_bal = scratch[src], scratch[dst]
        ok = spendable(ctx, sacc, asset_id, amount, src_bal)
        if ok is not OK:
            return ok
        if rules:
            debit = ctx.check_debit(sacc, asset_id, amount)
            if debit.reason is not Reason.OK:
                return debit
            flags += debit.flags
        credit = receivable(ctx, dst, dacc, asset_id, amount, dst_bal)
        if credit is not OK:
            if credit.reason is not Reason.OK:
                return credit
            flags += credit.flags
        src_bal[asset_id] -= amount
        dst_bal[asset_id] = dst_bal.get(asset_id, 0) + amount
    for addr, acc in accounts.items():
        acc.balances = scratch[addr]
        view.touch(addr, acc)
    if rules:
        for src, _dst, asset_id, amount in legs:
            ctx.record_debit(accounts[src], asset_id, amount)
    return applied("", tuple(flags))


def settle(ctx: ExecContext, tx: Tx) -> Outcome:
    """DvP: every leg moves or none does; every distinct sender must have signed."""
    (legs,) = tx.fields
    submitter = ctx.view.account(tx.sender)
    if submitter is None:
        return fail(Reason.UNKNOWN_ACCOUNT, "submitter")
    started = begin(ctx, tx, submitter)
    if started is not OK:
        return started
    signed = {address_of(pk) for pk in tx.signers}
    for src, _dst, _asset, _amount in legs:
        if src not in signed:
            return fail(Reason.MISSING_SIGNATURE, f"leg sender {src.hex()[:16]} did not sign")
    return apply_legs(ctx, legs)
