"""Outbound consensus traffic: one bounded queue and one long-lived mTLS stream per peer.

Messages queued behind one another travel in one envelope (fewer gRPC messages, the
dominant per-message cost under load). A full queue drops the message (the engine retries what matters: headers, certificates,
batches, sync requests); nothing here grows without bound. A broken stream reconnects
with a short backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import grpc
import grpc.aio

from drex_node.api.stubs import consensus_pb2, consensus_pb2_grpc
from drex_node.metrics import NodeMetrics
from drex_node.net.channel import secure_channel
from drex_node.security.store import NodeCredentials

log = logging.getLogger("drex_node.transport")
STREAM_ROTATE = 50_000
# What is queued behind a message rides in the same envelope (one gRPC message), up to:
COALESCE_MAX = 256
COALESCE_BYTES = 1 << 20


class PeerLink:
    """The stream to one validator."""

    def __init__(
        self,
        me: str,
        peer: str,
        address: str,
        credentials: NodeCredentials,
        queue_size: int,
        metrics: NodeMetrics,
    ) -> None:
        self.me = me
        self.peer = peer
        self.address = address
        self.credentials = credentials
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(queue_size)
        self.metrics = metrics
        self.channel: grpc.aio.Channel | None = None
        self._task: asyncio.Task[None] | None = None

    def send(self, payload: bytes) -> None:
        """Queue one engine message; dropped when the queue is full."""
        try:
            self.queue.put_nowait(payload)
        except asyncio.QueueFull:
            self.metrics.peer_dropped.labels(self.peer).inc()

    def start(self) -> None:
        """Start the sending task."""
        self._task = asyncio.create_task(self._run(), name=f"peer-{self.peer}")

    async def _envelopes(self) -> AsyncIterator[consensus_pb2.ConsensusEnvelope]:
        sent = 0
        n_sent = self.metrics.peer_sent.labels(self.peer)
        n_env = self.metrics.peer_envelopes.labels(self.peer)
        while sent < STREAM_ROTATE:
            payload = await self.queue.get()
            more: list[bytes] = []
            size = len(payload)
            while size < COALESCE_BYTES and len(more) < COALESCE_MAX and not self.queue.empty():
                nxt = self.queue.get_nowait()
                more.append(nxt)
                size += len(nxt)
            sent += 1 + len(more)
            n_sent.inc(1 + len(more))
            n_env.inc()
            yield consensus_pb2.ConsensusEnvelope(
                sender=self.me, epoch=0, payload=payload, more=more
            )
            self.metrics.peer_up.labels(self.peer).set(1)  # the stream took a message

    async def _run(self) -> None:
        backoff = 0.1
        while True:
            self.channel = secure_channel(self.address, self.credentials)
            stub = consensus_pb2_grpc.ConsensusStub(self.channel)  # type: ignore[no-untyped-call]
            try:
                await stub.SendStream(self._envelopes())
                backoff = 0.1
            except grpc.aio.AioRpcError as exc:
                self.metrics.peer_up.labels(self.peer).set(0)
                log.debug("stream to %s broke: %s", self.peer, exc.code())
            finally:
                with contextlib.suppress(Exception):
                    await self.channel.close()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 2.0)

    async def stop(self) -> None:
        """Cancel the task and close the channel."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self.channel is not None:
            with contextlib.suppress(Exception):
                await self.channel.close()


class Transport:
    """Links to every other committee member, by validator id."""

    def __init__(
        self,
        me: str,
        peers: dict[str, str],
        credentials: NodeCredentials,
        queue_size: int,
        metrics: NodeMetrics,
    ) -> None:
        self.links = {
            vid: PeerLink(me, vid, addr, credentials, queue_size, metrics)
            for vid, addr in sorted(peers.items())
            if vid != me
        }
        self.metrics = metrics

        self.me = me
        self.credentials = credentials
        self.queue_size = queue_size
        self._started = False

    def start(self) -> None:
        """Start every link."""
        self._started = True
        for link in self.links.values():
            link.start()

    def add(self, peer: str, address: str) -> None:
        """A link to a validator that joined (committee change); no-op if known."""
        if peer == self.me or peer in self.links or not address:
            return
        link = PeerLink(self.me, peer, address, self.credentials, self.queue_size, self.metrics)
        self.links[peer] = link
        if self._started:
            link.start()

    def send(self, peer: str, payload: bytes) -> None:
        """Queue ``payload`` for ``peer`` (unknown peers are ignored)."""
        link = self.links.get(peer)
        if link is not None:
            link.send(payload)

    def broadcast(self, payload: bytes) -> None:
        """Queue ``payload`` for every peer."""
        for link in self.links.values():
            link.send(payload)

    def report(self) -> None:
        """Update the queue-depth gauges."""
        for vid, link in self.links.items():
            self.metrics.peer_queue.labels(vid).set(link.queue.qsize())

    async def stop(self) -> None:
        """Stop every link."""
        await asyncio.gather(*(link.stop() for link in self.links.values()))
