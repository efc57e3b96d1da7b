"""Wrap any gRPC method handler (all four call shapes) in an async context manager.

grpc.aio server interceptors only see the method name and metadata; anything
that needs the ServicerContext (peer certificate, status code) must wrap the
handler's behaviour. The wrapper keeps the behaviour's shape: a coroutine stays a
coroutine and an async generator stays an async generator, because grpc.aio
picks the calling convention by inspecting the function.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, NoReturn, TypeAlias

import grpc
import grpc.aio

from drex_node.api.errors import ApiError, Reason, abort_with

Context: TypeAlias = grpc.aio.ServicerContext[Any, Any]
Middleware = Callable[[Context], AbstractAsyncContextManager[None]]


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


Parse = Callable[[bytes], Any]


def _message_name(parse: Parse) -> str:
    """The protobuf type a deserializer builds (``Type.FromString``), for messages."""
    owner = getattr(parse, "__self__", None)
    descriptor = getattr(owner, "DESCRIPTOR", None)
    return str(getattr(descriptor, "full_name", "request message"))


async def _refuse(context: Context, parse: Parse, exc: Exception) -> NoReturn:
    detail = str(exc)[:200] or type(exc).__name__
    await abort_with(
        context,
        ApiError(
            grpc.StatusCode.INVALID_ARGUMENT,
            Reason.MALFORMED_REQUEST,
            f"not a valid {_message_name(parse)}: {detail}",
        ),
    )


async def _parsed_stream(
    requests: AsyncIterator[bytes], parse: Parse, context: Context
) -> AsyncIterator[Any]:
    async for raw in requests:
        try:
            msg = parse(raw)
        except Exception as exc:  # DecodeError, or anything else the parser raises
            await _refuse(context, parse, exc)
        yield msg


def _wrap_behavior(
    behavior: Callable[..., Any],
    middleware: Middleware,
    parse: Parse | None,
    request_stream: bool,
) -> Callable[..., Any]:
    """``behavior`` inside ``middleware``; the request (or each streamed request) is
    parsed with ``parse`` only inside it, so that a caller who may not call the method
    learns that first, and a malformed request is refused (INVALID_ARGUMENT,
    ``malformed_request``) and logged like any other refusal instead of failing in
    gRPC's own deserialisation (UNKNOWN, no reason, no log line of ours). With no
    ``parse`` (an outer wrapper, or a method taking raw bytes) the request passes as is."""

    async def request_of(request: Any, context: Context) -> Any:
        if parse is None:
            return request
        if request_stream:
            return _parsed_stream(request, parse, context)
        try:
            return parse(request)
        except Exception as exc:  # DecodeError, or anything else the parser raises
            await _refuse(context, parse, exc)

    if inspect.isasyncgenfunction(behavior):

        async def stream(request: Any, context: Context) -> AsyncIterator[Any]:
            async with middleware(context):
                async for item in behavior(await request_of(request, context), context):
                    yield item

        return stream

    async def call(request: Any, context: Context) -> Any:
        async with middleware(context):
            return await _maybe_await(behavior(await request_of(request, context), context))

    return call


def wrap_handler(handler: grpc.RpcMethodHandler, middleware: Middleware) -> grpc.RpcMethodHandler:
    """A handler equivalent to ``handler`` whose behaviour runs inside ``middleware``.

    The returned handler takes raw request bytes (no deserializer): the behaviour parses
    them inside ``middleware`` with ``handler``'s deserializer. Wrapping a wrapped handler
    nests the middlewares; the request is still parsed once, innermost."""
    parse = handler.request_deserializer
    kwargs = {"request_deserializer": None, "response_serializer": handler.response_serializer}
    if handler.unary_unary is not None:
        return grpc.unary_unary_rpc_method_handler(
            _wrap_behavior(handler.unary_unary, middleware, parse, False), **kwargs
        )
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(
            _wrap_behavior(handler.unary_stream, middleware, parse, False), **kwargs
        )
    if handler.stream_unary is not None:
        return grpc.stream_unary_rpc_method_handler(
            _wrap_behavior(handler.stream_unary, middleware, parse, True), **kwargs
        )
    if handler.stream_stream is not None:
        return grpc.stream_stream_rpc_method_handler(
            _wrap_behavior(handler.stream_stream, middleware, parse, True), **kwargs
        )
    raise ValueError("method handler has no behaviour")
