"""Receipts: every transaction in a block gets exactly one."""

from __future__ import annotations

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
