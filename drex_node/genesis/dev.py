"""Deterministic development networks: keys derived from names, a genesis builder.

For tests, benchmarks and the local testnet only — never for a real network, whose
keys are generated randomly by ``drex-node init``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from drex_node.ledger.tx import address_of, public_key


def dev_seed(name: str, namespace: str = "drex-dev") -> bytes:
    """A 32-byte Ed25519 seed derived from ``name`` (deterministic, NOT secret)."""
    return hashlib.blake2b(f"{namespace}/{name}".encode(), digest_size=32).digest()


@dataclass
class DevKey:
    name: str
    seed: bytes
    pubkey: bytes = field(init=False)
    address: bytes = field(init=False)

    def __post_init__(self) -> None:
        self.pubkey = public_key(self.seed)
        self.address = address_of(self.pubkey)


def key(name: str) -> DevKey:
    return DevKey(name, dev_seed(name))


def dev_genesis(
    *,
    chain_id: str = "drex-dev",
    partitions: tuple[str, ...] = ("N", "NE", "CO", "SE", "S"),
    users_per_partition: int = 4,
    user_balance: int = 1_000_000,
    policies: dict[str, list[dict[str, Any]]] | None = None,
    epoch_blocks: int = 10,
) -> tuple[dict[str, Any], dict[str, DevKey]]:
    """A genesis document with an authority, a regulator, a tier1 bank per partition
    issuing a deposit token, a wholesale ``BRL`` and users holding ``DREX`` test tokens.

    Returns the document and the keys by name (``authority``, ``regulator``,
    ``bank-<P>``, ``user-<P>-<i>``).
    """
    keys: dict[str, DevKey] = {}

    def k(name: str) -> DevKey:
        keys[name] = key(f"{chain_id}/{name}")
        return keys[name]

    authority = k("authority")
    institutions: list[dict[str, Any]] = [
        {
            "id": "regulator",
            "role": "regulator",
            "public_key": k("regulator").pubkey.hex(),
            "partition": partitions[0],
        },
    ]
    assets: list[dict[str, Any]] = [
        {"id": "BRL", "issuer": "authority", "decimals": 2, "class": "wholesale"},
        {"id": "DREX", "issuer": "authority", "decimals": 2, "class": "retail"},
    ]
    accounts: list[dict[str, Any]] = []
    for p in partitions:
        bank = k(f"bank-{p}")
        institutions.append(
            {
                "id": f"bank-{p}",
                "role": "tier1",
                "public_key": bank.pubkey.hex(),
                "partition": p,
                "balances": {"BRL": 10**12},
            }
        )
        assets.append(
            {"id": f"BRL@bank-{p}", "issuer": f"bank-{p}", "decimals": 2, "class": "deposit"}
        )
        for i in range(users_per_partition):
            u = k(f"user-{p}-{i}")
            accounts.append(
                {
                    "public_key": u.pubkey.hex(),
                    "partition": p,
                    "kyc_tier": 1,
                    "balances": {"DREX": user_balance},
                    "enabled": [f"BRL@bank-{p}"],
                }
            )
    doc: dict[str, Any] = {
        "chain_id": chain_id,
        "genesis_time_ms": 0,
        "epoch_blocks": epoch_blocks,
        "authority": {
            "public_key": authority.pubkey.hex(),
            "partition": partitions[0],
            "balances": {"BRL": 10**15},
        },
        "auditor": {"public_key": None},
        "partitions": list(partitions),
        "institutions": institutions,
        "assets": assets,
        "accounts": accounts,
        "policy": policies or {"regulatory_rules": [], "monetary_policy": []},
    }
    return doc, keys
