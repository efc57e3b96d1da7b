"""Byzantine batches: fetched batches obey the lane limits, junk never reaches the disk,
and a small request cannot demand an answer larger than the requester may decode."""

from __future__ import annotations

from consensus_dagkit import Network

from consensus.codec import Limits, decode, encode
from consensus.step import BatchStored, FaultKind
from consensus.types import (
    Batch,
    BatchMsg,
    BatchRequest,
    BatchResponse,
    Header,
    HeaderMsg,
    VoteMsg,
    header_signing_bytes,
)


def signed_header(net: Network, author: str, round_: int, parents=(), payload=()) -> Header:
    digest = Header.body_digest(author, round_, 0, tuple(parents), tuple(payload))
    sig = net.signers[author].sign(header_signing_bytes(digest))
    return Header(author, round_, 0, tuple(parents), tuple(payload), sig, digest)


def votes(step) -> list[VoteMsg]:
    return [o.message for o in step.messages if isinstance(o.message, VoteMsg)]


def stored_batches(net: Network, me: str) -> list[bytes]:
    return [k for k in net.storages[me].data if k.startswith(b"batch/")]


def test_fetched_oversized_batch_is_refused_like_a_direct_one() -> None:
    net = Network()
    a = net.engines["a"]
    limit = net.config("a").batch_max_txs * 2
    big = Batch.create("b", 0, 1, tuple(b"t%d" % k for k in range(limit + 1)))
    direct = a.handle_message("b", encode(BatchMsg(big)))
    assert [f.kind for f in direct.faults] == [FaultKind.TOO_LARGE]

    a.handle_tick(0)
    h = signed_header(net, "b", 1, payload=[(0, big.digest)])
    step = a.handle_message("b", encode(HeaderMsg(h)))
    assert [type(o.message) for o in step.messages] == [BatchRequest]
    got = a.handle_message("c", encode(BatchResponse((big,))))
    assert [f.kind for f in got.faults] == [FaultKind.TOO_LARGE]
    assert got.faults[0].peer == "c"
    assert votes(got) == [] and got.outputs == []
    assert a.batch(big.digest) is None and stored_batches(net, "a") == []


def test_fetched_batch_of_unknown_partition_or_non_member_is_refused() -> None:
    net = Network()
    a = net.engines["a"]
    a.handle_tick(0)
    odd = Batch.create("b", 7, 1, (b"tx",))
    stranger = Batch.create("zed", 0, 1, (b"tx",))
    h = signed_header(net, "b", 1, payload=[(7, odd.digest), (0, stranger.digest)])
    a.handle_message("b", encode(HeaderMsg(h)))
    got = a.handle_message("b", encode(BatchResponse((odd, stranger))))
    assert sorted(f.kind for f in got.faults) == [FaultKind.MALFORMED, FaultKind.NOT_MEMBER]
    assert a.batch(odd.digest) is None and a.batch(stranger.digest) is None


def test_unrequested_fetched_batch_is_ignored_and_a_requested_one_is_kept() -> None:
    net = Network()
    a = net.engines["a"]
    a.handle_tick(0)
    junk = Batch.create("b", 0, 9, (b"junk",))
    got = a.handle_message("b", encode(BatchResponse((junk,))))
    assert got.outputs == [] and a.batch(junk.digest) is None

    good = Batch.create("b", 0, 1, (b"tx",))
    h = signed_header(net, "b", 1, payload=[(0, good.digest)])
    a.handle_message("b", encode(HeaderMsg(h)))
    got = a.handle_message("c", encode(BatchResponse((good,))))
    assert [type(o) for o in got.outputs] == [BatchStored] and len(votes(got)) == 1
    assert stored_batches(net, "a") == [b"batch/" + good.digest]


def test_unreferenced_batches_never_reach_storage_and_leave_memory_at_gc() -> None:
    net = Network()
    a = net.engines["a"]
    for k in range(50):
        a.handle_message("b", encode(BatchMsg(Batch.create("b", 0, 1000 + k, (b"junk",)))))
    assert len(a.book) == 50
    assert stored_batches(net, "a") == []
    net.run(60)  # rounds advance and garbage collection passes the junk's round
    assert a.dag.gc_round > 0
    junk = {Batch.create("b", 0, 1000 + k, (b"junk",)).digest for k in range(50)}
    assert not junk & set(a.book.batches)
    assert not {b"batch/" + d for d in junk} & set(stored_batches(net, "a"))
    assert a.book.per_author.get("b", 0) == 0


def test_batch_is_durable_before_the_vote_that_acknowledges_it() -> None:
    net = Network()
    a = net.engines["a"]
    a.handle_tick(0)
    batch = Batch.create("b", 0, 1, (b"tx",))
    a.handle_message("b", encode(BatchMsg(batch)))
    assert stored_batches(net, "a") == []
    step = a.handle_message(
        "b", encode(HeaderMsg(signed_header(net, "b", 1, [], [(0, batch.digest)])))
    )
    assert len(votes(step)) == 1
    assert stored_batches(net, "a") == [b"batch/" + batch.digest]
    assert net.make("a").batch(batch.digest) == batch  # survives a restart


def test_batch_answer_fits_the_requesters_decode_limit() -> None:
    limits = Limits(max_message_bytes=1024 * 1024)
    net = Network(limits=limits)
    a = net.engines["a"]
    tx = bytes(50_000)
    batches = [Batch.create("b", 0, k, (tx + bytes([k]), tx)) for k in range(40)]
    for b in batches:
        a.handle_message("b", encode(BatchMsg(b)))
    request = BatchRequest(tuple(b.digest for b in batches))
    assert len(encode(request)) < 2000
    step = a.handle_message("c", encode(request))
    [out] = step.messages
    raw = encode(out.message)
    assert len(raw) <= limits.max_message_bytes
    answer = decode(raw, limits)
    assert isinstance(answer, BatchResponse)
    assert 1 <= len(answer.batches) < 40
    assert [b.digest for b in answer.batches] == list(request.digests[: len(answer.batches)])
