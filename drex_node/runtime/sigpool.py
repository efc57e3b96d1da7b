"""Ed25519 verification of transaction signatures, in a process pool or inline.

Verification is the unavoidable per-transaction cost; a pool of worker processes lets
a node use every core while its event loop keeps serving. Work is sent in chunks, each
one flat byte string (:mod:`drex_node.ledger.sigbatch`: nothing to pickle per
transaction), and verdicts come back as one byte per transaction. The requests
made during one turn of the event loop (every peer batch of a drained inbound queue,
every concurrent submission) travel together: one pool submission per turn instead of
one per request, whose fixed cost (queues, a manager thread, pipes, a wake-up of the
loop) was a tenth of a validator's event-loop time at 800 tx/s.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
from collections.abc import Sequence

from drex_node.ledger.sigbatch import pack_jobs, verify_packed
from drex_node.ledger.tx import Tx

CHUNK = 256
INLINE_BELOW = 4  # fewer jobs than this go to a thread, not through a process hop


def verify_txs(txs: Sequence[Tx]) -> list[bool]:
    """For each transaction: whether every signature verifies."""
    return [v == 1 for v in verify_packed(pack_jobs(txs))]


class SignatureVerifier:
    """Verifies the signatures of decoded transactions; ``workers == 0`` verifies inline."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        if workers > 0:
            ctx = multiprocessing.get_context("spawn")
            self._pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=ctx)
        # libsodium runs without the GIL: a thread verifies small jobs beside the loop.
        self._thread = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="sigs")
        self._waiting: list[tuple[Sequence[Tx], asyncio.Future[list[bool]]]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.dispatches = 0

    async def verify(self, txs: Sequence[Tx]) -> list[bool]:
        """One verdict per transaction, in order."""
        if self._pool is None:
            return verify_txs(txs)
        if not txs:
            return []
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[list[bool]] = loop.create_future()
        if not self._waiting:
            loop.call_soon(self._dispatch)  # after every request made in this turn
        self._waiting.append((txs, fut))
        return await fut

    def _dispatch(self) -> None:
        waiting, self._waiting = self._waiting, []
        if not waiting:
            return
        self.dispatches += 1
        task = asyncio.ensure_future(self._run(waiting))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, waiting: list[tuple[Sequence[Tx], asyncio.Future[list[bool]]]]) -> None:
        txs = [t for ts, _ in waiting for t in ts]
        try:
            verdicts = await self._verify_txs(txs)
        except BaseException as exc:  # the pool broke or we are shutting down: tell everyone
            for _, fut in waiting:
                if not fut.done():
                    fut.set_exception(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
            return
        at = 0
        for js, fut in waiting:
            if not fut.done():
                fut.set_result(verdicts[at : at + len(js)])
            at += len(js)

    async def _verify_txs(self, txs: list[Tx]) -> list[bool]:
        loop = asyncio.get_running_loop()
        if len(txs) < INLINE_BELOW:  # not worth a process hop, but kept off the event loop
            return await loop.run_in_executor(self._thread, verify_txs, txs)
        assert self._pool is not None
        chunks = [pack_jobs(txs[i : i + CHUNK]) for i in range(0, len(txs), CHUNK)]
        parts = await asyncio.gather(
            *(loop.run_in_executor(self._pool, verify_packed, c) for c in chunks)
        )
        return [v == 1 for part in parts for v in part]

    def warm(self) -> None:
        """Start the worker processes now rather than on the first transaction."""
        if self._pool is not None:
            list(self._pool.map(verify_packed, [b""] * self.workers))

    def close(self) -> None:
        """Stop the workers."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        self._thread.shutdown(wait=False, cancel_futures=True)
