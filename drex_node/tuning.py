"""Process-level tuning for throughput-bound processes (node, benchmarks).

Three knobs, all safe for correctness (they change when work happens, never what it computes):

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
* :func:`grpc_process_defaults` — gRPC core's servers accept connections through the
  legacy (iomgr) listener instead of the EventEngine listener, which costs about 40 %
  less server CPU per message received on this kind of host (ADR 0089). It must run
  before ``grpc`` is imported; an operator's own ``GRPC_EXPERIMENTS`` is left alone.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import MutableMapping

GC_GEN0_THRESHOLD = 100_000
# gRPC core experiments a node process runs with unless GRPC_EXPERIMENTS is set (ADR 0089).
GRPC_EXPERIMENTS_DEFAULT = "-event_engine_listener"


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


def grpc_process_defaults(environ: MutableMapping[str, str] | None = None) -> bool:
    """Choose gRPC core's experiments for this process (ADR 0089) unless already chosen.

    gRPC reads ``GRPC_EXPERIMENTS`` once, when ``grpc`` is imported: call this first
    thing in a process's entry point. Leaves a value the operator set (even an empty one,
    which means gRPC's own defaults) untouched. Returns whether the setting can still
    take effect: False when ``grpc`` is already imported."""
    env = os.environ if environ is None else environ
    env.setdefault("GRPC_EXPERIMENTS", GRPC_EXPERIMENTS_DEFAULT)
    return "grpc" not in sys.modules
