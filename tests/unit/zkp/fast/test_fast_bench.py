"""zkp.fast.bench.measure returns the documented, JSON-serialisable keys."""

from __future__ import annotations

import json

from zkp.fast.bench import measure


def test_measure_reports_every_key() -> None:
    result = measure(4, 1)
    assert set(result) == {
        "n_points",
        "repeats",
        "variable_ms",
        "fixed_ms",
        "mixed_ms",
        "variable_window",
        "fixed_window",
    }
    assert result["n_points"] == 4
    assert all(float(v) > 0 for v in result.values())
    json.dumps(result)
