"""Lanes: one per data partition, sealing client transactions into batches by size or timer."""

from __future__ import annotations

from consensus.types import Batch, ValidatorId


class Lane:
    """Accumulates transactions of one partition and seals them into batches."""

    def __init__(
        self, author: ValidatorId, partition: int, max_txs: int, max_bytes: int, timeout_ms: int
    ) -> None:
        self.author = author
        self.partition = partition
        self.max_txs = max_txs
        self.max_bytes = max_bytes
        self.timeout_ms = timeout_ms
        self.sequence = 0
        self._txs: list[bytes] = []
        self._bytes = 0
        self._opened_ms = 0

    def __len__(self) -> int:
        return len(self._txs)

    def add(self, tx: bytes, now_ms: int) -> Batch | None:
        """Queue a transaction; returns a sealed batch when the size limits are reached."""
        if not self._txs:
            self._opened_ms = now_ms
        self._txs.append(tx)
        self._bytes += len(tx)
        if len(self._txs) >= self.max_txs or self._bytes >= self.max_bytes:
            return self._seal()
        return None

    def tick(self, now_ms: int) -> Batch | None:
        """Seal a non-empty batch whose oldest transaction waited ``timeout_ms``."""
        if self._txs and now_ms - self._opened_ms >= self.timeout_ms:
            return self._seal()
        return None

    def flush(self) -> Batch | None:
        """Seal whatever is queued (a header is about to carry it), or None when empty."""
        return self._seal() if self._txs else None

    def _seal(self) -> Batch:
        self.sequence += 1
        batch = Batch.create(self.author, self.partition, self.sequence, tuple(self._txs))
        self._txs = []
        self._bytes = 0
        return batch
