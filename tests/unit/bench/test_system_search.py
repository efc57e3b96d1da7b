"""The system benchmark's saturation search (`benchmarks.system_bench.search_saturation`):
it must not stop below saturation because the rate ladder ended, and it must say why it
stopped."""

from __future__ import annotations

from typing import Any

from benchmarks.system_bench import search_saturation


def _network(capacity: float, *, generator_max: float = 1e9, users: float = 1e9) -> Any:
    """A fake network that commits min(offered, capacity) tx/s; sending takes longer than
    the run above ``generator_max``; the user pool runs out above ``users``."""
    tried: list[float] = []

    def measure(rate: float) -> dict[str, Any]:
        tried.append(rate)
        return {
            "target_tps": rate,
            "committed_tps": min(rate, capacity),
            "send_s": 10.0 if rate <= generator_max else 10.0 * rate / generator_max,
            "not_sent_no_idle_user": 0 if rate <= users else int(rate - users),
        }

    return measure, tried


def test_search_goes_past_the_ladder_until_saturated() -> None:
    measure, tried = _network(2300)
    points, why = search_saturation([100, 1000, 2000], measure, 10.0, 8000)
    assert why == "saturated"
    assert tried[:3] == [100, 1000, 2000]
    assert tried[3:] == [2500, 3100, 3900]  # x1.25, rounded to 50
    assert max(p["committed_tps"] for p in points) == 2300


def test_search_stops_at_the_first_saturated_ladder_rates() -> None:
    measure, tried = _network(500)
    _, why = search_saturation([100, 400, 700, 1000, 1400], measure, 10.0, 8000)
    assert why == "saturated"
    assert tried == [100, 400, 700, 1000]  # 700 and 1000 both below 80 %


def test_one_rate_behind_that_commits_less_than_an_earlier_one_stops() -> None:
    def measure(rate: float) -> dict[str, Any]:
        committed = {100.0: 100.0, 1000.0: 900.0, 2000.0: 800.0}[rate]
        return {"target_tps": rate, "committed_tps": committed, "send_s": 10.0}

    points, why = search_saturation([100, 1000, 2000, 3000], measure, 10.0, 8000)
    assert why == "saturated" and len(points) == 3


def test_a_generator_that_falls_behind_stops_the_search() -> None:
    measure, tried = _network(1e9, generator_max=2500)
    _, why = search_saturation([1000, 2000], measure, 10.0, 8000)
    assert why == "generator"
    assert tried == [1000, 2000, 2500, 3100]  # 3100 was sent late: nothing above it


def test_an_exhausted_user_pool_stops_the_search() -> None:
    measure, tried = _network(1e9, users=2200)
    _, why = search_saturation([1000, 2000], measure, 10.0, 8000)
    assert why == "users" and tried[-1] == 2500


def test_max_rate_bounds_the_search() -> None:
    measure, tried = _network(1e9)
    _, why = search_saturation([1000, 2000], measure, 10.0, 3000)
    assert why == "max_rate" and tried == [1000, 2000, 2500]


def test_the_signature_bound_uses_the_best_measurement(monkeypatch: Any) -> None:
    """A slow moment of a shared host during one measurement must not lower the bound
    (and so inflate ``ratio_to_sig_bound``)."""
    import benchmarks.system_bench as sb

    seen = iter([13_500.0, 18_200.0, 17_900.0])
    monkeypatch.setattr(sb, "sig_verifications_per_core", lambda seconds: next(seen))
    assert sb.sig_rate(samples=3) == 18_200.0
