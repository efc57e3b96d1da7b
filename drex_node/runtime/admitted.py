"""Transactions a validator admitted, kept on disk until they commit (ADR 0066).

A validator writes what it admitted (the lane entry and its partition) before it
acknowledges the submission; the write is made durable by the driver's next group-commit
fsync, which the submission waits for. A validator that crashes with the transaction
still in a lane (unsealed, or sealed but never certified) finds it here when it restarts
and hands it to its lanes again. Entries are deleted once a block carrying the
transaction is applied; a replayed entry that already has a receipt is dropped, and the
ledger applies a transaction at most once anyway.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgpack

from drex_node.ledger.commit import receipt
from drex_node.storage.kv import KVStore, WriteBatch

ADMITTED_NS = "node/admitted"


class AdmittedLog:
    """The on-disk table of admitted, not yet committed transactions, in admission order
    (keyed by a sequence number, so a sender's nonces replay in order)."""

    def __init__(self, store: KVStore) -> None:
        self.store = store
        store.create_namespace(ADMITTED_NS)
        self._keys: dict[bytes, bytes] = {}  # tx hash -> row key
        self._next = 0
        for key, _ in store.iter_prefix(ADMITTED_NS, b""):
            self._next = max(self._next, int.from_bytes(key, "big") + 1)

    def __len__(self) -> int:
        return len(self._keys)

    def record(self, entries: Iterable[tuple[bytes, int, bytes]]) -> None:
        """Write ``(tx hash, partition, lane entry)`` rows, unsynced (the caller waits
        for the next fsync before acknowledging)."""
        wb = WriteBatch()
        for tx_hash, partition, entry in entries:
            key = self._next.to_bytes(8, "big")
            self._next += 1
            wb.put(ADMITTED_NS, key, msgpack.packb([tx_hash, partition, entry], use_bin_type=True))
            self._keys[tx_hash] = key
        if len(wb):
            self.store.write(wb, sync=False)

    def settle(self, hashes: Iterable[bytes]) -> None:
        """Forget the rows of committed transactions (unsynced: replay checks receipts)."""
        wb = WriteBatch()
        for h in hashes:
            key = self._keys.pop(h, None)
            if key is not None:
                wb.delete(ADMITTED_NS, key)
        if len(wb):
            self.store.write(wb, sync=False)

    def replay(self) -> list[tuple[bytes, int, bytes]]:
        """Rows of transactions still without a receipt, in admission order (rows of
        committed ones are deleted now)."""
        out, done = [], []
        for key, value in self.store.iter_prefix(ADMITTED_NS, b""):
            tx_hash, partition, entry = msgpack.unpackb(value, raw=False)
            self._keys[tx_hash] = key
            if receipt(self.store, tx_hash) is not None:
                done.append(tx_hash)
            else:
                out.append((bytes(tx_hash), int(partition), bytes(entry)))
        self.settle(done)
        return out
