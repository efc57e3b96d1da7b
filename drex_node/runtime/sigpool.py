"""Ed25519 verification of transaction signatures, in a process pool or inline.

Verification is the unavoidable per-transaction cost; a pool of worker processes lets
a node use every core while its event loop keeps serving. Work is sent in chunks, each
one flat byte string (:mod:`drex_node.ledger.sigbatch`: nothing to pickle per
transaction), and verdicts come back as one byte per transaction. The requests
made during one turn of the event loop (every peer batch of a drained inbound queue,
every concurrent submission) travel together: one dispatch per turn instead of one per
request.

The workers are :class:`~drex_node.runtime.verifiers.VerifierProcesses` (spawned: a node
runs gRPC threads, which must not be forked). The event loop writes each chunk into a
worker's pipe itself and reads its verdicts when the reply pipe becomes readable: no
executor thread has to win the GIL from a busy loop to move work or wake it (ADR 0006).
A worker never holds more than :data:`MAX_INFLIGHT_BYTES` of unanswered chunks, so a
write never blocks the loop; further chunks wait in a queue of their own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections import deque
from collections.abc import Sequence

from drex_node.ledger.sigbatch import pack_jobs, verify_packed
from drex_node.ledger.tx import Tx
from drex_node.runtime.verifiers import PIPE_BYTES, VerifierProcesses

CHUNK = 256
INLINE_BELOW = 4  # fewer jobs than this go to a thread, not through a process hop
MAX_INFLIGHT_BYTES = PIPE_BYTES // 4  # unanswered chunk bytes per worker (below any pipe)


def verify_txs(txs: Sequence[Tx]) -> list[bool]:
    """For each transaction: whether every signature verifies."""
    return [v == 1 for v in verify_packed(pack_jobs(txs))]


class SignatureVerifier:
    """Verifies the signatures of decoded transactions; ``workers == 0`` verifies inline."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._procs: VerifierProcesses | None = None
        if workers > 0:
            self._procs = VerifierProcesses(workers, start_method="spawn")
        # libsodium runs without the GIL: a thread verifies small jobs beside the loop.
        self._thread = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="sigs")
        self._waiting: list[tuple[Sequence[Tx], asyncio.Future[list[bool]]]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        # per worker: (chunk size, future) sent and unanswered, in order; chunks not sent
        self._inflight: list[deque[tuple[int, asyncio.Future[bytes]]]] = [
            deque() for _ in range(workers)
        ]
        self._inflight_bytes = [0] * workers
        self._queued: deque[tuple[bytes, asyncio.Future[bytes]]] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._broken: RuntimeError | None = None
        self.dispatches = 0

    async def verify(self, txs: Sequence[Tx]) -> list[bool]:
        """One verdict per transaction, in order."""
        if self._procs is None:
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
        except BaseException as exc:  # a worker died or we are shutting down: tell everyone
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
        self._attach(loop)
        futs = []
        for i in range(0, len(txs), CHUNK):
            fut: asyncio.Future[bytes] = loop.create_future()
            self._queued.append((pack_jobs(txs[i : i + CHUNK]), fut))
            futs.append(fut)
        self._send_queued()
        parts = await asyncio.gather(*futs)
        return [v == 1 for part in parts for v in part]

    # ---------------------------------------------------------------- worker pipes
    def _attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Watch the workers' reply pipes from ``loop`` (once per loop)."""
        if self._loop is loop:
            return
        assert self._procs is not None
        if self._broken is not None:
            raise self._broken
        if self._loop is not None and not self._loop.is_closed():
            for w in range(self.workers):
                self._loop.remove_reader(self._procs.reply_fd(w))
        self._loop = loop
        for w in range(self.workers):
            loop.add_reader(self._procs.reply_fd(w), self._on_reply, w)

    def _send_queued(self) -> None:
        """Send queued chunks to the least loaded workers while they have room."""
        procs, queued, inflight, nbytes = (
            self._procs,
            self._queued,
            self._inflight,
            self._inflight_bytes,
        )
        assert procs is not None
        while queued:
            w = min(range(self.workers), key=nbytes.__getitem__)
            blob, fut = queued[0]
            if inflight[w] and nbytes[w] + len(blob) > MAX_INFLIGHT_BYTES:
                return  # every worker is full: replies will make room
            queued.popleft()
            if fut.done():  # its caller was cancelled
                continue
            try:
                procs.send(w, blob)
            except RuntimeError as exc:
                self._fail(exc)
                fut.set_exception(exc)
                return
            inflight[w].append((len(blob), fut))
            nbytes[w] += len(blob)

    def _on_reply(self, w: int) -> None:
        assert self._procs is not None
        try:
            verdicts = self._procs.recv(w)
        except RuntimeError as exc:
            self._fail(exc)
            return
        if not self._inflight[w]:  # never sent: a protocol error of ours
            self._fail(RuntimeError(f"verifier process {w} answered nothing asked"))
            return
        size, fut = self._inflight[w].popleft()
        self._inflight_bytes[w] -= size
        if not fut.done():
            fut.set_result(verdicts)
        if self._queued:
            self._send_queued()

    def _fail(self, exc: RuntimeError) -> None:
        """A worker is gone: fail everything outstanding and every later request."""
        self._broken = exc
        if self._loop is not None and self._procs is not None and not self._loop.is_closed():
            for w in range(self.workers):
                self._loop.remove_reader(self._procs.reply_fd(w))
        pending = [f for q in self._inflight for _, f in q] + [f for _, f in self._queued]
        for q in self._inflight:
            q.clear()
        self._queued.clear()
        self._inflight_bytes = [0] * self.workers
        for fut in pending:
            if not fut.done():
                fut.set_exception(exc)

    def warm(self) -> None:
        """Check that the workers (started with the verifier) are running; a worker still
        importing when the first chunk arrives simply reads it when ready."""
        if self._procs is not None and not self._procs.alive():
            raise RuntimeError("a signature verifier process exited at start")

    def close(self) -> None:
        """Stop the workers."""
        if self._procs is not None:
            self._fail(RuntimeError("signature verifier closed"))
            self._procs.close()
            self._procs = None
        self._thread.shutdown(wait=False, cancel_futures=True)
