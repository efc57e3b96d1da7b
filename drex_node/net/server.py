"""Server bootstrap: one grpc.aio server per node with mTLS, the authorization
and request-log interceptors, gRPC health checking, server reflection and
message size limits.

Usage (inside a running event loop)::

    server = build_server(credentials, Servicers(ledger=LedgerServicer(node)), ServerConfig(port=7443))
    await server.start()
    ...
    await server.stop()        # NOT_SERVING first, then drain for `grace_s`
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import grpc
import grpc.aio
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from drex_node.api._generated.drex.admin.v1 import admin_pb2, admin_pb2_grpc
from drex_node.api._generated.drex.audit.v1 import audit_pb2, audit_pb2_grpc
from drex_node.api._generated.drex.consensus.v1 import consensus_pb2, consensus_pb2_grpc
from drex_node.api._generated.drex.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from drex_node.net.interceptors import AuthorizationInterceptor, RequestLogInterceptor
from drex_node.security.acl import Authorizer
from drex_node.security.store import NodeCredentials

MIB = 1024 * 1024
DEFAULT_MAX_RECEIVE_BYTES = 4 * MIB
DEFAULT_MAX_SEND_BYTES = 16 * MIB
log = logging.getLogger("drex_node.net")

LEDGER_SERVICE = ledger_pb2.DESCRIPTOR.services_by_name["Ledger"].full_name
CONSENSUS_SERVICE = consensus_pb2.DESCRIPTOR.services_by_name["Consensus"].full_name
ADMIN_SERVICE = admin_pb2.DESCRIPTOR.services_by_name["Admin"].full_name
AUDIT_SERVICE = audit_pb2.DESCRIPTOR.services_by_name["Audit"].full_name
HEALTH_SERVICE = health_pb2.DESCRIPTOR.services_by_name["Health"].full_name


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Listening address and transport limits of a node's gRPC server."""

    host: str = "127.0.0.1"
    port: int = 0
    max_receive_bytes: int = DEFAULT_MAX_RECEIVE_BYTES
    max_send_bytes: int = DEFAULT_MAX_SEND_BYTES
    max_concurrent_streams: int = 256
    # Calls in flight on the whole server; beyond it new calls get RESOURCE_EXHAUSTED.
    max_concurrent_rpcs: int = 10_000
    grace_s: float = 5.0
    # Optional plaintext port serving ONLY grpc.health.v1 (for kubelet gRPC probes,
    # which cannot present a client certificate). None: no probe port.
    probe_port: int | None = None

    def validate(self) -> None:
        """Raise ValueError naming the first bad field."""
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port: {self.port} is not in 0..65535")
        for name in (
            "max_receive_bytes",
            "max_send_bytes",
            "max_concurrent_streams",
            "max_concurrent_rpcs",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name}: must be positive")
        if self.grace_s < 0:
            raise ValueError("grace_s: must be >= 0")
        if self.probe_port is not None and not 0 <= self.probe_port <= 65535:
            raise ValueError(f"probe_port: {self.probe_port} is not in 0..65535")

    def options(self) -> list[tuple[str, Any]]:
        """grpc channel arguments implementing the limits."""
        return [
            ("grpc.max_receive_message_length", self.max_receive_bytes),
            ("grpc.max_send_message_length", self.max_send_bytes),
            ("grpc.max_concurrent_streams", self.max_concurrent_streams),
            ("grpc.so_reuseport", 0),
            # Detect dead peers on long-lived streams (followers, validators) ...
            ("grpc.keepalive_time_ms", 60_000),
            ("grpc.keepalive_timeout_ms", 20_000),
            # ... and accept the clients' 30 s keepalive pings (the default minimum
            # of 5 minutes would answer them with GOAWAY "too_many_pings").
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.min_recv_ping_interval_without_data_ms", 10_000),
        ]


@dataclass(slots=True)
class Servicers:
    """The services this node serves; a role leaves the others None (see DESIGN §1)."""

    ledger: ledger_pb2_grpc.LedgerServicer | None = None
    consensus: consensus_pb2_grpc.ConsensusServicer | None = None
    admin: admin_pb2_grpc.AdminServicer | None = None
    audit: audit_pb2_grpc.AuditServicer | None = None
    extra: list[grpc.GenericRpcHandler] = field(default_factory=list)


