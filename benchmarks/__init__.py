"""Benchmarks for drex-node: `drex-bench <suite> [--json]`."""
