"""Entry points (tier2, edge, tier3) forward pre-validated transactions to validators.

A sender's transactions always go to the same validator (chosen by its address), over one
ordered queue per validator, so its nonces reach one lane in order. When that validator is
unreachable the next one is tried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

import grpc
import grpc.aio

from drex_node.api.backends import SubmitResult, SubmitStatus
from drex_node.api.stubs import ledger_pb2, ledger_pb2_grpc, types_pb2
from drex_node.ledger.tx import Tx
from drex_node.net.channel import secure_channel
from drex_node.security.store import NodeCredentials

log = logging.getLogger("drex_node.forward")
_STATUS = {
    types_pb2.SUBMIT_STATUS_ACCEPTED: SubmitStatus.FORWARDED,
    types_pb2.SUBMIT_STATUS_FORWARDED: SubmitStatus.FORWARDED,
    types_pb2.SUBMIT_STATUS_DUPLICATE: SubmitStatus.DUPLICATE,
    types_pb2.SUBMIT_STATUS_REJECTED: SubmitStatus.REJECTED,
}


class Forwarder:
    """Ordered forwarding to upstream validators over mTLS."""

    def __init__(self, upstream: Sequence[str], credentials: NodeCredentials) -> None:
        self.upstream = list(upstream)
        self.credentials = credentials
        self._channels: dict[str, grpc.aio.Channel] = {}
        self._locks = {a: asyncio.Lock() for a in self.upstream}

    def _stub(self, address: str) -> ledger_pb2_grpc.LedgerStub:
        ch = self._channels.get(address)
        if ch is None:
            ch = self._channels[address] = secure_channel(address, self.credentials)
        return ledger_pb2_grpc.LedgerStub(ch)  # type: ignore[no-untyped-call]

    def route(self, tx: Tx) -> int:
        """Index of the validator that receives ``tx`` (sticky per sender)."""
        return int.from_bytes(tx.sender[:4], "big") % len(self.upstream)

    async def _send(self, first: int, txs: list[Tx]) -> list[SubmitResult]:
        last: Exception | None = None
        for k in range(len(self.upstream)):
            address = self.upstream[(first + k) % len(self.upstream)]
            try:
                async with self._locks[address]:
                    resp = await self._stub(address).SubmitBatch(
                        ledger_pb2.SubmitBatchRequest(txs=[t.raw for t in txs]), timeout=10
                    )
                return [
                    SubmitResult(
                        r.tx_hash, _STATUS.get(r.status, SubmitStatus.REJECTED), r.reason, r.detail
                    )
                    for r in resp.results
                ]
            except grpc.aio.AioRpcError as exc:
                if exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                    raise
                last = exc
                log.info("forward to %s failed: %s", address, exc.code())
        raise ConnectionError(f"no upstream validator reachable: {last}")

    async def forward(self, txs: Sequence[Tx]) -> list[SubmitResult]:
        """Forward ``txs``; one result per transaction, in order."""
        groups: dict[int, list[int]] = {}
        for i, tx in enumerate(txs):
            groups.setdefault(self.route(tx), []).append(i)
        out: list[SubmitResult | None] = [None] * len(txs)
        parts = await asyncio.gather(
            *(self._send(g, [txs[i] for i in idx]) for g, idx in sorted(groups.items()))
        )
        for (_, idx), results in zip(sorted(groups.items()), parts, strict=True):
            for i, r in zip(idx, results, strict=True):
                out[i] = r
        return [r for r in out if r is not None]

    async def close(self) -> None:
        """Close every channel."""
        for ch in self._channels.values():
            with contextlib.suppress(Exception):
                await ch.close()
