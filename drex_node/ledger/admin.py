"""Handlers of the low-volume administrative transactions, executed sequentially
between partition segments: accounts, issuance, freezes and locks, court orders, asset
pauses and holder enablement, policy updates and committee changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from drex_node.ledger.codes import MAX_AMOUNT, AccountFlag, AccountStatus, Reason, TxType
from drex_node.ledger.context import OK, ExecContext, Outcome, begin, fail
from drex_node.ledger.state import META, Account, pack, unpack
from drex_node.ledger.transfers import move, receivable
from drex_node.ledger.tx import Tx, address_of
from drex_node.policy import host

Handler = Callable[[ExecContext, Tx, Account], Outcome]
K_COMMITTEE = b"committee"
SUPERVISORS = AccountFlag.AUTHORITY | AccountFlag.REGULATOR


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
    ok = receivable(ctx, to, receiver, asset_id, amount)
    if ok.reason is not Reason.OK:
        return ok
    move(receiver, asset_id, amount)
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
    if signer.free(asset_id) < amount:
        return fail(Reason.INSUFFICIENT_FUNDS, f"{asset_id} free balance below {amount}")
    move(signer, asset_id, -amount)
    minted, burned = ctx.view.supply(asset_id)
    ctx.view.set_supply(asset_id, minted, burned + amount)
    return OK


def _supervised(ctx: ExecContext, signer: Account, target: bytes) -> Account | Outcome:
    if not signer.flags & SUPERVISORS:
        return fail(Reason.UNAUTHORIZED, "only the authority or a regulator")
    acc = ctx.view.account(target)
    if acc is None:
        return fail(Reason.UNKNOWN_ACCOUNT, "target")
    return acc


def _set_status(ctx: ExecContext, tx: Tx, signer: Account, status: AccountStatus) -> Outcome:
    target, reason_code = tx.fields
    acc = _supervised(ctx, signer, target)
    if isinstance(acc, Outcome):
        return acc
    acc.status = status
    ctx.view.touch(target, acc)
    return Outcome(Reason.OK, "", (f"audit: {status.name.lower()} reason {reason_code}",))


def freeze(ctx: ExecContext, tx: Tx, signer: Account) -> Outcome:
    return _set_status(ctx, tx, signer, AccountStatus.FROZEN)


def unfreeze(ctx: ExecContext, tx: Tx, signer: Account) -> Outcome:
    return _set_status(ctx, tx, signer, AccountStatus.ACTIVE)


def lock(ctx: ExecContext, tx: Tx, signer: Account) -> Outcome:
    """Partial freeze: ``amount`` of ``asset`` in ``target`` becomes unspendable."""
    target, asset_id, amount, reason_code = tx.fields
    acc = _supervised(ctx, signer, target)
    if isinstance(acc, Outcome):
        return acc
    if acc.free(asset_id) < amount:
        return fail(Reason.INSUFFICIENT_FUNDS, f"free {asset_id} below {amount}")
    acc.locked[asset_id] = acc.locked.get(asset_id, 0) + amount
    ctx.view.touch(target, acc)
    return Outcome(Reason.OK, "", (f"audit: lock {amount} {asset_id} reason {reason_code}",))


def unlock(ctx: ExecContext, tx: Tx, signer: Account) -> Outcome:
    target, asset_id, amount, reason_code = tx.fields
    acc = _supervised(ctx, signer, target)
    if isinstance(acc, Outcome):
        return acc
    if acc.locked.get(asset_id, 0) < amount:
        return fail(Reason.INVALID_AMOUNT, f"only {acc.locked.get(asset_id, 0)} locked")
    acc.locked[asset_id] -= amount
    ctx.view.touch(target, acc)
    return Outcome(Reason.OK, "", (f"audit: unlock {amount} {asset_id} reason {reason_code}",))


def force_move(ctx: ExecContext, tx: Tx, signer: Account) -> Outcome:
    """Court-ordered move by the authority: may take frozen or locked funds (never
    escrowed ones); the court-order reference goes to the receipt for audit nodes."""
    src, dst, asset_id, amount, order = tx.fields
    if not signer.has(AccountFlag.AUTHORITY):
        return fail(Reason.UNAUTHORIZED, "only the authority executes court orders")
    if src == dst:
        return fail(Reason.SELF_TRANSFER)
    sacc, dacc = ctx.view.account(src), ctx.view.account(dst)
    if sacc is None or dacc is None:
        return fail(Reason.UNKNOWN_ACCOUNT, "source" if sacc is None else "destination")
    available = sacc.balances.get(asset_id, 0) - sacc.held.get(asset_id, 0)
    if available < amount:
        return fail(Reason.INSUFFICIENT_FUNDS, f"{asset_id}: {available} seizable")
    ok = receivable(ctx, dst, dacc, asset_id, amount)
    if ok.reason is not Reason.OK:
        return ok
    move(sacc, asset_id, -amount)
    # locked funds are taken last: the lock shrinks only if free funds did not suffice
    sacc.locked[asset_id] = min(sacc.locked.get(asset_id, 0), available - amount)
    move(dacc, asset_id, amount)
    ctx.view.touch(src, sacc)
    ctx.view.touch(dst, dacc)
    return Outcome(Reason.OK, "", (f"audit: court-order {order} moved {amount} {asset_id}",))


def _set_paused(ctx: ExecContext, tx: Tx, signer: Account, paused: bool) -> Outcome:
    (asset_id,) = tx.fields
    if not signer.has(AccountFlag.AUTHORITY):
        return fail(Reason.UNAUTHORIZED, "only the authority pauses assets")
    asset = ctx.view.asset(asset_id)
    if asset is None:
        return fail(Reason.UNKNOWN_ASSET, asset_id)
    ctx.view.put_asset(replace(asset, paused=paused))
    return Outcome(Reason.OK, "", (f"audit: {'pause' if paused else 'unpause'} {asset_id}",))


def pause(ctx: ExecContext, tx: Tx, signer: Account) -> Outcome:
    return _set_paused(ctx, tx, signer, True)


def unpause(ctx: ExecContext, tx: Tx, signer: Account) -> Outcome:
    return _set_paused(ctx, tx, signer, False)


def _set_enabled(ctx: ExecContext, tx: Tx, signer: Account, on: bool) -> Outcome:
    target, asset_id = tx.fields
    asset = ctx.view.asset(asset_id)
    if asset is None:
        return fail(Reason.UNKNOWN_ASSET, asset_id)
    if asset.issuer != tx.sender:
        return fail(Reason.UNAUTHORIZED, "only the issuer enables holders")
    acc = ctx.view.account(target)
    if acc is None:
        return fail(Reason.UNKNOWN_ACCOUNT, "target")
    if on:
        acc.enabled.add(asset_id)
    else:
        acc.enabled.discard(asset_id)
    ctx.view.touch(target, acc)
    return OK


def enable_holder(ctx: ExecContext, tx: Tx, signer: Account) -> Outcome:
    return _set_enabled(ctx, tx, signer, True)


def disable_holder(ctx: ExecContext, tx: Tx, signer: Account) -> Outcome:
    return _set_enabled(ctx, tx, signer, False)


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


def committee_epoch(ctx: ExecContext) -> int:
    raw = ctx.view.get(META, K_COMMITTEE)
    return 0 if raw is None else int(unpack(raw)[0])


def committee_change(ctx: ExecContext, tx: Tx, signer: Account) -> Outcome:
    """Record an authority-signed committee for a later epoch; the node hands it to the
    consensus engine, which switches at its deterministic boundary."""
    epoch, members = tx.fields
    if not signer.has(AccountFlag.AUTHORITY):
        return fail(Reason.UNAUTHORIZED, "only the authority changes the committee")
    if epoch <= committee_epoch(ctx):
        return fail(Reason.BAD_COMMITTEE, f"epoch {epoch} is not after the current one")
    ctx.view.put(META, K_COMMITTEE, pack([epoch, [list(m) for m in members], ctx.height]))
    return Outcome(Reason.OK, "", (f"audit: committee epoch {epoch}",))


HANDLERS: dict[TxType, Handler] = {
    TxType.CREATE_ACCOUNT: create_account,
    TxType.MINT: mint,
    TxType.BURN: burn,
    TxType.FREEZE: freeze,
    TxType.UNFREEZE: unfreeze,
    TxType.POLICY_UPDATE: policy_update,
    TxType.COMMITTEE_CHANGE: committee_change,
    TxType.PAUSE: pause,
    TxType.UNPAUSE: unpause,
    TxType.ENABLE_HOLDER: enable_holder,
    TxType.DISABLE_HOLDER: disable_holder,
    TxType.LOCK: lock,
    TxType.UNLOCK: unlock,
    TxType.FORCE_MOVE: force_move,
}


def run_admin(ctx: ExecContext, tx: Tx, handlers: dict[TxType, Handler] = HANDLERS) -> Outcome:
    """Nonce (and operation id), then the type's handler. The nonce is consumed even when
    the handler refuses."""
    view = ctx.view
    signer = view.account(tx.sender)
    if signer is None:
        return fail(Reason.UNKNOWN_ACCOUNT, "signer")
    if tx.nonce == signer.nonce + 1 and tx.op_id is None:
        signer.nonce = tx.nonce  # what begin() does for such a transaction
        view.dirty[tx.sender] = None  # view.touch(tx.sender, signer): the view holds it
    else:
        started = begin(ctx, tx, signer)
        if started is not OK:
            return started
    if signer.status == _FROZEN:  # signer.frozen
        return fail(Reason.ACCOUNT_FROZEN, "signer is frozen")
    return handlers[tx.type](ctx, tx, signer)


_FROZEN = int(AccountStatus.FROZEN)
