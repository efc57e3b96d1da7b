"""Wallet-side construction of confidential transfers and burns.

A wallet holds its secret key, reads its encrypted balance and the ring's encrypted
balances, and builds the statement (C, D, CLn, CRn, u) and the proof. Balances are
recovered with the same baby-step giant-step routine the auditor uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkp.errors import ProverError
from zkp.msm import MSM, Point, reference_msm
from zkp.reference import generators as gen
from zkp.reference.auditor import decrypt_amount
from zkp.reference.curve import add, mul, neg
from zkp.reference.field import Q
from zkp.reference.prove_burn import BurnWitness, prove_burn
from zkp.reference.prove_transfer import MAX_AMOUNT, TransferWitness, prove_transfer
from zkp.reference.rng import Rng
from zkp.reference.statements import BurnStatement, TransferStatement

Ciphertext = tuple[Point, Point]


@dataclass(frozen=True)
class RingMember:
    """A ring member's public key and current (rolled-over) encrypted balance."""

    y: Point
    balance: Ciphertext


def keypair(rng: Rng) -> tuple[int, Point]:
    """A fresh ``(x, y = x·g)``."""
    x = rng.scalar()
    return x, mul(gen.g(), x)


def encrypt(value: int, y: Point, rand: int) -> Ciphertext:
    """ElGamal ``(value·g + rand·y, rand·g)``."""
    return add(mul(gen.g(), value), mul(y, rand)), mul(gen.g(), rand)


def read_balance(sk: int, ct: Ciphertext) -> int:
    """Decrypt a 32-bit balance: ``CL - sk·CR = b·g``, then baby-step giant-step."""
    return decrypt_amount(add(ct[0], neg(mul(ct[1], sk))))


def build_transfer(
    sk: int,
    ring: Sequence[RingMember],
    sender: int,
    receiver: int,
    value: int,
    epoch: int,
    rng: Rng,
    *,
    mode: str = "hardened",
    fee: int = 0,
    chain_id: int = 0,
    auditor: Point = None,
    balance: int | None = None,
    msm: MSM = reference_msm,
) -> tuple[TransferStatement, bytes]:
    """Build and prove a transfer of ``value`` from ``ring[sender]`` to ``ring[receiver]``.

    ``msm`` is the group backend of the statement and the proof (the result does not
    depend on it).
    """
    g = gen.g()
    if not 0 <= sender < len(ring) or ring[sender].y != msm([g], [sk]):
        raise ProverError("the secret key does not match the sender's ring entry")
    if balance is None:
        balance = read_balance(sk, ring[sender].balance)
    remaining = balance - value - fee
    if not 0 <= value <= MAX_AMOUNT or remaining < 0:
        raise ProverError("insufficient balance for amount plus fee")
    r = rng.scalar()
    D = msm([g], [r])
    C = []
    for i, member in enumerate(ring):
        amount = -value - fee if i == sender else value if i == receiver else 0
        C.append(msm([g, member.y], [amount % Q, r]))
    st = TransferStatement(
        CLn=tuple(add(mem.balance[0], c) for mem, c in zip(ring, C, strict=True)),
        CRn=tuple(add(mem.balance[1], D) for mem in ring),
        C=tuple(C),
        D=D,
        y=tuple(mem.y for mem in ring),
        epoch=epoch,
        u=msm([gen.g_epoch(epoch)], [sk]),
        fee=fee,
        chain_id=chain_id,
        auditor=auditor,
    )
    wit = TransferWitness(sk, r, value, remaining, sender, receiver)
    return prove_transfer(st, wit, rng, mode=mode, msm=msm)


def build_burn(
    sk: int,
    account: Ciphertext,
    value: int,
    epoch: int,
    sender: int,
    rng: Rng,
    *,
    mode: str = "hardened",
    chain_id: int = 0,
    balance: int | None = None,
    msm: MSM = reference_msm,
) -> tuple[BurnStatement, bytes]:
    """Build and prove a burn of a public ``value`` (``sender`` is the payout address)."""
    g = gen.g()
    if balance is None:
        balance = read_balance(sk, account)
    remaining = balance - value
    if remaining < 0 or value < 0:
        raise ProverError("insufficient balance for the burn")
    st = BurnStatement(
        CLn=add(account[0], neg(mul(g, value))),
        CRn=account[1],
        y=mul(g, sk),
        epoch=epoch,
        sender=sender,
        u=mul(gen.g_epoch(epoch), sk),
        chain_id=chain_id,
    )
    return st, prove_burn(st, BurnWitness(sk, remaining), rng, mode=mode, msm=msm)
