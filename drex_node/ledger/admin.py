"""Handlers of the low-volume administrative transactions, executed sequentially
between partition segments: account creation, issuance, freezes, policy updates."""

from __future__ import annotations

from collections.abc import Callable

from drex_node.ledger.codes import MAX_AMOUNT, AccountFlag, AccountStatus, Reason, TxType
from drex_node.ledger.context import OK, ExecContext, Outcome, check_nonce, fail
from drex_node.ledger.state import Account
from drex_node.ledger.transfers import receivable
from drex_node.ledger.tx import Tx, address_of
from drex_node.policy import host

Handler = Callable[[ExecContext, Tx, Account], Outcome]


def create_account(ctx: ExecContext, tx: Tx, signer: Account) -> Outcome:
    owner, partition, tier, flags = tx.fields
    if not signer.has(AccountFlag.BANK_TIER1) and not signer.has(AccountFlag.AUTHORITY):
        return fail(Reason.UNAUTHORIZED, "only a tier1 bank or the authority creates accounts")
    if flags and not signer.has(AccountFlag.AUTHORITY):
        return fail(Reason.UNAUTHORIZED, "only the authority grants account flags")
    if flags & ~0x7F:
        return fail(Reason.BAD_FIELDS, "unknown account flags")
    if partition not in ctx.chain.partitions:
        return fail(Reason.UNKNOWN_PARTITION, partition)
    addr = address_of(owner)
    if ctx.view.partition_of(addr) is not None:
        return fail(Reason.ACCOUNT_EXISTS, addr.hex())
    ctx.view.create_account(addr, Account(owner, partition, tier, flags))
    return OK


def mint(ctx: ExecContext, tx: Tx, signer: Account) -> Outcome:
    to, asset_id, amount = tx.fields
    asset = ctx.view.asset(asset_id)
    if asset is None:
        return fail(Reason.UNKNOWN_ASSET, asset_id)
    if asset.issuer != tx.sender:
        return fail(Reason.UNAUTHORIZED, "only the issuer mints")
    if asset.paused:
        return fail(Reason.ASSET_PAUSED, asset_id)
    receiver = ctx.view.account(to)
    if receiver is None:
        return fail(Reason.UNKNOWN_ACCOUNT, "receiver")
    minted, burned = ctx.view.supply(asset_id)
    if minted + amount > MAX_AMOUNT:
        return fail(Reason.OVERFLOW, "supply cap")
    ok = receivable(ctx, receiver, asset_id, amount)
    if ok.reason is not Reason.OK:
        return ok
    receiver.balances[asset_id] = receiver.balances.get(asset_id, 0) + amount
    ctx.view.touch(to, receiver)
    ctx.view.set_supply(asset_id, minted + amount, burned)
    return ok


def burn(ctx: ExecContext, tx: Tx, signer: Account) -> Outcome:
    asset_id, amount = tx.fields
    asset = ctx.view.asset(asset_id)
    if asset is None:
        return fail(Reason.UNKNOWN_ASSET, asset_id)
    if asset.issuer != tx.sender:
        return fail(Reason.UNAUTHORIZED, "only the issuer burns")
    if signer.balances.get(asset_id, 0) < amount:
        return fail(Reason.INSUFFICIENT_FUNDS, f"{asset_id} balance below {amount}")
    signer.balances[asset_id] -= amount
    minted, burned = ctx.view.supply(asset_id)
    ctx.view.set_supply(asset_id, minted, burned + amount)
    return OK


def _set_status(ctx: ExecContext, tx: Tx, signer: Account, status: AccountStatus) -> Outcome:
    target, _reason_code = tx.fields
    if not signer.has(AccountFlag.AUTHORITY) and not signer.has(AccountFlag.REGULATOR):
        return fail(Reason.UNAUTHORIZED, "only the authority or a regulator freezes")
    acc = ctx.view.account(target)
    if acc is None:
        return fail(Reason.UNKNOWN_ACCOUNT, "target")
    acc.status = status
    ctx.view.touch(target, acc)
    return OK


def freeze(ctx: ExecContext, tx: Tx, signer: Account) -> Outcome:
    return _set_status(ctx, tx, signer, AccountStatus.FROZEN)


def unfreeze(ctx: ExecContext, tx: Tx, signer: Account) -> Outcome:
    return _set_status(ctx, tx, signer, AccountStatus.ACTIVE)


def policy_update(ctx: ExecContext, tx: Tx, signer: Account) -> Outcome:
    name, params, effective = tx.fields
    if not signer.has(AccountFlag.AUTHORITY):
        return fail(Reason.UNAUTHORIZED, "only the authority updates policy")
    kind = ctx.registry.kind_of(name)
    if kind is None:
        return fail(Reason.UNKNOWN_POLICY, name)
    pdict = dict(params)
    err = ctx.registry.validate(name, pdict)
    if err is not None:
        return fail(Reason.BAD_POLICY_PARAMS, err)
    if effective <= ctx.height:
        return fail(Reason.TOO_LATE, f"effective height {effective} <= {ctx.height}")
    for (ns, key), value in host.schedule_writes(ctx.view, name, kind, pdict, effective).items():
        ctx.view.put(ns, key, value)
    return OK


HANDLERS: dict[TxType, Handler] = {
    TxType.CREATE_ACCOUNT: create_account,
    TxType.MINT: mint,
    TxType.BURN: burn,
    TxType.FREEZE: freeze,
    TxType.UNFREEZE: unfreeze,
    TxType.POLICY_UPDATE: policy_update,
}


def run_admin(ctx: ExecContext, tx: Tx) -> Outcome:
    """Nonce, then the type's handler. The nonce is consumed even when it is refused."""
    signer_addr = tx.sender
    signer = ctx.view.account(signer_addr)
    if signer is None:
        return fail(Reason.UNKNOWN_ACCOUNT, "signer")
    nonce = check_nonce(signer, tx.nonce)
    if nonce is not OK:
        return nonce
    signer.nonce += 1
    ctx.view.touch(signer_addr, signer)
    if signer.frozen:
        return fail(Reason.ACCOUNT_FROZEN, "signer is frozen")
    return HANDLERS[tx.type](ctx, tx, signer)
