"""Process-level tuning for throughput-bound processes (node, benchmarks).

Two knobs, both safe for correctness (they change when work happens, never what it computes):

* :func:`tune_gc` — the ledger allocates many short-lived containers per transaction
  (decoded transactions, accounts, receipts). CPython's default generation-0 threshold
  (700 allocations) then runs the cyclic collector thousands of times per second, and each
  full collection walks every long-lived object (caches, the account directory). Freezing
  what exists after start-up and collecting generation 0 every 100,000 allocations instead
  cuts that overhead to near nothing; reference counting still frees almost everything
  immediately, so memory use barely changes.
* :func:`lower_priority` — for helper processes (signature verifiers) that share cores
  with the process that executes and commits blocks: with a lower scheduling priority they
  take only the CPU the executor leaves idle, so both cores stay busy without the
  executor being time-sliced away (ADR 0004).
"""

from __future__ import annotations

import gc
import os

GC_GEN0_THRESHOLD = 100_000


def tune_gc(gen0: int = GC_GEN0_THRESHOLD) -> tuple[int, int, int]:
    """Freeze the objects that exist now and raise the generation-0 threshold.

    Call once after start-up (genesis loaded, caches warm). Returns the previous
    thresholds so a caller (a test) can restore them."""
    previous = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(gen0, previous[1], previous[2])
    return previous


def lower_priority(increment: int = 5) -> None:
    """Lower this process's scheduling priority (a no-op where the OS refuses)."""
    try:
        os.nice(increment)
    except OSError:
        pass
