"""Backends of the gRPC services (drex_node.api.backends protocols) over a running Node."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import grpc

from consensus.codec import encode
from consensus.committee import Committee
from consensus.crypto import Ed25519Verifier
from consensus.types import BatchMsg, CertificateMsg
from drex_node.api.backends import (
    AccountStatus,
    AccountView,
    AttestationView,
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
from drex_node.api.errors import ApiError
from drex_node.ledger.codes import AccountFlag, TxType
from drex_node.ledger.commit import block_receipts, encoded_receipts, receipt
from drex_node.ledger.state import StateView
from drex_node.ledger.tx import Tx, TxDecodeError, decode
from drex_node.node.reconfig import check_change, committee_of
from drex_node.runtime.blocks import BlockRecord
from drex_node.runtime.carrier import unwrap, wrap
from drex_node.runtime.outcome import get_outcome
from drex_node.security.identity import VOTING_ROLES, Identity

if TYPE_CHECKING:
    from drex_node.node.node import Node

VERSION = "0.1.0"
NOT_VALIDATOR = "not_validator"
SENDER_MISMATCH = "sender_mismatch"
NOT_AUTHORITY = "not_authority"
BAD_COMMITTEE_CHANGE = "bad_committee_change"
PARTITION_NOT_SERVED = "partition_not_served"
# Heights a flagged-only audit scan reads between yields to the event loop: a few
# storage reads each, so other tasks wait at most a few milliseconds.
AUDIT_SCAN_YIELD_EVERY = 16


def committee_view(c: Committee) -> CommitteeView:
    """Backend view of a committee."""
    return CommitteeView(
        c.epoch,
        [MemberView(v.id, v.id, v.public_key, v.weight, v.address) for v in c.validators],
        c.authority_signature,
    )


class LedgerService:
    """drex.ledger.v1.Ledger backend."""

    def __init__(self, node: Node) -> None:
        self.node = node

    async def submit(self, caller: Identity, tx: bytes) -> SubmitResult:
        return (await self.node.submit([tx]))[0]

    async def submit_batch(self, caller: Identity, txs: Sequence[bytes]) -> Sequence[SubmitResult]:
        return await self.node.submit(list(txs))

    async def get_account(self, caller: Identity, address: bytes) -> AccountView | None:
        view = StateView(self.node.core.state)
        part = view.partition_of(address)  # the directory is kept by every node
        served = self.node.config.node.partitions
        if part is not None and served and part not in served:
            raise ApiError(
                grpc.StatusCode.FAILED_PRECONDITION,
                PARTITION_NOT_SERVED,
                f"partition {part!r} is not served by this node",
            )
        acc = view.account(address)
        if acc is None:
            return None
        status = AccountStatus.FROZEN if acc.frozen else AccountStatus.ACTIVE
        return AccountView(
            address, acc.partition, acc.kyc_tier, status, acc.nonce + 1, dict(acc.balances)
        )

    async def get_transaction(self, caller: Identity, tx_hash: bytes) -> TxInfo:
        return self.node.tx_info(tx_hash)

    async def wait_for_commit(self, caller: Identity, tx_hash: bytes, timeout_ms: int) -> TxInfo:
        info = self.node.tx_info(tx_hash)
        # timeout_ms bounds the wait (ledger.proto): 0 answers with the status now.
        if info.status is not TxStatus.PENDING or timeout_ms <= 0:
            return info
        pending = self.node.pending
        fut = pending.wait(tx_hash)
        if fut is not None:
            try:
                await asyncio.wait_for(fut, timeout_ms / 1000)
            except TimeoutError:
                pass
            finally:
                # Timed out or cancelled: else the future stays until the tx settles.
                pending.unwait(tx_hash, fut)
        return self.node.tx_info(tx_hash)

    async def stream_blocks(self, caller: Identity, from_height: int) -> AsyncIterator[BlockView]:
        h = max(1, from_height)
        while True:
            while h <= self.node.core.height:
                view = self.node.block_view(h)
                if view is not None:
                    yield view
                h += 1
            await self.node.core.wait_height(h, 5.0)

    async def status(self, caller: Identity) -> NodeStatusView:
        return self.node.status()


class ConsensusService:
    """drex.consensus.v1.Consensus backend."""

    def __init__(self, node: Node) -> None:
        self.node = node

    async def deliver(self, caller: Identity, sender: str, epoch: int, payload: bytes) -> None:
        driver = self.node.driver
        if driver is None:
            raise ApiError(grpc.StatusCode.FAILED_PRECONDITION, NOT_VALIDATOR, "not a validator")
        if caller.role not in VOTING_ROLES or caller.institution != sender:
            raise ApiError(
                grpc.StatusCode.PERMISSION_DENIED,
                SENDER_MISMATCH,
                f"{caller} may not send as validator {sender!r}",
            )
        if not driver.engine.schedule.latest.is_member(sender):
            raise ApiError(grpc.StatusCode.PERMISSION_DENIED, NOT_VALIDATOR, sender)
        await driver.deliver(sender, payload)

    async def fetch_batches(
        self, caller: Identity, digests: Sequence[bytes]
    ) -> Mapping[bytes, bytes]:
        driver = self.node.driver
        out: dict[bytes, bytes] = {}
        if driver is not None:
            for d in digests:
                b = driver.engine.batch(d)
                if b is not None:
                    out[d] = encode(BatchMsg(b))
        return out

    async def fetch_certificates(
        self, caller: Identity, digests: Sequence[bytes]
    ) -> Sequence[CertificateView]:
        driver = self.node.driver
        out = []
        if driver is not None:
            for d in digests:  # the servicer passes each digest once
                c = driver.engine.dag.get(d) or driver.engine.store.certificate(d)
                if c is not None:
                    out.append(CertificateView(c.digest, c.round, encode(CertificateMsg(c))))
        return out

    async def certificates_in_rounds(
        self, caller: Identity, from_round: int, to_round: int
    ) -> Sequence[CertificateView]:
        driver = self.node.driver
        out = []
        if driver is not None:
            eng = driver.engine
            for r in range(from_round, to_round + 1):
                for vid in eng.schedule.for_round(r).ids:
                    c = eng.store.certificate_at(r, vid)
                    if c is not None:
                        out.append(CertificateView(c.digest, c.round, encode(CertificateMsg(c))))
        return out

    async def stream_committed(
        self,
        caller: Identity,
        from_height: int,
        *,
        with_outcome: bool = False,
        attestation_only: bool = False,
    ) -> AsyncIterator[CommittedBlockView]:
        core = self.node.core
        h = max(1, from_height)
        if with_outcome:
            async for view in self._outcomes(h, attestation_only):
                yield view
            return
        while True:
            rec = core.record(h) if h <= core.height else core.ordered.get(h)
            if rec is None and h <= core.height:
                h += 1  # no record (a gap in old data): skip it
                continue
            if rec is None:
                await core.wait_change(5.0)
                continue
            # A block ordered but not yet executed here carries no root or hashes yet
            # (ADR 0068); the receiver verifies its certificates all the same.
            yield _committed_view(rec)
            h += 1

    async def _outcomes(self, h: int, attestation_only: bool) -> AsyncIterator[CommittedBlockView]:
        """Executed blocks with this validator's outcome and attestation (ADR 0077)."""
        core = self.node.core
        if core.attestor is None:
            raise ApiError(
                grpc.StatusCode.FAILED_PRECONDITION,
                "no_outcomes",
                "only validators serve execution outcomes",
            )
        while True:
            if h > core.height:
                await core.wait_change(5.0)
                continue
            rec, out = core.record(h), get_outcome(core.store, h)
            if rec is None or out is None:
                raise ApiError(
                    grpc.StatusCode.FAILED_PRECONDITION,
                    "no_outcome",
                    f"no execution outcome kept for height {h}",
                )
            att = AttestationView(out.signer, out.digest, out.signature)
            if attestation_only:
                yield _committed_view(rec, certified=False, attestation=att)
            else:
                receipts, events = encoded_receipts(core.store, h)
                yield _committed_view(
                    rec,
                    writes=out.packed_writes,
                    receipts=receipts,
                    events=events,
                    notes=out.notes,
                    attestation=att,
                )
            h += 1


