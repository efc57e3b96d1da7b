"""Server interceptors: mTLS identity + authorization, request ids + latency logs.

Install them as ``[RequestLogInterceptor(), AuthorizationInterceptor(...)]`` so
that the log line also covers calls refused by authorization.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

import grpc
import grpc.aio

from drex_node.api.errors import REASON_KEY, ApiError, Reason, abort_with
from drex_node.net.handlers import Context, wrap_handler
from drex_node.security.acl import Authorizer
from drex_node.security.identity import IdentityError
from drex_node.security.peer import (
    PEER_CERT_PROPERTY,
    current_identity,
    identity_from_auth_context,
    set_current_identity,
)

REQUEST_ID_KEY = "x-request-id"
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_request_id: ContextVar[str | None] = ContextVar("drex_request_id", default=None)
rpc_log = logging.getLogger("drex_node.rpc")

Continuation = Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler | None]]


def current_request_id() -> str | None:
    """The request id of the call being handled (set by RequestLogInterceptor)."""
    return _request_id.get()


class AuthorizationInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Establish the caller's Identity from its certificate and apply the table.

    No usable identity -> UNAUTHENTICATED; a method absent from the table or a
    role without a grant -> PERMISSION_DENIED. Both carry a ``drex-reason``.
    """

    def __init__(self, authorizer: Authorizer) -> None:
        self._authorizer = authorizer

    async def intercept_service(
        self, continuation: Continuation, handler_call_details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method

        @asynccontextmanager
        async def guard(context: Context) -> AsyncIterator[None]:
            await self._admit(method, context)
            yield

        return wrap_handler(handler, guard)

    async def _admit(self, method: str, context: Context) -> None:
        auth = context.auth_context()
        if not auth.get(PEER_CERT_PROPERTY):
            await abort_with(
                context,
                ApiError(
                    grpc.StatusCode.UNAUTHENTICATED, Reason.NO_IDENTITY, "no client certificate"
                ),
            )
        try:
            identity = identity_from_auth_context(auth)
        except IdentityError as exc:
            await abort_with(
                context, ApiError(grpc.StatusCode.UNAUTHENTICATED, Reason.BAD_IDENTITY, str(exc))
            )
        denial = self._authorizer.check(method, identity)
        if denial is not None:
            await abort_with(
                context,
                ApiError(grpc.StatusCode.PERMISSION_DENIED, denial.reason.value, denial.message),
            )
        set_current_identity(identity)


def _incoming_request_id(metadata: Any) -> str:
    for key, value in metadata or ():
        if key == REQUEST_ID_KEY and isinstance(value, str) and _REQUEST_ID_RE.match(value):
            return value
    return uuid.uuid4().hex


def _reason(context: Context) -> str | None:
    for key, value in context.trailing_metadata() or ():
        if key == REASON_KEY:
            return str(value)
    return None


class RequestLogInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Assign a request id (or adopt the client's ``x-request-id``) and log one
    JSON line per call with method, caller, status code, reason and latency."""

    def __init__(self, logger: logging.Logger = rpc_log) -> None:
        self._log = logger

    async def intercept_service(
        self, continuation: Continuation, handler_call_details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        request_id = _incoming_request_id(handler_call_details.invocation_metadata)

        @asynccontextmanager
        async def timed(context: Context) -> AsyncIterator[None]:
            _request_id.set(request_id)
            start = time.perf_counter()
            # Read the peer while the call is live: grpcio can crash reading it from a
            # server stream that the client has already cancelled.
            peer = context.peer()
            error: BaseException | None = None
            try:
                yield
            except BaseException as exc:
                error = exc
                raise
            finally:
                self._emit(method, request_id, context, peer, start, error)

        return wrap_handler(handler, timed)

    def _emit(
        self,
        method: str,
        request_id: str,
        context: Context,
        peer: str,
        start: float,
        error: BaseException | None,
    ) -> None:
        code = context.code()
        if code is None:
            code = grpc.StatusCode.OK if error is None else grpc.StatusCode.UNKNOWN
        level = logging.INFO if code == grpc.StatusCode.OK else logging.WARNING
        if not self._log.isEnabledFor(level):
            return
        identity = current_identity()
        record = {
            "event": "rpc",
            "method": method,
            "request_id": request_id,
            "peer": peer,
            "identity": identity.uri if identity is not None else None,
            "code": code.name if isinstance(code, grpc.StatusCode) else str(code),
            "reason": _reason(context),
            "latency_ms": round((time.perf_counter() - start) * 1000.0, 3),
        }
        self._log.log(level, json.dumps(record, sort_keys=True))
