"""Signature verifier processes fed through one shared pipe, without feeder threads.

``multiprocessing.Pool`` moves tasks and results through helper threads of the calling
process. Those threads need the GIL: while the calling thread executes a block (it
holds the GIL for up to the 5 ms switch interval at a time), a verifier that finished
its chunk can wait that long for the next one, and a 64 KiB chunk does not fit beside
another in a default pipe, so the feeder blocks on every task. Here the calling thread
writes each chunk itself into one request pipe, enlarged so that several blocks' chunks
fit and a write does not wait, and reads verdicts when it needs them.

Every worker takes the next chunk from that one pipe (a lock makes each read whole), so
a worker that shares its core with the executing process simply takes fewer chunks: with
a pipe per worker and chunks dealt round-robin, the other worker ran out of work while
the executor waited for the slow one (ADR 0006). Each chunk carries an 8-byte id; a
worker answers on its own reply pipe with the id and one verdict byte per transaction.
"""

from __future__ import annotations

import contextlib
import fcntl
import multiprocessing as mp
import os
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from typing import Any

from drex_node.ledger.sigbatch import verify_packed

PIPE_BYTES = 1 << 20  # the default /proc/sys/fs/pipe-max-size
_STOP = b"stop"  # shorter than an id: never a chunk
_ID = 8


def _enlarge(conn: Connection) -> None:
    with contextlib.suppress(OSError):  # an unprivileged limit: keep the default size
        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _serve(
    requests: Connection,
    lock: Any,
    replies: Connection,
    init: Callable[[], None] | None,
    cpu: int | None,
    inherited_writer: Connection | None = None,
) -> None:
    if inherited_writer is not None:  # forked: drop our copy of the parent's end, so
        inherited_writer.close()  # the parent's death reaches us as end-of-file
    if cpu is not None:
        with contextlib.suppress(OSError):  # a container may forbid it: run anywhere
            os.sched_setaffinity(0, {cpu})
    if init is not None:
        init()
    while True:
        try:
            with lock:  # one whole message per reader
                msg = requests.recv_bytes()
        except EOFError:
            return
        if msg == _STOP:  # forked siblings hold copies of the pipes: no EOF to wait for
            return
        replies.send_bytes(msg[:_ID] + verify_packed(msg[_ID:]))


class VerifierProcesses:
    """``n`` verifier processes sharing one queue of chunks.

    :meth:`send` queues a chunk under an id; each worker answers on its own pipe
    (:meth:`reply_fd`, for an event loop to watch) and :meth:`read` returns ``(id,
    verdicts)`` from one worker. :meth:`submit` and :meth:`result` number the chunks and
    wait for a given one, for callers without an event loop."""

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
        req_r, req_w = ctx.Pipe(duplex=False)
        _enlarge(req_w)
        lock = self._lock = ctx.Lock()  # kept: spawned workers open it by name as they start
        self._requests: Connection = req_w
        self._procs: list[Any] = []
        self._replies: list[Connection] = []
        cpus = sorted(os.sched_getaffinity(0))
        for k in range(n):
            rep_r, rep_w = ctx.Pipe(duplex=False)
            _enlarge(rep_w)
            cpu = cpus[k % len(cpus)] if pin else None
            writer = req_w if start_method == "fork" else None
            args = (req_r, lock, rep_w, init, cpu, writer)
            proc = ctx.Process(target=_serve, args=args, daemon=True)
            proc.start()
            rep_w.close()
            self._procs.append(proc)
            self._replies.append(rep_r)
        req_r.close()
        self._next_id = 0
        self._done: dict[int, bytes] = {}

    @property
    def workers(self) -> int:
        return len(self._procs)

    def send(self, ident: int, blob: bytes) -> None:
        """Queue one chunk (from :func:`pack_jobs`) under ``ident`` (0 <= ident < 2^64)."""
        try:
            self._requests.send_bytes(ident.to_bytes(_ID, "big") + blob)
        except OSError:  # BrokenPipeError: every worker is gone
            raise RuntimeError("verifier processes exited") from None

    def read(self, w: int) -> tuple[int, bytes]:
        """One answer of worker ``w``: (chunk id, verdicts); waits for it."""
        try:
            msg = self._replies[w].recv_bytes()
        except (EOFError, OSError):
            raise RuntimeError(f"verifier process {w} exited") from None
        return int.from_bytes(msg[:_ID], "big"), msg[_ID:]

    def reply_fd(self, w: int) -> int:
        """The file descriptor that becomes readable when worker ``w`` has answered."""
        return self._replies[w].fileno()

    def alive(self) -> bool:
        """Whether every worker process is running."""
        return all(p.is_alive() for p in self._procs)

    def submit(self, blob: bytes) -> int:
        """Queue one chunk; returns its id for :meth:`result`."""
        ident = self._next_id
        self._next_id += 1
        self.send(ident, blob)
        return ident

    def result(self, ident: int) -> bytes:
        """The verdicts of chunk ``ident`` (from :meth:`submit`), waiting for them if
        need be; answers to other chunks that arrive meanwhile are kept for later."""
        done = self._done
        while ident not in done:
            ready = wait(self._replies)
            for conn in ready:
                w = self._replies.index(conn)  # type: ignore[arg-type]
                got, verdicts = self.read(w)
                done[got] = verdicts
        return done.pop(ident)

    def close(self) -> None:
        """Stop the workers (idempotent)."""
        for _ in self._procs:
            with contextlib.suppress(OSError):
                self._requests.send_bytes(_STOP)
        for conn in [self._requests, *self._replies]:
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