def _committed_view(
    rec: BlockRecord, *, certified: bool = True, **outcome: Any
) -> CommittedBlockView:
    """A block record as streamed: with its certificates and batches unless not
    ``certified``; ``outcome`` adds the ADR 0077 fields."""
    return CommittedBlockView(
        rec.height,
        rec.epoch,
        rec.block_hash,
        rec.parent_hash,
        rec.certificates if certified else (),
        (),
        rec.state_root,
        rec.batches if certified else (),
        rec.leader_round,
        **outcome,
    )


class AdminService:
    """drex.admin.v1.Admin backend: authority-signed ledger transactions, committee reads."""

    def __init__(self, node: Node) -> None:
        self.node = node

    async def submit_authority(self, caller: Identity, tx: bytes) -> SubmitResult:
        carried = unwrap(tx)
        signature = b""
        if carried is not None:
            tx, signature = carried
        try:
            decoded = decode(tx, chain_id=self.node.genesis.chain_id)
        except TxDecodeError as exc:
            return SubmitResult(b"", SubmitStatus.REJECTED, exc.reason.name.lower(), exc.detail)
        acc = StateView(self.node.core.state).account(decoded.sender)
        allowed = AccountFlag.AUTHORITY | AccountFlag.REGULATOR
        if acc is None or not acc.flags & allowed:
            return SubmitResult(
                decoded.hash, SubmitStatus.REJECTED, NOT_AUTHORITY, "signer is not an authority"
            )
        if decoded.type is TxType.COMMITTEE_CHANGE:
            return await self._committee_change(decoded, signature)
        return (await self.node.submit([tx]))[0]

    async def _committee_change(self, tx: Tx, signature: bytes) -> SubmitResult:
        """Admit an authority-signed COMMITTEE_CHANGE transaction with the committee's own
        authority signature into a lane of this validator (ADR 0065)."""
        node = self.node
        change = committee_of(tx, signature) if signature else None
        if change is None:
            return SubmitResult(
                tx.hash, SubmitStatus.REJECTED, BAD_COMMITTEE_CHANGE, "committee signature missing"
            )
        why = check_change(
            change, node.committee_schedule(), node.genesis.authority, Ed25519Verifier()
        )
        if why is not None:
            return SubmitResult(tx.hash, SubmitStatus.REJECTED, BAD_COMMITTEE_CHANGE, why)
        if node.driver is None:
            raise ApiError(grpc.StatusCode.FAILED_PRECONDITION, NOT_VALIDATOR, "not a validator")
        return (await node.submit([tx.raw], {tx.hash: wrap(tx.raw, signature)}))[0]

    async def committee(self, caller: Identity, epoch: int | None) -> CommitteeView | None:
        committees = self.node.committees()
        if epoch is None:
            return committee_view(committees[-1])
        for c in committees:
            if c.epoch == epoch:
                return committee_view(c)
        return None


