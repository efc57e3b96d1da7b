"""Byzantine fetch traffic: made-up digests cannot pile up in or crowd out the outstanding
requests, and forged certificates cost little and are not verified twice."""

from __future__ import annotations

import hashlib

from consensus_dagkit import Network

from consensus.codec import encode
from consensus.committee import Committee, CommitteeChange, Validator
from consensus.crypto import Ed25519Verifier
from consensus.engine import ChangeCommittee, Engine
from consensus.step import FaultKind, Step
from consensus.sync import SyncState
from consensus.types import (
    BatchRequest,
    Certificate,
    CertificateResponse,
    Header,
    HeaderMsg,
    header_signing_bytes,
    vote_signing_bytes,
)


def signed_header(net: Network, author: str, round_: int, parents=(), payload=()) -> Header:
    digest = Header.body_digest(author, round_, 0, tuple(parents), tuple(payload))
    sig = net.signers[author].sign(header_signing_bytes(digest))
    return Header(author, round_, 0, tuple(parents), tuple(payload), sig, digest)


def made_up(label: str, k: int, lead: int = 0) -> bytes:
    return bytes([lead]) + hashlib.sha256(f"{label}-{k}".encode()).digest()[1:]


def deliver(net: Network, src: str, step: Step, down: set[str]) -> None:
    net.deliver([(src, step)], down)


def test_made_up_payload_digests_are_bounded_and_dropped_at_gc() -> None:
    # b is Byzantine: every round it sends a with a correctly signed header over real
    # parents that lists 64 batches nobody has. a, c and d make progress without b.
    net = Network()
    a = net.engines["a"]
    down = {"b"}
    sent = 0
    for _ in range(120):
        net.run(1, down=down)
        r = a.dag.highest_round
        parents = tuple(sorted(c.digest for c in a.dag.round(r).values()))
        if r < 1 or (r + 1, "b") in a.seen_headers or len(parents) < 3:
            continue
        payload = [(0, made_up(f"r{r}", k)) for k in range(64)]
        step = a.handle_message(
            "b", encode(HeaderMsg(signed_header(net, "b", r + 1, parents, payload)))
        )
        sent += 1
        deliver(net, "a", step, down)
    assert sent > 30 and a.dag.gc_round > 10
    gc = a.dag.gc_round
    assert all(req.round > gc for req in a.sync.requested.values())
    window = a.dag.highest_round + net.config("a").max_round_ahead - gc
    assert len(a.sync.requested) <= 64 * window
    assert len(a.sync.requested) < 64 * sent // 2


def test_requests_per_peer_are_capped_oldest_dropped() -> None:
    net = Network(max_requests_per_peer=100, max_requests=150)
    a = net.engines["a"]
    a.handle_tick(0)
    h = signed_header(net, "b", 1, payload=[(0, made_up("b", k)) for k in range(64)])
    a.handle_message("b", encode(HeaderMsg(h)))
    for r, peer in ((2, "c"), (3, "b"), (4, "d")):
        parents = [made_up(f"{peer}{r}", k) for k in range(4)]
        a.handle_message(peer, encode(HeaderMsg(signed_header(net, peer, r, parents))))
    state = a.sync
    sources = [req.source for req in state.requested.values()]
    assert sources.count("b") == 68 and sources.count("c") == 4 and sources.count("d") == 4
    state.want_batches([made_up("x", k) for k in range(80)], "b", 0, Step(), 5)
    sources = [req.source for req in state.requested.values()]
    assert sources.count("b") == 100  # the oldest of b's requests made room
    assert sources.count("c") == 4 and sources.count("d") == 4
    state.want_batches([made_up("y", k) for k in range(60)], "d", 0, Step(), 5)
    assert len(state.requested) <= 150
    assert [req.source for req in state.requested.values()].count("c") == 4


def test_retry_sends_the_oldest_requests_first_and_only_marks_what_it_sent() -> None:
    sync = SyncState(100, max_requests_per_peer=10_000, max_requests=10_000)
    real = b"\xff" * 32
    sync.want_batches([real], "b", 0, Step(), 5)
    junk = [made_up("junk", k, lead=0) for k in range(300)]
    sync.want_batches(junk, "b", 10, Step(), 5)
    peers = ["b", "c", "d"]
    step = Step()
    sync.retry(1000, 150, peers, step, 0, lambda d: True)
    to_b = [o.message for o in step.messages if o.to == "b"]
    assert all(isinstance(m, BatchRequest) and len(m.digests) <= 256 for m in to_b)
    sent = {d for m in to_b for d in m.digests}
    assert real in sent  # not crowded out by attacker digests that sort first
    unsent = [d for d in junk if d not in sent]
    assert unsent and all(sync.requested[d].attempts == 0 for d in unsent)
    step = Step()
    sync.retry(1001, 150, peers, step, 0, lambda d: True)  # the rest are still due
    again = {d for o in step.messages if o.to == "b" for d in o.message.digests}
    assert set(unsent) <= again and real not in again


def test_requests_are_given_up_after_max_attempts() -> None:
    sync = SyncState(100, max_attempts=3)
    d = made_up("gone", 0)
    sync.want_batches([d], "b", 0, Step(), 5)
    now = 0
    for _ in range(3):
        now += 200
        sync.retry(now, 150, ["b", "c"], Step(), 0, lambda _: True)
    assert d in sync.requested
    sync.retry(now + 200, 150, ["b", "c"], Step(), 0, lambda _: True)
    assert d not in sync.requested and not sync.by_peer


def test_forged_certificate_is_cheap_to_refuse_and_not_verified_again() -> None:
    net = Network()
    a = Engine(net.config("a"), net.signers["a"], Ed25519Verifier(), net.storages["a"])
    h = signed_header(net, "b", 1)
    forged = Certificate(h, tuple((v, bytes(64)) for v in net.ids))
    before = a.verifier.verified
    step = a.handle_message("b", encode(CertificateResponse((forged,))))
    assert [f.kind for f in step.faults] == [FaultKind.BAD_SIGNATURE]
    first = a.verifier.verified - before
    assert first <= 2  # n = 4, quorum 3: two bad votes leave no quorum possible
    step = a.handle_message("c", encode(CertificateResponse((forged,) * 50)))
    assert a.verifier.verified - before == first  # replays cost no verification
    assert len(step.faults) == 50 and all(f.peer == "c" for f in step.faults)
    # The same header with genuine votes is still accepted.
    good = Certificate(
        h, tuple((v, net.signers[v].sign(vote_signing_bytes(h.digest))) for v in net.ids[:3])
    )
    step = a.handle_message("d", encode(CertificateResponse((good,))))
    assert step.faults == [] and h.digest in a.dag


def test_refused_certificates_are_forgotten_when_the_committee_changes() -> None:
    # Refused against one committee, a certificate may be valid against the next: the
    # memory of refusals must not outlive the committee it was judged by.
    net = Network()
    a = Engine(net.config("a"), net.signers["a"], Ed25519Verifier(), net.storages["a"])
    h = signed_header(net, "b", 1)
    forged = Certificate(h, tuple((v, bytes(64)) for v in net.ids))
    a.handle_message("b", encode(CertificateResponse((forged,))))
    assert a.rejected
    vs = [Validator(i, net.signers[i].public_key, 1) for i in net.ids]
    change = CommitteeChange(Committee.create(1, vs).signed(net.authority))
    step = a.handle_input(ChangeCommittee(change, 4))
    assert step.faults == [] and not a.rejected