@dataclass(slots=True)
class NodeServer:
    """A built server: start, stop, health status and the bound port."""

    server: grpc.aio.Server
    port: int
    health: health.aio.HealthServicer
    services: tuple[str, ...]
    grace_s: float
    probe: grpc.aio.Server | None = None
    probe_port: int | None = None

    async def start(self) -> None:
        """Start serving and mark every registered service SERVING."""
        await self.server.start()
        if self.probe is not None:
            await self.probe.start()
        for service in ("", *self.services):
            await self.health.set(service, health_pb2.HealthCheckResponse.SERVING)
        log.info("grpc server listening on port %d: %s", self.port, ", ".join(self.services))

    async def set_serving(self, serving: bool, service: str = "") -> None:
        """Report a service (or the whole node, ``""``) as (not) serving."""
        status = (
            health_pb2.HealthCheckResponse.SERVING
            if serving
            else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        await self.health.set(service, status)

    async def stop(self, grace_s: float | None = None) -> None:
        """Graceful stop: NOT_SERVING everywhere, refuse new calls, let running ones finish."""
        await self.health.enter_graceful_shutdown()
        await self.server.stop(self.grace_s if grace_s is None else grace_s)
        if self.probe is not None:
            await self.probe.stop(0)

    async def wait(self) -> None:
        """Block until the server terminates."""
        await self.server.wait_for_termination()


def build_server(
    credentials: NodeCredentials,
    servicers: Servicers,
    config: ServerConfig = ServerConfig(),
    authorizer: Authorizer | None = None,
) -> NodeServer:
    """Create (not start) an mTLS grpc.aio server with interceptors, health and reflection."""
    config.validate()
    server = grpc.aio.server(
        interceptors=[
            RequestLogInterceptor(),
            AuthorizationInterceptor(authorizer or Authorizer()),
        ],
        options=config.options(),
        maximum_concurrent_rpcs=config.max_concurrent_rpcs,
    )
    services: list[str] = []
    if servicers.ledger is not None:
        ledger_pb2_grpc.add_LedgerServicer_to_server(servicers.ledger, server)  # type: ignore[no-untyped-call]
        services.append(LEDGER_SERVICE)
    if servicers.consensus is not None:
        consensus_pb2_grpc.add_ConsensusServicer_to_server(servicers.consensus, server)  # type: ignore[no-untyped-call]
        services.append(CONSENSUS_SERVICE)
    if servicers.admin is not None:
        admin_pb2_grpc.add_AdminServicer_to_server(servicers.admin, server)  # type: ignore[no-untyped-call]
        services.append(ADMIN_SERVICE)
    if servicers.audit is not None:
        audit_pb2_grpc.add_AuditServicer_to_server(servicers.audit, server)  # type: ignore[no-untyped-call]
        services.append(AUDIT_SERVICE)
    if servicers.extra:
        server.add_generic_rpc_handlers(tuple(servicers.extra))
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (*services, HEALTH_SERVICE, reflection.SERVICE_NAME), server
    )
    port = server.add_secure_port(f"{config.host}:{config.port}", credentials.server_credentials())
    if port == 0:
        raise OSError(f"could not bind {config.host}:{config.port}")
    probe, probe_port = _probe_server(config, health_servicer)
    return NodeServer(
        server, port, health_servicer, tuple(services), config.grace_s, probe, probe_port
    )


def _probe_server(
    config: ServerConfig, health_servicer: health.aio.HealthServicer
) -> tuple[grpc.aio.Server | None, int | None]:
    """A plaintext server sharing the health state and serving nothing else."""
    if config.probe_port is None:
        return None, None
    probe = grpc.aio.server(options=[("grpc.max_receive_message_length", 4096)])
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, probe)
    port = probe.add_insecure_port(f"{config.host}:{config.probe_port}")
    if port == 0:
        raise OSError(f"could not bind probe port {config.host}:{config.probe_port}")
    return probe, port
