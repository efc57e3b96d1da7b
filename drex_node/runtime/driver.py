"""The consensus driver: feeds the sans-IO engine and performs every effect it returns.

One asyncio task consumes peer messages (bounded queue), one ticks the clock. Each engine
call is synchronous and returns a ``Step``: messages go to the transport once what they
promise is durable (headers, votes and our batches after the group-commit fsync;
certificates and fetch traffic at once, ADR 0086), committed sub-DAGs go to the ledger
as blocks, faults are counted and logged. Header pacing adapts to load: rounds advance
quickly while there is payload in flight and slowly when the network is idle, so idle
nodes use little CPU.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from consensus.codec import encode
from consensus.engine import Engine, Input, SubmitTx
from consensus.pacing import quorum_round
from consensus.step import BatchStored, CommittedSubDag, Step
from consensus.types import (
    BatchRequest,
    BatchResponse,
    CertificateMsg,
    CertificateRequest,
    CertificateResponse,
    Message,
)
from drex_node.config.model import ConsensusSection
from drex_node.metrics import NodeMetrics
from drex_node.runtime.blocks import Candidate, from_subdag
from drex_node.runtime.engine_store import KVEngineStorage
from drex_node.runtime.stages import StageClock
from drex_node.runtime.transport import Transport

log = logging.getLogger("drex_node.driver")
INBOUND = 20_000
# Bytes of queued peer payloads, all peers together: a deliver that would go past it, or
# past its peer's share (this over the committee size), waits as for a full queue. A peer
# with nothing queued may always queue one message (a message may be larger than a share).
INBOUND_BYTES = 128 * 1024 * 1024
DRAIN = 512
# The consumer also stops draining once a group has taken this long (seconds), so a burst
# of expensive messages cannot hold the event loop; the rest waits for the next group.
# Well above what an ordinary group takes, so that groups (one engine write, one fsync,
# one envelope per peer each: ADR 0072) do not get smaller under normal load.
DRAIN_S = 0.02
# Messages that promise nothing this node must remember after a crash go out at once,
# without waiting for the group-commit fsync (ADR 0086): a certificate is valid by its
# quorum of signatures whoever holds it, and requests and responses for certificates and
# batches only ask for or repeat what is already stored. Headers, votes and our own
# batches still wait: a node that forgot them after a restart could contradict itself.
UNDURABLE: tuple[type, ...] = (
    CertificateMsg,
    CertificateRequest,
    CertificateResponse,
    BatchRequest,
    BatchResponse,
)


class ConsensusDriver:
    """Owns one engine; every engine call happens on the event loop thread."""

    def __init__(
        self,
        engine: Engine,
        storage: KVEngineStorage,
        transport: Transport,
        on_block: Callable[[Candidate], Awaitable[bool]],
        config: ConsensusSection,
        metrics: NodeMetrics,
    ) -> None:
        self.engine = engine
        # One storage write per group of engine calls, made in ``_flush`` before the group's
        # messages are handed to the sender (which fsyncs before sending them).
        engine.autoflush = False
        self.storage = storage
        self.transport = transport
        self._outbox: list[tuple[str | None, bytes]] = []
        self._now: list[tuple[str | None, bytes]] = []  # sent without waiting (UNDURABLE)
        self._groups: list[tuple[bool, list[tuple[str | None, bytes]]]] = []
        self._ready = asyncio.Event()
        self._io = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="engine-sync")
        self.on_block = on_block
        self.config = config
        self.metrics = metrics
        self.inbound: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(INBOUND)
        self.inbound_bytes = INBOUND_BYTES
        self._queued = 0  # bytes of the payloads in ``inbound`` (or about to be)
        self._held: dict[str, int] = {}  # the same per sender
        self._space = asyncio.Event()  # set whenever queued bytes are taken
        self.blocks: asyncio.Queue[Candidate] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._t0 = time.monotonic()
        self._delay = -1
        self._busy = False
        self._quorum_at = (-1, 0)  # (round, engine ms when it first had a quorum here)
        self.stages = StageClock(engine.me, metrics)
        self._kick_at: asyncio.Handle | None = None
        self._barriers: list[asyncio.Future[None]] = []
        # Called with a peer's batch (its transactions) once this node stored it.
        self.on_peer_batch: Callable[[list[bytes]], None] = lambda _txs: None
        # Called with each block the engine orders, before it is executed.
        self.on_ordered: Callable[[Candidate], None] = lambda _c: None

    def now_ms(self) -> int:
        """The engine's clock: milliseconds since the driver started (monotonic)."""
        return int((time.monotonic() - self._t0) * 1000)

    # ---- inputs ----------------------------------------------------------------------------
    async def deliver(self, sender: str, payload: bytes) -> None:
        """A message from an authenticated peer (waits while the queue is full: by count,
        by bytes in all, or by the bytes its sender already has queued)."""
        n = len(payload)
        while not self._fits(sender, n):
            self._space.clear()
            await self._space.wait()
        self._queued += n
        self._held[sender] = self._held.get(sender, 0) + n
        try:
            await self.inbound.put((sender, payload))
        except BaseException:
            self._release(sender, n)
            raise

    def _fits(self, sender: str, n: int) -> bool:
        held = self._held.get(sender, 0)
        if not held:  # one message per peer always fits unless others fill the budget
            return not self._queued or self._queued + n <= self.inbound_bytes
        share = self.inbound_bytes // max(1, len(self.engine.schedule.latest.validators))
        return self._queued + n <= self.inbound_bytes and held + n <= share

    def _release(self, sender: str, n: int) -> None:
        held = self._held.get(sender, 0) - n
        if held > 0:
            self._held[sender] = held
        else:
            self._held.pop(sender, None)
        self._queued = max(0, self._queued - n)
        self._space.set()

    def _next_nowait(self) -> tuple[str, bytes]:
        """The next queued message (``asyncio.QueueEmpty`` if none); frees its bytes."""
        sender, payload = self.inbound.get_nowait()
        self._release(sender, len(payload))
        return sender, payload

    def input(self, item: Input) -> None:
        """Any other engine input (a committed committee change)."""
        self._perform(self.engine.handle_input(item))
        self._flush()

    def submit(self, items: list[tuple[int, bytes]]) -> None:
        """Accept admitted transactions (partition index, bytes) into their lanes at once.

        Our next header seals every non-empty lane and carries the batches (ADR 0079), so
        nothing waits for a batch timer; one engine tick per event-loop pass (however many
        submissions it brought) lets an idle validator propose without waiting for the
        ticker."""
        lanes = self.engine.lanes
        for partition, tx in items:
            lane = lanes.get(partition)
            self.stages.lane_add(partition, lane is not None and not len(lane))
            self._perform(self.engine.handle_input(SubmitTx(partition, tx)))
        if self._kick_at is None:
            self._kick_at = asyncio.get_running_loop().call_soon(self._kick)
        self._flush()

    def _kick(self) -> None:
        self._kick_at = None
        self._pace()
        self._perform(self.engine.handle_tick(self.now_ms()))
        self._flush()

    # ---- effects ---------------------------------------------------------------------------
    def _perform(self, step: Step) -> None:
        self.stages.observe(step)
        encoded: dict[int, bytes] = {}
        for out in step.messages:
            msg: Message = out.message
            key = id(msg)
            payload = encoded.get(key)
            if payload is None:
                payload = encoded[key] = encode(msg)
            if isinstance(msg, UNDURABLE):
                self._now.append((out.to, payload))
            else:
                self._outbox.append((out.to, payload))
        for item in step.outputs:
            if isinstance(item, CommittedSubDag):
                cand = from_subdag(item)
                self.on_ordered(cand)
                self.blocks.put_nowait(cand)
            elif isinstance(item, BatchStored):
                self.on_peer_batch(list(item.batch.txs))
            else:
                log.info(
                    "committee of epoch %d scheduled from round %d",
                    item.committee.epoch,
                    item.first_round,
                )
        for fault in step.faults:
            self.metrics.faults.labels(str(fault.kind)).inc()
            log.warning("peer fault: %s %s %s", fault.peer, fault.kind, fault.detail)

    def _flush(self) -> None:
        """Write the engine's buffered records, send what needs no fsync (``UNDURABLE``),
        then hand the rest to the sender task (after the next fsync)."""
        self.engine.flush()
        if self._now:
            now, self._now = self._now, []
            self._deliver(now)
        if not self._outbox:
            return
        self._groups.append((self.storage.dirty, self._outbox))
        self.storage.dirty = False
        self._outbox = []
        self._ready.set()

    async def _send(self) -> None:
        """Group commit off the event loop: one fsync covers every group written before it,
        then the groups' messages go out in order. None of them leaves before it is durable."""
        loop = asyncio.get_running_loop()
        while True:
            await self._ready.wait()
            self._ready.clear()
            groups, self._groups = self._groups, []
            barriers, self._barriers = self._barriers, []
            if barriers or any(dirty for dirty, _ in groups):
                t0 = time.monotonic()
                await loop.run_in_executor(self._io, self.storage.sync_now)
                self.stages.fsync(time.monotonic() - t0)
            for fut in barriers:
                if not fut.done():
                    fut.set_result(None)
            for _, out in groups:
                self._deliver(out)

    def _deliver(self, out: list[tuple[str | None, bytes]]) -> None:
        """Hand messages to the transport in order (``None``: to every peer)."""
        for to, payload in out:
            if to is None:
                self.transport.broadcast(payload)
            else:
                self.transport.send(to, payload)

    async def durable(self) -> None:
        """Return once every write made before this call is on disk (it joins the next
        group-commit fsync)."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._barriers.append(fut)
        self._ready.set()
        await fut

    def _pace(self) -> None:
        e = self.engine
        busy = bool(e.book.ready)
        busy = busy or any(len(lane) for lane in e.lanes.values())
        busy = busy or any(c.header.payload for c in e.own_unordered.values())
        # A peer's batch waiting for its header: that peer is busy, so round pace must be.
        busy = busy or any(n > 0 for n in e.book.per_author.values())
        if not busy:
            top = e.dag.highest_round
            for r in (top, top - 1):
                if any(c.header.payload for c in e.dag.round(r).values()):
                    busy = True
                    break
        self._busy = busy
        delay = self.config.header_delay_ms if busy else self.config.idle_header_delay_ms
        if busy and self.config.parent_wait_ms:
            delay = max(delay, self._straggler_delay())
        if delay != self._delay:
            self._delay = delay
            e.cfg = e.cfg.with_(min_header_delay_ms=delay)

    def _straggler_delay(self) -> int:
        """Header delay that holds our next proposal until every certificate of the round
        it builds on is known, or ``parent_wait_ms`` after that round reached a quorum."""
        e = self.engine
        base = quorum_round(e.dag, e.schedule)
        if base + 1 <= e.proposed_round or base <= e.dag.gc_round:
            return 0
        members = e.schedule.for_round(base).ids
        if len(e.dag.round(base)) >= len(members):
            return 0
        now = self.now_ms()
        if self._quorum_at[0] != base:
            self._quorum_at = (base, now)
        return self._quorum_at[1] + self.config.parent_wait_ms - e.header_sent_ms

    # ---- loops -----------------------------------------------------------------------------
    async def _consume(self) -> None:
        while True:
            sender, payload = await self.inbound.get()
            self._release(sender, len(payload))
            t0 = time.monotonic()
            self._perform(self.engine.handle_message(sender, payload))
            for _ in range(DRAIN):
                if time.monotonic() - t0 >= DRAIN_S:
                    break  # the group is flushed below as usual, just smaller
                try:
                    sender, payload = self._next_nowait()
                except asyncio.QueueEmpty:
                    break
                self._perform(self.engine.handle_message(sender, payload))
            self._pace()
            if self._busy:  # propose as soon as a quorum is there, not at the next tick
                self._perform(self.engine.handle_tick(self.now_ms()))
            self._flush()
            while self.blocks.qsize() > 64:
                await asyncio.sleep(0.005)
            await asyncio.sleep(0)

    async def _tick(self) -> None:
        idle, busy = self.config.tick_ms / 1000, self.config.busy_tick_ms / 1000
        while True:
            self._pace()
            self._perform(self.engine.handle_tick(self.now_ms()))
            self._flush()
            self.metrics.rounds.set(self.engine.dag.highest_round)
            self.metrics.inbound_queue.set(self.inbound.qsize())
            self.transport.report()
            await asyncio.sleep(busy if self._busy else idle)

    async def _commit(self) -> None:
        while True:
            cand = await self.blocks.get()
            t0 = time.monotonic()
            await self.on_block(cand)
            self.metrics.stage.labels("apply").observe(time.monotonic() - t0)
            self.stages.applied([b.digest for b in cand.batches])

    def start(self) -> None:
        """Start the consumer, ticker and block tasks."""
        self._tasks = [
            asyncio.create_task(self._consume(), name="engine-consume"),
            asyncio.create_task(self._tick(), name="engine-tick"),
            asyncio.create_task(self._commit(), name="engine-commit"),
            asyncio.create_task(self._send(), name="engine-send"),
        ]

    async def stop(self) -> None:
        """Cancel the tasks."""
        if self._kick_at is not None:
            self._kick_at.cancel()
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._io.shutdown(wait=True)
