"""GIL-free durability: unsynced RocksDB writes sit in the write-ahead log files that
``WalSync`` fsyncs; without log files the callers fall back to a synced write."""

from __future__ import annotations

import os
from pathlib import Path

from drex_node.runtime.engine_store import CONSENSUS_NS, KVEngineStorage
from drex_node.runtime.walsync import WalSync
from drex_node.storage import MemoryStore
from drex_node.storage.kv import WriteBatch
from drex_node.storage.rocks import RocksStore


def test_unsynced_write_is_in_a_log_file_that_sync_covers(tmp_path: Path) -> None:
    store = RocksStore(tmp_path / "db")
    store.create_namespace("ns")
    wb = WriteBatch()
    wb.put("ns", b"key", b"unsynced-marker-7f3a")
    store.write(wb, sync=False)
    wal = WalSync(tmp_path / "db")
    logs = wal.logs()
    # The premise of ADR 0070: the bytes were handed to the OS, in a file sync() fsyncs.
    assert logs and any(b"unsynced-marker-7f3a" in Path(p).read_bytes() for p in logs)
    assert wal.sync()
    store.close()


def test_engine_storage_syncs_through_the_log_files(tmp_path: Path) -> None:
    store = RocksStore(tmp_path / "db")
    backend = KVEngineStorage(store, wal=WalSync(tmp_path / "db"))
    backend.write({b"k": b"v"})
    backend.sync_now()
    assert store.get(CONSENSUS_NS, b"barrier") is None  # no synced write was needed
    assert backend.get(b"k") == b"v"
    store.close()


def test_without_log_files_the_engine_storage_writes_synced(tmp_path: Path) -> None:
    empty = tmp_path / "elsewhere"
    os.makedirs(empty)
    assert WalSync(empty).logs() == [] and not WalSync(empty).sync()
    assert not WalSync(tmp_path / "missing").sync()
    store = MemoryStore()
    backend = KVEngineStorage(store, wal=WalSync(empty))
    backend.write({b"k": b"v"})
    backend.sync_now()
    assert store.get(CONSENSUS_NS, b"barrier") == b""


def test_the_directory_is_synced_once_per_new_log_file(tmp_path: Path) -> None:
    store = RocksStore(tmp_path / "db")
    store.create_namespace("ns")
    wal = WalSync(tmp_path / "db")
    try:
        assert wal.sync() and wal.sync()
        assert wal.dir_syncs == 1  # same log files: their entries are durable already
        (tmp_path / "db" / "999999.log").write_bytes(b"")  # a log RocksDB just created
        assert wal.sync()
        assert wal.dir_syncs == 2
        assert wal.sync()
        assert wal.dir_syncs == 2
    finally:
        store.close()
