"""`drex-bench transport` (ADR 0089): real server and client processes over mTLS."""

from __future__ import annotations

import argparse

import pytest

from benchmarks import transport_bench


def _args(**kw: float) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    transport_bench.add_arguments(p)
    ns = p.parse_args([])
    for k, v in kw.items():
        setattr(ns, k, v)
    return ns


def test_both_settings_are_measured_in_fresh_processes() -> None:
    out = transport_bench.run(_args(messages=60, rate=600.0, repeats=1))
    for setting in ("grpc_defaults", "node"):
        assert out[f"{setting}_server_cpu_us_per_message"] > 0
        assert out[f"{setting}_client_cpu_us_per_message"] > 0
        assert len(out[f"{setting}_runs"]) == 1
    assert out["server_cpu_ratio"] > 0
    assert out["node_grpc_experiments"] == "-event_engine_listener"


def test_nonsense_parameters_are_refused() -> None:
    with pytest.raises(SystemExit, match="must be > 0"):
        transport_bench.run(_args(messages=0))
