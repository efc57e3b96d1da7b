"""Process tuning knobs: they change when work happens, never what it computes."""

from __future__ import annotations

import gc
import os

from drex_node.tuning import lower_priority, tune_gc


def test_tune_gc_raises_gen0_threshold_and_returns_previous() -> None:
    before = gc.get_threshold()
    try:
        previous = tune_gc(12_345)
        assert previous == before
        assert gc.get_threshold()[0] == 12_345
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_lower_priority_in_a_child_process() -> None:
    pid = os.fork()
    if pid == 0:  # child: lower its own priority and report through the exit status
        start = os.getpriority(os.PRIO_PROCESS, 0)
        lower_priority(5)
        os._exit(0 if os.getpriority(os.PRIO_PROCESS, 0) == min(start + 5, 19) else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
