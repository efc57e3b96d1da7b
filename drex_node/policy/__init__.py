"""Pluggable, deterministic policy modules: monetary policy and regulatory rules."""
