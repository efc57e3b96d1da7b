"""`drex-bench ledger` runs end to end on a small workload (figures are not checked here:
performance numbers come from real benchmark runs, never from tests)."""

from __future__ import annotations

import argparse
import gc
from collections.abc import Iterator

import pytest

from benchmarks import ledger_bench


@pytest.fixture(autouse=True)
def _restore_gc() -> Iterator[None]:
    """The bench tunes the collector for its process (ADR 0004): undo it here."""
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def _args(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    ledger_bench.add_arguments(p)
    return p.parse_args(["--txs", "600", "--block-size", "200", "--accounts", "50", *argv])


def test_plain_transfers_all_apply() -> None:
    out = ledger_bench.run(_args())
    assert out["txs"] == out["applied"] == 600
    assert out["tx_types"] == {"TRANSFER": 600}
    assert out["ratio_to_sig_bound"] > 0 and 0 < out["cpu_bound_ratio"] < 1


def test_drex_mix_reports_the_plain_figure_beside_it() -> None:
    out = ledger_bench.run(_args("--mix", "drex"))
    assert out["applied"] == out["txs"] == 600
    assert {"SWAP", "PROPOSE", "ACCEPT", "DVP_LEG", "TRANSFER"} <= set(out["tx_types"])
    assert out["plain_tx_per_s"] > 0 and out["mix_to_plain"] > 0