class AuditService:
    """drex.audit.v1.Audit backend: blocks with receipts and rule flags."""

    def __init__(self, node: Node) -> None:
        self.node = node

    async def stream_audit_blocks(
        self, caller: Identity, from_height: int, flagged_only: bool
    ) -> AsyncIterator[AuditBlockView]:
        core = self.node.core
        h = max(1, from_height)
        while True:
            while h <= core.height:
                if h % AUDIT_SCAN_YIELD_EVERY == 0:
                    # Heights without flags send nothing: let other tasks run meanwhile.
                    await asyncio.sleep(0)
                view = self.node.block_view(h)
                if view is not None:
                    flags = [
                        RuleFlagView(r.tx_hash, r.index, f.split(":", 1)[0], f)
                        for r in block_receipts(core.store, h)
                        for f in r.flags
                    ]
                    if flags or not flagged_only:
                        yield AuditBlockView(view, flags)
                h += 1
            await core.wait_height(h, 5.0)


def tx_info_from_store(node: Node, tx_hash: bytes) -> TxInfo:
    """Status of a transaction from receipts and the pending table."""
    r = receipt(node.core.store, tx_hash)
    if r is not None:
        status = TxStatus.COMMITTED if r.applied else TxStatus.REJECTED
        reason = "" if r.applied else r.reason.name.lower()
        return TxInfo(tx_hash, status, reason, r.height, r.index, r.encode())
    if tx_hash in node.pending:
        return TxInfo(tx_hash, TxStatus.PENDING)
    return TxInfo(tx_hash, TxStatus.UNKNOWN)
