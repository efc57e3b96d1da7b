"""Lane entries that carry a ledger transaction plus the authority's committee signature.

A ``COMMITTEE_CHANGE`` ledger transaction lists the next committee (epoch, members) and
is signed by the authority account; the consensus engine also needs the authority's
signature over the committee itself (``Committee.signing_bytes``). Both travel in one lane
entry, ``msgpack([MAGIC, tx, committee_signature])``. When a committed sub-DAG becomes a
block, every node unwraps it the same way: the block holds the plain ledger transaction
(the ledger applies it and records an OK receipt), the signature rides next to the block
(ADR 0065).
"""

from __future__ import annotations

from typing import Any

import msgpack

MAGIC = "drex:committee-tx:v1"
_PREFIX = bytes(msgpack.packb([MAGIC], use_bin_type=True))[1:]  # the str element
MAX_BYTES = 64 * 1024


def wrap(tx: bytes, committee_signature: bytes) -> bytes:
    """The lane entry carrying ``tx`` and the committee signature."""
    return bytes(msgpack.packb([MAGIC, tx, committee_signature], use_bin_type=True))


def unwrap(raw: bytes) -> tuple[bytes, bytes] | None:
    """``(tx, committee_signature)`` of a carrier entry, or None for anything else."""
    if len(raw) > MAX_BYTES or raw[1 : 1 + len(_PREFIX)] != _PREFIX:
        return None
    try:
        obj: Any = msgpack.unpackb(raw, raw=False)
    except Exception:  # malformed content means "not a carrier"
        return None
    if (
        not isinstance(obj, list)
        or len(obj) != 3
        or obj[0] != MAGIC
        or type(obj[1]) is not bytes
        or type(obj[2]) is not bytes
        or len(obj[2]) != 64
    ):
        return None
    return obj[1], obj[2]
