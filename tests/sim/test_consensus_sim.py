"""Randomized simulation tier run by CI: >= 300 seeded runs over n in {4, 7, 10} with the
fault mixes (latency, drops, healing partitions, crash/restart, pauses, Byzantine
behaviours, Twins), plus the positive control that proves the checkers can fail.

Every failure message carries the run seeds and the command that replays one.
"""

from __future__ import annotations

import pytest

from consensus.sim.runs import RunOptions, run_seeds

CHUNK = 10
# (validators, byzantine, twins, behaviour, reconfigure, chunks of CHUNK runs)
MIXES = [
    (4, 1, 0, None, False, 6),
    (4, 0, 1, None, False, 3),
    (4, 1, 0, "equivocate", False, 1),
    (4, 1, 0, "bad-signatures", False, 1),
    (4, 1, 0, "withhold-votes", False, 1),
    (4, 1, 0, "garbage", False, 1),
    (4, 1, 0, "silent", False, 1),
    (4, 1, 0, None, True, 2),
    (7, 2, 0, None, False, 5),
    (7, 1, 1, None, False, 3),
    (10, 3, 0, None, False, 3),
    (10, 2, 1, None, False, 3),
]
CASES = [
    pytest.param(
        n,
        b,
        t,
        beh,
        rc,
        1000 * i + k,
        id=f"n{n}-b{b}-t{t}-{beh or 'mix'}{'-reconf' if rc else ''}-{k}",
    )
    for i, (n, b, t, beh, rc, chunks) in enumerate(MIXES)
    for k in range(chunks)
]


def test_ci_tier_has_at_least_300_runs() -> None:
    assert len(CASES) * CHUNK >= 300


def _replay(n: int, b: int, t: int, beh: str | None, rc: bool, seed: int) -> str:
    extra = (f" --behaviour {beh}" if beh else "") + (" --reconfigure" if rc else "")
    return f"python -m consensus.sim --validators {n} --byzantine {b} --twins {t}{extra} --replay {seed}"


@pytest.mark.parametrize(("n", "byz", "twins", "behaviour", "reconfigure", "base_seed"), CASES)
def test_randomized_runs_are_safe_live_and_valid(
    n: int, byz: int, twins: int, behaviour: str | None, reconfigure: bool, base_seed: int
) -> None:
    opts = RunOptions(
        validators=n, byzantine=byz, twins=twins, behaviour=behaviour, reconfigure=reconfigure
    )
    result = run_seeds(base_seed, CHUNK, opts)
    seeds = result["failing_seeds"]
    assert isinstance(seeds, list)
    replay = "\n".join(_replay(n, byz, twins, behaviour, reconfigure, s) for s in seeds[:5])
    assert not seeds, f"failing seeds {seeds}: {result['failures']}\nreplay with:\n{replay}"
    assert (
        result["safety_violations"]
        == result["liveness_failures"]
        == result["validity_failures"]
        == 0
    )
    assert isinstance(result["min_commits_per_run"], int) and result["min_commits_per_run"] > 0


# The Shoal-style rule (ADR 0078) over every mix, one chunk each (other seeds).
SHOAL_CASES = [
    pytest.param(n, b, t, beh, rc, 500_000 + 1000 * i, id=f"shoal-n{n}-b{b}-t{t}-{beh or 'mix'}")
    for i, (n, b, t, beh, rc, _) in enumerate(MIXES)
]


@pytest.mark.parametrize(
    ("n", "byz", "twins", "behaviour", "reconfigure", "base_seed"), SHOAL_CASES
)
def test_shoal_runs_are_safe_live_and_valid(
    n: int, byz: int, twins: int, behaviour: str | None, reconfigure: bool, base_seed: int
) -> None:
    opts = RunOptions(
        validators=n,
        byzantine=byz,
        twins=twins,
        behaviour=behaviour,
        reconfigure=reconfigure,
        commit_rule="shoal",
    )
    result = run_seeds(base_seed, CHUNK, opts)
    assert result["failing_seeds"] == [], (
        f"{result['failures']}\nreplay with: {_replay(n, byz, twins, behaviour, reconfigure, 0)}"
        " --commit-rule shoal (seed from the list)"
    )
    assert isinstance(result["min_commits_per_run"], int) and result["min_commits_per_run"] > 0


