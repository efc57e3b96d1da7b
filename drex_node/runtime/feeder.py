"""When the driver hands client transactions to the engine's lanes (batching policy).

Transactions wait here per partition and go to their lane together; the driver then
seals the lane at once. A partition whose last batch left at least ``interval_s`` ago is
fed immediately (an idle lane does not wait for a timer: low latency at low load); a
busy partition is fed once per ``interval_s`` (or when ``max_txs`` are waiting), so the
number of batches, and of messages they cost, stays what a batch timer would give under
load. Time comes in as an argument.
"""

from __future__ import annotations


class LaneFeeder:
    """Per-partition buffers and the times their next batch may leave."""

    def __init__(self, interval_s: float, max_txs: int) -> None:
        self.interval_s = interval_s
        self.max_txs = max_txs
        self._buffers: dict[int, list[bytes]] = {}
        self._last: dict[int, float] = {}

    def __len__(self) -> int:
        return sum(len(b) for b in self._buffers.values())

    def add(self, partition: int, tx: bytes) -> bool:
        """Buffer ``tx``; True when it opened the partition's buffer."""
        buf = self._buffers.setdefault(partition, [])
        buf.append(tx)
        return len(buf) == 1

    def due(self, now: float) -> list[tuple[int, list[bytes]]]:
        """The buffers that may leave at ``now``, in partition order (removed here)."""
        out = []
        for p in sorted(self._buffers):
            txs = self._buffers[p]
            last = self._last.get(p)
            if len(txs) >= self.max_txs or last is None or now - last >= self.interval_s:
                out.append((p, txs))
                self._last[p] = now
        for p, _ in out:
            del self._buffers[p]
        return out

    def next_due(self) -> float | None:
        """The earliest time a waiting buffer may leave (None when nothing waits)."""
        times = [self._last.get(p, 0.0) + self.interval_s for p in self._buffers]
        return min(times) if times else None
