"""Entry points (tier2, edge, tier3) forward pre-validated transactions to validators.

The upstream list is in order of preference. Submissions go to the first ``spread``
validators of it (default one: the entry point's home validator), a sender's always to
the same one (chosen by its address), so one sender's nonces reach one lane in order
(ADR 0088). Each of them has one ordered queue drained by one task that coalesces
whatever is queued into a ``SubmitBatch``; up to ``INFLIGHT`` calls run at once, but
never two holding the same sender, so a call does not wait for the previous one's round
trip. When a validator is unreachable the batch goes to the next one in the list.

Why one home validator by default: every forwarded call costs about a millisecond of CPU
across both ends (gRPC, interceptors, the admission's verification hop and durable
write), whatever it carries. Spreading one entry point's traffic over every validator
splits each incoming batch into one call per validator, and on the local network those
calls were most of the CPU a transaction cost below saturation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

import grpc
import grpc.aio

from drex_node.api.backends import SubmitResult, SubmitStatus
from drex_node.api.stubs import ledger_pb2, ledger_pb2_grpc, types_pb2
from drex_node.ledger.tx import Tx
from drex_node.net.channel import secure_channel
from drex_node.security.store import NodeCredentials

log = logging.getLogger("drex_node.forward")
MAX_BATCH = 1024
INFLIGHT = 4  # concurrent calls per validator (senders never have two in flight)
QUEUE = 50_000
_STATUS = {
    types_pb2.SUBMIT_STATUS_ACCEPTED: SubmitStatus.FORWARDED,
    types_pb2.SUBMIT_STATUS_FORWARDED: SubmitStatus.FORWARDED,
    types_pb2.SUBMIT_STATUS_DUPLICATE: SubmitStatus.DUPLICATE,
    types_pb2.SUBMIT_STATUS_REJECTED: SubmitStatus.REJECTED,
}
Item = tuple[Tx, "asyncio.Future[SubmitResult]"]


class Forwarder:
    """Ordered, coalescing forwarding to upstream validators over mTLS."""

    def __init__(
        self, upstream: Sequence[str], credentials: NodeCredentials, spread: int = 1
    ) -> None:
        if not upstream:
            raise ValueError("forwarding needs at least one upstream validator")
        self.upstream = list(upstream)
        self.credentials = credentials
        self.spread = max(1, min(spread, len(self.upstream)))
        self._channels: dict[str, grpc.aio.Channel] = {}
        self._queues: list[asyncio.Queue[Item]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._calls: set[asyncio.Task[None]] = set()

    def _stub(self, address: str) -> ledger_pb2_grpc.LedgerStub:
        ch = self._channels.get(address)
        if ch is None:
            ch = self._channels[address] = secure_channel(address, self.credentials)
        return ledger_pb2_grpc.LedgerStub(ch)  # type: ignore[no-untyped-call]

    def route(self, tx: Tx) -> int:
        """Index of the validator that receives ``tx``: one of the first ``spread``
        upstream validators, always the same for one sender."""
        return int.from_bytes(tx.sender[:4], "big") % self.spread

    def _start(self) -> None:
        if not self._queues:
            self._queues = [asyncio.Queue(QUEUE) for _ in range(self.spread)]
            self._tasks = [
                asyncio.create_task(self._drain(i), name=f"forward-{i}") for i in range(self.spread)
            ]

    def enqueue(self, txs: Sequence[Tx]) -> list[asyncio.Future[SubmitResult]]:
        """Queue ``txs`` in order (synchronously); one future per transaction."""
        self._start()
        loop = asyncio.get_running_loop()
        futures = []
        for tx in txs:
            fut: asyncio.Future[SubmitResult] = loop.create_future()
            q = self._queues[self.route(tx)]
            try:
                q.put_nowait((tx, fut))
            except asyncio.QueueFull:
                fut.set_result(SubmitResult(tx.hash, SubmitStatus.REJECTED, "forward_queue_full"))
            futures.append(fut)
        return futures

    async def forward(self, txs: Sequence[Tx]) -> list[SubmitResult]:
        """Forward ``txs`` and wait for the validators' answers, in order."""
        return list(await asyncio.gather(*self.enqueue(txs)))

    async def _drain(self, index: int) -> None:
        """Coalesce the queue into calls, up to ``INFLIGHT`` at once; a sender with a call
        in flight waits for its answer (its nonces stay in order), others go ahead."""
        q = self._queues[index]
        busy: set[bytes] = set()
        slots = asyncio.Semaphore(INFLIGHT)
        answered = asyncio.Event()
        held: Item | None = None

        def finished(senders: set[bytes]) -> None:
            busy.difference_update(senders)
            slots.release()
            answered.set()

        while True:
            first = held if held is not None else await q.get()
            held = None
            while first[0].sender in busy:
                answered.clear()
                await answered.wait()
            await slots.acquire()
            items = [first]
            senders = {first[0].sender}
            while len(items) < MAX_BATCH:
                try:
                    item = q.get_nowait()
                except asyncio.QueueEmpty:
                    break
                if item[0].sender in busy:
                    held = item
                    break
                items.append(item)
                senders.add(item[0].sender)
            busy |= senders
            task = asyncio.create_task(self._call(index, items))
            self._calls.add(task)
            task.add_done_callback(self._calls.discard)
            task.add_done_callback(lambda _t, s=senders: finished(s))  # type: ignore[misc]

    async def _call(self, index: int, items: list[Item]) -> None:
        try:
            results = await self._send(index, [tx for tx, _ in items])
        except Exception as exc:  # unreachable validators or an overloaded one
            reason = (
                "upstream_busy"
                if isinstance(exc, grpc.aio.AioRpcError)
                and exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
                else "upstream_unavailable"
            )
            results = [SubmitResult(tx.hash, SubmitStatus.REJECTED, reason) for tx, _ in items]
        for (_, fut), r in zip(items, results, strict=True):
            if not fut.done():
                fut.set_result(r)

    async def _send(self, first: int, txs: list[Tx]) -> list[SubmitResult]:
        last: Exception | None = None
        for k in range(len(self.upstream)):
            address = self.upstream[(first + k) % len(self.upstream)]
            try:
                resp = await self._stub(address).SubmitBatch(
                    ledger_pb2.SubmitBatchRequest(txs=[t.raw for t in txs]), timeout=10
                )
                if len(resp.results) != len(txs):
                    # Answers that cannot be matched to transactions: the whole call
                    # failed. The next validator is not tried: this one may have admitted
                    # some of them.
                    log.warning(
                        "forward to %s: %d results for %d transactions; treated as unavailable",
                        address,
                        len(resp.results),
                        len(txs),
                    )
                    raise ConnectionError(f"{address} answered {len(resp.results)} of {len(txs)}")
                return [
                    SubmitResult(
                        r.tx_hash, _STATUS.get(r.status, SubmitStatus.REJECTED), r.reason, r.detail
                    )
                    for r in resp.results
                ]
            except grpc.aio.AioRpcError as exc:
                if exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                    raise
                last = exc
                log.info("forward to %s failed: %s", address, exc.code())
        raise ConnectionError(f"no upstream validator reachable: {last}")

    async def close(self) -> None:
        """Stop the queues' tasks and close every channel."""
        for t in [*self._tasks, *self._calls]:
            t.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        for ch in self._channels.values():
            with contextlib.suppress(Exception):
                await ch.close()
