"""`drex-bench zkp` runs end to end on a tiny configuration and labels its figures."""

from __future__ import annotations

import argparse

import pytest

zkp_bench = pytest.importorskip("benchmarks.zkp_bench")


@pytest.mark.slow
def test_zkp_bench_tiny_run_reports_consistent_figures() -> None:
    parser = argparse.ArgumentParser()
    zkp_bench.add_arguments(parser)
    args = parser.parse_args(
        ["--sizes", "2", "--repeat", "1", "--batch", "2", "--plot", "", "--naive-sizes", "",
         "--reference-prover-sizes", "2"]
    )  # fmt: skip
    out = zkp_bench.run(args)
    assert "py-ecc" in out["reference"]
    entry = out["sizes"]["2"]
    assert entry["reference_verify_ms"] > 0 and entry["reference_prover_ms"] > 0
    assert entry["naive_py_ecc_verify_ms"] is None and entry["speedup_vs_naive"] is None
    if out["fast_path"]:
        ratio = entry["reference_verify_ms"] / entry["fast_verify_ms"]
        assert entry["speedup_vs_reference"] == pytest.approx(ratio, rel=0.05, abs=0.1)
        assert entry["compat_fast_verify_ms"] > 0
        assert entry["batched_proofs_per_s"] > 0
