"""An upstream validator that answers a SubmitBatch with more or fewer results than the
transactions it was sent counts as unavailable for every transaction of that call: each
waiting submission gets its answer (none hangs), and no other validator is tried."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

import pytest

from drex_node.api.backends import SubmitResult, SubmitStatus
from drex_node.api.stubs import ledger_pb2, types_pb2
from drex_node.genesis.dev import key
from drex_node.ledger.codes import TxType
from drex_node.ledger.tx import Tx, build, decode
from drex_node.runtime.forwarder import Forwarder
from drex_node.security.store import NodeCredentials

CHAIN = "drex-dev"
UPSTREAM = ["10.0.0.1:7100", "10.0.0.2:7100"]


class FakeUpstream:
    """A validator's Ledger stub that answers ``count(n)`` results for ``n`` transactions."""

    def __init__(self, address: str, shift: int, calls: list[tuple[str, int]]) -> None:
        self.address = address
        self.shift = shift
        self.calls = calls

    async def SubmitBatch(
        self, request: ledger_pb2.SubmitBatchRequest, timeout: float | None = None
    ) -> ledger_pb2.SubmitBatchResponse:
        self.calls.append((self.address, len(request.txs)))
        n = max(0, len(request.txs) + self.shift)
        accepted = types_pb2.SubmitResult(
            tx_hash=bytes(32), status=types_pb2.SUBMIT_STATUS_ACCEPTED
        )
        return ledger_pb2.SubmitBatchResponse(results=[accepted] * n)


class FakeUpstreamForwarder(Forwarder):
    """The real forwarder (queues, coalescing, answers) with its network stub replaced."""

    def __init__(self, shift: int) -> None:
        # Credentials only open channels, which the fake stub does not need.
        super().__init__(UPSTREAM, cast(NodeCredentials, None))
        self.shift = shift
        self.calls: list[tuple[str, int]] = []

    def _stub(self, address: str) -> Any:
        return FakeUpstream(address, self.shift, self.calls)


def _txs(n: int) -> list[Tx]:
    seed = key(f"{CHAIN}/user-N-0").seed
    dst = key(f"{CHAIN}/user-S-0").address
    return [
        decode(build(CHAIN, TxType.TRANSFER, [dst, "DREX", 1, b""], nonce, 10**6, [seed]))
        for nonce in range(1, n + 1)
    ]


def _forward(shift: int, txs: list[Tx]) -> tuple[list[SubmitResult], list[tuple[str, int]]]:
    async def run() -> list[SubmitResult]:
        fwd = FakeUpstreamForwarder(shift)
        try:
            # Bounded: before the fix the answers never came.
            return await asyncio.wait_for(fwd.forward(txs), 5)
        finally:
            calls.extend(fwd.calls)
            await fwd.close()

    calls: list[tuple[str, int]] = []
    return asyncio.run(run()), calls


@pytest.mark.parametrize("shift", [-1, -3, 1, 2], ids=["one-short", "none", "one-more", "two-more"])
def test_wrong_result_count_answers_every_transaction_unavailable(
    shift: int, caplog: pytest.LogCaptureFixture
) -> None:
    txs = _txs(3)
    with caplog.at_level(logging.WARNING, logger="drex_node.forward"):
        results, calls = _forward(shift, txs)
    assert [(r.tx_hash, r.status, r.reason) for r in results] == [
        (tx.hash, SubmitStatus.REJECTED, "upstream_unavailable") for tx in txs
    ]
    assert calls == [(UPSTREAM[0], 3)]  # the next validator is not tried
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert UPSTREAM[0] in warnings[0]
    assert f"{3 + shift} results for 3 transactions" in warnings[0]


def test_matching_result_count_is_forwarded() -> None:
    txs = _txs(3)
    results, calls = _forward(0, txs)
    assert [r.status for r in results] == [SubmitStatus.FORWARDED] * 3
    assert calls == [(UPSTREAM[0], 3)]
