"""The signature pool: requests made in one event-loop turn share one pool submission,
and each gets its own verdicts in order."""

from __future__ import annotations

import asyncio
import hashlib

from drex_node.ledger.codes import TxType
from drex_node.ledger.tx import Tx, address_of, build, decode
from drex_node.runtime.sigpool import SignatureVerifier


def txs(n: int, tag: str) -> list[Tx]:
    out = []
    for i in range(n):
        seed = hashlib.sha256(f"{tag}{i}".encode()).digest()
        raw = build("test-chain", TxType.MINT, [address_of(seed), "DREX", 5], 1, 10, [seed])
        out.append(decode(raw))
    return out


def forged(tx: Tx) -> Tx:
    (pk, sig), *_ = tx.signatures
    return tx._replace(signatures=((pk, bytes([sig[0] ^ 1]) + sig[1:]),))


def test_concurrent_requests_share_one_submission_and_keep_their_verdicts() -> None:
    async def run() -> None:
        v = SignatureVerifier(1)
        try:
            a, b, c = txs(5, "a"), txs(2, "b"), txs(7, "c")
            b[1] = forged(b[1])
            c[0] = forged(c[0])
            got = await asyncio.gather(v.verify(a), v.verify(b), v.verify(c), v.verify([]))
            assert got == [[True] * 5, [True, False], [False] + [True] * 6, []]
            assert v.dispatches == 1
            assert await v.verify(txs(1, "d")) == [True]  # a small request on its own
            assert v.dispatches == 2
        finally:
            v.close()

    asyncio.run(run())


def test_inline_verifier_without_workers() -> None:
    async def run() -> None:
        v = SignatureVerifier(0)
        one = txs(2, "e")
        assert await v.verify([one[0], forged(one[1])]) == [True, False]
        v.close()

    asyncio.run(run())


def test_more_work_than_the_pipes_hold_waits_in_order_and_keeps_verdicts() -> None:
    from drex_node.runtime import sigpool

    async def run() -> None:
        v = SignatureVerifier(2)
        old = sigpool.MAX_INFLIGHT_BYTES
        sigpool.MAX_INFLIGHT_BYTES = 1  # one chunk in flight at a time, the rest queued
        try:
            batches = [txs(300, f"q{k}") for k in range(3)]
            batches[1][257] = forged(batches[1][257])
            got = await asyncio.gather(*(v.verify(b) for b in batches))
            assert got[0] == [True] * 300 and got[2] == [True] * 300
            assert got[1] == [True] * 257 + [False] + [True] * 42
            assert not v._queued and not v._inflight and v._inflight_bytes == 0
        finally:
            sigpool.MAX_INFLIGHT_BYTES = old
            v.close()

    asyncio.run(run())


def test_a_dead_worker_fails_its_requests_with_a_clear_error() -> None:
    import os
    import signal

    import pytest

    async def run(workers: int) -> None:
        v = SignatureVerifier(workers)
        try:
            assert await v.verify(txs(8, "k")) == [True] * 8
            v.warm()
            assert v._procs is not None
            os.kill(v._procs._procs[0].pid or 0, signal.SIGKILL)
            v._procs._procs[0].join()
            await asyncio.sleep(0.05)  # the loop sees the dead worker's pipe close
            with pytest.raises(RuntimeError, match="exited"):
                await v.verify(txs(8, "k2"))
            with pytest.raises(RuntimeError, match="exited"):
                await v.verify(txs(8, "k3"))  # and every later request
        finally:
            v.close()

    asyncio.run(asyncio.wait_for(run(1), 30))
    asyncio.run(asyncio.wait_for(run(2), 30))  # the other worker still reads the queue
