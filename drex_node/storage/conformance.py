"""The conformance suite every :class:`KVStore` backend must pass (STYLE habit 4).

Shipped in the package so third-party backends can run it::

    from drex_node.storage.conformance import run_conformance
    run_conformance(lambda: MyStore(...), reopen=lambda: MyStore(...))

Each check is a plain function taking a store factory; ``CHECKS`` lists them so a
test suite can parametrize over them.
"""

from __future__ import annotations

from collections.abc import Callable

from drex_node.storage.kv import KVStore, StorageError, WriteBatch

Factory = Callable[[], KVStore]


def check_get_put_delete(make: Factory) -> None:
    s = make()
    s.create_namespace("meta")
    assert s.get("meta", b"k") is None
    s.put("meta", b"k", b"v")
    assert s.get("meta", b"k") == b"v"
    s.put("meta", b"k", b"w")
    assert s.get("meta", b"k") == b"w"
    s.delete("meta", b"k")
    assert s.get("meta", b"k") is None
    s.delete("meta", b"absent")
    s.put("meta", b"", b"")
    assert s.get("meta", b"") == b""
    s.close()


def check_namespaces_are_isolated(make: Factory) -> None:
    s = make()
    s.create_namespace("p/SE")
    s.create_namespace("p/NE")
    s.create_namespace("p/SE")  # idempotent
    s.put("p/SE", b"a", b"1")
    assert s.get("p/NE", b"a") is None
    assert {"p/NE", "p/SE"} <= set(s.namespaces())
    s.close()


def check_unknown_namespace_is_an_error(make: Factory) -> None:
    s = make()
    try:
        s.get("nope", b"k")
    except StorageError:
        pass
    else:
        raise AssertionError("unknown namespace accepted by get")
    try:
        s.put("nope", b"k", b"v")
    except StorageError:
        pass
    else:
        raise AssertionError("unknown namespace accepted by put")
    for bad in ("", "default", "a b", "x" * 200):
        try:
            s.create_namespace(bad)
        except StorageError:
            pass
        else:
            raise AssertionError(f"bad namespace {bad!r} accepted")
    s.close()


def check_prefix_iteration_is_ordered_and_bounded(make: Factory) -> None:
    s = make()
    s.create_namespace("meta")
    for key in (b"b/2", b"a/1", b"b/10", b"b/1", b"c", b"b", b"b/\xff"):
        s.put("meta", key, key.upper())
    got = list(s.iter_prefix("meta", b"b/"))
    assert [k for k, _ in got] == [b"b/1", b"b/10", b"b/2", b"b/\xff"]
    assert got[0][1] == b"B/1"
    assert list(s.iter_prefix("meta", b"zz")) == []
    assert len(list(s.iter_prefix("meta", b""))) == 7
    s.close()


def check_batch_is_atomic_across_namespaces(make: Factory) -> None:
    s = make()
    s.create_namespace("meta")
    s.create_namespace("blocks")
    s.put("meta", b"gone", b"x")
    wb = WriteBatch()
    wb.put("meta", b"h", b"1")
    wb.put("blocks", b"b1", b"block")
    wb.delete("meta", b"gone")
    wb.put("meta", b"h", b"2")  # later op wins
    s.write(wb, sync=True)
    assert s.get("meta", b"h") == b"2"
    assert s.get("blocks", b"b1") == b"block"
    assert s.get("meta", b"gone") is None
    bad = WriteBatch()
    bad.put("meta", b"partial", b"x")
    bad.put("missing-ns", b"k", b"v")
    try:
        s.write(bad)
    except StorageError:
        pass
    else:
        raise AssertionError("batch into an unknown namespace accepted")
    assert s.get("meta", b"partial") is None, "a failed batch left a partial write"
    s.close()


def check_closed_store_refuses_use(make: Factory) -> None:
    s = make()
    s.create_namespace("meta")
    s.close()
    try:
        s.get("meta", b"k")
    except StorageError:
        return
    raise AssertionError("closed store still answers")


CHECKS: list[Callable[[Factory], None]] = [
    check_get_put_delete,
    check_namespaces_are_isolated,
    check_unknown_namespace_is_an_error,
    check_prefix_iteration_is_ordered_and_bounded,
    check_batch_is_atomic_across_namespaces,
    check_closed_store_refuses_use,
]


def check_durable_across_reopen(make: Factory, reopen: Factory) -> None:
    """For persistent backends: a synced batch and namespaces survive close + reopen."""
    s = make()
    s.create_namespace("receipts")
    wb = WriteBatch()
    wb.put("receipts", b"r1", b"ok")
    s.write(wb, sync=True)
    s.close()
    t = reopen()
    assert "receipts" in t.namespaces()
    assert t.get("receipts", b"r1") == b"ok"
    t.close()


def run_conformance(make: Factory, reopen: Factory | None = None) -> None:
    """Run every check; ``reopen`` (same location) enables the durability check."""
    for check in CHECKS:
        check(make)
    if reopen is not None:
        check_durable_across_reopen(make, reopen)
