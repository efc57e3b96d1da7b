"""Key-value storage: a small protocol, an in-memory and a RocksDB backend, and their
shared conformance suite (`drex_node.storage.conformance`)."""

from drex_node.storage.kv import KVStore, StorageError, WriteBatch
from drex_node.storage.memory import MemoryStore

__all__ = ["KVStore", "MemoryStore", "StorageError", "WriteBatch", "open_store"]


def open_store(path: str | None, namespaces: list[str] | None = None) -> KVStore:
    """Open a RocksDB store at ``path``, or an in-memory one when ``path`` is None."""
    if path is None:
        store: KVStore = MemoryStore()
    else:
        from drex_node.storage.rocks import RocksStore

        store = RocksStore(path)
    for ns in namespaces or []:
        store.create_namespace(ns)
    return store
