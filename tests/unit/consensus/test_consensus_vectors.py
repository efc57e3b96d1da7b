"""Replay the commit-rule vectors (pre / steps / post) in tests/vectors/consensus/.

The vectors name certificates by (round, author) so another implementation can replay them
without our digest format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from consensus_dagkit import cert, unsigned_committee

from consensus.commit_rule import Bullshark
from consensus.committee import CommitteeSchedule
from consensus.dag import Dag

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "consensus" / "bullshark_commit.json"
CASES = json.loads(VECTORS.read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vector(case: dict) -> None:
    schedule = CommitteeSchedule(unsigned_committee(case["pre"]["committee"]))
    dag = Dag()
    rule = Bullshark(case["pre"]["gc_depth"])
    by_slot = {}
    got = []
    for s in case["steps"]:
        c = cert(s["author"], s["round"], [by_slot[(s["round"] - 1, a)] for a in s["parents"]])
        by_slot[(s["round"], s["author"])] = c
        assert dag.insert(c)
        for cm in rule.process(dag, schedule, c):
            got.append(
                {
                    "index": cm.index,
                    "leader": [cm.leader.round, cm.leader.author],
                    "ordered": [[x.round, x.author] for x in cm.certificates],
                }
            )
    assert got == case["post"]["commits"]
