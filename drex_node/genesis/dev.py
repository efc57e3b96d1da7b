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


# The DREX pilot's asset model: wholesale BRL, one tokenized deposit per bank, bond series.
DREX_BANKS: tuple[tuple[str, str, str], ...] = (
    # (institution id, CNPJ8, home partition)
    ("bb", "00000000", "CO"),
    ("itau", "60701190", "SE"),
    ("bradesco", "60746948", "SE"),
    ("caixa", "00360305", "CO"),
    ("santander", "90400888", "S"),
)
DREX_BONDS: tuple[str, ...] = ("TPF/LTN/100000/2027-01-01", "TPF/NTN-B/760199/2035-05-15")


def drex_genesis(
    *,
    chain_id: str = "drex-local",
    partitions: tuple[str, ...] = ("N", "NE", "CO", "SE", "S"),
    clients_per_bank: int = 4,
    epoch_blocks: int = 10,
) -> tuple[dict[str, Any], dict[str, DevKey]]:
    """Genesis with the DREX pilot's default asset model (docs/protocol/settlement.md).

    - ``BRL``: wholesale CBDC, 2 decimals, issued by the central bank's authority key, held
      only by reserve/settlement holders (banks), the Treasury and the authority;
    - ``BRL@<CNPJ8>``: one tokenized deposit per bank, issued by it, held by its clients
      (enabled by the bank);
    - ``TPF/<acronym>/<code>/<maturity>``: federal bond series, quantity with 2 decimals,
      price with 8, issued by the Treasury.

    Keys: ``authority``, ``regulator``, ``treasury``, ``bank-<id>``, ``client-<id>-<i>``.
    """
    keys: dict[str, DevKey] = {}

    def k(name: str) -> DevKey:
        keys[name] = key(f"{chain_id}/{name}")
        return keys[name]

    institutions: list[dict[str, Any]] = [
        {
            "id": "regulator",
            "role": "regulator",
            "public_key": k("regulator").pubkey.hex(),
            "partition": "CO",
        },
        {
            "id": "treasury",
            "role": "treasury",
            "public_key": k("treasury").pubkey.hex(),
            "partition": "CO",
            "balances": {"BRL": 10**13, **{b: 10**9 for b in DREX_BONDS}},
        },
    ]
    assets: list[dict[str, Any]] = [
        {"id": "BRL", "issuer": "authority", "decimals": 2, "class": "wholesale"},
        *(
            {"id": b, "issuer": "treasury", "decimals": 2, "price_decimals": 8, "class": "bond"}
            for b in DREX_BONDS
        ),
    ]
    accounts: list[dict[str, Any]] = []
    for bank_id, cnpj, part in DREX_BANKS:
        token = f"BRL@{cnpj}"
        institutions.append(
            {
                "id": bank_id,
                "role": "tier1",
                "public_key": k(f"bank-{bank_id}").pubkey.hex(),
                "partition": part,
                "balances": {"BRL": 10**12, token: 10**10, DREX_BONDS[0]: 10**6},
            }
        )
        assets.append({"id": token, "issuer": bank_id, "decimals": 2, "class": "deposit"})
        for i in range(clients_per_bank):
            accounts.append(
                {
                    "public_key": k(f"client-{bank_id}-{i}").pubkey.hex(),
                    "partition": partitions[(i + len(accounts)) % len(partitions)],
                    "kyc_tier": 1,
                    "balances": {token: 1_000_000},
                    "enabled": [token],
                }
            )
    doc: dict[str, Any] = {
        "chain_id": chain_id,
        "genesis_time_ms": 0,
        "epoch_blocks": epoch_blocks,
        "authority": {
            "public_key": k("authority").pubkey.hex(),
            "partition": "CO",
            "balances": {"BRL": 10**15},
        },
        "auditor": {"public_key": None},
        "partitions": list(partitions),
        "institutions": institutions,
        "assets": assets,
        "accounts": accounts,
        "policy": {"regulatory_rules": [], "monetary_policy": []},
    }
    return doc, keys