def test_shoal_positive_control_and_lower_certificate_latency() -> None:
    """Shoal's checker can fail too (Twins beyond f fork it), and in a fault-free network
    with one fixed message delay a certificate waits fewer delays for its commit than under
    Bullshark (an anchor every round), while an anchor still commits in 6 delays."""
    forks = run_seeds(42, 12, RunOptions(validators=4, twins=2, commit_rule="shoal"))
    assert isinstance(forks["safety_violations"], int) and forks["safety_violations"] > 0
    lat = {}
    for rule in ("bullshark", "shoal"):
        r = run_seeds(
            7, 2, RunOptions(validators=4, faults=False, latency="constant", commit_rule=rule)
        )
        assert r["failing_seeds"] == [], r
        lat[rule] = r["mean_certificate_commit_latency_message_delays"]
        anchor = r["mean_commit_latency_message_delays"]
        assert isinstance(anchor, float) and anchor <= 6.0
    assert isinstance(lat["shoal"], float) and isinstance(lat["bullshark"], float)
    assert lat["shoal"] <= lat["bullshark"] - 1.0, lat


def test_positive_control_twins_beyond_f_fork() -> None:
    """With Byzantine weight > f (two Twins among four validators) the safety checker must
    report forks in some runs: proof that the checker can fail."""
    result = run_seeds(42, 12, RunOptions(validators=4, twins=2))
    violations = result["safety_violations"]
    assert isinstance(violations, int) and violations > 0, result


@pytest.mark.parametrize("n", [4, 10])
def test_fault_free_commit_latency_is_at_most_six_message_delays(n: int) -> None:
    """Every message takes exactly one delay (10 ms): an anchor commits 6 delays after it
    was proposed (header, votes, certificate, next round's headers, votes, certificates)."""
    result = run_seeds(7, 2, RunOptions(validators=n, faults=False, latency="constant"))
    latency = result["mean_commit_latency_message_delays"]
    assert isinstance(latency, float) and latency <= 6.0, result
    assert result["failing_seeds"] == []


def test_runs_replay_identically_from_their_seed() -> None:
    a = run_seeds(99, 2, RunOptions(validators=4, byzantine=1))
    b = run_seeds(99, 2, RunOptions(validators=4, byzantine=1))
    assert a == b


@pytest.mark.slow
@pytest.mark.parametrize("base_seed", [1, 2])
def test_larger_committee(base_seed: int) -> None:
    result = run_seeds(base_seed, 3, RunOptions(validators=13, byzantine=4))
    assert result["failing_seeds"] == [], result["failures"]


def test_real_ed25519_network() -> None:
    result = run_seeds(5, 2, RunOptions(validators=4, byzantine=1, real_crypto=True))
    assert result["failing_seeds"] == [], result["failures"]


def test_liveness_and_memory_checkers_can_fail() -> None:
    """Negative controls: a partition that never heals must be reported as a liveness
    failure, and a memory bound below the working set as a memory failure."""
    import dataclasses

    from consensus.sim import checkers
    from consensus.sim.network import Simulation
    from consensus.sim.scenario import Partition, draw

    sc = draw(3, 4, 0, 0, faults=False)
    split = Partition(100, sc.end_ms + 1, (("v00", "v01"), ("v02", "v03")))
    sim = Simulation(dataclasses.replace(sc, partitions=(split,)))
    sim.run()
    verdict = checkers.check(sim)
    assert verdict.liveness and not verdict.safety

    sim = Simulation(sc)
    sim.run()
    original = checkers.MEMORY_PER_VALIDATOR
    try:
        checkers.MEMORY_PER_VALIDATOR = 1
        assert checkers.check(sim).memory
    finally:
        checkers.MEMORY_PER_VALIDATOR = original
    assert checkers.check(sim).ok


@pytest.mark.parametrize(
    ("n", "byz", "twins", "seed"),
    [
        (4, 1, 0, 6083752091237397143),  # orphaned certificate: batches re-proposed early
        (4, 1, 0, 231343931429437781),  # same, with crash and two partitions
        (4, 1, 0, 4140728452986567845),  # re-proposal across a restart must not duplicate
        (4, 0, 1, 7125559250218482025),  # Twins may repeat their own batches: not a fault
        (7, 2, 0, 3361196705340359334),  # f silent + a crashed honest node: slow recovery
        (4, 1, 0, 8889481429915946706),  # f silent, drops, crash: slow but live
        (4, 1, 0, 1722064374962634318),  # f silent, drops, pause: slow but live
    ],
)
def test_regression_seeds(n: int, byz: int, twins: int, seed: int) -> None:
    from consensus.sim.runs import run_one

    verdict, _ = run_one(seed, RunOptions(validators=n, byzantine=byz, twins=twins))
    assert verdict.ok, (_replay(n, byz, twins, None, False, seed), verdict)
