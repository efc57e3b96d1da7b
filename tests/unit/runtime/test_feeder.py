"""The driver's batching policy: idle partitions leave at once, busy ones once per interval."""

from drex_node.runtime.feeder import LaneFeeder


def test_idle_partition_leaves_immediately() -> None:
    f = LaneFeeder(interval_s=0.025, max_txs=10)
    assert f.add(0, b"a") is True
    assert f.due(100.0) == [(0, [b"a"])]
    assert len(f) == 0 and f.next_due() is None


def test_busy_partition_waits_for_interval() -> None:
    f = LaneFeeder(interval_s=0.025, max_txs=10)
    f.add(0, b"a")
    f.due(100.0)
    f.add(0, b"b")
    assert f.add(0, b"c") is False
    assert f.due(100.010) == []
    assert f.next_due() == 100.025
    assert f.due(100.025) == [(0, [b"b", b"c"])]


def test_full_buffer_leaves_before_interval_and_partitions_are_ordered() -> None:
    f = LaneFeeder(interval_s=1.0, max_txs=2)
    f.add(3, b"x")
    f.add(1, b"y")
    assert [p for p, _ in f.due(5.0)] == [1, 3]
    f.add(1, b"p")
    f.add(1, b"q")
    f.add(3, b"z")
    assert f.due(5.1) == [(1, [b"p", b"q"])]
    assert len(f) == 1
