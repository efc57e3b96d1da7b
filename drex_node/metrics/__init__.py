"""Prometheus metrics of one node, named ``drex_<subsystem>_<name>_<unit>``.

Metrics live in a per-node :class:`NodeMetrics` with its own registry (several nodes can
share a process in tests); :meth:`NodeMetrics.serve` exposes ``/metrics`` over HTTP.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
STAGE_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.0)
WRITE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


class NodeMetrics:
    """Every metric a node exports."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.rounds = Gauge("drex_consensus_round_number", "Highest DAG round", registry=r)
        self.commits = Counter(
            "drex_consensus_commits_total", "Committed sub-DAGs (blocks)", registry=r
        )
        self.faults = Counter(
            "drex_consensus_faults_total", "Peer faults recorded", ["kind"], registry=r
        )
        self.height = Gauge("drex_ledger_height_blocks", "Last committed block", registry=r)
        self.committed_tx = Counter(
            "drex_ledger_committed_tx_total", "Transactions applied", registry=r
        )
        self.rejected_tx = Counter(
            "drex_ledger_rejected_tx_total", "Transactions rejected", ["reason"], registry=r
        )
        self.latency = Histogram(
            "drex_ledger_submit_to_commit_seconds",
            "Submit to commit latency of transactions admitted here",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.pending = Gauge(
            "drex_admission_pending_tx", "Admitted transactions not yet committed", registry=r
        )
        self.inbound_queue = Gauge(
            "drex_consensus_inbound_queue_messages", "Engine messages waiting", registry=r
        )
        self.peer_queue = Gauge(
            "drex_net_peer_queue_messages", "Outbound messages waiting", ["peer"], registry=r
        )
        self.peer_up = Gauge(
            "drex_net_peer_connected_bool",
            "1 when the channel to a peer is ready",
            ["peer"],
            registry=r,
        )
        self.peer_dropped = Counter(
            "drex_net_peer_dropped_messages_total",
            "Outbound messages dropped (queue full)",
            ["peer"],
            registry=r,
        )
        self.peer_sent = Counter(
            "drex_net_peer_sent_messages_total",
            "Engine messages sent to a peer",
            ["peer"],
            registry=r,
        )
        self.peer_envelopes = Counter(
            "drex_net_peer_envelopes_total",
            "gRPC messages (envelopes) sent to a peer; sent messages / envelopes = coalescing",
            ["peer"],
            registry=r,
        )
        self.write_time = Histogram(
            "drex_storage_block_write_seconds",
            "Time of the synced RocksDB write of one block",
            buckets=WRITE_BUCKETS,
            registry=r,
        )
        self.synced_blocks = Counter(
            "drex_sync_blocks_total", "Blocks applied from peers (follow or catch-up)", registry=r
        )
        self.sources_dropped = Counter(
            "drex_sync_sources_dropped_total",
            "Upstream validators a partition-scoped follower stopped taking blocks from",
            ["reason"],
            registry=r,
        )
        self.reproposed = Counter(
            "drex_consensus_reproposed_batches_total",
            "Own batches put into a header again (their certificate was never ordered)",
            registry=r,
        )
        self.stage = Histogram(
            "drex_runtime_stage_seconds",
            "Time spent per pipeline stage (admission, forwarding, lane, rounds, commit, apply)",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=r,
        )

    def serve(self, listen: str) -> int:
        """Start the HTTP endpoint on ``host:port``; returns the bound port."""
        host, _, port = listen.rpartition(":")
        server, _thread = start_http_server(int(port), addr=host, registry=self.registry)
        return int(server.server_port)
