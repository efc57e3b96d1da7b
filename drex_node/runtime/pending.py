"""Admitted transactions waiting for their block: status, waiters, latency, expiry."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from drex_node.ledger.receipts import Receipt


@dataclass(slots=True)
class PendingTx:
    submitted: float
    raw: bytes = b""
    attempted: float = 0.0
    # A set: a waiter leaves in O(1) when its wait ends (many may wait on one hash).
    waiters: set[asyncio.Future[Receipt | None]] = field(default_factory=set)


class PendingTable:
    """Bounded table of transactions admitted by this node (or seen forwarded through it)."""

    def __init__(self, capacity: int, timeout_s: float) -> None:
        self.capacity = capacity
        self.timeout_s = timeout_s
        self._items: dict[bytes, PendingTx] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, tx_hash: bytes) -> bool:
        return tx_hash in self._items

    def room(self) -> int:
        """How many more transactions fit."""
        return self.capacity - len(self._items)

    def add(self, tx_hash: bytes, raw: bytes = b"") -> None:
        """Track a newly admitted transaction (``raw`` kept for resubmission)."""
        if tx_hash not in self._items:
            now = time.monotonic()
            self._items[tx_hash] = PendingTx(now, raw, now)

    def stale(self, age_s: float, limit: int) -> list[bytes]:
        """Raw transactions not committed ``age_s`` after their last attempt, oldest first;
        their attempt time is reset (an entry point forwards them again)."""
        now = time.monotonic()
        out = []
        for entry in self._items.values():
            if entry.raw and now - entry.attempted >= age_s:
                entry.attempted = now
                out.append(entry.raw)
                if len(out) >= limit:
                    break
        return out

    def discard(self, tx_hash: bytes) -> None:
        """Stop tracking a transaction (refused downstream)."""
        self._items.pop(tx_hash, None)

    def wait(self, tx_hash: bytes) -> asyncio.Future[Receipt | None] | None:
        """A future resolved with the receipt, or None when the hash is not pending."""
        entry = self._items.get(tx_hash)
        if entry is None:
            return None
        fut: asyncio.Future[Receipt | None] = asyncio.get_running_loop().create_future()
        entry.waiters.add(fut)
        return fut

    def unwait(self, tx_hash: bytes, fut: asyncio.Future[Receipt | None]) -> None:
        """Forget a waiter whose wait ended (answered, timed out or cancelled)."""
        entry = self._items.get(tx_hash)
        if entry is not None:
            entry.waiters.discard(fut)

    def resolve(self, receipts: Iterable[Receipt]) -> list[float]:
        """Settle the transactions of a committed block; returns their latencies (s)."""
        now = time.monotonic()
        latencies = []
        for r in receipts:
            entry = self._items.pop(r.tx_hash, None)
            if entry is None:
                continue
            latencies.append(now - entry.submitted)
            for fut in entry.waiters:
                if not fut.done():
                    fut.set_result(r)
        return latencies

    def expire(self) -> int:
        """Forget transactions pending longer than the timeout (their batch was lost)."""
        limit = time.monotonic() - self.timeout_s
        old = [h for h, e in self._items.items() if e.submitted < limit]
        for h in old:
            for fut in self._items.pop(h).waiters:
                if not fut.done():
                    fut.set_result(None)
        return len(old)
