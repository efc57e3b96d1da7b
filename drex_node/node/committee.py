"""The genesis committee: stored in ``genesis.extra["committee"]``, signed by the authority.

Format (JSON)::

    "committee": {"epoch": 0,
                  "validators": [{"id": "bcb", "public_key": "<hex>", "weight": 1,
                                  "address": "127.0.0.1:7101"}, ...],
                  "authority_signature": "<hex>"}

A validator id is the institution id of the validator (its certificate's institution).
"""

from __future__ import annotations

from typing import Any

from consensus.committee import Committee, Validator
from consensus.crypto import Ed25519Signer, Ed25519Verifier
from drex_node.genesis import Genesis, GenesisError


def committee_to_doc(committee: Committee, central_bank: str) -> dict[str, Any]:
    """JSON form of a signed committee; ``central_bank`` is the authority's institution id."""
    return {
        "epoch": committee.epoch,
        "central_bank": central_bank,
        "validators": [
            {"id": v.id, "public_key": v.public_key.hex(), "weight": v.weight, "address": v.address}
            for v in committee.validators
        ],
        "authority_signature": committee.authority_signature.hex(),
    }


def signed_committee(
    members: list[tuple[str, bytes, str]], authority_seed: bytes, epoch: int = 0
) -> Committee:
    """A committee of (id, consensus public key, address) with weight 1 each, signed."""
    validators = [Validator(i, pk, 1, addr) for i, pk, addr in members]
    return Committee.create(epoch, validators).signed(Ed25519Signer(authority_seed))


def central_bank_of(g: Genesis) -> str | None:
    """Institution id of the central bank (operators of it may call Admin)."""
    doc = g.extra.get("committee")
    value = doc.get("central_bank") if isinstance(doc, dict) else None
    return value if isinstance(value, str) else None


def committee_from_genesis(g: Genesis, source: str = "genesis") -> Committee:
    """Parse and verify the genesis committee; errors name the field."""
    doc = g.extra.get("committee")
    if not isinstance(doc, dict):
        raise GenesisError(f"{source}: committee: is required for a node network")
    try:
        validators = [
            Validator(
                str(v["id"]), bytes.fromhex(v["public_key"]), int(v["weight"]), str(v["address"])
            )
            for v in doc["validators"]
        ]
        epoch = int(doc.get("epoch", 0))
        sig = bytes.fromhex(doc["authority_signature"])
        committee = Committee(epoch, Committee.create(epoch, validators).validators, sig)
    except (KeyError, TypeError, ValueError) as exc:
        raise GenesisError(f"{source}: committee: malformed: {exc}") from None
    if not committee.verify(g.authority, Ed25519Verifier()):
        raise GenesisError(f"{source}: committee.authority_signature: not signed by the authority")
    return committee
