"""Hardened-mode transcript: domain-separated and binding every public input.

The statement hash covers a domain tag, the chain id, the epoch, the fee, the nonce
``u`` and the auditor key besides the reference fields, so a proof is valid for exactly
one statement on one network. The fused-check weights are derived from the statement
hash and the full proof bytes, never from a random source.
"""

from __future__ import annotations

from zkp.reference.field import powers
from zkp.reference.statements import BurnStatement, TransferStatement
from zkp.reference.transcript import hash_bytes_scalar, hash_scalar, keccak256

TRANSFER_TAG = int.from_bytes(keccak256(b"drex/zether/hardened/v1/transfer"), "big")
BURN_TAG = int.from_bytes(keccak256(b"drex/zether/hardened/v1/burn"), "big")
FUSE_TAG = b"drex/zether/hardened/v1/fuse"


def transfer_statement_hash(st: TransferStatement) -> int:
    """``H(tag, chain_id, epoch, fee, u, auditor, CLn[], CRn[], C[], D, y[])``."""
    return hash_scalar(
        TRANSFER_TAG,
        st.chain_id,
        st.epoch,
        st.fee,
        st.u,
        st.auditor,
        list(st.CLn),
        list(st.CRn),
        list(st.C),
        st.D,
        list(st.y),
    )


def burn_statement_hash(st: BurnStatement) -> int:
    """``H(tag, chain_id, epoch, u, CLn, CRn, y, sender)``."""
    return hash_scalar(BURN_TAG, st.chain_id, st.epoch, st.u, st.CLn, st.CRn, st.y, st.sender)


def fuse_weights(stmt_hash: int, proof_bytes: bytes, count: int) -> list[int]:
    """``[1, ρ, ρ², ...]`` with ``ρ = H(tag ‖ stmt_hash ‖ proof)``: weights of the fused check."""
    rho = hash_bytes_scalar(FUSE_TAG + stmt_hash.to_bytes(32, "big") + proof_bytes) or 1
    return powers(rho, count)
