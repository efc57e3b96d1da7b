"""Proposal pacing: when a validator waits for the anchor before proposing."""

from __future__ import annotations

from consensus_dagkit import DagBuilder

from consensus.dag import Dag
from consensus.pacing import leader_ready, quorum_round


def test_even_round_waits_for_the_anchor_unless_its_leader_moved_on() -> None:
    b = DagBuilder()
    dag = Dag()
    leader = b.schedule.for_round(4).leader(4)
    others = [v for v in b.ids if v != leader]
    for r in (1, 2, 3):
        for c in b.layer(r):
            dag.insert(c)
    for c in b.layer(4, others):
        dag.insert(c)
    assert quorum_round(dag, b.schedule) == 4
    assert not leader_ready(dag, b.schedule, 4)  # the anchor may still come: wait
    # The leader skipped round 4 (it proposed round 5 on the others' certificates): an
    # honest leader never proposes an earlier round later, so waiting is pointless.
    (late,) = b.layer(5, [leader])
    dag.insert(late)
    assert leader_ready(dag, b.schedule, 4)


def test_even_round_with_the_anchor_is_ready() -> None:
    b = DagBuilder()
    dag = Dag()
    for r in (1, 2):
        for c in b.layer(r):
            dag.insert(c)
    assert leader_ready(dag, b.schedule, 2)
