"""Follower sync against upstreams that lie, skip, fail or stall: a block must extend the
chain (anchor round after the previous block's, no certificate committed again), the next
height only, every upstream tried in turn, and a silent upstream left while another has
the next block. A real LedgerCore over RocksDB, real certificates, a faked gRPC stream."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from consensus.committee import CommitteeSchedule
from consensus.step import CommittedSubDag
from consensus.types import Certificate
from drex_node.genesis import parse_genesis
from drex_node.genesis.dev import dev_genesis
from drex_node.metrics import NodeMetrics
from drex_node.policy.host import load_registry
from drex_node.runtime import blocksync
from drex_node.runtime.blocks import BlockCheckError, from_subdag
from drex_node.runtime.blocksync import BlockSync, UpstreamFailed
from drex_node.runtime.ledger_core import LedgerCore
from drex_node.runtime.pending import PendingTable
from drex_node.runtime.sigpool import SignatureVerifier
from drex_node.storage.rocks import RocksStore
from tests.unit.runtime.test_blocks import cert, committee

METRICS = NodeMetrics()
SCHEDULE = CommitteeSchedule(committee())


def at(author: str, round_: int) -> Certificate:
    """A certificate of ``round_`` with a quorum of parents (digests the check does not
    look up)."""
    parents = () if round_ == 1 else tuple(bytes([round_ - 1, i]) * 16 for i in range(3))
    return cert(author, round_, (), parents=parents)


def sub(k: int, extra: tuple[Certificate, ...] = ()) -> CommittedSubDag:
    """Block ``k`` of an honest chain: round ``2k - 1`` certificates of a, b, c and the
    scheduled anchor of round ``2k``; ``extra`` certificates go first (a liar's)."""
    c = committee()
    first = [at(a, 2 * k - 1) for a in "abc"]
    parents = tuple(sorted(x.digest for x in first))
    leader = cert(c.leader(2 * k), 2 * k, (), parents=parents)
    return CommittedSubDag(k, leader, (*extra, *first, leader), ())


def streamed(s: CommittedSubDag, height: int | None = None) -> SimpleNamespace:
    rec = from_subdag(s).record
    return SimpleNamespace(
        height=s.index if height is None else height,
        leader_round=rec.leader_round,
        certificates=list(rec.certificates),
        batches=list(rec.batches),
        state_root=b"",
    )


class Call:
    """A faked StreamCommitted call: ``items``, then the end or (``stall``) nothing."""

    def __init__(self, items: list[Any], stall: bool = False, delay: float = 0.0) -> None:
        self.items, self.stall, self.delay = list(items), stall, delay

    def __aiter__(self) -> Call:
        return self

    async def __anext__(self) -> Any:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.items:
            return self.items.pop(0)
        if self.stall:
            await asyncio.Event().wait()
        raise StopAsyncIteration

    def cancel(self) -> None:
        pass


Plan = dict[str, Callable[[Any], Any]]


@pytest.fixture
def plan(monkeypatch: pytest.MonkeyPatch) -> Plan:
    """What each upstream address answers to StreamCommitted(request)."""
    answers: Plan = {}

    class Stub:
        def __init__(self, channel: str) -> None:
            self.address = channel

        def StreamCommitted(self, req: Any) -> Any:
            return answers[self.address](req)

    @contextlib.asynccontextmanager
    async def channel(address: str, _credentials: object) -> AsyncIterator[str]:
        yield address

    monkeypatch.setattr(blocksync, "secure_channel", channel)
    monkeypatch.setattr(blocksync, "consensus_pb2_grpc", SimpleNamespace(ConsensusStub=Stub))
    return answers


def honest(chain: list[CommittedSubDag], stall: bool = True) -> Callable[[Any], Call]:
    """An honest upstream: the chain from the height asked for."""
    return lambda req: Call([streamed(s) for s in chain if s.index >= req.from_height], stall=stall)


def open_core(path: Path) -> tuple[LedgerCore, RocksStore]:
    store = RocksStore(path / "db")
    doc, _ = dev_genesis()
    core = LedgerCore(
        store,
        parse_genesis(doc),
        load_registry(),
        SignatureVerifier(0),
        PendingTable(100, 10.0),
        METRICS,
    )
    return core, store


@pytest.fixture
def core(tmp_path: Path) -> Iterator[LedgerCore]:
    c, store = open_core(tmp_path)
    yield c
    c.close()
    store.close()


def sync(core: LedgerCore, upstream: list[str]) -> BlockSync:
    return BlockSync(core, upstream, None, lambda: SCHEDULE, METRICS)  # type: ignore[arg-type]


# ---- 1. a block must extend the chain ----------------------------------------------------
def test_one_anchor_streamed_as_several_heights_is_applied_once(
    plan: Plan, core: LedgerCore
) -> None:
    one = sub(1)
    plan["liar"] = lambda req: Call([streamed(one, h) for h in (1, 2, 3)])
    with pytest.raises(UpstreamFailed, match="anchor round 2 not after round 2"):
        asyncio.run(sync(core, ["liar"])._stream("liar", None))
    assert core.height == 1


def test_a_block_that_does_not_extend_the_chain_changes_nothing(core: LedgerCore) -> None:
    b1, b2 = from_subdag(sub(1)), from_subdag(sub(2))

    async def scenario() -> None:
        assert await core.commit_peer(b1) and await core.commit_peer(b2)
        root = core.root
        older = from_subdag(CommittedSubDag(3, *_rest(sub(1))))
        # An older anchor (round 2 after round 4), the same anchor again, a certificate
        # committed in block 2 under a new anchor, and one below the GC round.
        again = CommittedSubDag(3, *_rest(sub(2)))
        recommit = sub(3, extra=(at("d", 3),))  # d of round 3: new, allowed
        reused = sub(4, extra=(sub(2).certificates[0],))  # a of round 3: in block 2
        for bad, why in (
            (older, "anchor round 2 not after round 4"),
            (from_subdag(again), "anchor round 4 not after round 4"),
            (from_subdag(CommittedSubDag(3, *_rest(reused))), "already committed"),
        ):
            with pytest.raises(BlockCheckError, match=why):
                await core.commit_peer(bad)
            assert core.height == 2 and core.root == root
        assert await core.commit_peer(from_subdag(CommittedSubDag(3, *_rest(recommit))))
        core.gc_depth = 4  # block 4 follows round 6: certificates of round 2 and below are old
        low = sub(4, extra=(at("d", 1),))
        with pytest.raises(BlockCheckError, match="GC round 2"):
            await core.commit_peer(from_subdag(low))
        assert core.height == 3

    asyncio.run(scenario())


def _rest(s: CommittedSubDag) -> tuple[Any, Any, Any]:
    return s.leader, s.certificates, s.batches


def test_recently_committed_certificates_are_known_again_after_a_restart(
    tmp_path: Path,
) -> None:
    core, store = open_core(tmp_path)
    asyncio.run(core.commit_peer(from_subdag(sub(1))))
    asyncio.run(core.commit_peer(from_subdag(sub(2))))
    known = dict(core.recent)
    core.close()
    store.close()
    core, store = open_core(tmp_path)
    try:
        assert core.height == 2 and core.recent == known and len(known) == 8
        reused = sub(3, extra=(sub(2).certificates[1],))
        with pytest.raises(BlockCheckError, match="already committed"):
            asyncio.run(core.commit_peer(from_subdag(reused)))
        assert core.height == 2
    finally:
        core.close()
        store.close()


def test_honest_chain_applies_through_sync_and_engine_alike(plan: Plan, tmp_path: Path) -> None:
    chain = [sub(k) for k in range(1, 6)]
    plan["good"] = honest(chain, stall=False)
    a, sa = open_core(tmp_path / "a")
    b, sb = open_core(tmp_path / "b")
    try:
        with pytest.raises(UpstreamFailed, match="stream ended"):
            asyncio.run(sync(a, ["good"])._stream("good", None))

        async def engine() -> None:
            for s in chain:
                assert await b.commit(from_subdag(s))

        asyncio.run(engine())
        assert a.height == b.height == 5 and a.root == b.root
        assert a.record(5) == b.record(5)
    finally:
        for c, s in ((a, sa), (b, sb)):
            c.close()
            s.close()


# ---- 2. the next height only -------------------------------------------------------------
def test_a_follow_stream_that_skips_a_height_is_left_at_once(plan: Plan, core: LedgerCore) -> None:
    plan["gappy"] = lambda req: Call([streamed(sub(k)) for k in range(2, 40)], stall=True)

    async def scenario() -> None:
        with pytest.raises(UpstreamFailed, match="sent height 2, expected 1"):
            await asyncio.wait_for(sync(core, ["gappy"])._stream("gappy", None), 3)

    asyncio.run(scenario())
    assert core.height == 0


def test_a_catch_up_is_not_held_open_by_an_upstream_dripping_gapped_blocks(
    plan: Plan, core: LedgerCore
) -> None:
    plan["liar"] = lambda req: Call(
        [streamed(sub(k)) for k in range(2, 100)], stall=True, delay=0.1
    )
    plan["good"] = honest([sub(1)])

    async def scenario() -> None:
        s = sync(core, ["liar", "good"])
        core.on_gap = lambda _h: s.trigger()
        s.trigger()
        assert s._catchup is not None
        await asyncio.wait_for(asyncio.shield(s._catchup), 5)
        await s.stop()

    asyncio.run(scenario())
    assert core.height == 1


# ---- 3. every upstream is tried -----------------------------------------------------------
def test_catch_up_goes_on_after_an_upstream_sends_a_bad_block(plan: Plan, core: LedgerCore) -> None:
    bad = streamed(sub(1))
    bad.leader_round = 4
    plan["bad"] = lambda req: Call([bad], stall=True)
    plan["good"] = honest([sub(1)])
    assert asyncio.run(sync(core, ["bad", "good"]).catch_up(0.3)) == 1
    assert core.height == 1


def test_catch_up_goes_on_after_an_upstream_raises(plan: Plan, core: LedgerCore) -> None:
    def boom(_req: Any) -> Any:
        raise ConnectionResetError("reset")

    plan["bad"] = boom
    plan["good"] = honest([sub(1)])
    assert asyncio.run(sync(core, ["bad", "good"]).catch_up(0.3)) == 1
    assert core.height == 1


# ---- 4. a silent upstream is left while another has the next block ------------------------
@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocksync, "STALL_S", 0.2)
    monkeypatch.setattr(blocksync, "PROBE_S", 0.2)


@pytest.mark.usefixtures("quick")
def test_a_follower_leaves_a_silent_upstream_when_another_has_the_next_block(
    plan: Plan, core: LedgerCore
) -> None:
    plan["silent"] = lambda req: Call([], stall=True)
    plan["good"] = honest([sub(1), sub(2)])

    async def scenario() -> None:
        s = sync(core, ["silent", "good"])
        s.start_following()
        assert await core.wait_height(2, 5.0)
        await s.stop()

    asyncio.run(scenario())
    assert core.height == 2


@pytest.mark.usefixtures("quick")
def test_an_idle_network_does_not_make_a_follower_switch(plan: Plan, core: LedgerCore) -> None:
    plan["a"] = honest([sub(1)])
    plan["b"] = honest([sub(1)])

    async def scenario() -> int:
        s = sync(core, ["a", "b"])
        task = asyncio.create_task(s._stream("a", None))
        await asyncio.sleep(2.0)  # several stall periods, nobody has height 2
        assert not task.done()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return s._next

    assert asyncio.run(scenario()) == 0
    assert core.height == 1
