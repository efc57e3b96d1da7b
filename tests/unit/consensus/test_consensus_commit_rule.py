"""Bullshark commit rule on hand-built DAGs (n = 4, f = 1: validity 2, quorum 3).

The leader schedule is round-robin over sorted ids by ``round // 2``: round 2 -> "b",
round 4 -> "c", round 6 -> "d", round 8 -> "a".
"""

from __future__ import annotations

import itertools

from consensus_dagkit import DagBuilder

from consensus.commit_rule import Bullshark, Commit
from consensus.dag import Dag


def feed(certs: list, gc_depth: int = 50) -> tuple[list[Commit], Bullshark, Dag]:
    b = DagBuilder()
    dag = Dag()
    rule = Bullshark(gc_depth)
    commits: list[Commit] = []
    for c in certs:
        assert dag.insert(c)
        commits.extend(rule.process(dag, b.schedule, c))
    return commits, rule, dag


def test_leader_schedule_is_round_robin() -> None:
    s = DagBuilder().schedule.for_round(2)
    assert [s.leader(r) for r in (2, 4, 6, 8, 10)] == ["b", "c", "d", "a", "b"]


def test_anchor_commits_with_validity_support_and_not_before() -> None:
    not_b = ["a", "c", "d"]
    one = DagBuilder()
    one.layer(1)
    one.layer(2)
    one.layer(3, refs={"a": ["b", "c", "d"], "b": not_b, "c": not_b, "d": not_b})
    commits, rule, _ = feed(one.all())
    assert commits == []  # support 1 < validity 2
    assert rule.state.last_committed_round == 0

    two = DagBuilder()
    two.layer(1)
    two.layer(2)
    two.layer(3, refs={"a": ["b", "c", "d"], "b": ["a", "b", "c"], "c": not_b, "d": not_b})
    commits, rule, _ = feed(two.all())
    assert [c.leader.author for c in commits] == ["b"]
    assert commits[0].index == 1
    assert rule.state.last_committed_round == 2


def test_sub_dag_is_ordered_by_round_then_author_and_never_twice() -> None:
    b = DagBuilder()
    for r in range(1, 6):
        b.layer(r)
    commits, _, _ = feed(b.all())
    assert [(c.index, c.leader.round, c.leader.author) for c in commits] == [
        (1, 2, "b"),
        (2, 4, "c"),
    ]
    first = [(x.round, x.author) for x in commits[0].certificates]
    assert first == [(1, "a"), (1, "b"), (1, "c"), (1, "d"), (2, "b")]
    second = [(x.round, x.author) for x in commits[1].certificates]
    assert second == [
        (2, "a"),
        (2, "c"),
        (2, "d"),
        (3, "a"),
        (3, "b"),
        (3, "c"),
        (3, "d"),
        (4, "c"),
    ]
    seen = [x.digest for c in commits for x in c.certificates]
    assert len(seen) == len(set(seen))


def test_earlier_leader_with_a_path_commits_first_recursively() -> None:
    b = DagBuilder()
    b.layer(1)
    b.layer(2)
    not_b = ["a", "c", "d"]
    # Round 3: only "a" links the round-2 leader "b" (support 1): no direct commit.
    b.layer(3, refs={"a": ["a", "b", "c"], "b": not_b, "c": not_b, "d": not_b})
    b.layer(4)  # every round-4 certificate references round-3 "a", hence a path to b@2.
    b.layer(5)
    commits, _, _ = feed(b.all())
    assert [(c.index, c.leader.round, c.leader.author) for c in commits] == [
        (1, 2, "b"),
        (2, 4, "c"),
    ]
    assert commits[0].certificates[-1].round == 2
    assert all(x.round <= 2 for x in commits[0].certificates)


def test_recursion_reaches_several_skipped_leaders() -> None:
    b = DagBuilder()
    b.layer(1)
    b.layer(2)
    not_b = ["a", "c", "d"]
    b.layer(3, refs={"a": ["a", "b", "c"], "b": not_b, "c": not_b, "d": not_b})
    b.layer(4)
    not_c = ["a", "b", "d"]
    b.layer(5, refs={"a": ["a", "b", "c"], "b": not_c, "c": not_c, "d": not_c})
    b.layer(6)
    b.layer(7)
    commits, _, _ = feed(b.all())
    assert [c.leader.round for c in commits] == [2, 4, 6]
    assert [c.index for c in commits] == [1, 2, 3]


def test_leader_without_path_is_skipped_for_ever() -> None:
    b = DagBuilder()
    b.layer(1)
    b.layer(2)
    not_b = ["a", "c", "d"]
    b.layer(3, refs={x: not_b for x in ["a", "b", "c", "d"]})  # nobody links b@2
    b.layer(4)
    b.layer(5)
    commits, _, _ = feed(b.all())
    assert [c.leader.round for c in commits] == [4]
    ordered = {(x.round, x.author) for x in commits[0].certificates}
    assert (2, "b") not in ordered


def test_missing_leader_commits_nothing() -> None:
    b = DagBuilder()
    b.layer(1)
    b.layer(2, authors=["a", "c", "d"])  # leader "b" of round 2 is missing
    b.layer(3)
    commits, _, _ = feed(b.all())
    assert commits == []


def test_garbage_collection_excludes_old_rounds() -> None:
    b = DagBuilder()
    b.layer(1)
    b.layer(2, authors=["a", "c", "d"])  # no leader at 2
    for r in range(3, 10):
        b.layer(r)
    commits, rule, _ = feed(b.all(), gc_depth=4)
    # Leaders 4 and 6 and 8 commit; with gc_depth 4 the round-8 commit may not order rounds <= 2.
    assert [c.leader.round for c in commits] == [4, 6, 8]
    last = commits[-1]
    assert all(x.round > 2 for x in last.certificates)
    assert rule.state.gc_round(4) == 4
    assert all(r > 4 for r in rule.state.ordered.values())


def test_commit_sequence_is_independent_of_insertion_order() -> None:
    b = DagBuilder()
    b.layer(1)
    b.layer(2)
    not_b = ["a", "c", "d"]
    b.layer(3, refs={"a": ["a", "b", "c"], "b": not_b, "c": not_b, "d": not_b})
    for r in range(4, 8):
        b.layer(r)
    reference = None
    by_round = [sorted(b.rounds[r].values(), key=lambda c: c.author) for r in sorted(b.rounds)]
    for perm in itertools.islice(itertools.permutations(range(4)), 0, 24, 5):
        order = [layer[i] for layer in by_round for i in perm]
        commits, _, _ = feed(order)
        seq = [(c.index, c.leader.digest, tuple(x.digest for x in c.certificates)) for c in commits]
        if reference is None:
            reference = seq
        assert seq == reference
    assert reference is not None and len(reference) >= 2
