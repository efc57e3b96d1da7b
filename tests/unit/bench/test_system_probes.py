"""What `drex-bench system` records beside its figures (ADR 0087): the host's wake-up
round trip and fsync time, and each point's mean time per pipeline stage, read from a
node's real /metrics endpoint."""

from __future__ import annotations

import socket
from pathlib import Path

from benchmarks.system_bench import host_fsync_ms, host_wakeup_us, stage_means_ms, stage_totals
from drex_node.metrics import NodeMetrics


def test_wakeup_round_trip_is_measured_and_the_echo_process_ends() -> None:
    us = host_wakeup_us(rounds=50)
    assert 0 < us < 1_000_000


def test_fsync_probe_reports_percentiles_and_leaves_nothing(tmp_path: Path) -> None:
    ms = host_fsync_ms(tmp_path, samples=5)
    assert 0 <= ms["p50"] <= ms["p99"]
    assert list(tmp_path.iterdir()) == []


def test_stage_means_come_from_a_nodes_metrics_endpoint() -> None:
    metrics = NodeMetrics()
    port = metrics.serve("127.0.0.1:0")
    address = f"127.0.0.1:{port}"
    metrics.stage.labels("round").observe(0.050)
    before = stage_totals(address)
    assert before["round"] == (0.05, 1.0)
    for seconds in (0.1, 0.3):
        metrics.stage.labels("round").observe(seconds)
    metrics.stage.labels("lane").observe(0.02)
    after = stage_totals(address)
    assert stage_means_ms(before, after) == {"round": 200.0, "lane": 20.0}
    assert stage_means_ms(after, after) == {}  # nothing happened in between


def test_a_node_that_does_not_answer_gives_no_breakdown() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: the connection is refused
        assert stage_totals(f"127.0.0.1:{port}") == {}
