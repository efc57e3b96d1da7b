"""The consensus engine's ``Storage`` protocol on the node's RocksDB (one column family)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from drex_node.storage.kv import KVStore, WriteBatch

CONSENSUS_NS = "consensus"


class KVEngineStorage:
    """Engine records in namespace ``consensus``; every write is one synced batch, so what
    the engine sends after a flush (a vote, a header) is already on disk."""

    def __init__(self, store: KVStore, *, sync: bool = True) -> None:
        store.create_namespace(CONSENSUS_NS)
        self._store = store
        self._sync = sync
        self.writes = 0

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
            self._store.write(wb, sync=self._sync)
            self.writes += 1
