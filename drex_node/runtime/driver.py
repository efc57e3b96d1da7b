"""The consensus driver: feeds the sans-IO engine and performs every effect it returns.

One asyncio task consumes peer messages (bounded queue), one ticks the clock. Each engine
call is synchronous and returns a ``Step``: messages go to the transport (already durable:
the engine flushed its storage), committed sub-DAGs go to the ledger as blocks, faults are
counted and logged. Header pacing adapts to load: rounds advance quickly while there is
payload in flight and slowly when the network is idle, so idle nodes use little CPU.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from consensus.codec import encode
from consensus.engine import Engine, SubmitTx
from consensus.step import CommittedSubDag, Step
from consensus.types import Message
from drex_node.config.model import ConsensusSection
from drex_node.metrics import NodeMetrics
from drex_node.runtime.blocks import Candidate, from_subdag
from drex_node.runtime.transport import Transport

log = logging.getLogger("drex_node.driver")
INBOUND = 20_000
DRAIN = 512


class ConsensusDriver:
    """Owns one engine; every engine call happens on the event loop thread."""

    def __init__(
        self,
        engine: Engine,
        transport: Transport,
        on_block: Callable[[Candidate], Awaitable[bool]],
        config: ConsensusSection,
        metrics: NodeMetrics,
    ) -> None:
        self.engine = engine
        self.transport = transport
        self.on_block = on_block
        self.config = config
        self.metrics = metrics
        self.inbound: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(INBOUND)
        self.blocks: asyncio.Queue[Candidate] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._t0 = time.monotonic()
        self._delay = -1
        self._busy = False

    def now_ms(self) -> int:
        """The engine's clock: milliseconds since the driver started (monotonic)."""
        return int((time.monotonic() - self._t0) * 1000)

    # ---- inputs ----------------------------------------------------------------------------
    async def deliver(self, sender: str, payload: bytes) -> None:
        """A message from an authenticated peer (waits while the queue is full)."""
        await self.inbound.put((sender, payload))

    def submit(self, partition: int, tx: bytes) -> None:
        """Hand an admitted transaction to the lane of its partition."""
        self._perform(self.engine.handle_input(SubmitTx(partition, tx)))

    # ---- effects ---------------------------------------------------------------------------
    def _perform(self, step: Step) -> None:
        encoded: dict[int, bytes] = {}
        for out in step.messages:
            msg: Message = out.message
            key = id(msg)
            payload = encoded.get(key)
            if payload is None:
                payload = encoded[key] = encode(msg)
            if out.to is None:
                self.transport.broadcast(payload)
            else:
                self.transport.send(out.to, payload)
        for item in step.outputs:
            if isinstance(item, CommittedSubDag):
                self.blocks.put_nowait(from_subdag(item))
            else:
                log.info(
                    "committee of epoch %d scheduled from round %d",
                    item.committee.epoch,
                    item.first_round,
                )
        for fault in step.faults:
            self.metrics.faults.labels(str(fault.kind)).inc()
            log.warning("peer fault: %s %s %s", fault.peer, fault.kind, fault.detail)

    def _pace(self) -> None:
        e = self.engine
        busy = bool(e.ready or e.unacked or any(len(lane) for lane in e.lanes.values()))
        busy = busy or any(c.header.payload for c in e.own_unordered.values())
        if not busy:
            top = e.dag.highest_round
            for r in (top, top - 1):
                if any(c.header.payload for c in e.dag.round(r).values()):
                    busy = True
                    break
        self._busy = busy
        delay = self.config.header_delay_ms if busy else self.config.idle_header_delay_ms
        if delay != self._delay:
            self._delay = delay
            e.cfg = e.cfg.with_(min_header_delay_ms=delay)

    # ---- loops -----------------------------------------------------------------------------
    async def _consume(self) -> None:
        while True:
            sender, payload = await self.inbound.get()
            self._perform(self.engine.handle_message(sender, payload))
            for _ in range(DRAIN):
                try:
                    sender, payload = self.inbound.get_nowait()
                except asyncio.QueueEmpty:
                    break
                self._perform(self.engine.handle_message(sender, payload))
            if self._busy:  # propose as soon as a quorum is there, not at the next tick
                self._perform(self.engine.handle_tick(self.now_ms()))
            while self.blocks.qsize() > 64:
                await asyncio.sleep(0.005)
            await asyncio.sleep(0)

    async def _tick(self) -> None:
        idle, busy = self.config.tick_ms / 1000, self.config.busy_tick_ms / 1000
        while True:
            self._pace()
            self._perform(self.engine.handle_tick(self.now_ms()))
            self.metrics.rounds.set(self.engine.dag.highest_round)
            self.metrics.inbound_queue.set(self.inbound.qsize())
            self.transport.report()
            await asyncio.sleep(busy if self._busy else idle)

    async def _commit(self) -> None:
        while True:
            cand = await self.blocks.get()
            await self.on_block(cand)

    def start(self) -> None:
        """Start the consumer, ticker and block tasks."""
        self._tasks = [
            asyncio.create_task(self._consume(), name="engine-consume"),
            asyncio.create_task(self._tick(), name="engine-tick"),
            asyncio.create_task(self._commit(), name="engine-commit"),
        ]

    async def stop(self) -> None:
        """Cancel the tasks."""
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
