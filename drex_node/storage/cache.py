"""A write-through read cache in front of any :class:`KVStore`.

Every write goes through the cache (``put``, ``delete``, ``write``), so a cached value is
always the stored one; reads of hot keys (accounts, directory entries, assets) then cost a
dict lookup instead of a RocksDB call and a copy. Misses are cached too. The cache is
bounded: past ``max_entries`` the oldest tenth is dropped (FIFO).

``uncached`` namespaces bypass it: keys written once and rarely read again (blocks,
receipts, consensus records) would otherwise fill it with large values, push the hot
keys out first (FIFO) and hold memory until ``max_entries`` is reached. Their recent
writes are still in RocksDB's memtable, so the occasional read stays cheap.

Thread-safe: hits are plain dict reads; a miss is filled, and a write applied, under one
lock, so a reader can never cache a value that a concurrent write has replaced.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import Any

from drex_node.storage.kv import KVStore, WriteBatch

_ABSENT: Any = object()


class CachedStore:
    """``KVStore`` wrapper; pass it wherever the wrapped store would go."""

    def __init__(
        self, store: KVStore, max_entries: int = 1_000_000, uncached: Iterable[str] = ()
    ) -> None:
        self.store = store
        self.max_entries = max(16, max_entries)
        self.uncached = frozenset(uncached)
        self._cache: dict[tuple[str, bytes], bytes | None] = {}
        self._lock = threading.Lock()
        #: ``peek((ns, key), default)``: the cached value (None for a cached miss) or
        #: ``default`` when the key is not cached, without touching the store. One C
        #: call: readers on a hot path (the ledger's state view) try it before ``get``.
        self.peek = self._cache.get

    def _remember(self, k: tuple[str, bytes], value: bytes | None) -> None:
        cache = self._cache
        cache[k] = value
        if len(cache) > self.max_entries:
            for old in list(cache)[: self.max_entries // 10]:
                del cache[old]

    def create_namespace(self, ns: str) -> None:
        self.store.create_namespace(ns)

    def namespaces(self) -> list[str]:
        return self.store.namespaces()

    def get(self, ns: str, key: bytes) -> bytes | None:
        if ns in self.uncached:
            return self.store.get(ns, key)
        k = (ns, key)
        value = self._cache.get(k, _ABSENT)
        if value is _ABSENT:
            with self._lock:
                value = self._cache.get(k, _ABSENT)
                if value is _ABSENT:
                    value = self.store.get(ns, key)
                    self._remember(k, value)
        return value  # type: ignore[no-any-return]

    def put(self, ns: str, key: bytes, value: bytes) -> None:
        with self._lock:
            self.store.put(ns, key, value)
            if ns not in self.uncached:
                self._remember((ns, bytes(key)), bytes(value))

    def delete(self, ns: str, key: bytes) -> None:
        with self._lock:
            self.store.delete(ns, key)
            if ns not in self.uncached:
                self._remember((ns, bytes(key)), None)

    def iter_prefix(self, ns: str, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        return self.store.iter_prefix(ns, prefix)

    def write(self, batch: WriteBatch, *, sync: bool = True) -> None:
        with self._lock:
            try:
                self.store.write(batch, sync=sync)
            except BaseException:
                self._cache.clear()  # the store may or may not hold the batch: forget
                raise
            cache = self._cache
            skip = self.uncached
            if skip:
                cache.update(op for op in batch.ops if op[0][0] not in skip)
            else:
                cache.update(batch.ops)
            if len(cache) > self.max_entries:
                for old in list(cache)[: len(cache) - self.max_entries + self.max_entries // 10]:
                    del cache[old]

    def close(self) -> None:
        self._cache.clear()
        self.store.close()
