"""Shoal-style commit rule (ADR 0078) on hand-built DAGs (n = 4, f = 1: validity 2,
quorum 3): Bullshark instances back to back, each starting the round after the anchor the
previous one committed. Leaders: round-robin over sorted ids by ``round // 2`` (2, 3 -> "b";
4, 5 -> "c"; 6, 7 -> "d"; 8, 9 -> "a")."""

from __future__ import annotations

import itertools

import pytest
from consensus_dagkit import DagBuilder, seed

from consensus.commit_rule import Bullshark, Commit, Shoal, make_rule
from consensus.committee import Committee, Validator
from consensus.dag import Dag

NOT = {x: [y for y in "abcd" if y != x] for x in "abcd"}


def feed(certs: list, rule: Bullshark, builder: DagBuilder) -> list[Commit]:
    dag = Dag()
    commits: list[Commit] = []
    for c in certs:
        assert dag.insert(c)
        commits.extend(rule.process(dag, builder.schedule, c))
    return commits


def layers(rounds: int, **refs: dict[str, list[str]]) -> DagBuilder:
    b = DagBuilder()
    for r in range(1, rounds + 1):
        b.layer(r, refs=refs.get(f"r{r}"))
    return b


def test_every_round_leader_commits_in_the_good_case() -> None:
    b = layers(7)
    commits = feed(b.all(), Shoal(50), b)
    assert [(c.index, c.leader.round, c.leader.author) for c in commits] == [
        (1, 2, "b"),
        (2, 3, "b"),
        (3, 4, "c"),
        (4, 5, "c"),
        (5, 6, "d"),
    ]
    # A round-2 certificate that is not the anchor waits for round 3's anchor (Bullshark:
    # for round 4's), and nothing is ordered twice.
    assert [(x.round, x.author) for x in commits[1].certificates] == [
        (2, "a"),
        (2, "c"),
        (2, "d"),
        (3, "b"),
    ]
    seen = [x.digest for c in commits for x in c.certificates]
    assert len(seen) == len(set(seen))
    bull = feed(b.all(), Bullshark(50), b)
    assert [c.leader.round for c in bull] == [2, 4, 6]
    # Up to the same last anchor both rules order the same certificates (in another order:
    # Shoal cuts the history at every round's anchor).
    upto = sorted(x.digest for c in bull for x in c.certificates)
    assert sorted(x.digest for c in commits for x in c.certificates) == upto


def test_unsupported_anchor_keeps_the_instance_parity_and_commits_by_path() -> None:
    # Round 4: only "a" links round 3's leader "b" (support 1 < validity 2).
    b = layers(7, r4={"a": ["a", "b", "c"], "b": NOT["b"], "c": NOT["b"], "d": NOT["b"]})
    commits = feed(b.all(), Shoal(50), b)
    # After 2@b the instance starts at 3: anchors 3, 5, ... Anchor 5@c commits directly and
    # links 3@b (through 4@a), so 3@b commits first; then the next instance starts at 4.
    assert [(c.leader.round, c.leader.author) for c in commits][:3] == [
        (2, "b"),
        (3, "b"),
        (4, "c"),
    ]


def test_leader_without_path_is_skipped() -> None:
    b = layers(7, r4={x: NOT["b"] for x in "abcd"})  # nobody links 3@b
    commits = feed(b.all(), Shoal(50), b)
    rounds = [c.leader.round for c in commits]
    assert 3 not in rounds and rounds[:2] == [2, 5]
    ordered = {(x.round, x.author) for c in commits for x in c.certificates}
    assert (3, "b") not in ordered  # never ordered: no later anchor reaches it


def test_commit_sequence_is_independent_of_insertion_order() -> None:
    b = layers(9, r4={"a": ["a", "b", "c"], "b": NOT["b"], "c": NOT["b"], "d": NOT["b"]})
    by_round = [sorted(b.rounds[r].values(), key=lambda c: c.author) for r in sorted(b.rounds)]
    reference = None
    for perm in itertools.islice(itertools.permutations(range(4)), 0, 24, 5):
        order = [layer[i] for layer in by_round for i in perm]
        commits = feed(order, Shoal(50), b)
        seq = [(c.index, c.leader.digest, tuple(x.digest for x in c.certificates)) for c in commits]
        if reference is None:
            reference = seq
        assert seq == reference
    assert reference is not None and len(reference) >= 5


def test_make_rule_names() -> None:
    assert type(make_rule("bullshark", 10)) is Bullshark
    assert type(make_rule("shoal", 10)) is Shoal
    with pytest.raises(ValueError, match="unknown commit rule 'tusk'"):
        make_rule("tusk", 10)


def test_a_late_supporter_does_not_change_the_sequence() -> None:
    """Anchor 3@b has exactly f+1 supporters (4@a, 4@b). Node X receives certificates
    round by round; node Y receives 4@b last, after rounds 5-7. Both output the same
    anchors: committing the lowest directly supported anchor without walking back, walking
    back to ``r > start`` only, or committing every anchor of the chain would fork here."""
    b = DagBuilder()
    for r in range(1, 8):
        refs = None
        if r == 4:
            refs = {"a": list("abc"), "b": list("abc"), "c": list("acd"), "d": list("acd")}
        if r == 5:
            refs = {x: list("acd") for x in "abcd"}
        b.layer(r, refs=refs)
    in_order = b.all()
    late = b.rounds[4]["b"]
    y_order = [c for c in in_order if c is not late] + [late]
    x = feed(in_order, Shoal(50), b)
    y = feed(y_order, Shoal(50), b)
    assert [(c.leader.round, c.leader.author) for c in x] == [
        (2, "b"),
        (3, "b"),
        (4, "c"),
        (5, "c"),
        (6, "d"),
    ]
    assert [(c.leader.digest, [d.digest for d in c.certificates]) for c in y] == [
        (c.leader.digest, [d.digest for d in c.certificates]) for c in x
    ]


@pytest.mark.parametrize(("supporters", "commits_b3"), [("ab", False), ("abe", True)])
def test_support_is_weighed_by_the_committee_of_the_next_round(
    supporters: str, commits_b3: bool
) -> None:
    # The committee grows from 4 to 7 members at round 4 (validity 2 -> 3). Round 3's
    # anchor (b) is supported by round-4 certificates, so their committee's validity
    # counts: two supporters were enough under the old committee, not under the new one.
    b = DagBuilder()
    seven = "abcdefg"
    b.schedule.add(4, Committee.create(1, [Validator(i, seed(i), 1) for i in seven]))
    for r in (1, 2, 3):
        b.layer(r)
    assert b.schedule.for_round(3).leader(3) == "b"
    b.layer(
        4, seven, refs={x: ["b", "c", "d"] if x in supporters else ["a", "c", "d"] for x in seven}
    )
    commits = feed(b.all(), Shoal(50), b)
    assert [c.leader.round for c in commits] == ([2, 3] if commits_b3 else [2])
