"""DREX settlement primitives (docs/protocol/settlement.md): interbank swap in one step,
two-step settlement (propose / accept / cancel / expiry), bond DvP by double command.

All run as barrier transactions (they touch several partitions and meta records);
escrowed amounts stay in the owner's balance as ``held`` until released or settled.
"""

from __future__ import annotations

from dataclasses import dataclass

from drex_node.ledger.codes import MAX_AMOUNT, Reason, TxType
from drex_node.ledger.context import OK, ExecContext, Outcome, applied, fail
from drex_node.ledger.state import META, Account, pack, unpack
from drex_node.ledger.transfers import apply_legs, move, receivable, spendable
from drex_node.ledger.tx import Tx

_new = object.__new__
P_PROPOSAL = b"prop/"
P_DVP = b"dvp/"
P_EXP_HEIGHT = b"exp/h/"
P_EXP_TIME = b"exp/t/"
OPEN, SETTLED, CANCELLED, EXPIRED = 0, 1, 2, 3
STATE_NAMES = {OPEN: "open", SETTLED: "settled", CANCELLED: "cancelled", EXPIRED: "expired"}
MAX_EXPIRY_BLOCKS = 1_000_000
MAX_EXPIRY_MS = 30 * 24 * 3600 * 1000
DELIVER, PAY = 0, 1


@dataclass(slots=True)
class Proposal:
    """An open (or closed) two-step settlement offer; ``give`` is escrowed while open."""

    proposer: bytes
    counterparty: bytes
    give: str
    give_amount: int
    want: str
    want_amount: int
    exp_height: int  # 0 = no height expiry
    exp_ms: int  # 0 = no time expiry
    state: int = 0

    def encode(self) -> bytes:
        return pack(
            [
                self.proposer,
                self.counterparty,
                self.give,
                self.give_amount,
                self.want,
                self.want_amount,
                self.exp_height,
                self.exp_ms,
                self.state,
            ]
        )

    @classmethod
    def decode(cls, raw: bytes) -> Proposal:
        rec = unpack(raw)
        if len(rec) != 9:
            return cls(*rec)
        p = _new(cls)  # every field set below, without the generated __init__
        (
            p.proposer,
            p.counterparty,
            p.give,
            p.give_amount,
            p.want,
            p.want_amount,
            p.exp_height,
            p.exp_ms,
            p.state,
        ) = rec
        return p


@dataclass(slots=True)
class DvpOp:
    """A bond DvP operation opened by its first leg; the initiator's side is escrowed."""

    initiator: bytes
    counterparty: bytes
    side: int  # the initiator's side: DELIVER (bond) or PAY (cash)
    bond: str
    qty: int
    cash: str
    cash_amount: int
    exp_height: int
    state: int = 0

    def encode(self) -> bytes:
        return pack(
            [
                self.initiator,
                self.counterparty,
                self.side,
                self.bond,
                self.qty,
                self.cash,
                self.cash_amount,
                self.exp_height,
                self.state,
            ]
        )

    @classmethod
    def decode(cls, raw: bytes) -> DvpOp:
        rec = unpack(raw)
        if len(rec) != 9:
            return cls(*rec)
        op = _new(cls)  # every field set below, without the generated __init__
        (
            op.initiator,
            op.counterparty,
            op.side,
            op.bond,
            op.qty,
            op.cash,
            op.cash_amount,
            op.exp_height,
            op.state,
        ) = rec
        return op

    @property
    def held(self) -> tuple[str, int]:
        return (self.bond, self.qty) if self.side == DELIVER else (self.cash, self.cash_amount)


# ------------------------------------------------------------------ helpers
def _hold(acc: Account, asset: str, delta: int) -> None:
    acc.held[asset] = acc.held.get(asset, 0) + delta


