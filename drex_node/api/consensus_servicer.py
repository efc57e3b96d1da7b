"""drex.consensus.v1.Consensus: move opaque engine bytes to a ConsensusBackend."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

import grpc

from drex_node.api import convert
from drex_node.api._generated.drex.consensus.v1 import consensus_pb2, consensus_pb2_grpc
from drex_node.api.backends import CommittedBlockView, ConsensusBackend
from drex_node.api.errors import ApiError, Reason, invalid_argument
from drex_node.api.servicing import (
    ApiLimits,
    Context,
    caller,
    log,
    require_at_most,
    require_len,
    require_nonempty,
    stream,
    unary,
)
from drex_node.net.server import DEFAULT_MAX_SEND_BYTES

BAD_ROUND_RANGE = "bad_round_range"
NO_SELECTOR = "no_selector"
# Kept free below the server's send limit: a margin in case the size sum below misses
# something (it counts every field of the response).
RESPONSE_MARGIN_BYTES = 4096
ROUND_FIELD_MAX = 11  # a uint64 field: one tag byte and at most ten varint bytes


def _field_bytes(size: int) -> int:
    """Wire size of one length-delimited field of ``size`` bytes (field number < 16)."""
    return 1 + max(1, (size.bit_length() + 6) // 7) + size


class ConsensusServicer(consensus_pb2_grpc.ConsensusServicer):
    """Serves validator-to-validator traffic and follower sync."""

    def __init__(
        self,
        backend: ConsensusBackend,
        limits: ApiLimits = ApiLimits(),
        max_send_bytes: int = DEFAULT_MAX_SEND_BYTES,
    ) -> None:
        """``max_send_bytes``: the server's send limit (``ServerConfig.max_send_bytes``);
        fetch answers are cut to fit under it."""
        self._backend = backend
        self._limits = limits
        self._response_budget = max_send_bytes - RESPONSE_MARGIN_BYTES

    def _fit(self, what: str, sizes: Iterable[int], used: int) -> int:
        """How many leading items, of the given encoded sizes, fit the response budget
        with ``used`` bytes already taken. The rest are left out of the answer (neither
        sent nor listed as missing): the caller asks for them again. Sizes come from the
        lengths at hand, so nothing is encoded twice."""
        n = 0
        for size in sizes:
            used += _field_bytes(size)
            if used > self._response_budget:
                log.info(
                    "%s: answer cut after %d items (%d byte budget)", what, n, self._response_budget
                )
                break
            n += 1
        return n

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
            limit = self._limits.max_stream_envelopes
            async for envelope in request_iterator:
                # Check the whole envelope before delivering any of it: one refused
                # leaves nothing behind in the engine's queue.
                require_nonempty("payload", envelope.payload)
                for payload in envelope.more:
                    require_nonempty("more[i]", payload)
                count = 1 + len(envelope.more)
                if accepted + count > limit:
                    raise ApiError(
                        grpc.StatusCode.RESOURCE_EXHAUSTED,
                        Reason.TOO_MANY_ITEMS,
                        f"envelope of {count} messages after {accepted} accepted: "
                        f"at most {limit} on one stream",
                    )
                for payload in (envelope.payload, *envelope.more):
                    await self._backend.deliver(who, envelope.sender, envelope.epoch, payload)
                accepted += count
            return consensus_pb2.Ack(accepted=accepted)

        return await unary(context, "SendStream", run)

    async def FetchBatches(
        self, request: consensus_pb2.FetchBatchesRequest, context: Context
    ) -> consensus_pb2.FetchBatchesResponse:
        who = await caller(context)

        async def run() -> consensus_pb2.FetchBatchesResponse:
            digests = [require_len("digests[i]", d) for d in request.digests]
            require_at_most("digests", digests, self._limits.max_fetch_digests)
            # A repeated digest would repeat its batch in the answer: each once, in order.
            digests = list(dict.fromkeys(digests))
            held = await self._backend.fetch_batches(who, digests)
            missing = [d for d in digests if d not in held]
            found = [d for d in digests if d in held]
            n = self._fit(
                "FetchBatches",
                (_field_bytes(len(d)) + _field_bytes(len(held[d])) for d in found),
                sum(_field_bytes(len(d)) for d in missing),
            )
            batches = [consensus_pb2.Batch(digest=d, data=held[d]) for d in found[:n]]
            return consensus_pb2.FetchBatchesResponse(batches=batches, missing=missing)

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
                digests = list(dict.fromkeys(digests))  # each once, as for FetchBatches
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
            # Certificates come in request (or round) order: a cut answer is a prefix.
            n = self._fit(
                "FetchCertificates",
                (
                    _field_bytes(len(c.digest)) + ROUND_FIELD_MAX + _field_bytes(len(c.data))
                    for c in certs
                ),
                sum(_field_bytes(len(d)) for d in missing),
            )
            if selector == "rounds" and n < len(certs):
                # Cut at a round boundary: the caller asks again from the round after the
                # last one answered, which must then be complete.
                cut = certs[n].round
                while n > 0 and certs[n - 1].round == cut:
                    n -= 1
            return consensus_pb2.FetchCertificatesResponse(
                certificates=[convert.certificate(c) for c in certs[:n]], missing=missing
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
