"""drex.ledger.v1.Ledger: validate shapes, convert, delegate to a LedgerBackend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from drex_node.api import convert
from drex_node.api._generated.drex.ledger.v1 import ledger_pb2, ledger_pb2_grpc, types_pb2
from drex_node.api.backends import BlockView, LedgerBackend
from drex_node.api.errors import ApiError
from drex_node.api.servicing import (
    ApiLimits,
    Context,
    caller,
    require_at_most,
    require_len,
    require_nonempty,
    stream,
    unary,
)

UNKNOWN_ACCOUNT = "unknown_account"


class LedgerServicer(ledger_pb2_grpc.LedgerServicer):
    """Serves the public ledger API from a :class:`LedgerBackend`."""

    def __init__(self, backend: LedgerBackend, limits: ApiLimits = ApiLimits()) -> None:
        self._backend = backend
        self._limits = limits

    async def SubmitTransaction(
        self, request: ledger_pb2.SubmitTransactionRequest, context: Context
    ) -> ledger_pb2.SubmitTransactionResponse:
        who = await caller(context)

        async def run() -> ledger_pb2.SubmitTransactionResponse:
            require_nonempty("tx", request.tx)
            result = await self._backend.submit(who, request.tx)
            return ledger_pb2.SubmitTransactionResponse(result=convert.submit_result(result))

        return await unary(context, "SubmitTransaction", run)

    async def SubmitBatch(
        self, request: ledger_pb2.SubmitBatchRequest, context: Context
    ) -> ledger_pb2.SubmitBatchResponse:
        who = await caller(context)

        async def run() -> ledger_pb2.SubmitBatchResponse:
            txs = list(request.txs)
            require_nonempty("txs", txs)
            require_at_most("txs", txs, self._limits.max_batch_txs)
            for tx in txs:
                require_nonempty("txs[i]", tx)
            results = list(await self._backend.submit_batch(who, txs))
            if len(results) != len(txs):
                raise RuntimeError(f"backend returned {len(results)} results for {len(txs)} txs")
            return ledger_pb2.SubmitBatchResponse(
                results=[convert.submit_result(r) for r in results]
            )

        return await unary(context, "SubmitBatch", run)

    async def GetAccount(
        self, request: ledger_pb2.GetAccountRequest, context: Context
    ) -> ledger_pb2.GetAccountResponse:
        who = await caller(context)

        async def run() -> ledger_pb2.GetAccountResponse:
            address = require_len("address", request.address)
            view = await self._backend.get_account(who, address)
            if view is None:
                raise ApiError(grpc.StatusCode.NOT_FOUND, UNKNOWN_ACCOUNT, address.hex())
            return ledger_pb2.GetAccountResponse(account=convert.account(view))

        return await unary(context, "GetAccount", run)

    async def GetTransaction(
        self, request: ledger_pb2.GetTransactionRequest, context: Context
    ) -> ledger_pb2.GetTransactionResponse:
        who = await caller(context)

        async def run() -> ledger_pb2.GetTransactionResponse:
            tx_hash = require_len("tx_hash", request.tx_hash)
            info = await self._backend.get_transaction(who, tx_hash)
            return ledger_pb2.GetTransactionResponse(transaction=convert.tx_info(info))

        return await unary(context, "GetTransaction", run)

    async def WaitForCommit(
        self, request: ledger_pb2.WaitForCommitRequest, context: Context
    ) -> ledger_pb2.GetTransactionResponse:
        who = await caller(context)

        async def run() -> ledger_pb2.GetTransactionResponse:
            tx_hash = require_len("tx_hash", request.tx_hash)
            timeout_ms = min(request.timeout_ms, self._limits.max_wait_ms)
            info = await self._backend.wait_for_commit(who, tx_hash, timeout_ms)
            return ledger_pb2.GetTransactionResponse(transaction=convert.tx_info(info))

        return await unary(context, "WaitForCommit", run)

    async def StreamBlocks(
        self, request: ledger_pb2.StreamBlocksRequest, context: Context
    ) -> AsyncIterator[types_pb2.Block]:
        who = await caller(context)

        def source() -> AsyncIterator[BlockView]:
            return self._backend.stream_blocks(who, request.from_height)

        async for block in stream(context, "StreamBlocks", source, convert.block):
            yield block

    async def GetStatus(
        self, request: ledger_pb2.GetStatusRequest, context: Context
    ) -> types_pb2.NodeStatus:
        who = await caller(context)

        async def run() -> types_pb2.NodeStatus:
            return convert.node_status(await self._backend.status(who))

        return await unary(context, "GetStatus", run)
