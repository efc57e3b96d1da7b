"""The consensus engine's ``Storage`` protocol on the node's RocksDB (one column family)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from drex_node.runtime.walsync import WalSync
from drex_node.storage.kv import KVStore, WriteBatch

CONSENSUS_NS = "consensus"


class KVEngineStorage:
    """Engine records in namespace ``consensus``.

    Each engine flush is one atomic batch written to the WAL without fsync; the driver calls
    :meth:`sync_now` (one fsync covering every earlier batch) before it sends anything those
    batches made possible (a vote, a header). That is group commit: one fsync per group of
    engine calls instead of one per message, with the same guarantee that nothing is sent
    before the state that justifies it is on disk.

    With ``wal`` (the database directory's write-ahead log, ADR 0070) the fsync is an
    ``os.fsync`` of the log files, which lets the event loop run during it; without, a
    synced write through the store.
    """

    def __init__(self, store: KVStore, *, sync: bool = True, wal: WalSync | None = None) -> None:
        store.create_namespace(CONSENSUS_NS)
        self._store = store
        self._sync = sync
        self._wal = wal
        self.writes = 0
        self.dirty = False

    def get(self, key: bytes) -> bytes | None:
        """The value under ``key`` or None."""
        return self._store.get(CONSENSUS_NS, key)

    def write(self, puts: Mapping[bytes, bytes], deletes: Iterable[bytes] = ()) -> None:
        """Apply deletes then puts atomically and durably."""
        wb = WriteBatch()
        for k in deletes:
            wb.delete(CONSENSUS_NS, k)
        for k, v in puts.items():
            wb.put(CONSENSUS_NS, k, v)
        if len(wb):
            self._store.write(wb, sync=False)
            self.writes += 1
            self.dirty = True

    def sync_now(self) -> None:
        """Make every earlier write durable (one fsync covers the whole WAL); may run on
        another thread than the writes."""
        if not self._sync:
            return
        if self._wal is None or not self._wal.sync():
            self.synced_write()

    def synced_write(self) -> None:
        """A synced write through the store (syncs the whole write-ahead log)."""
        if self._sync:
            wb = WriteBatch()
            wb.put(CONSENSUS_NS, b"barrier", b"")
            self._store.write(wb, sync=True)
