"""Black-box checkers over a finished simulation: safety, liveness, validity, bounded memory."""

from __future__ import annotations

from dataclasses import dataclass, field

from consensus.sim.network import Simulation
from consensus.sim.scenario import identity

MEMORY_PER_VALIDATOR = 400


@dataclass
class Verdict:
    """What the checkers found in one run."""

    seed: int
    safety: list[str] = field(default_factory=list)
    liveness: list[str] = field(default_factory=list)
    validity: list[str] = field(default_factory=list)
    memory: list[str] = field(default_factory=list)
    min_commits: int = 0
    latencies: list[float] = field(default_factory=list)
    cert_latencies: list[float] = field(default_factory=list)  # every ordered certificate

    @property
    def ok(self) -> bool:
        """No checker failed."""
        return not (self.safety or self.liveness or self.validity or self.memory)


def _honest(sim: Simulation) -> list[str]:
    honest = set(sim.sc.honest)
    joined = {n for n in sim.instances if identity(n) not in sim.sc.ids}  # reconfiguration
    return sorted(n for n in sim.instances if identity(n) in honest or n in joined)


def check(sim: Simulation) -> Verdict:
    """Run every checker."""
    v = Verdict(sim.sc.seed)
    names = _honest(sim)
    check_safety(sim, names, v)
    check_liveness(sim, names, v)
    check_validity(sim, names, v)
    check_memory(sim, names, v)
    v.min_commits = min((len(sim.instances[n].record.commits) for n in names), default=0)
    mean = sim.sc.mean_latency
    for n in names:
        rec = sim.instances[n].record
        for (_, _, leader, _), t in zip(rec.commits, rec.commit_times, strict=True):
            if leader in sim.proposed:
                v.latencies.append((t - sim.proposed[leader]) / mean)
        v.cert_latencies.extend(d / mean for d in rec.cert_delays)
    return v


def check_safety(sim: Simulation, names: list[str], v: Verdict) -> None:
    """Honest committed sequences are prefixes of one another; indices are contiguous and no
    certificate, nor any honest validator's batch, is ordered twice (a Byzantine author
    can put one batch in several of its certificates)."""
    seqs = {n: sim.instances[n].record.commits for n in names}
    for n, seq in seqs.items():
        if [c[0] for c in seq] != list(range(1, len(seq) + 1)):
            v.safety.append(f"{n}: commit indices not contiguous")
        rec = sim.instances[n].record
        if len(set(rec.ordered_certs)) != len(rec.ordered_certs):
            v.safety.append(f"{n}: a certificate was ordered twice")
        if len(set(rec.honest_batches)) != len(rec.honest_batches):
            v.safety.append(f"{n}: a batch of an honest validator was committed twice")
    ordered = sorted(seqs)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            sa, sb = seqs[a], seqs[b]
            k = min(len(sa), len(sb))
            if sa[:k] != sb[:k]:
                at = next(j for j in range(k) if sa[j] != sb[j])
                v.safety.append(f"fork between {a} and {b} at commit {at + 1}")


def check_liveness(sim: Simulation, names: list[str], v: Verdict) -> None:
    """After the last partition heals and the last outage ends, every honest instance
    commits new leaders (at least two)."""
    last = 0
    for p in sim.sc.partitions:
        last = max(last, p.end)
    for o in sim.sc.outages:
        last = max(last, o.end)
    for n in names:
        times = sim.instances[n].record.commit_times
        if sum(t > last for t in times) < 2:
            v.liveness.append(f"{n}: < 2 commits after t={last}ms (commits: {len(times)})")


def check_validity(sim: Simulation, names: list[str], v: Verdict) -> None:
    """Every batch certified by an honest validator is committed by every honest instance.

    "Eventually" is made concrete in rounds: a batch in an honest certificate of round r is
    due once every honest instance committed a leader at or above r + gc_depth + 6 (an
    orphaned certificate's batches are proposed again when its round is collected)."""
    gc_depth = next(iter(sim.instances.values())).engine_config_gc_depth
    reached = min(
        (sim.instances[n].record.commits[-1][1] for n in names if sim.instances[n].record.commits),
        default=0,
    )
    due = [d for d, r in sim.honest_certified.items() if r + gc_depth + 6 <= reached]
    for n in names:
        committed = sim.instances[n].record.committed_batches
        missing = [d for d in due if d not in committed]
        if missing:
            v.validity.append(f"{n}: {len(missing)} of {len(due)} honest batches not committed")


def check_memory(sim: Simulation, names: list[str], v: Verdict) -> None:
    """Engine memory stays under a bound linear in the committee size."""
    bound = MEMORY_PER_VALIDATOR * sim.sc.validators
    for n in names:
        peak = sim.instances[n].record.max_memory
        if peak > bound:
            v.memory.append(f"{n}: {peak} objects in memory > bound {bound}")
