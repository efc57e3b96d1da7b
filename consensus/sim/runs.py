"""Many seeded runs and their summary (the JSON printed by ``python -m consensus.sim``)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from consensus.sim.checkers import Verdict, check
from consensus.sim.network import Simulation
from consensus.sim.rng import Rng
from consensus.sim.scenario import draw


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Options shared by every run of a batch."""

    validators: int = 4
    byzantine: int = 0
    twins: int = 0
    faults: bool = True
    behaviour: str | None = None
    real_crypto: bool = False
    reconfigure: bool = False
    fault_window_ms: int = 600
    tail_ms: int = 1800
    latency: str | None = None
    commit_rule: str = "bullshark"


def run_one(seed: int, opts: RunOptions) -> tuple[Verdict, Simulation]:
    """Draw the scenario of ``seed``, run it, check it."""
    sc = draw(
        seed,
        opts.validators,
        opts.byzantine,
        opts.twins,
        faults=opts.faults,
        fault_window_ms=opts.fault_window_ms,
        tail_ms=opts.tail_ms,
        behaviour=opts.behaviour,
        reconfigure=opts.reconfigure,
        latency=opts.latency,
    )
    sim = Simulation(sc, real_crypto=opts.real_crypto, overrides={"commit_rule": opts.commit_rule})
    sim.run()
    return check(sim), sim


def run_seeds(
    base_seed: int, runs: int, opts: RunOptions, progress: bool = False
) -> dict[str, object]:
    """Run ``runs`` scenarios with seeds derived from ``base_seed``; return the summary."""
    seeds = Rng(base_seed)
    failing: list[dict[str, object]] = []
    safety = liveness = validity = memory = 0
    min_commits: int | None = None
    latencies: list[float] = []
    cert_latencies: list[float] = []
    messages = 0
    for i in range(runs):
        seed = seeds.next_u64() >> 1
        verdict, sim = run_one(seed, opts)
        messages += sim.messages
        safety += bool(verdict.safety)
        liveness += bool(verdict.liveness)
        validity += bool(verdict.validity)
        memory += bool(verdict.memory)
        min_commits = (
            verdict.min_commits if min_commits is None else min(min_commits, verdict.min_commits)
        )
        latencies.extend(verdict.latencies)
        cert_latencies.extend(verdict.cert_latencies)
        if not verdict.ok:
            failing.append(
                {
                    "seed": seed,
                    "safety": verdict.safety[:3],
                    "liveness": verdict.liveness[:3],
                    "validity": verdict.validity[:3],
                    "memory": verdict.memory[:3],
                }
            )
        if progress and (i + 1) % 10 == 0:
            print(f"  {i + 1}/{runs} runs, {len(failing)} failing", file=sys.stderr)
    return {
        "runs": runs,
        "seed": base_seed,
        "validators": opts.validators,
        "byzantine": opts.byzantine,
        "twins": opts.twins,
        "safety_violations": safety,
        "liveness_failures": liveness,
        "validity_failures": validity,
        "memory_failures": memory,
        "min_commits_per_run": min_commits or 0,
        "mean_commit_latency_message_delays": round(sum(latencies) / len(latencies), 3)
        if latencies
        else None,
        "mean_certificate_commit_latency_message_delays": round(
            sum(cert_latencies) / len(cert_latencies), 3
        )
        if cert_latencies
        else None,
        "commit_rule": opts.commit_rule,
        "messages": messages,
        "failing_seeds": [f["seed"] for f in failing],
        "failures": failing[:20],
    }
