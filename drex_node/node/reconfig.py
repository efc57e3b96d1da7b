"""Committee changes carried through consensus until the ledger enables its own
``COMMITTEE_CHANGE`` transaction type (ADR 0064).

The Admin service admits an authority-signed committee of the next epoch, encoded as
``msgpack([MAGIC, committee])``, into a lane like a transaction. When a block carrying it
commits, every node (validators and followers, live or catching up) schedules it from the
same round: the first even round at or after ``anchor round + reconfig_delay_rounds``. The
ledger itself sees bytes that are not a transaction and records a MALFORMED receipt.
"""

from __future__ import annotations

from typing import Any

import msgpack

from consensus.committee import Committee, CommitteeSchedule
from consensus.crypto import Verifier
from consensus.storage import committee_from_wire, committee_to_wire

MAGIC = "drex:committee-change:v1"
_PREFIX = bytes(msgpack.packb([MAGIC], use_bin_type=True))[1:]  # the str element
MAX_BYTES = 64 * 1024


def encode_change(committee: Committee) -> bytes:
    """Wire form of a committee change."""
    return bytes(msgpack.packb([MAGIC, committee_to_wire(committee)], use_bin_type=True))


def decode_change(raw: bytes) -> Committee | None:
    """The committee in ``raw``, or None when ``raw`` is not a committee change."""
    if len(raw) > MAX_BYTES or raw[1 : 1 + len(_PREFIX)] != _PREFIX:
        return None
    try:
        obj: Any = msgpack.unpackb(raw, raw=False)
        if not isinstance(obj, list) or len(obj) != 2 or obj[0] != MAGIC:
            return None
        return committee_from_wire(obj[1])
    except Exception:  # any malformed content means "not a committee change"
        return None


def first_round(committed_round: int, delay_rounds: int) -> int:
    """The round from which a change committed in ``committed_round`` governs (even)."""
    first = committed_round + delay_rounds
    return first + first % 2


def check_change(
    committee: Committee, schedule: CommitteeSchedule, authority: bytes, verifier: Verifier
) -> str | None:
    """Why ``committee`` cannot be the next one, or None."""
    if not committee.verify(authority, verifier):
        return "not signed by the authority key"
    if committee.epoch != schedule.latest.epoch + 1:
        return f"epoch {committee.epoch} is not {schedule.latest.epoch + 1}"
    return None
