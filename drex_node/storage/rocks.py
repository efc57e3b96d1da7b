"""RocksDB backend (rocksdict, raw bytes) with one column family per namespace."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import rocksdict

from drex_node.storage.kv import StorageError, WriteBatch, check_namespace

BLOOM_BITS_PER_KEY = 10


def _cf_options() -> rocksdict.Options:
    """Column-family options. No block compression: what we store is hashes, keys,
    signatures and msgpack integers, which compress poorly, and compressing every
    flushed block cost about 2 % of the CPU per transaction (ADR 0004).

    A bloom filter per table file (10 bits per key, about 1 % false positives): a lookup
    of a key that is absent, which admission makes for every transaction (its receipt,
    to refuse a replay), then skips the files that cannot hold it instead of searching
    each one's index (ADR 0084)."""
    opts = rocksdict.Options(raw_mode=True)
    opts.set_compression_type(rocksdict.DBCompressionType.none())
    table = rocksdict.BlockBasedOptions()
    table.set_bloom_filter(BLOOM_BITS_PER_KEY, False)  # full filters, not block-based
    opts.set_block_based_table_factory(table)
    return opts


def _options() -> rocksdict.Options:
    opts = _cf_options()
    opts.create_if_missing(True)
    opts.create_missing_column_families(True)
    return opts


class RocksStore:
    """A RocksDB database; namespaces are column families, batches are WriteBatches."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        os.makedirs(self.path, exist_ok=True)
        try:
            existing = (
                rocksdict.Rdict.list_cf(self.path)
                if os.path.exists(os.path.join(self.path, "CURRENT"))
                else ["default"]
            )
            cfs = {name: _cf_options() for name in existing if name != "default"}
            self._db = rocksdict.Rdict(self.path, _options(), column_families=cfs)
        except Exception as exc:  # rocksdict raises plain Exception for IO errors
            raise StorageError(f"cannot open RocksDB at {self.path}: {exc}") from exc
        self._cfs: dict[str, Any] = {name: self._db.get_column_family(name) for name in cfs}
        self._handles: dict[str, Any] = {
            name: self._db.get_column_family_handle(name) for name in cfs
        }
        self._sync = rocksdict.WriteOptions()
        self._sync.sync = True
        self._nosync = rocksdict.WriteOptions()
        self._closed = False

    def _cf(self, ns: str) -> Any:
        if self._closed:
            raise StorageError("store is closed")
        try:
            return self._cfs[ns]
        except KeyError:
            raise StorageError(f"unknown namespace {ns!r}") from None

    def create_namespace(self, ns: str) -> None:
        check_namespace(ns)
        if self._closed:
            raise StorageError("store is closed")
        if ns in self._cfs:
            return
        self._cfs[ns] = self._db.create_column_family(ns, _cf_options())
        self._handles[ns] = self._db.get_column_family_handle(ns)

    def namespaces(self) -> list[str]:
        return sorted(self._cfs)

    def get(self, ns: str, key: bytes) -> bytes | None:
        cf = self._cfs.get(ns)
        if cf is None:
            cf = self._cf(ns)  # raises the right StorageError
        value: bytes | None = cf.get(key if type(key) is bytes else bytes(key))
        return value

    def put(self, ns: str, key: bytes, value: bytes) -> None:
        self._cf(ns).put(bytes(key), bytes(value))

    def delete(self, ns: str, key: bytes) -> None:
        self._cf(ns).delete(bytes(key))

    def iter_prefix(self, ns: str, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        it = self._cf(ns).iter()
        it.seek(bytes(prefix))
        while it.valid():
            key = bytes(it.key())
            if not key.startswith(prefix):
                break
            yield key, bytes(it.value())
            it.next()

    def write(self, batch: WriteBatch, *, sync: bool = True) -> None:
        if self._closed:
            raise StorageError("store is closed")
        handles = self._handles
        wb = rocksdict.WriteBatch(raw_mode=True)
        put, delete = wb.put, wb.delete
        try:  # nothing reaches the database before ``write`` below
            for (ns, key), value in batch.ops:
                if value is None:
                    delete(key, handles[ns])
                else:
                    put(key, value, handles[ns])
        except KeyError as exc:
            raise StorageError(f"unknown namespace {exc.args[0]!r}") from None
        try:
            self._db.write(wb, self._sync if sync else self._nosync)
        except Exception as exc:
            raise StorageError(f"RocksDB write failed at {self.path}: {exc}") from exc

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for cf in self._cfs.values():
            cf.close()
        self._cfs.clear()
        self._handles.clear()
        self._db.close()
