"""When a validator may propose: the quorum round and Bullshark's wait for the anchor."""

from __future__ import annotations

from consensus.committee import CommitteeSchedule
from consensus.dag import Dag


def quorum_round(dag: Dag, schedule: CommitteeSchedule) -> int:
    """Highest round whose certificates in ``dag`` reach a quorum (the GC round, or 0)."""
    r = dag.highest_round
    while r > dag.gc_round:
        c = schedule.for_round(r)
        if c.stake(dag.round(r)) >= c.quorum:
            return r
        r -= 1
    return dag.gc_round


def leader_ready(
    dag: Dag, schedule: CommitteeSchedule, base: int, every_round: bool = False
) -> bool:
    """Bullshark pacing before proposing round ``base + 1``: in an even round wait for the
    anchor, unless its leader already has a certificate of a later round (it skipped its
    slot: an honest validator proposes rounds in increasing order, so no anchor will come);
    in an odd round wait until the anchor of ``base - 1`` is absent, has validity support,
    or a quorum of certificates does not support it. ``every_round`` (Shoal: any round's
    leader may be the next anchor) waits for the leader of every round. Pacing only: the
    commit rule does not depend on it."""
    if base < 2:
        return True
    committee = schedule.for_round(base)
    if every_round or base % 2 == 0:
        vid = committee.leader(base)
        if dag.at(base, vid) is not None:
            return True
        return any(dag.at(r, vid) is not None for r in range(base + 1, dag.highest_round + 1))
    lr = base - 1
    leader = dag.at(lr, schedule.for_round(lr).leader(lr))
    if leader is None:
        return True
    certs = dag.round(base).values()
    yes = committee.stake(c.author for c in certs if leader.digest in c.header.parents)
    no = committee.stake(c.author for c in certs if leader.digest not in c.header.parents)
    return yes >= committee.validity or no >= committee.quorum
