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
from typing import Any, TypeAlias

import grpc
import grpc.aio

Context: TypeAlias = grpc.aio.ServicerContext[Any, Any]
Middleware = Callable[[Context], AbstractAsyncContextManager[None]]


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def _wrap_behavior(behavior: Callable[..., Any], middleware: Middleware) -> Callable[..., Any]:
    if inspect.isasyncgenfunction(behavior):

        async def stream(request: Any, context: Context) -> AsyncIterator[Any]:
            async with middleware(context):
                async for item in behavior(request, context):
                    yield item

        return stream

    async def call(request: Any, context: Context) -> Any:
        async with middleware(context):
            return await _maybe_await(behavior(request, context))

    return call


def wrap_handler(handler: grpc.RpcMethodHandler, middleware: Middleware) -> grpc.RpcMethodHandler:
    """A handler equivalent to ``handler`` whose behaviour runs inside ``middleware``."""
    kwargs = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary is not None:
        return grpc.unary_unary_rpc_method_handler(
            _wrap_behavior(handler.unary_unary, middleware), **kwargs
        )
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(
            _wrap_behavior(handler.unary_stream, middleware), **kwargs
        )
    if handler.stream_unary is not None:
        return grpc.stream_unary_rpc_method_handler(
            _wrap_behavior(handler.stream_unary, middleware), **kwargs
        )
    if handler.stream_stream is not None:
        return grpc.stream_stream_rpc_method_handler(
            _wrap_behavior(handler.stream_stream, middleware), **kwargs
        )
    raise ValueError("method handler has no behaviour")
