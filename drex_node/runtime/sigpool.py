"""Ed25519 verification of transaction signatures, in a process pool or inline.

Verification is the unavoidable per-transaction cost; a pool of worker processes lets
a node use every core while its event loop keeps serving. Work is sent in chunks so
the pickling overhead stays small next to the verification itself.
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
CHUNK = 64


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

    async def verify(self, txs: Sequence[Tx]) -> list[bool]:
        """One verdict per transaction, in order."""
        jobs: list[Job] = [(t.hash, t.signatures) for t in txs]
        if self._pool is None:
            return verify_jobs(jobs)
        loop = asyncio.get_running_loop()
        if len(jobs) < 4:  # not worth a process hop, but kept off the event loop
            return await loop.run_in_executor(self._thread, verify_jobs, jobs)
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
