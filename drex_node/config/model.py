"""Typed configuration sections with production defaults and ``validate()``.

Every error names the field as ``section.field``; :func:`drex_node.config.load_config`
prefixes the file name, e.g. ``node.toml: network.listen: expected host:port``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

ROLES = ("central-bank", "tier1", "tier2", "tier3", "edge", "audit")
SCOPED_ROLES = ("tier2", "tier3")  # keep only node.partitions when it is set
VOTING = ("central-bank", "tier1")


class ConfigError(ValueError):
    """An invalid configuration; the message names the file and the field."""


def check_hostport(value: str, name: str, allow_empty: bool = False) -> str:
    """``value`` if it is ``host:port`` with a port in 0..65535."""
    if allow_empty and value == "":
        return value
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"{name}: expected host:port, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class NodeSection:
    """Who this node is and where its files are (paths relative to the config file)."""

    name: str = "node"
    role: str = "tier1"
    institution: str = "node"
    data_dir: str = "data"
    genesis: str = "genesis.json"
    credentials: str = "tls"
    consensus_key: str = "consensus.key"
    # Partitions whose accounts this node serves reads for (empty: all). On tier2 (the
    # partitions it subscribes to) and tier3 (those of its asset classes) it is also what
    # the node keeps: it applies validators' attested outcomes instead of executing
    # (ADR 0077). Other roles execute every partition.
    partitions: tuple[str, ...] = ()

    def validate(self) -> None:
        if self.role not in ROLES:
            raise ConfigError(f"node.role: must be one of {', '.join(ROLES)}, got {self.role!r}")
        for name in ("name", "institution", "data_dir", "genesis", "credentials"):
            if not getattr(self, name):
                raise ConfigError(f"node.{name}: must not be empty")

    @property
    def scoped(self) -> bool:
        """Whether this node keeps only ``partitions`` (a partition-scoped follower)."""
        return bool(self.partitions) and self.role in SCOPED_ROLES

    @property
    def votes(self) -> bool:
        """Whether this role is a committee member."""
        return self.role in VOTING


@dataclass(frozen=True, slots=True)
class NetworkConfig:
    """Listening address and upstream nodes (followers stream from, entry points forward to,
    in order of preference)."""

    listen: str = "127.0.0.1:7000"
    upstream: tuple[str, ...] = ()
    max_receive_bytes: int = 8 * 1024 * 1024
    peer_queue: int = 4096
    # Entry points: how many of the first upstream validators share the forwarded
    # submissions (each sender sticks to one of them); the rest of the list is failover.
    forward_spread: int = 1

    def validate(self) -> None:
        check_hostport(self.listen, "network.listen")
        for i, up in enumerate(self.upstream):
            check_hostport(up, f"network.upstream[{i}]")
        if self.forward_spread < 1:
            raise ConfigError("network.forward_spread: must be >= 1")
        if self.upstream and self.forward_spread > len(self.upstream):
            raise ConfigError(
                f"network.forward_spread: {self.forward_spread} is more than the "
                f"{len(self.upstream)} upstream nodes"
            )
        # gRPC takes the limit as a C int
        if not 64 * 1024 <= self.max_receive_bytes <= 2**31 - 1:
            raise ConfigError("network.max_receive_bytes: must be in 65536..2147483647")
        if self.peer_queue <= 0:
            raise ConfigError("network.peer_queue: must be > 0")


@dataclass(frozen=True, slots=True)
class ConsensusSection:
    """Engine pacing; times in milliseconds."""

    tick_ms: int = 100
    busy_tick_ms: int = 10
    header_delay_ms: int = 25
    idle_header_delay_ms: int = 500
    header_timeout_ms: int = 1000
    retry_ms: int = 500
    batch_max_txs: int = 500
    # A header seals every non-empty lane and carries the batches (ADR 0079); this only
    # bounds how long a lane holds a transaction while no header is proposed.
    batch_timeout_ms: int = 200
    # After a quorum of a round's certificates, wait up to this long for the rest before
    # proposing the next round, so a slightly late certificate is referenced, not orphaned
    # (its batches would wait for the abandon rule). 0 disables the wait (ADR 0068).
    parent_wait_ms: int = 30

    def validate(self) -> None:
        if self.parent_wait_ms < 0:
            raise ConfigError("consensus.parent_wait_ms: must be >= 0")
        for name in self.__dataclass_fields__:
            if name != "parent_wait_ms" and getattr(self, name) <= 0:
                raise ConfigError(f"consensus.{name}: must be > 0")
        if self.idle_header_delay_ms < self.header_delay_ms:
            raise ConfigError("consensus.idle_header_delay_ms: must be >= header_delay_ms")


@dataclass(frozen=True, slots=True)
class AdmissionConfig:
    """Bounds of the admission path (mempool size, nonce window, verification workers)."""

    max_pending: int = 50_000
    nonce_window: int = 256
    verify_workers: int = 2
    expiry_blocks: int = 10_000
    pending_timeout_s: float = 120.0

    def validate(self) -> None:
        if self.max_pending <= 0:
            raise ConfigError("admission.max_pending: must be > 0")
        if self.nonce_window <= 0:
            raise ConfigError("admission.nonce_window: must be > 0")
        if self.verify_workers < 0:
            raise ConfigError("admission.verify_workers: must be >= 0")
        if self.expiry_blocks <= 0:
            raise ConfigError("admission.expiry_blocks: must be > 0")
        # a NaN compares false with everything, so "<= 0" alone lets it through
        if not math.isfinite(self.pending_timeout_s) or self.pending_timeout_s <= 0:
            raise ConfigError(
                f"admission.pending_timeout_s: must be a finite number > 0, "
                f"got {self.pending_timeout_s!r}"
            )


@dataclass(frozen=True, slots=True)
class MetricsConfig:
    """Prometheus endpoint (empty ``listen`` disables it) and logging."""

    listen: str = ""
    log_level: str = "info"
    log_json: bool = True

    def validate(self) -> None:
        check_hostport(self.listen, "metrics.listen", allow_empty=True)
        if self.log_level not in ("debug", "info", "warning", "error"):
            raise ConfigError("metrics.log_level: must be debug, info, warning or error")


@dataclass(frozen=True, slots=True)
class NodeConfig:
    """A whole node configuration; ``base_dir`` resolves relative paths."""

    node: NodeSection = field(default_factory=NodeSection)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    consensus: ConsensusSection = field(default_factory=ConsensusSection)
    admission: AdmissionConfig = field(default_factory=AdmissionConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    base_dir: Path = Path(".")

    def validate(self) -> None:
        """Raise ConfigError naming the first invalid field."""
        self.node.validate()
        self.network.validate()
        self.consensus.validate()
        self.admission.validate()
        self.metrics.validate()
        if not self.node.votes and not self.network.upstream:
            raise ConfigError(
                f"network.upstream: a {self.node.role} node needs at least one upstream node"
            )

    def path(self, relative: str) -> Path:
        """A configured path resolved against the config file's directory."""
        p = Path(relative)
        return p if p.is_absolute() else self.base_dir / p

    @staticmethod
    def test(base_dir: Path, role: str = "tier1", name: str = "node") -> NodeConfig:
        """Fast settings for tests: short timers, one verification worker."""
        return NodeConfig(
            node=NodeSection(name=name, role=role, institution=name),
            consensus=ConsensusSection(
                tick_ms=20, header_delay_ms=20, idle_header_delay_ms=100, batch_timeout_ms=20
            ),
            admission=AdmissionConfig(verify_workers=0),
            base_dir=base_dir,
        )
