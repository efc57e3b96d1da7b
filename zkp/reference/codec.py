"""Word-level proof codec: fixed layouts of 64-byte points and 32-byte scalars.

A layout is a list of ``(field, kind, count)``: ``kind`` is ``"pt"`` or ``"sc"``;
``count == 0`` means a single item, otherwise a tuple of ``count`` items. Decoding
checks the exact length first, then every point (on curve, coordinates below P);
``canonical`` additionally demands scalars below Q (hardened mode).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from zkp.errors import ProofFormatError
from zkp.reference.curve import decode_point, encode_point
from zkp.reference.field import Q

Layout = Sequence[tuple[str, str, int]]

MAX_PROOF_BYTES = 1 << 16


def layout_size(layout: Layout) -> int:
    """Encoded size in bytes."""
    size = 0
    for _, kind, count in layout:
        size += (64 if kind == "pt" else 32) * max(count, 1)
    return size


def decode(data: bytes, layout: Layout, what: str, canonical: bool) -> dict[str, Any]:
    """Decode ``data`` per ``layout`` into a field dict, raising ProofFormatError."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ProofFormatError(f"{what}: proof must be bytes, not {type(data).__name__}")
    data = bytes(data)
    expected = layout_size(layout)
    if len(data) != expected:
        raise ProofFormatError(f"{what}: expected {expected} bytes, got {len(data)}")
    out: dict[str, Any] = {}
    pos = 0
    for name, kind, count in layout:
        items: list[Any] = []
        for i in range(max(count, 1)):
            label = f"{what}.{name}" + (f"[{i}]" if count else "")
            if kind == "pt":
                items.append(decode_point(data[pos : pos + 64], label))
                pos += 64
            else:
                value = int.from_bytes(data[pos : pos + 32], "big")
                if canonical and value >= Q:
                    raise ProofFormatError(f"{label}: scalar not below the group order")
                items.append(value)
                pos += 32
        out[name] = tuple(items) if count else items[0]
    return out


def encode(obj: object, layout: Layout) -> bytes:
    """Inverse of :func:`decode`: serialise ``obj``'s attributes (or a mapping) per layout."""
    buf = bytearray()
    for name, kind, count in layout:
        value = obj[name] if isinstance(obj, Mapping) else getattr(obj, name)
        items = list(value) if count else [value]
        if len(items) != max(count, 1):
            raise ValueError(f"{name}: expected {max(count, 1)} items, got {len(items)}")
        for item in items:
            buf += encode_point(item) if kind == "pt" else int(item).to_bytes(32, "big")
    return bytes(buf)


def ring_log(n: int) -> int:
    """``m = log2(N)`` for an anonymity set of N = 2..64 (power of two)."""
    if not isinstance(n, int) or n < 2 or n > 64 or n & (n - 1):
        raise ProofFormatError(f"anonymity set size must be a power of two in 2..64, got {n}")
    return n.bit_length() - 1
