"""Which of our certificates can never be ordered (their batches are proposed again at
once): hand-built DAGs in a real engine of validator "a" (Bullshark: leader(4) = "c")."""

from __future__ import annotations

from consensus_dagkit import Network

from consensus.engine import Engine
from consensus.types import Certificate, Header

BATCH = bytes([7]) * 32


def cert(author: str, round_: int, parents: list[Certificate], payload=()) -> Certificate:
    ps = tuple(sorted(p.digest for p in parents))
    digest = Header.body_digest(author, round_, 0, ps, tuple(payload))
    return Certificate(Header(author, round_, 0, ps, tuple(payload), b"", digest), ())


def engine_with(*rounds: dict[str, Certificate]) -> Engine:
    e = Network().engines["a"]
    for layer in rounds:
        for c in layer.values():
            assert e.dag.insert(c)
    return e


def slow_chain(with_d5: bool = True) -> tuple[Engine, dict[str, Certificate]]:
    """a3 is referenced only by a4; nobody references a4 (a is slow, so the others build
    on b, c and d only)."""
    r3 = {v: cert(v, 3, []) for v in "bcd"}
    r3["a"] = cert("a", 3, [], payload=[(0, BATCH)])
    r4 = {"a": cert("a", 4, [r3["a"], r3["b"], r3["c"]])}
    r4 |= {v: cert(v, 4, [r3["b"], r3["c"], r3["d"]]) for v in "bcd"}
    r5 = {v: cert(v, 5, [r4["b"], r4["c"], r4["d"]]) for v in ("abcd" if with_d5 else "abc")}
    return engine_with(r3, r4, r5), r3


def test_a_certificate_referenced_only_by_orphans_is_an_orphan() -> None:
    e, r3 = slow_chain()
    assert e._orphan(r3["a"], {})
    # ... and its batches go back in the queue now, not gc_depth rounds later.
    e.own_unordered[r3["a"].digest] = r3["a"]
    e._abandon_orphan(3)
    assert (0, BATCH) in e.book.ready
    assert r3["a"].digest not in e.own_unordered


def test_an_undecided_slot_keeps_it_possible() -> None:
    e, r3 = slow_chain(with_d5=False)  # d's certificate of round 5 may still reference a4
    assert not e._orphan(r3["a"], {})
    e.own_unordered[r3["a"].digest] = r3["a"]
    e._abandon_orphan(3)
    assert e.book.ready == [] and r3["a"].digest in e.own_unordered


def test_an_anchor_with_any_reference_is_not_an_orphan() -> None:
    # c4 is round 4's anchor; only a5 references it and nobody references a5. a5 is an
    # orphan, but its reference is support that may still commit c4 directly.
    r4 = {v: cert(v, 4, []) for v in "abcd"}
    r5 = {"a": cert("a", 5, [r4["a"], r4["b"], r4["c"]])}
    r5 |= {v: cert(v, 5, [r4["a"], r4["b"], r4["d"]]) for v in "bcd"}
    r6 = {v: cert(v, 6, [r5["b"], r5["c"], r5["d"]]) for v in "abcd"}
    e = engine_with(r4, r5, r6)
    assert e.schedule.for_round(4).leader(4) == "c"
    assert e._orphan(r5["a"], {})
    assert not e._orphan(r4["c"], {})
