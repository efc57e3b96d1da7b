"""Client channels with mTLS to other nodes (and for operator tools)."""

from __future__ import annotations

from typing import Any

import grpc
import grpc.aio

from drex_node.net.server import DEFAULT_MAX_RECEIVE_BYTES, DEFAULT_MAX_SEND_BYTES
from drex_node.security.store import NodeCredentials


def channel_options(
    *,
    max_receive_bytes: int = DEFAULT_MAX_SEND_BYTES,
    max_send_bytes: int = DEFAULT_MAX_RECEIVE_BYTES,
    server_name: str | None = None,
) -> list[tuple[str, Any]]:
    """Channel arguments: size limits mirroring a server's, optional TLS name override.

    A client's receive limit matches a server's send limit and vice versa, so a
    message a server may send is one its clients accept.
    """
    options: list[tuple[str, Any]] = [
        ("grpc.max_receive_message_length", max_receive_bytes),
        ("grpc.max_send_message_length", max_send_bytes),
        ("grpc.keepalive_time_ms", 30_000),
        ("grpc.keepalive_timeout_ms", 10_000),
        ("grpc.keepalive_permit_without_calls", 1),
    ]
    if server_name is not None:
        options.append(("grpc.ssl_target_name_override", server_name))
    return options


def secure_channel(
    target: str,
    credentials: NodeCredentials,
    *,
    server_name: str | None = None,
    options: list[tuple[str, Any]] | None = None,
) -> grpc.aio.Channel:
    """An mTLS grpc.aio channel to ``target`` (``host:port``).

    The server certificate must chain to the network CA and name the host (or
    ``server_name`` when the address is not in its SANs).
    """
    return grpc.aio.secure_channel(
        target,
        credentials.channel_credentials(),
        options=options if options is not None else channel_options(server_name=server_name),
    )


def secure_channel_sync(
    target: str,
    credentials: NodeCredentials,
    *,
    server_name: str | None = None,
    options: list[tuple[str, Any]] | None = None,
) -> grpc.Channel:
    """Blocking-API variant of :func:`secure_channel` for CLIs and tests."""
    return grpc.secure_channel(
        target,
        credentials.channel_credentials(),
        options=options if options is not None else channel_options(server_name=server_name),
    )
