"""Engine behaviour with real Ed25519: progress, validation faults, restarts, sync requests."""

from __future__ import annotations

import msgpack
from consensus_dagkit import Network

from consensus.codec import encode
from consensus.engine import SubmitTx
from consensus.step import BatchStored, CommittedSubDag, FaultKind
from consensus.types import (
    Batch,
    BatchMsg,
    BatchRequest,
    CertificateRequest,
    Header,
    HeaderMsg,
    VoteMsg,
    header_signing_bytes,
)


def commits(outputs: list[object]) -> list[CommittedSubDag]:
    return [o for o in outputs if isinstance(o, CommittedSubDag)]


def signed_header(net: Network, author: str, round_: int, parents=(), payload=()) -> Header:
    digest = Header.body_digest(author, round_, 0, tuple(parents), tuple(payload))
    sig = net.signers[author].sign(header_signing_bytes(digest))
    return Header(author, round_, 0, tuple(parents), tuple(payload), sig, digest)


def test_four_engines_commit_the_same_sequence_with_transactions() -> None:
    net = Network()
    for i, e in net.engines.items():
        for k in range(25):
            e.handle_input(SubmitTx(0, f"{i}-{k}".encode()))
    net.run(40)
    seqs = {i: [(c.index, c.leader.digest) for c in commits(net.outputs[i])] for i in net.ids}
    assert len(seqs["a"]) >= 5
    shortest = min(len(s) for s in seqs.values())
    assert all(s[:shortest] == seqs["a"][:shortest] for s in seqs.values())
    txs = [tx for c in commits(net.outputs["a"]) for b in c.batches for tx in b.txs]
    assert len(txs) == len(set(txs)) == 100  # every submitted transaction, once
    assert all(not f for f in net.faults.values())


def test_garbage_bytes_are_a_fault_not_an_exception() -> None:
    net = Network()
    e = net.engines["a"]
    for data in (
        b"",
        b"\xff" * 10,
        b"\x93\x01\x02\x03",
        encode(BatchMsg(Batch.create("b", 0, 1, ())))[:-1],
    ):
        step = e.handle_message("b", data)
        assert [f.kind for f in step.faults] == [FaultKind.MALFORMED]
        assert step.messages == []


def test_bad_signature_and_spoofing_and_non_member_are_faults() -> None:
    net = Network()
    e = net.engines["a"]
    h = signed_header(net, "b", 1)
    bad = h.with_signature(bytes(64))
    assert [f.kind for f in e.handle_message("b", encode(HeaderMsg(bad))).faults] == [
        FaultKind.BAD_SIGNATURE
    ]
    assert [f.kind for f in e.handle_message("c", encode(HeaderMsg(h))).faults] == [
        FaultKind.SPOOFED
    ]
    stranger = Header("zz", 1, 0, (), (), b"", Header.body_digest("zz", 1, 0, (), ()))
    assert [f.kind for f in e.handle_message("zz", encode(HeaderMsg(stranger))).faults] == [
        FaultKind.NOT_MEMBER
    ]


def test_equivocation_is_a_fault_with_both_headers_as_evidence_and_one_vote() -> None:
    net = Network()
    e = net.engines["a"]
    h1 = signed_header(net, "b", 1)
    h2 = signed_header(net, "b", 1, payload=[(0, bytes(32))])
    s1 = e.handle_message("b", encode(HeaderMsg(h1)))
    assert any(isinstance(o.message, VoteMsg) for o in s1.messages)
    s2 = e.handle_message("b", encode(HeaderMsg(h2)))
    assert [f.kind for f in s2.faults] == [FaultKind.EQUIVOCATION]
    assert s2.faults[0].evidence == (h1, h2)
    assert not any(isinstance(o.message, VoteMsg) for o in s2.messages)


def test_far_future_header_is_ignored_without_memory() -> None:
    net = Network()
    e = net.engines["a"]
    before = e.memory_footprint()
    e.handle_tick(0)  # proposes round 1
    before = e.memory_footprint()
    step = e.handle_message(
        "b", encode(HeaderMsg(signed_header(net, "b", 10_000, parents=[bytes(32)])))
    )
    assert step.faults == [] and step.messages == []
    assert e.memory_footprint() == before


