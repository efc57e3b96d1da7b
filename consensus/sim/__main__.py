"""``python -m consensus.sim``: run seeded simulations and report the checkers' verdicts."""

from __future__ import annotations

import argparse
import json
import sys

from consensus.commit_rule import RULES
from consensus.sim.runs import RunOptions, run_seeds
from consensus.sim.scenario import BEHAVIOURS


def main(argv: list[str] | None = None) -> int:
    """Parse options, run, print; exit status 1 when a run failed a checker."""
    p = argparse.ArgumentParser(prog="python -m consensus.sim", description=__doc__)
    p.add_argument("--validators", type=int, default=4)
    p.add_argument("--byzantine", type=int, default=0, help="identities with Byzantine behaviour")
    p.add_argument("--twins", type=int, default=0, help="identities run as two live copies")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--seed", type=int, default=0, help="base seed; every run's seed is derived")
    p.add_argument("--replay", type=int, default=None, help="run exactly this run seed once")
    p.add_argument("--behaviour", choices=BEHAVIOURS, default=None)
    p.add_argument("--no-faults", action="store_true", help="fault-free network")
    p.add_argument("--ed25519", action="store_true", help="real Ed25519 instead of the test scheme")
    p.add_argument("--reconfigure", action="store_true", help="add a validator mid-run")
    p.add_argument("--fault-window-ms", type=int, default=600)
    p.add_argument("--tail-ms", type=int, default=1800)
    p.add_argument(
        "--latency",
        choices=("uniform", "bimodal", "constant"),
        default=None,
        help="fix the latency distribution (default: drawn per run)",
    )
    p.add_argument(
        "--commit-rule",
        choices=RULES,
        default="bullshark",
        help="commit rule every engine runs (ADR 0078)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    a = p.parse_args(argv)
    if a.validators < 1 or a.byzantine < 0 or a.twins < 0 or a.byzantine + a.twins > a.validators:
        p.error("need validators >= 1 and byzantine + twins <= validators")
    opts = RunOptions(
        validators=a.validators,
        byzantine=a.byzantine,
        twins=a.twins,
        faults=not a.no_faults,
        behaviour=a.behaviour,
        real_crypto=a.ed25519,
        reconfigure=a.reconfigure,
        fault_window_ms=a.fault_window_ms,
        tail_ms=a.tail_ms,
        latency=a.latency,
        commit_rule=a.commit_rule,
    )
    if a.replay is not None:
        from consensus.sim.runs import run_one

        verdict, sim = run_one(a.replay, opts)
        result: dict[str, object] = {
            "seed": a.replay,
            "scenario": repr(sim.sc),
            "ok": verdict.ok,
            "safety": verdict.safety,
            "liveness": verdict.liveness,
            "validity": verdict.validity,
            "memory": verdict.memory,
            "min_commits": verdict.min_commits,
        }
    else:
        result = run_seeds(a.seed, a.runs, opts, progress=not a.json)
    print(json.dumps(result, indent=None if a.json else 2, sort_keys=True))
    failed = not result.get("ok", True) if a.replay is not None else bool(result["failing_seeds"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