def _schedule(ctx: ExecContext, kind: str, ident: bytes, height: int, at_ms: int) -> None:
    for prefix, slot in ((P_EXP_HEIGHT, height), (P_EXP_TIME, at_ms // 1000)):
        if slot <= 0:
            continue
        ctx.view.append(META, prefix + slot.to_bytes(8, "big"), [kind, ident])


def _proposal(ctx: ExecContext, pid: bytes) -> Proposal | None:
    raw = ctx.view.get(META, P_PROPOSAL + pid)
    return None if raw is None else Proposal.decode(raw)


def _expired(ctx: ExecContext, exp_height: int, exp_ms: int) -> bool:
    return bool(exp_height and ctx.height > exp_height) or bool(exp_ms and ctx.time_ms >= exp_ms)


# ------------------------------------------------------------------ swap
def swap(ctx: ExecContext, tx: Tx, payer: Account) -> Outcome:
    """Burn the payer bank's token, move wholesale BRL between the banks, mint the payee
    bank's token — atomically, on the payer's signature and the payee's standing
    enablement by its bank."""
    payee_addr, from_id, to_id, amount = tx.fields
    view = ctx.view
    src, dst = view.asset(from_id), view.asset(to_id)
    if src is None or dst is None:
        return fail(Reason.UNKNOWN_ASSET, from_id if src is None else to_id)
    if src.asset_class != "deposit" or dst.asset_class != "deposit":
        return fail(Reason.BAD_FIELDS, "a swap exchanges tokenized deposits")
    payee = view.account(payee_addr)
    if payee is None:
        return fail(Reason.UNKNOWN_ACCOUNT, "payee")
    if payee_addr == tx.sender:
        return fail(Reason.SELF_TRANSFER)
    ok = spendable(ctx, payer, from_id, amount)
    if ok is not OK:
        return ok
    rules = ctx.policies.rules  # without rules, debit checks and records do nothing
    debit = ctx.check_debit(payer, from_id, amount) if rules else OK
    if debit.reason is not Reason.OK:
        return debit
    credit = receivable(ctx, payee_addr, payee, to_id, amount)
    if credit.reason is not Reason.OK:
        return credit
    if dst.paused:
        return fail(Reason.ASSET_PAUSED, to_id)
    flags = debit.flags + credit.flags
    if src.issuer == dst.issuer:
        move(payer, from_id, -amount)
        move(payee, to_id, amount)
    else:
        bank_a, bank_b = view.account(src.issuer), view.account(dst.issuer)
        if bank_a is None or bank_b is None:
            return fail(Reason.UNKNOWN_ACCOUNT, "issuing bank")
        ok = spendable(ctx, bank_a, "BRL", amount)
        if ok is not OK:
            return fail(ok.reason, f"payer bank reserves: {ok.detail}")
        ok = receivable(ctx, dst.issuer, bank_b, "BRL", amount)
        if ok.reason is not Reason.OK:
            return fail(ok.reason, f"payee bank: {ok.detail}")
        if view.supply(to_id)[0] + amount > MAX_AMOUNT:  # the mint leg's supply counter
            return fail(Reason.OVERFLOW, f"{to_id}: supply cap")
        move(payer, from_id, -amount)
        minted, burned = view.supply(from_id)
        view.set_supply(from_id, minted, burned + amount)
        move(bank_a, "BRL", -amount)
        move(bank_b, "BRL", amount)
        move(payee, to_id, amount)
        minted, burned = view.supply(to_id)
        view.set_supply(to_id, minted + amount, burned)
        view.touch(src.issuer, bank_a)
        view.touch(dst.issuer, bank_b)
    view.touch(payee_addr, payee)
    if rules:
        ctx.record_debit(payer, from_id, amount)
    return applied("", flags)


# ------------------------------------------------------------------ two-step settlement
def propose(ctx: ExecContext, tx: Tx, proposer: Account) -> Outcome:
    cp, give, give_amount, want, want_amount, exp_blocks, exp_ms = tx.fields
    view = ctx.view
    if cp == tx.sender:
        return fail(Reason.SELF_TRANSFER)
    if view.account(cp) is None:
        return fail(Reason.UNKNOWN_ACCOUNT, "counterparty")
    if (want == "") != (want_amount == 0):
        return fail(Reason.BAD_FIELDS, "want asset and amount go together")
    if want and view.asset(want) is None:
        return fail(Reason.UNKNOWN_ASSET, want)
    if not (exp_blocks or exp_ms) or exp_blocks > MAX_EXPIRY_BLOCKS or exp_ms > MAX_EXPIRY_MS:
        return fail(Reason.BAD_EXPIRY, "set expiry blocks and/or ms within the limits")
    ok = spendable(ctx, proposer, give, give_amount)
    if ok is not OK:
        return ok
    exp_height = ctx.height + exp_blocks if exp_blocks else 0
    exp_at = ctx.time_ms + exp_ms if exp_ms else 0
    _hold(proposer, give, give_amount)
    record = Proposal(tx.sender, cp, give, give_amount, want, want_amount, exp_height, exp_at)
    view.put(META, P_PROPOSAL + tx.hash, record.encode())
    _schedule(ctx, "p", tx.hash, exp_height, exp_at)
    return applied(f"proposal {tx.hash.hex()} escrowed {give_amount} {give}")


def accept(ctx: ExecContext, tx: Tx, signer: Account) -> Outcome:
    (pid,) = tx.fields
    rec = _proposal(ctx, pid)
    if rec is None:
        return fail(Reason.UNKNOWN_OPERATION, pid.hex())
    if tx.sender != rec.counterparty:
        return fail(Reason.NOT_COUNTERPARTY, "only the named counterparty accepts")
    if rec.state != OPEN or _expired(ctx, rec.exp_height, rec.exp_ms):
        return fail(Reason.OPERATION_CLOSED, STATE_NAMES[rec.state if rec.state else EXPIRED])
    proposer = ctx.view.account(rec.proposer)
    assert proposer is not None  # accounts are never deleted
    _hold(proposer, rec.give, -rec.give_amount)
    legs = [(rec.proposer, rec.counterparty, rec.give, rec.give_amount)]
    if rec.want:
        legs.append((rec.counterparty, rec.proposer, rec.want, rec.want_amount))
    done = apply_legs(ctx, tuple(legs))
    if done.reason is not Reason.OK:
        _hold(proposer, rec.give, rec.give_amount)
        return done
    rec.state = SETTLED
    ctx.view.put(META, P_PROPOSAL + pid, rec.encode())
    return done


def cancel(ctx: ExecContext, tx: Tx, signer: Account) -> Outcome:
    pid, reason_code = tx.fields
    rec = _proposal(ctx, pid)
    if rec is None:
        return fail(Reason.UNKNOWN_OPERATION, pid.hex())
    if tx.sender != rec.proposer:
        return fail(Reason.NOT_INITIATOR, "only the proposer cancels")
    if rec.state != OPEN:
        return fail(Reason.OPERATION_CLOSED, STATE_NAMES[rec.state])
    _release_proposal(ctx, pid, rec, CANCELLED)
    return applied(f"cancelled with reason {reason_code}")


def _release_proposal(ctx: ExecContext, pid: bytes, rec: Proposal, state: int) -> None:
    proposer = ctx.view.account(rec.proposer)
    assert proposer is not None
    _hold(proposer, rec.give, -rec.give_amount)
    ctx.view.touch(rec.proposer, proposer)
    rec.state = state
    ctx.view.put(META, P_PROPOSAL + pid, rec.encode())


# ------------------------------------------------------------------ bond DvP
def dvp_leg(ctx: ExecContext, tx: Tx, signer: Account) -> Outcome:
    op_id, cp, side, bond, qty, cash, cash_amount, _exp_blocks = tx.fields
    view = ctx.view
    key = P_DVP + op_id.encode()
    raw = view.get(META, key)
    if side not in (DELIVER, PAY):
        return fail(Reason.BAD_FIELDS, "side is 0 (deliver) or 1 (pay)")
    if cp == tx.sender:
        return fail(Reason.SELF_TRANSFER)
    if raw is None:
        return _dvp_open(ctx, tx, signer)
    op = DvpOp.decode(raw)
    if tx.sender == op.initiator and cp == op.counterparty:
        return fail(Reason.DUPLICATE_OPERATION, f"operation {op_id} already used by this pair")
    if tx.sender != op.counterparty or cp != op.initiator:
        return fail(Reason.OPERATION_ID_IN_USE, f"operation {op_id} belongs to another pair")
    if op.state != OPEN:
        return fail(Reason.OPERATION_CLOSED, STATE_NAMES[op.state])
    if (side, bond, qty, cash, cash_amount) != (
        1 - op.side,
        op.bond,
        op.qty,
        op.cash,
        op.cash_amount,
    ):
        return fail(Reason.MISMATCHED_LEGS, "side, bond, quantity, cash or amount differ")
    init_acc = view.account(op.initiator)
    assert init_acc is not None
    held_asset, held_amount = op.held
    _hold(init_acc, held_asset, -held_amount)
    seller, buyer = (op.initiator, tx.sender) if op.side == DELIVER else (tx.sender, op.initiator)
    done = apply_legs(ctx, ((seller, buyer, bond, qty), (buyer, seller, cash, cash_amount)))
    if done.reason is not Reason.OK:
        _hold(init_acc, held_asset, held_amount)
        return done
    op.state = SETTLED
    view.put(META, key, op.encode())
    return applied(f"dvp {op_id} settled", done.flags)


def _dvp_open(ctx: ExecContext, tx: Tx, signer: Account) -> Outcome:
    op_id, cp, side, bond, qty, cash, cash_amount, exp_blocks = tx.fields
    view = ctx.view
    if view.account(cp) is None:
        return fail(Reason.UNKNOWN_ACCOUNT, "counterparty")
    for asset_id in (bond, cash):
        if view.asset(asset_id) is None:
            return fail(Reason.UNKNOWN_ASSET, asset_id)
    if not 0 < exp_blocks <= MAX_EXPIRY_BLOCKS:
        return fail(Reason.BAD_EXPIRY, "expiry in blocks is required")
    op = DvpOp(tx.sender, cp, side, bond, qty, cash, cash_amount, ctx.height + exp_blocks)
    held_asset, held_amount = op.held
    ok = spendable(ctx, signer, held_asset, held_amount)
    if ok is not OK:
        return ok
    _hold(signer, held_asset, held_amount)
    view.put(META, P_DVP + op_id.encode(), op.encode())
    _schedule(ctx, "d", op_id.encode(), op.exp_height, 0)
    return applied(f"dvp {op_id} pending")


def dvp_cancel(ctx: ExecContext, tx: Tx, signer: Account) -> Outcome:
    op_id, cp = tx.fields
    key = P_DVP + op_id.encode()
    raw = ctx.view.get(META, key)
    if raw is None:
        return fail(Reason.UNKNOWN_OPERATION, op_id)
    op = DvpOp.decode(raw)
    if tx.sender != op.initiator or cp != op.counterparty:
        return fail(Reason.NOT_INITIATOR, "only the initiator cancels")
    if op.state != OPEN:
        return fail(Reason.OPERATION_CLOSED, STATE_NAMES[op.state])
    _release_dvp(ctx, key, op, CANCELLED)
    return applied(f"dvp {op_id} cancelled")


def _release_dvp(ctx: ExecContext, key: bytes, op: DvpOp, state: int) -> None:
    acc = ctx.view.account(op.initiator)
    assert acc is not None
    asset, amount = op.held
    _hold(acc, asset, -amount)
    ctx.view.touch(op.initiator, acc)
    op.state = state
    ctx.view.put(META, key, op.encode())


# ------------------------------------------------------------------ expiry
def process_expiries(ctx: ExecContext, prev_time_ms: int) -> list[tuple[bytes, str]]:
    """Release every open proposal / pending DvP whose expiry has come, at the end of the
    block; returns ``(operation id, detail)`` for the block's system receipts."""
    view = ctx.view
    due: list[tuple[str, bytes]] = []
    hkey = P_EXP_HEIGHT + ctx.height.to_bytes(8, "big")
    raw = view.get(META, hkey)
    if raw is not None:
        due += [(k, bytes(i)) for k, i in unpack(raw)]
        view.delete(META, hkey)
    now_s = ctx.time_ms // 1000
    # Time buckets from the previous block's second (inclusive) to this block's.
    for sec in range(max(prev_time_ms // 1000, now_s - 86_400), now_s + 1):
        tkey = P_EXP_TIME + sec.to_bytes(8, "big")
        raw = view.get(META, tkey)
        if raw is None:
            continue
        keep = []
        for k, i in unpack(raw):
            rec = _proposal(ctx, bytes(i)) if k == "p" else None
            if rec is not None and rec.exp_ms > ctx.time_ms:
                keep.append([k, i])
            else:
                due.append((k, bytes(i)))
        if keep:
            view.put(META, tkey, pack(keep))
        else:
            view.delete(META, tkey)
    events: list[tuple[bytes, str]] = []
    for kind, ident in sorted(set(due)):
        if kind == "p":
            rec = _proposal(ctx, ident)
            if rec is not None and rec.state == OPEN:
                _release_proposal(ctx, ident, rec, EXPIRED)
                detail = f"proposal {ident.hex()} expired: released {rec.give_amount} {rec.give}"
                events.append((ident, detail))
            continue
        key = P_DVP + ident
        raw = view.get(META, key)
        op = None if raw is None else DvpOp.decode(raw)
        if op is not None and op.state == OPEN:
            _release_dvp(ctx, key, op, EXPIRED)
            events.append((ident, f"dvp {ident.decode()} expired: released"))
    return events


HANDLERS = {
    TxType.SWAP: swap,
    TxType.PROPOSE: propose,
    TxType.ACCEPT: accept,
    TxType.CANCEL: cancel,
    TxType.DVP_LEG: dvp_leg,
    TxType.DVP_CANCEL: dvp_cancel,
}
