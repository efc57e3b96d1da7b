"""Test helpers: shared Anonymous Zether vectors, seeded wallets, tampering, MSM backends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from zkp.msm import MSM, Point, reference_msm
from zkp.reference import wallet
from zkp.reference.field import P as FIELD_P
from zkp.reference.rng import SeededRng
from zkp.reference.statements import BurnStatement, TransferStatement

AZ_PATH = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "vectors"
    / "anonymous-zether"
    / "az_vectors.json"
)


@cache
def az_data() -> dict[str, Any]:
    return json.loads(AZ_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def az_case(case_id: str) -> dict[str, Any]:
    for case in az_data()["vectors"]:
        if case["id"] == case_id:
            return case  # type: ignore[no-any-return]
    raise KeyError(case_id)


# --- wallet fixtures built with our own prover (seeded, reproducible) ---


SENDER_BALANCE = 100


@cache
def ring(n: int, seed: int = 1) -> tuple[list[tuple[int, Point]], list[wallet.RingMember]]:
    """``n`` keypairs and their ring entries; member 1 holds 100, the others 5."""
    rng = SeededRng(f"ring-{n}-{seed}")
    keys = [wallet.keypair(rng) for _ in range(n)]
    members = [
        wallet.RingMember(y, wallet.encrypt(SENDER_BALANCE if i == 1 else 5, y, rng.scalar()))
        for i, (_, y) in enumerate(keys)
    ]
    return keys, members


@cache
def auditor_keys() -> tuple[int, Point]:
    return wallet.keypair(SeededRng("auditor"))


@cache
def transfer(
    n: int, mode: str, value: int = 10, fee: int = 0, chain_id: int = 7, forge: bool = False
) -> tuple[TransferStatement, bytes]:
    """A transfer from ring member 1 to member 2 (opposite parity) in epoch 7."""
    keys, members = ring(n)
    rng = SeededRng(f"transfer-{n}-{mode}-{value}-{fee}-{chain_id}-{forge}")
    if not forge:
        return wallet.build_transfer(
            keys[1][0], members, 1, 0 if n == 2 else 2, value, 7, rng, mode=mode, fee=fee,
            chain_id=chain_id, auditor=auditor_keys()[1], balance=SENDER_BALANCE,
        )  # fmt: skip
    from zkp.reference.prove_transfer import TransferWitness, prove_transfer

    st, _ = transfer(n, mode, value, fee, chain_id)
    # rebuild the witness the honest builder used: same seeded stream, first draw is r
    r = SeededRng(f"transfer-{n}-{mode}-{value}-{fee}-{chain_id}-False").scalar()
    wit = TransferWitness(keys[1][0], r, value, SENDER_BALANCE - value - fee, 1, 0 if n == 2 else 2)
    return prove_transfer(st, wit, rng, mode=mode, forge_nonce=True)


@cache
def burn(mode: str, value: int = 3) -> tuple[BurnStatement, bytes]:
    keys, members = ring(2)
    rng = SeededRng(f"burn-{mode}-{value}")
    return wallet.build_burn(
        keys[1][0], members[1].balance, value, 7, 0x1234, rng, mode=mode, chain_id=7,
        balance=SENDER_BALANCE,
    )  # fmt: skip


# --- tampering and MSM backends ---


def word_tampers(proof: bytes) -> Iterator[tuple[int, bytes]]:
    """Every 32-byte word with its lowest bit flipped."""
    for i in range(len(proof) // 32):
        data = bytearray(proof)
        data[32 * i + 31] ^= 1
        yield i, bytes(data)


def negated_point_tampers(proof: bytes, point_words: list[int]) -> Iterator[tuple[int, bytes]]:
    """Replace the y word of each point by ``P - y``: still a valid curve point."""
    for i in point_words:
        y = int.from_bytes(proof[32 * i : 32 * i + 32], "big")
        if y == 0:
            continue
        data = bytearray(proof)
        data[32 * i : 32 * i + 32] = (FIELD_P - y).to_bytes(32, "big")
        yield i, bytes(data)


def msm_backends() -> list[MSM]:
    """The reference MSM plus, when the fast path is importable, ``zkp.fast.msm.msm`` and
    the table-backed :class:`~zkp.fast.backend.FastBackend` (batched FFT replay)."""
    backends: list[MSM] = [reference_msm]
    try:
        from zkp.fast.backend import fast_backend
        from zkp.fast.msm import msm as fast_msm
    except ImportError:
        return backends
    backends.append(fast_msm)
    backends.append(fast_backend())
    return backends


class CountingMSM:
    """Wraps an MSM and counts calls (to check how many MSMs a verification uses)."""

    def __init__(self, inner: MSM = reference_msm) -> None:
        self.inner = inner
        self.calls = 0
        self.points = 0

    def __call__(self, points, scalars):  # type: ignore[no-untyped-def]
        self.calls += 1
        self.points += len(points)
        return self.inner(points, scalars)
