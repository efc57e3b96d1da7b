"""Commit rules: which leaders commit and in which order their causal histories are output.

``CommitRule`` is the small interface the engine calls on every certificate it inserts into
the DAG; ``Bullshark`` implements the partially synchronous Bullshark rule and ``Shoal``
runs Bullshark instances back to back so that, in the good case, every round's leader is
an anchor (ADR 0078). ``make_rule`` builds one by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from consensus.committee import CommitteeSchedule
from consensus.dag import Dag
from consensus.types import Certificate, Digest


@dataclass(slots=True)
class CommitState:
    """Everything a commit rule must persist to resume identically after a restart."""

    last_committed_round: int = 0
    commit_index: int = 0
    ordered: dict[Digest, int] = field(default_factory=dict)

    def gc_round(self, gc_depth: int) -> int:
        """Rounds at or below this are never ordered again (same on every honest node)."""
        return max(0, self.last_committed_round - gc_depth)


@dataclass(frozen=True, slots=True)
class Commit:
    """A leader that committed with its not-yet-ordered causal history."""

    index: int
    leader: Certificate
    certificates: tuple[Certificate, ...]


class CommitRule(Protocol):
    """Decides commits from the DAG; must be deterministic given the same DAG and state."""

    state: CommitState
    # Whether any round's leader may be the next anchor (pacing waits for every leader).
    anchors_every_round: bool

    def process(self, dag: Dag, schedule: CommitteeSchedule, cert: Certificate) -> list[Commit]:
        """Called after ``cert`` was inserted; returns the commits it triggers, in order."""
        ...


class Bullshark:
    """Bullshark: the anchor of each even round commits once certificates of the next round
    with validity (f+1) weight reference it; earlier uncommitted anchors reachable from it
    commit first. Causal histories are ordered by (round, author)."""

    anchors_every_round = False

    def __init__(self, gc_depth: int, state: CommitState | None = None) -> None:
        self.gc_depth = gc_depth
        self.state = state or CommitState()

    def process(self, dag: Dag, schedule: CommitteeSchedule, cert: Certificate) -> list[Commit]:
        """Try to commit the anchor of round ``cert.round - 1``."""
        leader_round = cert.round - 1
        if leader_round < 2 or leader_round % 2 or leader_round <= self.state.last_committed_round:
            return []
        leader = self._supported(dag, schedule, leader_round)
        if leader is None:
            return []
        return [self._order(dag, anchor) for anchor in self._anchors(dag, schedule, leader)]

    @staticmethod
    def _supported(dag: Dag, schedule: CommitteeSchedule, r: int) -> Certificate | None:
        """The anchor of round ``r`` if certificates of ``r + 1`` with validity weight (of
        that round's committee) reference it."""
        leader = dag.at(r, schedule.for_round(r).leader(r))
        if leader is None:
            return None
        voters = schedule.for_round(r + 1)
        support = voters.stake(
            c.author for c in dag.round(r + 1).values() if leader.digest in c.header.parents
        )
        return leader if support >= voters.validity else None

    def _anchors(
        self, dag: Dag, schedule: CommitteeSchedule, leader: Certificate
    ) -> list[Certificate]:
        """``leader`` and every earlier uncommitted anchor linked to it, oldest first."""
        chain = [leader]
        current = leader
        r = leader.round - 2
        while r > self.state.last_committed_round:
            prev = dag.at(r, schedule.for_round(r).leader(r))
            if prev is not None and dag.has_path(current, prev):
                chain.append(prev)
                current = prev
            r -= 2
        chain.reverse()
        return chain

    def _order(self, dag: Dag, anchor: Certificate) -> Commit:
        """Order the anchor's causal history that is above the GC round and not yet ordered."""
        st = self.state
        floor = st.gc_round(self.gc_depth)
        seen: dict[Digest, Certificate] = {anchor.digest: anchor}
        stack = [anchor]
        while stack:
            c = stack.pop()
            for p in c.header.parents:
                if p in seen or p in st.ordered:
                    continue
                pc = dag.get(p)
                if pc is None or pc.round <= floor:
                    continue
                seen[p] = pc
                stack.append(pc)
        history = sorted(
            (c for c in seen.values() if c.digest not in st.ordered),
            key=lambda c: (c.round, c.author),
        )
        for c in history:
            st.ordered[c.digest] = c.round
        st.last_committed_round = anchor.round
        st.commit_index += 1
        new_floor = st.gc_round(self.gc_depth)
        if new_floor > floor:
            st.ordered = {d: r for d, r in st.ordered.items() if r > new_floor}
        return Commit(st.commit_index, anchor, tuple(history))


class Shoal(Bullshark):
    """Bullshark instances back to back (Shoal's pipelining). An instance starts at the
    round after the last committed anchor, ``s``; its anchors are the leaders of rounds
    ``s, s + 2, ...``, committed as Bullshark commits them. Only the first anchor an
    instance commits is kept (the oldest of the chain its earliest directly committed
    anchor links to, which every honest node agrees on); the next instance starts at the
    round after it. In the good case every round's leader commits, so a certificate waits
    for the anchor of the next round instead of the next even round: 1.75 rounds from
    certificate to commit on average instead of 2.25 (four validators).

    Safety is Bullshark's within each instance: f+1 certificates of round ``a + 1`` that
    reference the anchor of round ``a`` intersect the 2f+1 parents of every certificate of
    round ``a + 2``, so every later anchor of the instance has a path to it. Instances start
    where the previous one's agreed first anchor ended, so every honest node evaluates the
    same sequence of instances.
    """

    anchors_every_round = True

    def process(self, dag: Dag, schedule: CommitteeSchedule, cert: Certificate) -> list[Commit]:
        """Commit the first anchor of each instance the DAG now decides, in order."""
        commits: list[Commit] = []
        while True:
            start = max(2, self.state.last_committed_round + 1)
            direct = next(
                (
                    leader
                    for a in range(start, dag.highest_round, 2)
                    if (leader := self._supported(dag, schedule, a)) is not None
                ),
                None,
            )
            if direct is None:
                return commits
            # Bullshark's walk back stops above the last committed round, i.e. at ``start``
            # (or round 2 at genesis): the instance's anchors linked to ``direct``.
            commits.append(self._order(dag, self._anchors(dag, schedule, direct)[0]))


RULES = ("bullshark", "shoal")


def make_rule(name: str, gc_depth: int, state: CommitState | None = None) -> Bullshark:
    """The commit rule called ``name`` (one of ``RULES``)."""
    if name == "shoal":
        return Shoal(gc_depth, state)
    if name == "bullshark":
        return Bullshark(gc_depth, state)
    raise ValueError(f"unknown commit rule {name!r}; expected one of {', '.join(RULES)}")
