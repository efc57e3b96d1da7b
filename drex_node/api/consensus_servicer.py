"""drex.consensus.v1.Consensus: move opaque engine bytes to a ConsensusBackend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from drex_node.api import convert
from drex_node.api._generated.drex.consensus.v1 import consensus_pb2, consensus_pb2_grpc
from drex_node.api.backends import CommittedBlockView, ConsensusBackend
from drex_node.api.errors import ApiError, Reason, invalid_argument
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

BAD_ROUND_RANGE = "bad_round_range"
NO_SELECTOR = "no_selector"


class ConsensusServicer(consensus_pb2_grpc.ConsensusServicer):
    """Serves validator-to-validator traffic and follower sync."""

    def __init__(self, backend: ConsensusBackend, limits: ApiLimits = ApiLimits()) -> None:
        self._backend = backend
        self._limits = limits

    async def Send(
        self, request: consensus_pb2.ConsensusEnvelope, context: Context
    ) -> consensus_pb2.Ack:
        who = await caller(context)

        async def run() -> consensus_pb2.Ack:
            require_nonempty("payload", request.payload)
            await self._backend.deliver(who, request.sender, request.epoch, request.payload)
            return consensus_pb2.Ack(accepted=1)

        return await unary(context, "Send", run)

    async def SendStream(
        self, request_iterator: AsyncIterator[consensus_pb2.ConsensusEnvelope], context: Context
    ) -> consensus_pb2.Ack:
        who = await caller(context)

        async def run() -> consensus_pb2.Ack:
            accepted = 0
            async for envelope in request_iterator:
                require_nonempty("payload", envelope.payload)
                for payload in (envelope.payload, *envelope.more):
                    require_nonempty("more[i]", payload)
                    await self._backend.deliver(who, envelope.sender, envelope.epoch, payload)
                accepted += 1 + len(envelope.more)
                if accepted > self._limits.max_stream_envelopes:
                    raise ApiError(
                        grpc.StatusCode.RESOURCE_EXHAUSTED,
                        Reason.TOO_MANY_ITEMS,
                        f"more than {self._limits.max_stream_envelopes} envelopes on one stream",
                    )
            return consensus_pb2.Ack(accepted=accepted)

        return await unary(context, "SendStream", run)

    async def FetchBatches(
        self, request: consensus_pb2.FetchBatchesRequest, context: Context
    ) -> consensus_pb2.FetchBatchesResponse:
        who = await caller(context)

        async def run() -> consensus_pb2.FetchBatchesResponse:
            digests = [require_len("digests[i]", d) for d in request.digests]
            require_at_most("digests", digests, self._limits.max_fetch_digests)
            held = await self._backend.fetch_batches(who, digests)
            return consensus_pb2.FetchBatchesResponse(
                batches=[consensus_pb2.Batch(digest=d, data=held[d]) for d in digests if d in held],
                missing=[d for d in digests if d not in held],
            )

        return await unary(context, "FetchBatches", run)

    async def FetchCertificates(
        self, request: consensus_pb2.FetchCertificatesRequest, context: Context
    ) -> consensus_pb2.FetchCertificatesResponse:
        who = await caller(context)

        async def run() -> consensus_pb2.FetchCertificatesResponse:
            selector = request.WhichOneof("selector")
            if selector == "digests":
                digests = [require_len("digests[i]", d) for d in request.digests.digests]
                require_at_most("digests", digests, self._limits.max_fetch_digests)
                certs = await self._backend.fetch_certificates(who, digests)
                found = {c.digest for c in certs}
                missing = [d for d in digests if d not in found]
            elif selector == "rounds":
                low, high = request.rounds.from_round, request.rounds.to_round
                if high < low or high - low >= self._limits.max_round_span:
                    raise invalid_argument(
                        BAD_ROUND_RANGE,
                        f"need from_round <= to_round and span < {self._limits.max_round_span}",
                    )
                certs = await self._backend.certificates_in_rounds(who, low, high)
                missing = []
            else:
                raise invalid_argument(NO_SELECTOR, "set digests or rounds")
            return consensus_pb2.FetchCertificatesResponse(
                certificates=[convert.certificate(c) for c in certs], missing=missing
            )

        return await unary(context, "FetchCertificates", run)

    async def StreamCommitted(
        self, request: consensus_pb2.StreamCommittedRequest, context: Context
    ) -> AsyncIterator[consensus_pb2.CommittedBlock]:
        who = await caller(context)

        def source() -> AsyncIterator[CommittedBlockView]:
            return self._backend.stream_committed(
                who,
                request.from_height,
                with_outcome=request.with_outcome,
                attestation_only=request.attestation_only,
            )

        async for block in stream(context, "StreamCommitted", source, convert.committed_block):
            yield block