def test_no_second_vote_in_a_round_after_restart() -> None:
    net = Network()
    h1 = signed_header(net, "b", 1)
    h2 = signed_header(net, "b", 1, payload=[(0, bytes(32))])
    first = net.engines["a"].handle_message("b", encode(HeaderMsg(h1)))
    vote = [o.message for o in first.messages if isinstance(o.message, VoteMsg)]
    assert len(vote) == 1
    restarted = net.make("a")  # same storage, fresh memory
    same = restarted.handle_message("b", encode(HeaderMsg(h1)))
    resent = [o.message for o in same.messages if isinstance(o.message, VoteMsg)]
    assert resent == vote  # the identical vote, not a new one
    other = net.make("a")  # restart again: no memory of h1 except the stored vote
    again = other.handle_message("b", encode(HeaderMsg(h2)))
    assert not any(isinstance(o.message, VoteMsg) for o in again.messages)


def test_restarted_engine_keeps_its_proposal_and_continues() -> None:
    net = Network()
    net.run(6)
    a = net.engines["a"]
    own = a.header
    assert own is not None
    net.engines["a"] = net.make("a")
    assert net.engines["a"].header == own
    assert net.engines["a"].proposed_round == own.round
    before = len(commits(net.outputs["b"]))
    net.run(30)
    assert len(commits(net.outputs["b"])) > before
    idx = [c.index for c in commits(net.outputs["a"])]
    assert idx == list(range(1, len(idx) + 1))  # commit indices continue across the restart


def test_vote_waits_for_batches_and_parents() -> None:
    net = Network()
    e = net.engines["a"]
    batch = Batch.create("b", 0, 1, (b"tx",))
    h = signed_header(net, "b", 1, payload=[(0, batch.digest)])
    e.handle_tick(0)  # proposes round 1
    step = e.handle_message("b", encode(HeaderMsg(h)))
    assert [type(o.message) for o in step.messages] == [BatchRequest]
    step = e.handle_message("b", encode(BatchMsg(batch)))
    assert any(isinstance(o.message, VoteMsg) for o in step.messages)

    h3 = signed_header(net, "c", 2, parents=[bytes([1]) * 32, bytes([2]) * 32, bytes([3]) * 32])
    step = e.handle_message("c", encode(HeaderMsg(h3)))
    reqs = [o.message for o in step.messages if isinstance(o.message, CertificateRequest)]
    assert len(reqs) == 1 and len(reqs[0].digests) == 3
    assert not any(isinstance(o.message, VoteMsg) for o in step.messages)


def test_crashed_validator_catches_up_from_peers() -> None:
    net = Network()
    net.run(10)
    net.run(40, down=["d"])
    assert len(commits(net.outputs["d"])) < len(commits(net.outputs["a"]))
    net.run(40)
    a = [(c.index, c.leader.digest) for c in commits(net.outputs["a"])]
    d = [(c.index, c.leader.digest) for c in commits(net.outputs["d"])]
    assert len(d) > 10
    assert d == a[: len(d)]


def test_certificate_verdict_is_whether_a_quorum_of_valid_votes_exists() -> None:
    from consensus.committee import CommitteeSchedule
    from consensus.crypto import CachingVerifier, Ed25519Verifier
    from consensus.types import Certificate, vote_signing_bytes
    from consensus.validation import check_certificate

    net = Network()
    h = signed_header(net, "b", 1)
    votes = [(v, net.signers[v].sign(vote_signing_bytes(h.digest))) for v in net.ids]
    schedule = CommitteeSchedule(net.committee)
    one_bad = Certificate(h, ((votes[0][0], bytes(64)), *votes[1:]))
    assert check_certificate(one_bad, schedule, CachingVerifier(Ed25519Verifier()), 8, "x") is None
    two_bad = Certificate(h, ((votes[0][0], bytes(64)), (votes[1][0], bytes(64)), *votes[2:]))
    fault = check_certificate(two_bad, schedule, CachingVerifier(Ed25519Verifier()), 8, "x")
    assert fault is not None and fault.kind is FaultKind.BAD_SIGNATURE
    short = Certificate(h, tuple(votes[:2]))
    fault = check_certificate(short, schedule, Ed25519Verifier(), 8, "x")
    assert fault is not None and fault.kind is FaultKind.NO_QUORUM


