"""Ed25519 verification of transaction signatures, in a process pool or inline.

Verification is the unavoidable per-transaction cost; a pool of worker processes lets
a node use every core while its event loop keeps serving. Work is sent in chunks, each
one flat byte string (:mod:`drex_node.ledger.sigbatch`: nothing to pickle per
transaction), and verdicts come back as one byte per transaction. The requests
made during one turn of the event loop (every peer batch of a drained inbound queue,
every concurrent submission) travel together: one dispatch per turn instead of one per
request.

The workers are :class:`~drex_node.runtime.verifiers.VerifierProcesses` (spawned: a node
runs gRPC threads, which must not be forked). The event loop writes each chunk into the
workers' shared request pipe itself and reads verdicts when a reply pipe becomes
readable: no executor thread has to win the GIL from a busy loop to move work or wake it
(ADR 0006). At most :data:`MAX_INFLIGHT_BYTES` of chunks are unanswered at a time, so a
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
MAX_INFLIGHT_BYTES = PIPE_BYTES // 4  # unanswered chunk bytes (well below the pipe's size)


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
        # chunks sent and unanswered, by id: (size, future); chunks not sent yet
        self._inflight: dict[int, tuple[int, asyncio.Future[bytes]]] = {}
        self._inflight_bytes = 0
        self._next_id = 0
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
        if self._broken is not None:  # a worker died: its readers are gone, fail at once
            raise self._broken
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
        if self._loop is not None and not self._loop.is_closed():
            for w in range(self.workers):
                self._loop.remove_reader(self._procs.reply_fd(w))
        self._loop = loop
        for w in range(self.workers):
            loop.add_reader(self._procs.reply_fd(w), self._on_reply, w)

    def _send_queued(self) -> None:
        """Send queued chunks while the unanswered ones leave room."""
        procs, queued, inflight = self._procs, self._queued, self._inflight
        assert procs is not None
        while queued:
            blob, fut = queued[0]
            if inflight and self._inflight_bytes + len(blob) > MAX_INFLIGHT_BYTES:
                return  # replies will make room
            queued.popleft()
            if fut.done():  # its caller was cancelled
                continue
            ident = self._next_id
            self._next_id += 1
            try:
                procs.send(ident, blob)
            except RuntimeError as exc:
                self._fail(exc)
                fut.set_exception(exc)
                return
            inflight[ident] = (len(blob), fut)
            self._inflight_bytes += len(blob)

    def _on_reply(self, w: int) -> None:
        assert self._procs is not None
        try:
            ident, verdicts = self._procs.read(w)
        except RuntimeError as exc:
            self._fail(exc)
            return
        entry = self._inflight.pop(ident, None)
        if entry is None:  # never sent: a protocol error of ours
            self._fail(RuntimeError(f"verifier process {w} answered chunk {ident}, not asked"))
            return
        size, fut = entry
        self._inflight_bytes -= size
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
        pending = [f for _, f in self._inflight.values()] + [f for _, f in self._queued]
        self._inflight.clear()
        self._queued.clear()
        self._inflight_bytes = 0
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
