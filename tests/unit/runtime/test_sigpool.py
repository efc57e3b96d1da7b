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
