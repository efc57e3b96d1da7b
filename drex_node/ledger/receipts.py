"""Receipts: every transaction in a block gets exactly one."""

from __future__ import annotations

from dataclasses import dataclass

from drex_node.ledger.codes import Reason
from drex_node.ledger.state import pack, unpack


@dataclass(frozen=True, slots=True)
class Receipt:
    """Outcome of one transaction. ``flags`` are regulatory alerts for audit nodes."""

    tx_hash: bytes
    height: int
    index: int
    reason: Reason
    detail: str = ""
    flags: tuple[str, ...] = ()

    @property
    def applied(self) -> bool:
        return self.reason in (Reason.OK, Reason.CREDIT_REFUSED)

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
