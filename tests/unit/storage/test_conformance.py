"""The shipped conformance suite, run against both backends (STYLE habit 4)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from drex_node.storage import MemoryStore
from drex_node.storage.cache import CachedStore
from drex_node.storage.conformance import CHECKS, Factory, check_durable_across_reopen
from drex_node.storage.kv import KVStore, StorageError
from drex_node.storage.rocks import RocksStore


def memory_factory(tmp_path: Path) -> Factory:
    return MemoryStore


def rocks_factory(tmp_path: Path) -> Factory:
    counter = itertools.count()
    return lambda: RocksStore(tmp_path / f"db{next(counter)}")


def cached_rocks_factory(tmp_path: Path) -> Factory:
    counter = itertools.count()
    return lambda: CachedStore(RocksStore(tmp_path / f"db{next(counter)}"), max_entries=16)


def passthrough_rocks_factory(tmp_path: Path) -> Factory:
    """A cache told to leave every namespace the suite uses to the store."""
    counter = itertools.count()
    every = ("meta", "p/SE", "p/NE", "blocks", "receipts")
    return lambda: CachedStore(RocksStore(tmp_path / f"db{next(counter)}"), uncached=every)


BACKENDS: dict[str, Callable[[Path], Factory]] = {
    "memory": memory_factory,
    "rocksdb": rocks_factory,
    "cached-rocksdb": cached_rocks_factory,
    "cached-rocksdb-passthrough": passthrough_rocks_factory,
}


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_conformance(backend: str, check: Callable[[Factory], None], tmp_path: Path) -> None:
    check(BACKENDS[backend](tmp_path))


def test_rocksdb_is_durable_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "db"
    check_durable_across_reopen(lambda: RocksStore(path), lambda: RocksStore(path))


def test_rocksdb_reopen_keeps_all_namespaces(tmp_path: Path) -> None:
    s = RocksStore(tmp_path / "db")
    for ns in ("meta", "p/SE", "p/NE"):
        s.create_namespace(ns)
    s.put("p/NE", b"k", b"v")
    s.close()
    t = RocksStore(tmp_path / "db")
    assert t.namespaces() == ["meta", "p/NE", "p/SE"]
    assert t.get("p/NE", b"k") == b"v"
    t.close()


def test_rocksdb_open_failure_is_a_storage_error(tmp_path: Path) -> None:
    s = RocksStore(tmp_path / "db")
    with pytest.raises(StorageError):
        RocksStore(tmp_path / "db")  # locked by the first handle
    s.close()


def test_backends_satisfy_the_protocol(tmp_path: Path) -> None:
    assert isinstance(MemoryStore(), KVStore)
    r = RocksStore(tmp_path / "db")
    assert isinstance(r, KVStore)
    r.close()


def test_cache_is_coherent_with_writes_and_bounded(tmp_path: Path) -> None:
    s = CachedStore(RocksStore(tmp_path / "db"), max_entries=16)
    s.create_namespace("meta")
    assert s.get("meta", b"k") is None  # a cached miss ...
    s.put("meta", b"k", b"v")
    assert s.get("meta", b"k") == b"v"  # ... is replaced by the write
    from drex_node.storage.kv import WriteBatch

    wb = WriteBatch()
    wb.delete("meta", b"k")
    for i in range(100):
        wb.put("meta", b"n%d" % i, b"%d" % i)
    s.write(wb)
    assert s.get("meta", b"k") is None
    assert all(s.get("meta", b"n%d" % i) == b"%d" % i for i in range(100))
    assert len(s._cache) <= 16
    s.close()


def test_cache_peek_sees_only_what_get_would_return(tmp_path: Path) -> None:
    from drex_node.storage.kv import WriteBatch

    s = CachedStore(RocksStore(tmp_path / "db"), max_entries=16)
    s.create_namespace("meta")
    absent = object()
    assert s.peek(("meta", b"k"), absent) is absent  # never read: not cached
    assert s.get("meta", b"k") is None
    assert s.peek(("meta", b"k"), absent) is None  # a cached miss
    s.put("meta", b"k", b"v")
    assert s.peek(("meta", b"k"), absent) == b"v"
    wb = WriteBatch()
    wb.delete("meta", b"k")
    wb.put("meta", b"j", b"w")
    s.write(wb)
    assert s.peek(("meta", b"k"), absent) is None and s.peek(("meta", b"j"), absent) == b"w"
    for i in range(40):  # eviction: whatever peek still returns is the stored value
        s.put("meta", b"n%d" % i, b"%d" % i)
    for i in range(40):
        hit = s.peek(("meta", b"n%d" % i), absent)
        assert hit is absent or hit == s.store.get("meta", b"n%d" % i)
    s.close()


def test_uncached_namespaces_are_read_and_written_through_but_never_held(tmp_path: Path) -> None:
    from drex_node.storage.kv import WriteBatch

    s = CachedStore(RocksStore(tmp_path / "db"), max_entries=16, uncached=("blocks",))
    for ns in ("meta", "blocks"):
        s.create_namespace(ns)
    absent = object()
    wb = WriteBatch()
    wb.put("meta", b"head", b"1")
    for i in range(10):
        wb.put("blocks", b"b%d" % i, b"x" * 1000)
    s.write(wb)
    s.put("blocks", b"one", b"y")
    assert s.get("blocks", b"missing") is None
    assert s.get("blocks", b"b3") == b"x" * 1000 and s.get("blocks", b"one") == b"y"
    s.delete("blocks", b"one")
    assert s.get("blocks", b"one") is None
    assert [k for k in s._cache if k[0] == "blocks"] == []  # nothing of it is held
    assert s.peek(("blocks", b"b3"), absent) is absent  # callers fall back to get
    assert s.peek(("meta", b"head"), absent) == b"1"  # the hot namespace still is
    s.close()


def test_node_keeps_write_once_namespaces_out_of_its_cache() -> None:
    from drex_node.ledger.state import BLOCKS, RECEIPTS, partition_ns
    from drex_node.node.node import WRITE_ONCE_NAMESPACES
    from drex_node.runtime.engine_store import CONSENSUS_NS

    assert {BLOCKS, RECEIPTS, CONSENSUS_NS} <= set(WRITE_ONCE_NAMESPACES)
    assert "meta" not in WRITE_ONCE_NAMESPACES  # the head is read on every block
    assert partition_ns("SE") not in WRITE_ONCE_NAMESPACES  # accounts are the hot keys


def _filter_policies(path: Path) -> set[str]:
    latest = max(path.glob("OPTIONS-*"), key=lambda p: int(p.name.split("-")[1]))
    return {
        line.split("=", 1)[1].strip()
        for line in latest.read_text().splitlines()
        if line.strip().startswith("filter_policy=")
    }


def test_rocksdb_tables_carry_bloom_filters(tmp_path: Path) -> None:
    s = RocksStore(tmp_path / "db")
    s.create_namespace("receipts")
    s.close()
    assert _filter_policies(tmp_path / "db") == {"bloomfilter"}  # every column family


def test_a_database_written_without_filters_opens_and_reads_with_them(tmp_path: Path) -> None:
    """Data directories created before bloom filters (ADR 0084) keep working: old table
    files are read without a filter, new ones get one."""
    import rocksdict

    path = str(tmp_path / "db")
    opts = rocksdict.Options(raw_mode=True)
    opts.create_if_missing(True)
    opts.create_missing_column_families(True)
    old = rocksdict.Rdict(
        path, opts, column_families={"receipts": rocksdict.Options(raw_mode=True)}
    )
    cf = old.get_column_family("receipts")
    for i in range(1000):
        cf.put(b"old%04d" % i, b"v%d" % i)
    old.flush()
    cf.close()
    old.close()
    s = RocksStore(path)
    assert s.get("receipts", b"old0007") == b"v7"
    assert s.get("receipts", b"absent") is None
    s.put("receipts", b"new", b"w")
    s.close()
    t = RocksStore(path)
    assert t.get("receipts", b"old0999") == b"v999" and t.get("receipts", b"new") == b"w"
    t.close()
    assert _filter_policies(tmp_path / "db") == {"bloomfilter"}