def test_without_autoflush_writes_wait_for_flush_and_reads_see_them() -> None:
    net = Network()
    a = net.engines["a"]
    a.autoflush = False
    h1 = signed_header(net, "b", 1)
    first = a.handle_message("b", encode(HeaderMsg(h1)))
    assert any(isinstance(o.message, VoteMsg) for o in first.messages)
    assert net.make("a").store.last_vote("b") is None  # not written yet
    again = a.handle_message("b", encode(HeaderMsg(h1)))  # reads its own buffered vote
    votes = [o.message for o in first.messages if isinstance(o.message, VoteMsg)]
    assert [o.message for o in again.messages if isinstance(o.message, VoteMsg)] == votes
    a.flush()
    assert net.make("a").store.last_vote("b") == (1, h1.digest)


def test_batches_travel_with_their_header_and_votes_acknowledge_them() -> None:
    # ADR 0079: a sealed batch is not sent on its own and nobody acknowledges it; the
    # author sends it just ahead of the header that lists it, and a peer stores it
    # (reporting BatchStored once) and votes.
    net = Network()
    a, b = net.engines["a"], net.engines["b"]
    steps = [a.handle_input(SubmitTx(0, f"tx-{k}".encode())) for k in range(10)]
    assert all(s.messages == [] for s in steps[:-1])
    step = steps[-1]  # batch_max_txs = 10: sealed, and round 1 proposed at once
    digest = a.header.payload[0][1]
    kinds = [(type(o.message), o.to) for o in step.messages]
    assert kinds == [(BatchMsg, None), (HeaderMsg, None)]
    batch_msg, header_msg = (o.message for o in step.messages)
    assert batch_msg.batch.digest == digest
    assert header_msg.header.payload == ((0, digest),)

    b.handle_tick(0)  # b proposes its own round 1 first
    got = b.handle_message("a", encode(batch_msg))
    assert got.messages == []  # no acknowledgement
    assert [type(o) for o in got.outputs] == [BatchStored]
    assert got.outputs[0].batch.digest == digest
    again = b.handle_message("a", encode(batch_msg))
    assert again.messages == [] and again.outputs == []  # reported once
    vote = b.handle_message("a", encode(header_msg))
    assert [type(o.message) for o in vote.messages if o.to == "a"] == [VoteMsg]

    # A batch sealed while no header can be proposed (round 2 needs a quorum of round 1)
    # waits in the queue: nothing is sent.
    later = [a.handle_input(SubmitTx(0, f"tx2-{k}".encode())) for k in range(10)]
    assert all(s.messages == [] for s in later)
    assert len(a.book.ready) == 1


def test_header_resent_to_non_voters_carries_its_batches() -> None:
    net = Network()
    a = net.engines["a"]
    for k in range(10):
        a.handle_input(SubmitTx(0, f"tx-{k}".encode()))
    a.handle_tick(0)
    retry = a.handle_tick(net.config("a").retry_ms)  # no votes arrived
    sent = [(type(o.message), o.to) for o in retry.messages if o.to is not None]
    for peer in ("b", "c", "d"):
        mine = [kind for kind, to in sent if to == peer]
        assert mine == [BatchMsg, HeaderMsg]


def test_stale_batch_ack_from_an_old_peer_is_a_malformed_fault() -> None:
    net = Network()
    step = net.engines["a"].handle_message("b", msgpack.packb([2, bytes(32)]))
    assert [f.kind for f in step.faults] == [FaultKind.MALFORMED]
    assert step.messages == [] and step.outputs == []


def test_a_header_seals_and_carries_what_the_lanes_hold() -> None:
    # Fewer transactions than batch_max_txs and long before batch_timeout_ms: the header
    # still takes them (one batch per non-empty lane), so no transaction waits for a timer.
    net = Network()
    a = net.engines["a"]
    for k in range(3):
        assert a.handle_input(SubmitTx(0, f"tx-{k}".encode())).messages == []
    step = a.handle_tick(1)  # well before the lane's 30 ms timer
    batches = [o.message.batch for o in step.messages if isinstance(o.message, BatchMsg)]
    assert [b.txs for b in batches] == [(b"tx-0", b"tx-1", b"tx-2")]
    (header,) = [o.message.header for o in step.messages if isinstance(o.message, HeaderMsg)]
    assert header.payload == ((0, batches[0].digest),)
    assert len(a.lanes[0]) == 0
