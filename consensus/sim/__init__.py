"""Seeded, fully reproducible simulation of N engines with network and Byzantine faults."""
