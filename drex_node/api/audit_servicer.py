"""drex.audit.v1.Audit: committed blocks with receipts and rule flags."""

from __future__ import annotations

from collections.abc import AsyncIterator

from drex_node.api import convert
from drex_node.api._generated.drex.audit.v1 import audit_pb2, audit_pb2_grpc
from drex_node.api.backends import AuditBackend, AuditBlockView
from drex_node.api.servicing import Context, caller, stream


class AuditServicer(audit_pb2_grpc.AuditServicer):
    """Serves the regulator's block stream from an :class:`AuditBackend`."""

    def __init__(self, backend: AuditBackend) -> None:
        self._backend = backend

    async def StreamAuditBlocks(
        self, request: audit_pb2.StreamAuditBlocksRequest, context: Context
    ) -> AsyncIterator[audit_pb2.AuditBlock]:
        who = await caller(context)

        def source() -> AsyncIterator[AuditBlockView]:
            return self._backend.stream_audit_blocks(who, request.from_height, request.flagged_only)

        async for block in stream(context, "StreamAuditBlocks", source, convert.audit_block):
            yield block
