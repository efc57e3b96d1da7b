"""Errors on the wire: a gRPC status code plus a machine-readable reason.

Convention (ADR 0033): every error a drex node returns carries

- a standard gRPC status code (INVALID_ARGUMENT, FAILED_PRECONDITION,
  ALREADY_EXISTS, RESOURCE_EXHAUSTED, PERMISSION_DENIED, UNAUTHENTICATED, ...);
- trailing metadata ``drex-reason``: a short lower-case code such as
  ``nonce_too_low`` or ``role_not_allowed`` (``[a-z0-9_.]{1,64}``), stable
  across releases and meant for programs;
- a status message ``<reason>: <human text>`` meant for people.

Servers raise :class:`ApiError` from backends (the servicers turn it into an
abort) or call :func:`abort` directly; clients call :func:`reason_of`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NoReturn

import grpc
import grpc.aio

REASON_KEY = "drex-reason"
_REASON_RE = re.compile(r"^[a-z0-9_.]{1,64}$")


class Reason:
    """Reason codes produced by the API layer itself (backends add their own)."""

    NO_IDENTITY = "no_identity"
    BAD_IDENTITY = "bad_identity"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    ROLE_NOT_ALLOWED = "role_not_allowed"
    EMPTY_FIELD = "empty_field"
    BAD_LENGTH = "bad_length"
    TOO_MANY_ITEMS = "too_many_items"
    MALFORMED_REQUEST = "malformed_request"
    INTERNAL = "internal"


def check_reason(reason: str) -> str:
    """Return ``reason`` if well formed, else raise ValueError (a bug on our side)."""
    if not _REASON_RE.match(reason):
        raise ValueError(f"malformed reason code {reason!r}")
    return reason


class ApiError(Exception):
    """A refusal to report to the caller: status code, reason code, human message."""

    def __init__(self, code: grpc.StatusCode, reason: str, message: str = "") -> None:
        super().__init__(f"{reason}: {message}" if message else reason)
        self.code = code
        self.reason = check_reason(reason)
        self.message = message

    @property
    def details(self) -> str:
        """The status message sent on the wire."""
        return str(self)


def invalid_argument(reason: str, message: str = "") -> ApiError:
    """Shorthand for an INVALID_ARGUMENT ApiError."""
    return ApiError(grpc.StatusCode.INVALID_ARGUMENT, reason, message)


async def abort(
    context: grpc.aio.ServicerContext[object, object],
    code: grpc.StatusCode,
    reason: str,
    message: str = "",
) -> NoReturn:
    """Abort the current call with ``code`` and the ``drex-reason`` trailer."""
    await abort_with(context, ApiError(code, reason, message))


async def abort_with(
    context: grpc.aio.ServicerContext[object, object], error: ApiError
) -> NoReturn:
    """Abort the current call with an :class:`ApiError`."""
    await context.abort(error.code, error.details, trailing_metadata=((REASON_KEY, error.reason),))
    raise AssertionError("unreachable: context.abort raises")  # pragma: no cover


def _metadata_reason(metadata: Iterable[tuple[str, str | bytes]] | None) -> str | None:
    for key, value in metadata or ():
        if key == REASON_KEY:
            return value.decode("ascii", "replace") if isinstance(value, bytes) else value
    return None


def reason_of(error: grpc.RpcError) -> str | None:
    """Client side: the ``drex-reason`` of a failed call (sync or aio), or None."""
    trailing = getattr(error, "trailing_metadata", None)
    if trailing is None:
        return None
    return _metadata_reason(trailing())


def status_of(error: grpc.RpcError) -> tuple[grpc.StatusCode | None, str | None]:
    """Client side: ``(status code, reason)`` of a failed call."""
    code = getattr(error, "code", None)
    return (code() if code is not None else None), reason_of(error)
