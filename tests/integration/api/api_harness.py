"""Test harness: a PKI for every role, stub backends, a real mTLS server on loopback
running its own event loop in a background thread, and blocking clients."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import grpc

from drex_node.api.admin_servicer import AdminServicer
from drex_node.api.audit_servicer import AuditServicer
from drex_node.api.backends import (
    AccountStatus,
    AccountView,
    AuditBlockView,
    BlockView,
    CertificateView,
    CommittedBlockView,
    CommitteeView,
    MemberView,
    NodeStatusView,
    RuleFlagView,
    SubmitResult,
    SubmitStatus,
    TxInfo,
    TxStatus,
)
from drex_node.api.consensus_servicer import ConsensusServicer
from drex_node.api.errors import ApiError
from drex_node.api.ledger_servicer import LedgerServicer
from drex_node.net.server import NodeServer, ServerConfig, Servicers, build_server
from drex_node.security.acl import Authorizer
from drex_node.security.identity import Identity, Role
from drex_node.security.pki import create_ca
from drex_node.security.store import NodeCredentials, init_ca, issue_to_directory

T = TypeVar("T")
CB = "bcb"
BANK = "12345678"
BIG = 2**70 + 5  # larger than any fixed-width protobuf integer
TX_NONCE_LOW = b"nonce-too-low"
TX_BOOM = b"boom"

# principal name -> identity; "cb-operator" is an operator of the central bank.
PRINCIPALS: dict[str, Identity] = {
    "central-bank": Identity(CB, Role.CENTRAL_BANK),
    "tier1": Identity(BANK, Role.TIER1),
    "tier2": Identity("22222222", Role.TIER2),
    "tier3": Identity("33333333", Role.TIER3),
    "edge": Identity("44444444", Role.EDGE),
    "audit": Identity("regulator", Role.AUDIT),
    "operator": Identity(BANK, Role.OPERATOR),
    "cb-operator": Identity(CB, Role.OPERATOR),
    "client": Identity("55555555", Role.CLIENT),
}


def make_pki(directory: Path) -> dict[str, NodeCredentials]:
    """Credentials for the server ("server") and every principal."""
    ca = init_ca(directory)
    creds = {
        name: issue_to_directory(directory, ca, name, identity)
        for name, identity in PRINCIPALS.items()
    }
    creds["server"] = issue_to_directory(directory, ca, "server", Identity(CB, Role.CENTRAL_BANK))
    return creds


def foreign_credentials(directory: Path) -> NodeCredentials:
    """A tier1 certificate from a different CA (same identity, wrong issuer)."""
    other = create_ca("some other CA")
    return issue_to_directory(directory, other, "foreign", Identity(BANK, Role.TIER1))


class StubNode:
    """Implements every backend protocol with fixed answers and records callers."""

    def __init__(self) -> None:
        self.callers: list[tuple[str, Identity]] = []

    def _seen(self, what: str, caller: Identity) -> None:
        self.callers.append((what, caller))

    # LedgerBackend
    async def submit(self, caller: Identity, tx: bytes) -> SubmitResult:
        self._seen("submit", caller)
        if tx == TX_NONCE_LOW:
            raise ApiError(grpc.StatusCode.FAILED_PRECONDITION, "nonce_too_low", "nonce 3 < 7")
        if tx == TX_BOOM:
            raise RuntimeError("backend exploded")
        return SubmitResult(tx_hash=bytes(32), status=SubmitStatus.ACCEPTED)

    async def submit_batch(self, caller: Identity, txs: Sequence[bytes]) -> Sequence[SubmitResult]:
        self._seen("submit_batch", caller)
        return [
            SubmitResult(bytes([i]) * 32, SubmitStatus.DUPLICATE, "duplicate")
            for i in range(len(txs))
        ]

    async def get_account(self, caller: Identity, address: bytes) -> AccountView | None:
        self._seen("get_account", caller)
        if address == bytes(32):
            return None
        return AccountView(address, "SE", 2, AccountStatus.FROZEN, 7, {"BRL": BIG}, {"BRL": 1})

    async def get_transaction(self, caller: Identity, tx_hash: bytes) -> TxInfo:
        self._seen("get_transaction", caller)
        return TxInfo(tx_hash, TxStatus.COMMITTED, block_height=9, tx_index=1, receipt=b"r")

    async def wait_for_commit(self, caller: Identity, tx_hash: bytes, timeout_ms: int) -> TxInfo:
        self._seen("wait_for_commit", caller)
        return TxInfo(tx_hash, TxStatus.PENDING, reason=str(timeout_ms))

    async def stream_blocks(self, caller: Identity, from_height: int) -> AsyncIterator[BlockView]:
        self._seen("stream_blocks", caller)
        for height in range(from_height, from_height + 2):
            yield _block(height)

    async def status(self, caller: Identity) -> NodeStatusView:
        self._seen("status", caller)
        return NodeStatusView(
            "central-bank", CB, "bcb-0", 5, b"s" * 32, b"h" * 32, 1, _committee(), True, "0.1.0"
        )

    # ConsensusBackend
    async def deliver(self, caller: Identity, sender: str, epoch: int, payload: bytes) -> None:
        self._seen("deliver", caller)

    async def fetch_batches(
        self, caller: Identity, digests: Sequence[bytes]
    ) -> Mapping[bytes, bytes]:
        self._seen("fetch_batches", caller)
        return {d: b"batch" for d in digests if d[0] % 2 == 0}

    async def fetch_certificates(
        self, caller: Identity, digests: Sequence[bytes]
    ) -> Sequence[CertificateView]:
        self._seen("fetch_certificates", caller)
        return [CertificateView(d, 3, b"cert") for d in digests[:1]]

    async def certificates_in_rounds(
        self, caller: Identity, from_round: int, to_round: int
    ) -> Sequence[CertificateView]:
        self._seen("certificates_in_rounds", caller)
        return [
            CertificateView(bytes([r]) * 32, r, b"cert") for r in range(from_round, to_round + 1)
        ]

    async def stream_committed(
        self,
        caller: Identity,
        from_height: int,
        *,
        with_outcome: bool = False,
        attestation_only: bool = False,
    ) -> AsyncIterator[CommittedBlockView]:
        self._seen("stream_committed", caller)
        yield CommittedBlockView(from_height, 1, b"b" * 32, b"p" * 32, [b"c"], [b"tx"], b"s" * 32)

    # AdminBackend
    async def submit_authority(self, caller: Identity, tx: bytes) -> SubmitResult:
        self._seen("submit_authority", caller)
        return SubmitResult(bytes(32), SubmitStatus.ACCEPTED)

    async def committee(self, caller: Identity, epoch: int | None) -> CommitteeView | None:
        self._seen("committee", caller)
        return None if epoch == 99 else _committee()

    # AuditBackend
    async def stream_audit_blocks(
        self, caller: Identity, from_height: int, flagged_only: bool
    ) -> AsyncIterator[AuditBlockView]:
        self._seen("stream_audit_blocks", caller)
        yield AuditBlockView(
            _block(from_height), [RuleFlagView(b"t" * 32, 0, "aml.v1", "large_cash")]
        )


def _block(height: int) -> BlockView:
    return BlockView(height, b"h" * 32, b"p" * 32, b"s" * 32, 1, [b"t" * 32], [b"r"])


def _committee() -> CommitteeView:
    return CommitteeView(1, [MemberView("v0", CB, b"k" * 32, 1, "127.0.0.1:1")], b"sig")


def servicers(node: StubNode, extra: list[grpc.GenericRpcHandler] | None = None) -> Servicers:
    return Servicers(
        ledger=LedgerServicer(node),
        consensus=ConsensusServicer(node),
        admin=AdminServicer(node),
        audit=AuditServicer(node),
        extra=extra or [],
    )


class ServerThread:
    """Runs one NodeServer on its own event loop in a daemon thread."""

    def __init__(self, factory: Callable[[], NodeServer]) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

        async def start() -> NodeServer:
            server = factory()
            await server.start()
            return server

        self.server = self.run(start())

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    @property
    def target(self) -> str:
        return f"localhost:{self.server.port}"

    def close(self) -> None:
        self.run(self.server.stop(0))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


def start_server(
    creds: NodeCredentials,
    node: StubNode,
    config: ServerConfig = ServerConfig(),
    extra: list[grpc.GenericRpcHandler] | None = None,
) -> ServerThread:
    return ServerThread(
        lambda: build_server(
            creds, servicers(node, extra), config, Authorizer(central_bank_institution=CB)
        )
    )
