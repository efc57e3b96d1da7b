"""Where a validator's time goes between admission and commit: per-stage histograms.

The driver shows every engine ``Step`` to a :class:`StageClock`, which timestamps this
validator's own batches as they pass the pipeline (lane open -> sealed and proposed in a
header, which carries it: ADR 0079 -> certified -> committed in a sub-DAG -> applied by
the ledger) and the time
between its own headers (round time). Observation only: nothing here feeds back into the
engine. Exported as ``drex_runtime_stage_seconds{stage=...}``.
"""

from __future__ import annotations

import time

from consensus.step import CommittedSubDag, Step
from consensus.types import BatchMsg, CertificateMsg, HeaderMsg
from drex_node.metrics import NodeMetrics

TRACKED = 4096  # bound on batches timed at once (older ones are forgotten)


class StageClock:
    """Timestamps of one validator's own batches; observes stage durations."""

    def __init__(self, me: str, metrics: NodeMetrics) -> None:
        self.me = me
        self.metrics = metrics
        self.lane_opened: dict[int, float] = {}
        self.proposed: dict[bytes, float] = {}
        self.certified: dict[bytes, float] = {}
        self.committed: dict[bytes, float] = {}
        self.headed: dict[bytes, float] = {}  # every digest put in one of our headers
        self.last_header = 0.0

    def _obs(self, stage: str, seconds: float) -> None:
        self.metrics.stage.labels(stage).observe(max(seconds, 0.0))

    def lane_add(self, partition: int, was_empty: bool) -> None:
        """A transaction entered a lane (``was_empty``: it opened the lane's next batch)."""
        if was_empty:
            self.lane_opened[partition] = time.monotonic()

    def observe(self, step: Step) -> None:
        """Timestamp what ``step`` shows of our batches, headers and certificates."""
        now = time.monotonic()
        for out in step.messages:
            msg = out.message
            if out.to is not None:
                continue
            if isinstance(msg, BatchMsg) and msg.batch.author == self.me:
                # It travels just ahead of its header: the lane's time ends when the batch
                # is first proposed (a batch proposed again belongs to an older lane).
                if msg.batch.digest not in self.headed:
                    opened = self.lane_opened.pop(msg.batch.partition, None)
                    if opened is not None:
                        self._obs("lane", now - opened)
            elif isinstance(msg, HeaderMsg) and msg.header.author == self.me:
                if self.last_header:
                    self._obs("round", now - self.last_header)
                self.last_header = now
                for _, d in msg.header.payload:
                    if d in self.headed:
                        self.metrics.reproposed.inc()  # its earlier header went nowhere
                    else:
                        self._remember(self.proposed, d, now)
                    self._remember(self.headed, d, now)
            elif isinstance(msg, CertificateMsg) and msg.certificate.author == self.me:
                for _, d in msg.certificate.header.payload:
                    t = self.proposed.pop(d, None)
                    if t is not None:
                        self._obs("proposed_to_certified", now - t)
                        self._remember(self.certified, d, now)
        for item in step.outputs:
            if not isinstance(item, CommittedSubDag):
                continue
            for b in item.batches:
                t = self.certified.pop(b.digest, None)
                if t is not None:
                    self._obs("certified_to_committed", now - t)
                    self._remember(self.committed, b.digest, now)

    def applied(self, digests: list[bytes]) -> None:
        """The ledger applied (and synced) a block holding these batches."""
        now = time.monotonic()
        for d in digests:
            t = self.committed.pop(d, None)
            if t is not None:
                self._obs("committed_to_applied", now - t)

    def fsync(self, seconds: float) -> None:
        """One group-commit fsync of engine state."""
        self._obs("engine_fsync", seconds)

    @staticmethod
    def _remember(table: dict[bytes, float], key: bytes, t: float) -> None:
        table[key] = t
        if len(table) > TRACKED:
            del table[next(iter(table))]
