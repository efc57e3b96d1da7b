"""Engine configuration with production defaults, test defaults and validation."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from consensus.codec import Limits
from consensus.commit_rule import RULES
from consensus.committee import Committee
from consensus.types import ValidatorId


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the field."""


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Parameters of one engine. Times are milliseconds of the caller's clock."""

    me: ValidatorId
    genesis: Committee
    authority_public_key: bytes
    partitions: tuple[int, ...] = (0,)
    gc_depth: int = 50
    max_round_ahead: int = 30
    header_timeout_ms: int = 1000
    min_header_delay_ms: int = 0
    retry_ms: int = 500
    batch_max_txs: int = 500
    batch_max_bytes: int = 512 * 1024
    batch_timeout_ms: int = 100
    max_header_batches: int = 64
    reconfig_delay_rounds: int = 20
    max_suspended: int = 5000
    max_unreferenced_batches: int = 256
    max_sync_response: int = 200
    # Outstanding fetches: at most this many announced by one peer, this many in all, and
    # each re-sent at most this many times (then given up until something needs it again).
    max_requests_per_peer: int = 1024
    max_requests: int = 8192
    max_request_attempts: int = 20
    # The same on every member of a network: "bullshark" (anchors in even rounds) or
    # "shoal" (Bullshark instances back to back: an anchor every round; ADR 0078).
    commit_rule: str = "bullshark"
    limits: Limits = field(default_factory=Limits)

    @staticmethod
    def test(me: ValidatorId, genesis: Committee, authority_public_key: bytes) -> EngineConfig:
        """Small, fast settings for unit tests and the simulator."""
        return EngineConfig(
            me=me,
            genesis=genesis,
            authority_public_key=authority_public_key,
            gc_depth=10,
            max_round_ahead=20,
            header_timeout_ms=200,
            retry_ms=150,
            batch_max_txs=10,
            batch_timeout_ms=30,
            reconfig_delay_rounds=6,
        )

    def with_(self, **changes: object) -> EngineConfig:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def validate(self) -> None:
        """Raise ConfigError naming the first invalid field."""
        positive = {
            "gc_depth": self.gc_depth,
            "max_round_ahead": self.max_round_ahead,
            "header_timeout_ms": self.header_timeout_ms,
            "retry_ms": self.retry_ms,
            "batch_max_txs": self.batch_max_txs,
            "batch_max_bytes": self.batch_max_bytes,
            "batch_timeout_ms": self.batch_timeout_ms,
            "max_header_batches": self.max_header_batches,
            "max_suspended": self.max_suspended,
            "max_unreferenced_batches": self.max_unreferenced_batches,
            "max_sync_response": self.max_sync_response,
            "max_requests_per_peer": self.max_requests_per_peer,
            "max_requests": self.max_requests,
            "max_request_attempts": self.max_request_attempts,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ConfigError(f"consensus.{name}: must be > 0, got {value}")
        if self.gc_depth < 4:
            raise ConfigError("consensus.gc_depth: must be >= 4")
        if self.commit_rule not in RULES:
            raise ConfigError(
                f"consensus.commit_rule: must be one of {', '.join(RULES)}, "
                f"got {self.commit_rule!r}"
            )
        if self.reconfig_delay_rounds < 2:
            raise ConfigError("consensus.reconfig_delay_rounds: must be >= 2")
        if self.min_header_delay_ms < 0:
            raise ConfigError("consensus.min_header_delay_ms: must be >= 0")
        if not self.partitions or len(set(self.partitions)) != len(self.partitions):
            raise ConfigError("consensus.partitions: must be non-empty and distinct")
        if len(self.authority_public_key) != 32:
            raise ConfigError("consensus.authority_public_key: must be 32 bytes")
