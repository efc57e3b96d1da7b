"""Shared plumbing for servicers: caller identity, limits, error mapping."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sized
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

import grpc
import grpc.aio

from drex_node.api.errors import ApiError, Reason, abort, abort_with, invalid_argument
from drex_node.security.identity import Identity, IdentityError
from drex_node.security.peer import current_identity, identity_from_auth_context

T = TypeVar("T")
U = TypeVar("U")
Context: TypeAlias = grpc.aio.ServicerContext[Any, Any]
log = logging.getLogger("drex_node.api")

HASH_LEN = 32


@dataclass(frozen=True, slots=True)
class ApiLimits:
    """Per-request bounds enforced before a backend is called."""

    max_batch_txs: int = 1024
    max_fetch_digests: int = 1024
    max_round_span: int = 256
    max_wait_ms: int = 30_000
    max_stream_envelopes: int = 100_000


async def caller(context: Context) -> Identity:
    """The authenticated caller (from the interceptor, else from the peer cert)."""
    identity = current_identity()
    if identity is not None:
        return identity
    try:
        return identity_from_auth_context(context.auth_context())
    except IdentityError as exc:
        await abort(context, grpc.StatusCode.UNAUTHENTICATED, Reason.NO_IDENTITY, str(exc))


def require_len(name: str, value: bytes, length: int = HASH_LEN) -> bytes:
    """``value`` if it has exactly ``length`` bytes, else INVALID_ARGUMENT."""
    if len(value) != length:
        raise invalid_argument(
            Reason.BAD_LENGTH, f"{name} must be {length} bytes, got {len(value)}"
        )
    return value


def require_nonempty(name: str, value: Sized) -> None:
    """INVALID_ARGUMENT when ``value`` is empty."""
    if len(value) == 0:
        raise invalid_argument(Reason.EMPTY_FIELD, f"{name} is empty")


def require_at_most(name: str, value: Sized, limit: int) -> None:
    """RESOURCE_EXHAUSTED when ``value`` has more than ``limit`` items."""
    if len(value) > limit:
        raise ApiError(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            Reason.TOO_MANY_ITEMS,
            f"{name} has {len(value)} items, at most {limit} allowed",
        )


async def _fail(context: Context, exc: Exception, what: str) -> None:
    if isinstance(exc, ApiError):
        await abort_with(context, exc)
    log.exception("backend failure in %s", what)
    await abort(context, grpc.StatusCode.INTERNAL, Reason.INTERNAL, "internal error")


async def unary(context: Context, what: str, call: Callable[[], Awaitable[T]]) -> T:
    """Run one backend call; map ApiError to its status, anything else to INTERNAL."""
    try:
        return await call()
    except grpc.aio.AbortError:
        raise
    except Exception as exc:
        await _fail(context, exc, what)
        raise


async def stream(
    context: Context,
    what: str,
    source: Callable[[], AsyncIterator[T]],
    convert: Callable[[T], U],
) -> AsyncIterator[U]:
    """Relay a backend stream, converting each item, with the same error mapping."""
    try:
        async for item in source():
            yield convert(item)
    except grpc.aio.AbortError:
        raise
    except Exception as exc:
        await _fail(context, exc, what)
        raise
