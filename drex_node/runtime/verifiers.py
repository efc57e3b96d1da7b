"""Signature verifier processes fed through pipes, without a feeder thread.

``multiprocessing.Pool`` moves tasks and results through helper threads of the calling
process. Those threads need the GIL: while the calling thread executes a block (it
holds the GIL for up to the 5 ms switch interval at a time), a verifier that finished
its chunk can wait that long for the next one, and a 64 KiB chunk does not fit beside
another in a default pipe, so the feeder blocks on every task. Here the calling thread
writes each chunk itself into the worker's request pipe, enlarged so that several
blocks' chunks fit and a write never waits, and reads verdicts when it needs them.

Each worker runs :func:`verify_packed` on the chunks it receives, in order, and answers
with one verdict byte per transaction. Work is assigned round-robin by the caller.
"""

from __future__ import annotations

import contextlib
import fcntl
import multiprocessing as mp
import os
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from drex_node.ledger.sigbatch import verify_packed

PIPE_BYTES = 1 << 20  # the default /proc/sys/fs/pipe-max-size
_STOP = b"stop"  # not a whole record (count 115, 4 bytes): never a chunk


def _enlarge(conn: Connection) -> None:
    with contextlib.suppress(OSError):  # an unprivileged limit: keep the default size
        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _serve(
    requests: Connection,
    replies: Connection,
    init: Callable[[], None] | None,
    cpu: int | None,
) -> None:
    if cpu is not None:
        with contextlib.suppress(OSError):  # a container may forbid it: run anywhere
            os.sched_setaffinity(0, {cpu})
    if init is not None:
        init()
    while True:
        try:
            blob = requests.recv_bytes()
        except EOFError:
            return
        if blob == _STOP:  # forked siblings hold copies of the pipes: no EOF to wait for
            return
        replies.send_bytes(verify_packed(blob))


class VerifierProcesses:
    """``n`` verifier processes. :meth:`send` and :meth:`recv` talk to one worker (its
    replies come in the order of its requests; :meth:`reply_fd` is what an event loop
    watches); :meth:`submit` and :meth:`result` spread chunks round-robin with tickets."""

    def __init__(
        self,
        n: int,
        init: Callable[[], None] | None = None,
        *,
        pin: bool = False,
        start_method: str = "fork",
    ) -> None:
        """``init`` runs first in each worker (a module-level function under "spawn");
        ``pin`` keeps worker ``k`` on CPU ``k`` (modulo the CPUs this process may use),
        so that no worker waits to be moved to a core another process just left idle.
        Use ``start_method="spawn"`` in a process that runs other threads (gRPC)."""
        ctx: Any = mp.get_context(start_method)
        self._procs = []
        self._requests: list[Connection] = []
        self._replies: list[Connection] = []
        cpus = sorted(os.sched_getaffinity(0))
        for k in range(n):
            req_r, req_w = ctx.Pipe(duplex=False)
            rep_r, rep_w = ctx.Pipe(duplex=False)
            _enlarge(req_w)
            _enlarge(rep_w)
            cpu = cpus[k % len(cpus)] if pin else None
            proc = ctx.Process(target=_serve, args=(req_r, rep_w, init, cpu), daemon=True)
            proc.start()
            req_r.close()
            rep_w.close()
            self._procs.append(proc)
            self._requests.append(req_w)
            self._replies.append(rep_r)
        self._next = 0
        self._sent = [0] * n  # chunks sent to each worker
        self._taken = [0] * n  # replies read from each worker

    @property
    def workers(self) -> int:
        return len(self._procs)

    def send(self, w: int, blob: bytes) -> None:
        """Queue one chunk (from :func:`pack_jobs`) on worker ``w``."""
        try:
            self._requests[w].send_bytes(blob)
        except OSError:  # BrokenPipeError: the worker is gone
            raise RuntimeError(f"verifier process {w} exited") from None

    def recv(self, w: int) -> bytes:
        """The verdicts of worker ``w``'s oldest unanswered chunk (waits for them)."""
        try:
            return self._replies[w].recv_bytes()
        except (EOFError, OSError):
            raise RuntimeError(f"verifier process {w} exited") from None

    def alive(self) -> bool:
        """Whether every worker process is running."""
        return all(p.is_alive() for p in self._procs)

    def reply_fd(self, w: int) -> int:
        """The file descriptor that becomes readable when worker ``w`` has answered."""
        return self._replies[w].fileno()

    def submit(self, blob: bytes) -> tuple[int, int]:
        """Queue one chunk on the next worker, round-robin; returns its ticket."""
        w = self._next
        self._next = (w + 1) % len(self._procs)
        self.send(w, blob)
        self._sent[w] += 1
        return w, self._sent[w] - 1

    def result(self, ticket: tuple[int, int]) -> bytes:
        """The verdicts of ``ticket``, waiting for them if need be (each ticket once,
        in submission order per worker)."""
        w, seq = ticket
        if seq != self._taken[w]:
            raise ValueError(f"ticket {ticket} taken out of order")
        verdicts = self.recv(w)
        self._taken[w] += 1
        return verdicts

    def close(self) -> None:
        """Stop the workers (idempotent)."""
        for conn in self._requests:
            with contextlib.suppress(OSError):
                conn.send_bytes(_STOP)
        for conn in self._requests + self._replies:
            conn.close()
        for proc in self._procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join()
        self._procs.clear()

    def __enter__(self) -> VerifierProcesses:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
