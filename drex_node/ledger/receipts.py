"""Receipts: every transaction in a block gets exactly one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from drex_node.ledger.codes import Reason
from drex_node.ledger.state import pack, unpack


class Receipt:
    """Outcome of one transaction. ``flags`` are regulatory alerts for audit nodes.

    Immutable by convention; a plain slotted class because one is built per transaction
    (a frozen dataclass costs several times more to construct)."""

    __slots__ = ("detail", "flags", "height", "index", "reason", "tx_hash")

    def __init__(
        self,
        tx_hash: bytes,
        height: int,
        index: int,
        reason: Reason,
        detail: str = "",
        flags: tuple[str, ...] = (),
    ) -> None:
        self.tx_hash = tx_hash
        self.height = height
        self.index = index
        self.reason = reason
        self.detail = detail
        self.flags = flags

    def _key(self) -> tuple[Any, ...]:
        return (self.tx_hash, self.height, self.index, self.reason, self.detail, self.flags)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Receipt) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Receipt(tx_hash={self.tx_hash.hex()[:16]}…, height={self.height}, "
            f"index={self.index}, reason={self.reason.name}, detail={self.detail!r}, "
            f"flags={self.flags!r})"
        )

    @property
    def applied(self) -> bool:
        reason = self.reason
        return reason is Reason.OK or reason is Reason.CREDIT_REFUSED

    def encode(self) -> bytes:
        return pack(
            [self.tx_hash, self.height, self.index, int(self.reason), self.detail, list(self.flags)]
        )

    @classmethod
    def decode(cls, data: bytes) -> Receipt:
        h, height, index, reason, detail, flags = unpack(data)
        return cls(h, height, index, Reason(reason), detail, tuple(flags))

    def to_json(self) -> dict[str, object]:
        return {
            "tx_hash": self.tx_hash.hex(),
            "height": self.height,
            "index": self.index,
            "status": "APPLIED" if self.applied else "REJECTED",
            "reason": self.reason.name,
            "code": int(self.reason),
            "detail": self.detail,
            "flags": list(self.flags),
        }


def _packed_uint(n: int) -> bytes:
    """msgpack's encoding of a non-negative integer below 2**32 (what ``pack`` gives)."""
    if n < 0x80:
        return bytes((n,))
    if n < 0x100:
        return b"\xcc" + bytes((n,))
    if n < 0x10000:
        return b"\xcd" + n.to_bytes(2, "big")
    return b"\xce" + n.to_bytes(4, "big")


_INDEX_BYTES = [_packed_uint(i) for i in range(1 << 16)]  # receipt index -> its encoding
_OK_TEMPLATES: dict[int, bytes] = {}  # height -> % template of an OK receipt's encoding


def encode_receipts(receipts: Sequence[Receipt]) -> list[bytes]:
    """``[r.encode() for r in receipts]``, with the common receipt (OK, no detail, no
    flags, index below 65,536) built from a per-height byte template instead of a
    msgpack call: ``[tx_hash, height, index, 0, "", []]`` is ``0x96 0xc4 0x20 hash``,
    the height, the index and ``0x00 0xa0 0x90``. A test compares the two paths."""
    out: list[bytes] = []
    append = out.append
    templates = _OK_TEMPLATES
    index_bytes = _INDEX_BYTES
    ok = Reason.OK
    for r in receipts:
        if (
            r.reason is ok
            and not r.detail
            and not r.flags
            and 0 <= r.index < 0x10000
            and len(r.tx_hash) == 32
        ):
            height = r.height
            tmpl = templates.get(height)
            if tmpl is None:
                if not 0 <= height < 1 << 32:
                    append(r.encode())
                    continue
                if len(templates) > 64:
                    templates.clear()
                hb = _packed_uint(height).replace(b"%", b"%%")
                tmpl = templates[height] = b"\x96\xc4\x20%b" + hb + b"%b\x00\xa0\x90"
            append(tmpl % (r.tx_hash, index_bytes[r.index]))
        else:
            append(r.encode())
    return out
