"""The driver's inbound queue is bounded by bytes (all peers, and each peer's share) as well
as by count, with backpressure: a deliver past a budget waits, nothing is dropped. The
consumer also yields to the event loop once a group has taken ``DRAIN_S``."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from consensus.step import Step
from drex_node.config.model import ConsensusSection
from drex_node.metrics import NodeMetrics
from drex_node.runtime import driver as driver_mod
from drex_node.runtime.driver import ConsensusDriver
from tests.unit.consensus.consensus_dagkit import Network


async def _no_block(_cand: Any) -> bool:
    return True


def _driver(budget: int) -> ConsensusDriver:
    net = Network()  # a committee of 4: a peer's share is budget // 4
    d = ConsensusDriver(
        net.engines["b"],
        storage=None,  # type: ignore[arg-type]
        transport=None,  # type: ignore[arg-type]
        on_block=_no_block,
        config=ConsensusSection(),
        metrics=NodeMetrics(),
    )
    d.inbound_bytes = budget
    d._io.shutdown(wait=False)
    return d


async def _blocked(coro: Any) -> asyncio.Task[None]:
    task = asyncio.ensure_future(coro)
    for _ in range(5):
        await asyncio.sleep(0)
    assert not task.done()
    return task


def test_a_peer_waits_beyond_its_share_while_others_go_on() -> None:
    async def run() -> None:
        d = _driver(400)  # share 100
        await d.deliver("a", b"x" * 60)
        waiting = await _blocked(d.deliver("a", b"y" * 60))  # 120 > share
        await d.deliver("c", b"z" * 90)  # another peer is not held up
        assert d.inbound.qsize() == 2
        assert d._next_nowait() == ("a", b"x" * 60)  # consumer frees a's bytes
        await asyncio.wait_for(waiting, 1)
        assert [d._next_nowait() for _ in range(2)] == [("c", b"z" * 90), ("a", b"y" * 60)]
        assert d._queued == 0 and d._held == {}

    asyncio.run(run())


def test_the_total_budget_holds_across_peers() -> None:
    async def run() -> None:
        d = _driver(400)
        for p in "acd":
            await d.deliver(p, b"." * 100)
        await d.deliver("b", b"." * 80)
        waiting = await _blocked(d.deliver("e", b"." * 50))  # 430 > 400
        d._next_nowait()
        await asyncio.wait_for(waiting, 1)
        assert d._queued == 330 and d.inbound.qsize() == 4

    asyncio.run(run())


def test_one_message_larger_than_a_share_still_goes_through() -> None:
    async def run() -> None:
        d = _driver(400)
        await asyncio.wait_for(d.deliver("a", b"." * 150), 1)  # > share 100, a held nothing
        await asyncio.wait_for(d.deliver("c", b"." * 100), 1)
        await _blocked(d.deliver("a", b"."))  # a is past its share now
        d._next_nowait()
        d._next_nowait()
        d2 = _driver(400)
        await asyncio.wait_for(d2.deliver("a", b"." * 1000), 1)  # > budget, queue empty

    asyncio.run(run())


def test_a_cancelled_deliver_keeps_no_bytes() -> None:
    async def run() -> None:
        d = _driver(400)
        d.inbound = asyncio.Queue(1)  # full by count after one message
        await d.deliver("a", b"." * 10)
        waiting = await _blocked(d.deliver("c", b"." * 10))
        assert d._queued == 20
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert d._queued == 10 and d._held == {"a": 10}

    asyncio.run(run())


def test_consumer_frees_bytes_and_yields_after_its_time_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(driver_mod, "DRAIN_S", 0.005)

    async def run() -> None:
        d = _driver(1 << 20)
        handled: list[bytes] = []
        groups: list[int] = []

        def slow(_sender: str, payload: bytes) -> Step:
            time.sleep(0.002)  # an expensive message
            handled.append(payload)
            return Step()

        d.engine.handle_message = slow  # type: ignore[method-assign]
        d._flush = lambda: groups.append(len(handled))  # type: ignore[method-assign]
        for k in range(40):
            await d.deliver("a", bytes([k]))
        task = asyncio.create_task(d._consume())
        while len(handled) < 40:
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert handled == [bytes([k]) for k in range(40)]  # all, in order
        # every group ends (is flushed) within the time budget: a few messages, not 40
        assert len(groups) >= 5 and groups[0] <= 5
        assert d._queued == 0 and d._held == {}

    asyncio.run(run())
