"""drex.admin.v1.Admin: authority transactions and committee reads."""

from __future__ import annotations

import grpc

from drex_node.api import convert
from drex_node.api._generated.drex.admin.v1 import admin_pb2, admin_pb2_grpc
from drex_node.api.backends import AdminBackend
from drex_node.api.errors import ApiError
from drex_node.api.servicing import Context, caller, require_nonempty, unary

UNKNOWN_EPOCH = "unknown_epoch"


class AdminServicer(admin_pb2_grpc.AdminServicer):
    """Serves authority operations from an :class:`AdminBackend`."""

    def __init__(self, backend: AdminBackend) -> None:
        self._backend = backend

    async def SubmitAuthorityTransaction(
        self, request: admin_pb2.SubmitAuthorityTransactionRequest, context: Context
    ) -> admin_pb2.SubmitAuthorityTransactionResponse:
        who = await caller(context)

        async def run() -> admin_pb2.SubmitAuthorityTransactionResponse:
            require_nonempty("tx", request.tx)
            result = await self._backend.submit_authority(who, request.tx)
            return admin_pb2.SubmitAuthorityTransactionResponse(
                result=convert.submit_result(result)
            )

        return await unary(context, "SubmitAuthorityTransaction", run)

    async def GetCommittee(
        self, request: admin_pb2.GetCommitteeRequest, context: Context
    ) -> admin_pb2.GetCommitteeResponse:
        who = await caller(context)

        async def run() -> admin_pb2.GetCommitteeResponse:
            epoch = request.epoch if request.HasField("epoch") else None
            view = await self._backend.committee(who, epoch)
            if view is None:
                raise ApiError(grpc.StatusCode.NOT_FOUND, UNKNOWN_EPOCH, f"epoch {epoch}")
            return admin_pb2.GetCommitteeResponse(committee=convert.committee(view))

        return await unary(context, "GetCommittee", run)
