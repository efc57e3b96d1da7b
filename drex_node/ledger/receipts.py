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


_new = object.__new__


def block_receipts_of(
    height: int, hashes: Sequence[bytes] | dict[int, bytes], outcomes: Any, count: int
) -> tuple[Receipt, ...]:
    """``Receipt(hashes[i], height, i, *outcomes[i])`` for ``i`` in ``range(count)``
    (``outcomes[i]`` is a ``(reason, detail, flags)`` triple), built without a call to
    ``__init__`` per receipt (one per transaction; a test compares the two)."""
    out: list[Receipt] = []
    append = out.append
    for i in range(count):
        r = _new(Receipt)
        r.tx_hash, r.height, r.index = hashes[i], height, i
        r.reason, r.detail, r.flags = outcomes[i]
        append(r)
    return tuple(out)


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
_REASON_BYTES = {r: bytes((r.value,)) for r in Reason if 0 <= r.value < 0x80}
_TEMPLATES: dict[int, tuple[bytes, bytes]] = {}  # height -> % templates (OK, any)


def _templates(height: int) -> tuple[bytes, bytes] | None:
    """``[%hash, height, %index, 0, "", []]`` (a plain OK receipt) and
    ``[%hash, height, %index, %reason, %detail, []]`` as ``%`` templates."""
    pair = _TEMPLATES.get(height)
    if pair is None:
        if not 0 <= height < 1 << 32:
            return None
        if len(_TEMPLATES) > 64:
            _TEMPLATES.clear()
        hb = _packed_uint(height).replace(b"%", b"%%")
        pair = _TEMPLATES[height] = (
            b"\x96\xc4\x20%b" + hb + b"%b\x00\xa0\x90",
            b"\x96\xc4\x20%b" + hb + b"%b%b%b\x90",
        )
    return pair


def encode_receipts(receipts: Sequence[Receipt]) -> list[bytes]:
    """``[r.encode() for r in receipts]``, with the common receipt (no flags, index
    below 65,536, an ASCII detail under 256 characters) built from a per-height byte
    template instead of a msgpack call: ``[tx_hash, height, index, reason, detail, []]``
    is ``0x96 0xc4 0x20 hash``, the height, the index, the reason (a positive fixint),
    the detail (fixstr or str8) and ``0x90``. A test compares the two paths."""
    out: list[bytes] = []
    append = out.append
    index_bytes, reason_bytes, ok = _INDEX_BYTES, _REASON_BYTES, Reason.OK
    height, pair = -1, None
    for r in receipts:
        if r.height != height:
            height = r.height
            pair = _templates(height)
        if pair is None or r.flags or not 0 <= r.index < 0x10000 or len(r.tx_hash) != 32:
            append(r.encode())
            continue
        detail = r.detail
        if r.reason is ok and detail == "":
            append(pair[0] % (r.tx_hash, index_bytes[r.index]))
            continue
        reason = reason_bytes.get(r.reason)
        if reason is None or type(detail) is not str:
            append(r.encode())
        elif not detail:
            append(pair[1] % (r.tx_hash, index_bytes[r.index], reason, b"\xa0"))
        elif len(detail) < 0x20 and detail.isascii():
            head = bytes((0xA0 | len(detail),))
            append(pair[1] % (r.tx_hash, index_bytes[r.index], reason, head + detail.encode()))
        elif len(detail) < 0x100 and detail.isascii():
            head = b"\xd9" + bytes((len(detail),))
            append(pair[1] % (r.tx_hash, index_bytes[r.index], reason, head + detail.encode()))
        else:
            append(r.encode())
    return out
