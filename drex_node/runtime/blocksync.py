"""Block sync from peers: followers stream the committed sequence continuously; a validator
that is behind (restart, lost disk, missed blocks) streams until it has caught up.

Every block is checked against the committee before it is applied (certificates with a
quorum of votes, the scheduled anchor, batches matching the certificates), so a peer can
withhold blocks but cannot make this node apply a block the committee did not commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

import grpc
import grpc.aio

from consensus.committee import CommitteeSchedule
from consensus.crypto import CachingVerifier, Ed25519Verifier
from drex_node.api.stubs import consensus_pb2, consensus_pb2_grpc
from drex_node.metrics import NodeMetrics
from drex_node.net.channel import secure_channel
from drex_node.runtime.blocks import BlockCheckError, verify_streamed
from drex_node.runtime.ledger_core import LedgerCore
from drex_node.security.store import NodeCredentials

log = logging.getLogger("drex_node.sync")


class BlockSync:
    """Pulls committed blocks from upstream nodes and applies them in order."""

    def __init__(
        self,
        core: LedgerCore,
        upstream: list[str],
        credentials: NodeCredentials,
        schedule: Callable[[], CommitteeSchedule],
        metrics: NodeMetrics,
    ) -> None:
        self.core = core
        self.upstream = upstream
        self.credentials = credentials
        self.schedule = schedule
        self.metrics = metrics
        self.verifier = CachingVerifier(Ed25519Verifier())
        self._next = 0
        self._task: asyncio.Task[None] | None = None
        self._catchup: asyncio.Task[int] | None = None

    async def _stream(self, address: str, idle_s: float | None) -> int:
        """Apply blocks streamed by ``address``; returns how many were applied. With
        ``idle_s`` (a validator catching up) it ends when the stream has nothing newer for
        that long, or as soon as the local engine applied a block before the stream
        delivered it: the node is caught up, and verifying each block a second time would
        only take CPU from consensus."""
        applied = 0
        async with secure_channel(address, self.credentials) as channel:
            stub = consensus_pb2_grpc.ConsensusStub(channel)  # type: ignore[no-untyped-call]
            call = stub.StreamCommitted(
                consensus_pb2.StreamCommittedRequest(from_height=self.core.height + 1)
            )
            it = call.__aiter__()
            while True:
                try:
                    if idle_s is None:
                        blk = await it.__anext__()
                    else:
                        blk = await asyncio.wait_for(it.__anext__(), idle_s)
                except (StopAsyncIteration, TimeoutError):
                    call.cancel()
                    return applied
                if blk.height <= self.core.height:
                    if idle_s is not None:
                        call.cancel()
                        return applied
                    continue
                t0 = time.monotonic()
                try:
                    cand = verify_streamed(
                        blk, self.schedule(), self.verifier, self.core.genesis.commit_rule
                    )
                except BlockCheckError as exc:
                    log.warning("block %d from %s rejected: %s", blk.height, address, exc)
                    call.cancel()
                    return applied
                if await self.core.commit(cand):
                    self.metrics.stage.labels("follow_apply").observe(time.monotonic() - t0)
                    applied += 1
                    self.metrics.synced_blocks.inc()
                    if blk.state_root and blk.state_root != self.core.root:
                        log.error("state root differs from %s at height %d", address, blk.height)

    def _address(self) -> str:
        address = self.upstream[self._next % len(self.upstream)]
        self._next += 1
        return address

    async def follow(self) -> None:
        """Follow upstream nodes forever, switching to the next one on failure."""
        while True:
            address = self._address()
            try:
                await self._stream(address, None)
            except grpc.aio.AioRpcError as exc:
                log.info("follow stream from %s ended: %s", address, exc.code())
            except Exception:
                log.exception("follow stream from %s failed", address)
            await asyncio.sleep(0.5)

    async def catch_up(self, idle_s: float = 1.0) -> int:
        """Stream from upstream nodes until one has nothing newer for ``idle_s``."""
        total = 0
        for _ in range(len(self.upstream)):
            address = self._address()
            try:
                total += await self._stream(address, idle_s)
                return total
            except grpc.aio.AioRpcError as exc:
                log.info("catch-up from %s failed: %s", address, exc.code())
        return total

    def trigger(self) -> None:
        """Start a catch-up unless one is running."""
        if not self.upstream or (self._catchup is not None and not self._catchup.done()):
            return
        self._catchup = asyncio.create_task(self.catch_up(), name="catch-up")

    def start_following(self) -> None:
        """Start the follow task."""
        self._task = asyncio.create_task(self.follow(), name="follow")

    async def stop(self) -> None:
        """Cancel running tasks."""
        tasks: list[asyncio.Task[None] | asyncio.Task[int] | None] = [self._task, self._catchup]
        for t in tasks:
            if t is not None:
                t.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t
