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
from typing import Any

import grpc
import grpc.aio

from consensus.committee import Committee, CommitteeSchedule
from consensus.crypto import CachingVerifier, Ed25519Verifier, Verifier
from drex_node.api.stubs import consensus_pb2, consensus_pb2_grpc
from drex_node.metrics import NodeMetrics
from drex_node.net.channel import secure_channel
from drex_node.runtime.blocks import BlockCheckError, Candidate, verify_streamed
from drex_node.runtime.ledger_core import LedgerCore
from drex_node.security.store import NodeCredentials

log = logging.getLogger("drex_node.sync")
READ_AHEAD = 4  # checked blocks waiting for the one being applied
PROGRESS_S = 10.0  # a node that is behind logs its progress this often
BEHIND_AFTER = 20  # blocks in a row its upstream had executed already: it is behind
STALL_S = 5.0  # a follower's upstream silent this long: ask the others for the next block
PROBE_S = 2.0  # how long another upstream has to show that block
# A checked block: the block, as received, when it arrived, and the schedule it was checked
# against (a committee change applied meanwhile means checking it again).
_Verified = tuple[Candidate, Any, float, tuple[tuple[int, Committee], ...]]


class UpstreamFailed(Exception):
    """The upstream is to be left for the next one; ``applied``: blocks applied from it."""

    def __init__(self, reason: str, applied: int = 0) -> None:
        super().__init__(reason)
        self.applied = applied


def current(
    item: _Verified, schedule: CommitteeSchedule, verifier: Verifier, commit_rule: str
) -> Candidate:
    """A block read ahead, as it may be applied now: checked again when a committee change
    was applied since it was read (its certificates may belong to the new committee)."""
    cand, blk, _, version = item
    if schedule.entries == version:
        return cand
    return verify_streamed(blk, schedule, verifier, commit_rule)


class Progress:
    """Log lines for a sync that is behind. A streamed block that carries its upstream's
    state root was executed there before this node read it; once ``BEHIND_AFTER`` such
    blocks come in a row, this node is catching up. It then reports its height and rate
    every ``PROGRESS_S`` seconds, and once more when it reaches blocks its upstream has
    only ordered (it is at the head again)."""

    def __init__(self, address: str, now: float) -> None:
        self.address = address
        self.in_row = 0
        self.behind_since: float | None = None
        self.window = (now, 0)  # while behind: start, blocks applied since

    def applied(self, height: int, executed_upstream: bool, now: float) -> str | None:
        """Note one applied block; returns a line to log, if one is due."""
        if not executed_upstream:
            self.in_row = 0
            if self.behind_since is None:
                return None
            took = now - self.behind_since
            self.behind_since = None
            return f"caught up with {self.address} at height {height} after {took:.0f} s"
        self.in_row += 1
        if self.behind_since is None:
            if self.in_row < BEHIND_AFTER:
                return None
            self.behind_since, self.window = now, (now, 0)
            return f"behind {self.address}: catching up from height {height}"
        start, n = self.window[0], self.window[1] + 1
        if now - start < PROGRESS_S:
            self.window = (start, n)
            return None
        self.window = (now, 0)
        return f"catching up from {self.address}: height {height}, {n / (now - start):.0f} blocks/s"


