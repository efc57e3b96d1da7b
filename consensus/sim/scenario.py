"""A simulated run described as data, drawn deterministically from a seed."""

from __future__ import annotations

from dataclasses import dataclass, field

from consensus.sim.rng import Rng

BEHAVIOURS = ("equivocate", "bad-signatures", "withhold-votes", "garbage", "silent", "mixed")


@dataclass(frozen=True, slots=True)
class Partition:
    """Instances split into groups between ``start`` and ``end`` (ms); cross-group traffic drops."""

    start: int
    end: int
    groups: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Outage:
    """An instance crashes (state kept on its storage) or pauses from ``start`` to ``end``."""

    instance: str
    start: int
    end: int
    crash: bool


@dataclass(frozen=True, slots=True)
class Scenario:
    """Everything that decides one run; replayable from ``seed`` and the options."""

    seed: int
    validators: int
    byzantine: dict[str, str]
    twins: tuple[str, ...]
    latency: str
    latency_lo: int
    latency_hi: int
    drop: float
    partitions: tuple[Partition, ...]
    outages: tuple[Outage, ...]
    fault_window_ms: int
    tail_ms: int
    tx_interval_ms: int
    reconfigure_at_commit: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        """Validator identities."""
        return [f"v{i:02d}" for i in range(self.validators)]

    @property
    def instances(self) -> list[str]:
        """Running instances: one per identity, two per twin (``id#a``, ``id#b``)."""
        out = []
        for v in self.ids:
            out.extend([f"{v}#a", f"{v}#b"] if v in self.twins else [v])
        return out

    @property
    def honest(self) -> list[str]:
        """Identities that follow the protocol."""
        return [v for v in self.ids if v not in self.byzantine and v not in self.twins]

    @property
    def end_ms(self) -> int:
        """When the run stops."""
        return self.fault_window_ms + self.tail_ms

    @property
    def mean_latency(self) -> float:
        """Mean one-way message delay of the latency distribution (ms)."""
        if self.latency == "bimodal":
            return (
                0.9 * (self.latency_lo + self.latency_hi) / 2
                + 0.1 * (5 * self.latency_lo + 10 * self.latency_hi) / 2
            )
        return (self.latency_lo + self.latency_hi) / 2


def identity(instance: str) -> str:
    """The validator identity an instance runs as."""
    return instance.split("#", 1)[0]


def draw(
    seed: int,
    validators: int,
    byzantine: int,
    twins: int,
    faults: bool = True,
    fault_window_ms: int = 600,
    tail_ms: int = 1800,
    behaviour: str | None = None,
    reconfigure: bool = False,
    latency: str | None = None,
) -> Scenario:
    """A random scenario from ``seed``: who is Byzantine and how, latency, drops, partitions,
    crashes with restart, pauses. ``faults=False`` gives a fault-free network."""
    rng = Rng(seed)
    ids = [f"v{i:02d}" for i in range(validators)]
    chosen = rng.shuffled(ids)
    twin_ids = tuple(sorted(chosen[:twins]))
    byz = {
        v: behaviour or rng.choice(BEHAVIOURS) for v in sorted(chosen[twins : twins + byzantine])
    }
    honest = [v for v in ids if v not in byz and v not in twin_ids]
    drawn = rng.choice(("uniform", "bimodal")) if faults else "uniform"
    latency = latency or drawn
    lo, hi = {"uniform": (1, 20), "bimodal": (2, 10), "constant": (10, 10)}[latency]
    if latency == "constant":
        latency = "uniform"  # every message takes exactly 10 ms: one message delay
    drop = rng.choice((0.0, 0.0, 0.01, 0.03)) if faults else 0.0
    instances = []
    for v in ids:
        instances.extend([f"{v}#a", f"{v}#b"] if v in twin_ids else [v])
    partitions: list[Partition] = []
    outages: list[Outage] = []
    if twin_ids:
        # Twins: split the copies with two halves of the honest validators for a while.
        half = rng.shuffled(honest)
        side_a = tuple(sorted([f"{t}#a" for t in twin_ids] + half[: len(half) // 2]))
        side_b = tuple(sorted(i for i in instances if i not in side_a))
        start = rng.randint(0, 100)
        partitions.append(
            Partition(start, start + rng.randint(300, fault_window_ms), (side_a, side_b))
        )
    elif faults:
        for _ in range(rng.randint(0, 2)):
            start = rng.randint(0, fault_window_ms - 200)
            end = rng.randint(start + 50, fault_window_ms)
            order = rng.shuffled(instances)
            cut = rng.randint(1, len(order) - 1)
            groups = (tuple(sorted(order[:cut])), tuple(sorted(order[cut:])))
            partitions.append(Partition(start, end, groups))
    if faults and honest:
        for crash in (True, False):
            if rng.chance(0.5):
                victim = rng.choice(honest)
                start = rng.randint(0, fault_window_ms - 100)
                outages.append(
                    Outage(victim, start, rng.randint(start + 50, fault_window_ms), crash)
                )
    return Scenario(
        seed=seed,
        validators=validators,
        byzantine=byz,
        twins=twin_ids,
        latency=latency,
        latency_lo=lo,
        latency_hi=hi,
        drop=drop,
        partitions=tuple(sorted(partitions, key=lambda p: p.start)),
        outages=tuple(outages),
        fault_window_ms=fault_window_ms,
        tail_ms=tail_ms,
        tx_interval_ms=20,
        reconfigure_at_commit=rng.randint(3, 6) if reconfigure else 0,
    )
