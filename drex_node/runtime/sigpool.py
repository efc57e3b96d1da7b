"""Ed25519 verification of transaction signatures, in a process pool or inline.

Verification is the unavoidable per-transaction cost; a pool of worker processes lets
a node use every core while its event loop keeps serving. Work is sent in chunks so
the pickling overhead stays small next to the verification itself, and the requests
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

import nacl.bindings
import nacl.exceptions

from drex_node.ledger.tx import SIG_DOMAIN, Tx

Job = tuple[bytes, tuple[tuple[bytes, bytes], ...]]  # (tx hash, ((pubkey, sig), ...))
CHUNK = 256
INLINE_BELOW = 4  # fewer jobs than this go to a thread, not through a process hop


def verify_jobs(jobs: Sequence[Job]) -> list[bool]:
    """For each (tx hash, signatures): whether every signature verifies."""
    out = []
    for txh, sigs in jobs:
        msg = SIG_DOMAIN + txh
        ok = True
        for pk, sig in sigs:
            try:
                nacl.bindings.crypto_sign_open(sig + msg, pk)
            except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError):
                ok = False
                break
        out.append(ok)
    return out


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
        self._waiting: list[tuple[list[Job], asyncio.Future[list[bool]]]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.dispatches = 0

    async def verify(self, txs: Sequence[Tx]) -> list[bool]:
        """One verdict per transaction, in order."""
        jobs: list[Job] = [(t.hash, t.signatures) for t in txs]
        if self._pool is None:
            return verify_jobs(jobs)
        if not jobs:
            return []
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[list[bool]] = loop.create_future()
        if not self._waiting:
            loop.call_soon(self._dispatch)  # after every request made in this turn
        self._waiting.append((jobs, fut))
        return await fut

    def _dispatch(self) -> None:
        waiting, self._waiting = self._waiting, []
        if not waiting:
            return
        self.dispatches += 1
        task = asyncio.ensure_future(self._run(waiting))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, waiting: list[tuple[list[Job], asyncio.Future[list[bool]]]]) -> None:
        jobs = [j for js, _ in waiting for j in js]
        try:
            verdicts = await self._verify_jobs(jobs)
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

    async def _verify_jobs(self, jobs: list[Job]) -> list[bool]:
        loop = asyncio.get_running_loop()
        if len(jobs) < INLINE_BELOW:  # not worth a process hop, but kept off the event loop
            return await loop.run_in_executor(self._thread, verify_jobs, jobs)
        assert self._pool is not None
        chunks = [jobs[i : i + CHUNK] for i in range(0, len(jobs), CHUNK)]
        parts = await asyncio.gather(
            *(loop.run_in_executor(self._pool, verify_jobs, c) for c in chunks)
        )
        return [ok for part in parts for ok in part]

    def warm(self) -> None:
        """Start the worker processes now rather than on the first transaction."""
        if self._pool is not None:
            list(self._pool.map(verify_jobs, [[] for _ in range(self.workers)]))

    def close(self) -> None:
        """Stop the workers."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        self._thread.shutdown(wait=False, cancel_futures=True)