async def next_checked(
    ready: asyncio.Queue[_Verified], reader: asyncio.Task[None]
) -> _Verified | None:
    """The next checked block, or None once the reader has ended and left nothing queued."""
    while True:
        if not ready.empty():
            return ready.get_nowait()
        if reader.done():
            return None
        get = asyncio.ensure_future(ready.get())
        got = False
        try:
            await asyncio.wait({get, reader}, return_when=asyncio.FIRST_COMPLETED)
        finally:  # also when this caller is cancelled: no get left waiting on the queue
            got = get.done()
            if not got:
                get.cancel()
        if got:
            return get.result()


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
        only take CPU from consensus.

        Raises :class:`UpstreamFailed` when ``address`` is to be left: a block that fails
        its check or does not extend the chain, a height other than the next one, the end
        of the stream, or (following) silence while another upstream has the next block.

        Blocks are read ahead of the one being applied (at most ``READ_AHEAD``): the next
        blocks' certificates are checked and their transactions' signatures start in the
        verifier processes while the ledger thread applies the current one."""
        applied = 0
        async with secure_channel(address, self.credentials) as channel:
            stub = consensus_pb2_grpc.ConsensusStub(channel)  # type: ignore[no-untyped-call]
            call = stub.StreamCommitted(
                consensus_pb2.StreamCommittedRequest(from_height=self.core.height + 1)
            )
            ready: asyncio.Queue[_Verified] = asyncio.Queue(READ_AHEAD)
            reader = asyncio.create_task(self._read(call, address, idle_s, ready))
            progress = Progress(address, time.monotonic())
            try:
                while True:
                    item = await next_checked(ready, reader)
                    if item is None:
                        try:
                            reader.result()  # the stream's error, if it ended with one
                        except UpstreamFailed as exc:
                            exc.applied = applied
                            raise
                        return applied
                    _, blk, t0, _ = item
                    try:
                        cand = current(
                            item, self.schedule(), self.verifier, self.core.genesis.commit_rule
                        )
                        done = await self.core.commit_peer(cand)
                    except BlockCheckError as exc:
                        raise UpstreamFailed(
                            f"block {blk.height} rejected: {exc}", applied
                        ) from None
                    if done:
                        self.metrics.stage.labels("follow_apply").observe(time.monotonic() - t0)
                        applied += 1
                        self.metrics.synced_blocks.inc()
                        line = progress.applied(
                            cand.block.height, bool(blk.state_root), time.monotonic()
                        )
                        if line is not None:
                            log.info(line)
                        if blk.state_root and blk.state_root != self.core.root:
                            log.error(
                                "state root differs from %s at height %d",
                                address,
                                cand.block.height,
                            )
                    elif idle_s is not None and cand.block.height <= self.core.height:
                        return applied  # the local engine got there first: caught up
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reader
                call.cancel()

    async def _read(
        self,
        call: Any,
        address: str,
        idle_s: float | None,
        ready: asyncio.Queue[_Verified],
    ) -> None:
        """Read, check and queue the next blocks until the stream idles for ``idle_s``
        (caught up) or reaches blocks the local engine applied. Raises
        :class:`UpstreamFailed` on anything an honest upstream does not send: a height
        other than the next one (applied height plus those read ahead), an anchor round not
        after the previous block's, a block that fails its check, the end of the stream;
        following, also silence while another upstream has the next block."""
        it = call.__aiter__()
        expected = self.core.height + 1
        last_round = self.core.last_round if self.core.last_round is not None else -1
        while True:
            try:
                if idle_s is None:
                    blk = await self._next_or_stall(it, address, expected)
                else:
                    blk = await asyncio.wait_for(it.__anext__(), idle_s)
            except TimeoutError:
                return
            except StopAsyncIteration:
                raise UpstreamFailed("stream ended") from None
            if idle_s is not None and blk.height <= self.core.height:
                return  # the local engine applied it first: caught up
            if self.core.height + 1 > expected:  # the engine applied blocks meanwhile
                expected = self.core.height + 1
                last_round = self.core.last_round if self.core.last_round is not None else -1
            if blk.height != expected:
                raise UpstreamFailed(f"sent height {blk.height}, expected {expected}")
            t0 = time.monotonic()
            schedule = self.schedule()
            try:
                cand = verify_streamed(blk, schedule, self.verifier, self.core.genesis.commit_rule)
            except BlockCheckError as exc:
                raise UpstreamFailed(f"block {blk.height} rejected: {exc}") from None
            if cand.record.leader_round <= last_round:
                raise UpstreamFailed(
                    f"block {blk.height} rejected: anchor round {cand.record.leader_round}"
                    f" not after round {last_round}"
                )
            expected, last_round = expected + 1, cand.record.leader_round
            self.core.preverify(list(cand.block.txs))
            await ready.put((cand, blk, t0, schedule.entries))

    async def _next_or_stall(self, it: Any, address: str, height: int) -> Any:
        """The stream's next block. After each ``STALL_S`` without one, the other upstreams
        are asked for ``height``: if one has it (certified), this node is behind a silent
        upstream, which is left for that one. An idle network (nobody has it) stays."""
        nxt = asyncio.ensure_future(it.__anext__())
        try:
            while True:
                done, _ = await asyncio.wait({nxt}, timeout=STALL_S)
                if done:
                    return nxt.result()
                others = [a for a in self.upstream if a != address]
                found = await asyncio.gather(*(self._has(a, height) for a in others))
                ahead = [a for a, ok in zip(others, found, strict=True) if ok]
                if ahead:
                    self._next = self.upstream.index(ahead[0])
                    raise UpstreamFailed(
                        f"nothing for {STALL_S:g} s while {ahead[0]} has height {height}"
                    )
        finally:
            if not nxt.done():
                nxt.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await nxt

    async def _has(self, address: str, height: int) -> bool:
        """Whether ``address`` serves a certified block at ``height`` within ``PROBE_S``."""
        try:
            async with secure_channel(address, self.credentials) as channel:
                stub = consensus_pb2_grpc.ConsensusStub(channel)  # type: ignore[no-untyped-call]
                call = stub.StreamCommitted(
                    consensus_pb2.StreamCommittedRequest(from_height=height)
                )
                try:
                    blk = await asyncio.wait_for(call.__aiter__().__anext__(), PROBE_S)
                finally:
                    call.cancel()
            if blk.height != height:
                return False
            verify_streamed(blk, self.schedule(), self.verifier, self.core.genesis.commit_rule)
            return True
        except Exception:  # unreachable, silent, wrong or unproven: not ahead
            return False

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
            except UpstreamFailed as exc:
                log.warning("leaving upstream %s: %s", address, exc)
            except grpc.aio.AioRpcError as exc:
                log.info("follow stream from %s ended: %s", address, exc.code())
            except Exception:
                log.exception("follow stream from %s failed", address)
            await asyncio.sleep(0.5)

    async def catch_up(self, idle_s: float = 1.0) -> int:
        """Stream from upstream nodes until one has nothing newer for ``idle_s``; an
        upstream that fails (an error, a refused or out-of-order block, the end of its
        stream) is left for the next one. Returns how many blocks were applied."""
        total = 0
        for _ in range(len(self.upstream)):
            address = self._address()
            try:
                return total + await self._stream(address, idle_s)
            except UpstreamFailed as exc:
                total += exc.applied
                log.warning("catch-up: leaving upstream %s: %s", address, exc)
            except grpc.aio.AioRpcError as exc:
                log.info("catch-up from %s failed: %s", address, exc.code())
            except Exception:
                log.exception("catch-up from %s failed", address)
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
