"""Fiat–Shamir hashing: keccak256 (Ethereum's, not SHA3-256) over Solidity ABI encodings.

Only the shapes the Zether verifiers hash are needed: static words (``uint256``,
``bytes32``, ``address``), static points (``bytes32[2]``) and dynamic arrays of points
(``bytes32[2][]``). :func:`abi_encode` lays them out exactly like ``abi.encode``.
"""

from __future__ import annotations

from collections.abc import Sequence

from Crypto.Hash import keccak

from zkp.reference.curve import encode_point
from zkp.reference.field import Q


def keccak256(data: bytes) -> bytes:
    """Ethereum keccak256."""
    h = keccak.new(digest_bits=256)
    h.update(data)
    return h.digest()


def _is_point(item: object) -> bool:
    return item is None or (
        isinstance(item, tuple)
        and len(item) == 2
        and isinstance(item[0], int)
        and isinstance(item[1], int)
    )


def abi_encode(items: Sequence[object]) -> bytes:
    """``abi.encode(items...)``: ints are uint256, points bytes32[2], lists bytes32[2][]."""
    head_len = 0
    for item in items:
        head_len += 64 if _is_point(item) else 32
    head = bytearray()
    tail = bytearray()
    for item in items:
        if isinstance(item, int):
            head += (item % (1 << 256)).to_bytes(32, "big")
        elif _is_point(item):
            head += encode_point(item)  # type: ignore[arg-type]
        elif isinstance(item, list):
            head += (head_len + len(tail)).to_bytes(32, "big")
            tail += len(item).to_bytes(32, "big")
            for pt in item:
                tail += encode_point(pt)
        else:
            raise TypeError(f"cannot ABI-encode {type(item).__name__}")
    return bytes(head + tail)


def hash_scalar(*items: object) -> int:
    """``uint256(keccak256(abi.encode(items...))) mod Q`` — one transcript step."""
    return int.from_bytes(keccak256(abi_encode(items)), "big") % Q


def hash_bytes_scalar(data: bytes) -> int:
    """keccak256 of raw bytes, reduced modulo Q."""
    return int.from_bytes(keccak256(data), "big") % Q
