"""Deterministic, sans-IO DAG-BFT consensus engine (Narwhal lanes + Bullshark commit rule)."""
