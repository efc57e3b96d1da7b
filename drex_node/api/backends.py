"""What the servicers delegate to: plain dataclasses and typing.Protocols.

The node (ledger, mempool, consensus driver) implements these protocols; the
servicers never see protobuf on the backend side and the backends never see
gRPC. Every method receives the authenticated caller. A backend refuses a
request by raising :class:`drex_node.api.errors.ApiError`; any other exception
becomes INTERNAL (logged, details withheld).

Amounts are Python ints (arbitrary precision); on the wire they are decimal
strings (ADR 0031).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from drex_node.security.identity import Identity


class SubmitStatus(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    FORWARDED = "forwarded"


class TxStatus(StrEnum):
    UNKNOWN = "unknown"
    PENDING = "pending"
    COMMITTED = "committed"
    REJECTED = "rejected"


class AccountStatus(StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"


@dataclass(frozen=True, slots=True)
class SubmitResult:
    tx_hash: bytes
    status: SubmitStatus
    reason: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class TxInfo:
    tx_hash: bytes
    status: TxStatus
    reason: str = ""
    block_height: int = 0
    tx_index: int = 0
    receipt: bytes = b""


@dataclass(frozen=True, slots=True)
class AccountView:
    address: bytes
    partition: str
    kyc_tier: int
    status: AccountStatus
    nonce: int
    balances: Mapping[str, int] = field(default_factory=dict)
    locked: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BlockView:
    height: int
    hash: bytes
    parent_hash: bytes
    state_root: bytes
    epoch: int
    tx_hashes: Sequence[bytes] = ()
    receipts: Sequence[bytes] = ()


@dataclass(frozen=True, slots=True)
class MemberView:
    validator_id: str
    institution: str
    public_key: bytes
    weight: int
    address: str


@dataclass(frozen=True, slots=True)
class CommitteeView:
    epoch: int
    members: Sequence[MemberView]
    authority_signature: bytes = b""


@dataclass(frozen=True, slots=True)
class NodeStatusView:
    role: str
    institution: str
    node_name: str
    height: int
    state_root: bytes
    last_block_hash: bytes
    epoch: int
    committee: CommitteeView | None
    healthy: bool
    version: str


@dataclass(frozen=True, slots=True)
class CertificateView:
    digest: bytes
    round: int
    data: bytes


@dataclass(frozen=True, slots=True)
class CommittedBlockView:
    height: int
    epoch: int
    block_hash: bytes
    parent_hash: bytes
    certificates: Sequence[bytes]
    transactions: Sequence[bytes]
    state_root: bytes
    batches: Sequence[bytes] = ()
    leader_round: int = 0
    # With an execution outcome (ADR 0077): writes as the root hashes them, encoded
    # receipts and events, notes, and the serving validator's attestation.
    writes: bytes = b""
    receipts: Sequence[bytes] = ()
    events: Sequence[bytes] = ()
    notes: Sequence[str] = ()
    attestation: AttestationView | None = None


@dataclass(frozen=True, slots=True)
class AttestationView:
    signer: str
    outcome_digest: bytes
    signature: bytes


@dataclass(frozen=True, slots=True)
class RuleFlagView:
    tx_hash: bytes
    tx_index: int
    rule_id: str
    code: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class AuditBlockView:
    block: BlockView
    flags: Sequence[RuleFlagView] = ()


class LedgerBackend(Protocol):
    """Admission and reads of the ledger, as served by drex.ledger.v1.Ledger."""

    async def submit(self, caller: Identity, tx: bytes) -> SubmitResult:
        """Admit one canonical signed transaction."""
        ...

    async def submit_batch(self, caller: Identity, txs: Sequence[bytes]) -> Sequence[SubmitResult]:
        """Admit several; exactly one result per input, in input order."""
        ...

    async def get_account(self, caller: Identity, address: bytes) -> AccountView | None:
        """The account, or None when it does not exist."""
        ...

    async def get_transaction(self, caller: Identity, tx_hash: bytes) -> TxInfo:
        """Status of a transaction (UNKNOWN when never seen)."""
        ...

    async def wait_for_commit(self, caller: Identity, tx_hash: bytes, timeout_ms: int) -> TxInfo:
        """Wait up to ``timeout_ms`` for a final status, then return the current one."""
        ...

    def stream_blocks(self, caller: Identity, from_height: int) -> AsyncIterator[BlockView]:
        """Committed blocks from ``from_height``, then live ones."""
        ...

    async def status(self, caller: Identity) -> NodeStatusView:
        """This node's role, height, state root and committee."""
        ...


class ConsensusBackend(Protocol):
    """Validator-to-validator delivery and follower sync (drex.consensus.v1)."""

    async def deliver(self, caller: Identity, sender: str, epoch: int, payload: bytes) -> None:
        """Hand one engine message to the driver; raise ApiError to refuse it."""
        ...

    async def fetch_batches(
        self, caller: Identity, digests: Sequence[bytes]
    ) -> Mapping[bytes, bytes]:
        """The held batches among ``digests`` (digest -> bytes)."""
        ...

    async def fetch_certificates(
        self, caller: Identity, digests: Sequence[bytes]
    ) -> Sequence[CertificateView]:
        """The held certificates among ``digests``."""
        ...

    async def certificates_in_rounds(
        self, caller: Identity, from_round: int, to_round: int
    ) -> Sequence[CertificateView]:
        """Every held certificate with ``from_round <= round <= to_round``."""
        ...

    def stream_committed(
        self,
        caller: Identity,
        from_height: int,
        *,
        with_outcome: bool = False,
        attestation_only: bool = False,
    ) -> AsyncIterator[CommittedBlockView]:
        """Committed blocks with their certificates, from ``from_height`` on; with
        ``with_outcome`` only executed blocks, each with its outcome and attestation (only
        those with ``attestation_only``)."""
        ...


class AdminBackend(Protocol):
    """Authority operations (drex.admin.v1)."""

    async def submit_authority(self, caller: Identity, tx: bytes) -> SubmitResult:
        """Admit one authority-signed transaction."""
        ...

    async def committee(self, caller: Identity, epoch: int | None) -> CommitteeView | None:
        """The committee of ``epoch`` (None: current), or None if unknown."""
        ...


class AuditBackend(Protocol):
    """Regulator access (drex.audit.v1)."""

    def stream_audit_blocks(
        self, caller: Identity, from_height: int, flagged_only: bool
    ) -> AsyncIterator[AuditBlockView]:
        """Committed blocks with receipts and rule flags."""
        ...
