"""Conversions from backend dataclasses to protobuf messages (no logic)."""

from __future__ import annotations

from collections.abc import Mapping

from drex_node.api._generated.drex.audit.v1 import audit_pb2
from drex_node.api._generated.drex.consensus.v1 import consensus_pb2
from drex_node.api._generated.drex.ledger.v1 import types_pb2
from drex_node.api.backends import (
    AccountStatus,
    AccountView,
    AuditBlockView,
    BlockView,
    CertificateView,
    CommittedBlockView,
    CommitteeView,
    NodeStatusView,
    SubmitResult,
    SubmitStatus,
    TxInfo,
    TxStatus,
)

_SUBMIT = {
    SubmitStatus.ACCEPTED: types_pb2.SUBMIT_STATUS_ACCEPTED,
    SubmitStatus.DUPLICATE: types_pb2.SUBMIT_STATUS_DUPLICATE,
    SubmitStatus.REJECTED: types_pb2.SUBMIT_STATUS_REJECTED,
    SubmitStatus.FORWARDED: types_pb2.SUBMIT_STATUS_FORWARDED,
}
_TX = {
    TxStatus.UNKNOWN: types_pb2.TX_STATUS_UNKNOWN,
    TxStatus.PENDING: types_pb2.TX_STATUS_PENDING,
    TxStatus.COMMITTED: types_pb2.TX_STATUS_COMMITTED,
    TxStatus.REJECTED: types_pb2.TX_STATUS_REJECTED,
}
_ACCOUNT = {
    AccountStatus.ACTIVE: types_pb2.ACCOUNT_STATUS_ACTIVE,
    AccountStatus.FROZEN: types_pb2.ACCOUNT_STATUS_FROZEN,
}


def amount(value: int) -> str:
    """Wire form of an amount: a base-10 string of a non-negative integer."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"amount must be a non-negative int, got {value!r}")
    return str(value)


def amounts(values: Mapping[str, int]) -> dict[str, str]:
    return {asset: amount(value) for asset, value in values.items()}


def submit_result(result: SubmitResult) -> types_pb2.SubmitResult:
    return types_pb2.SubmitResult(
        tx_hash=result.tx_hash,
        status=_SUBMIT[result.status],
        reason=result.reason,
        detail=result.detail,
    )


def tx_info(info: TxInfo) -> types_pb2.TransactionInfo:
    return types_pb2.TransactionInfo(
        tx_hash=info.tx_hash,
        status=_TX[info.status],
        reason=info.reason,
        block_height=info.block_height,
        tx_index=info.tx_index,
        receipt=info.receipt,
    )


def account(view: AccountView) -> types_pb2.Account:
    return types_pb2.Account(
        address=view.address,
        partition=view.partition,
        kyc_tier=view.kyc_tier,
        status=_ACCOUNT[view.status],
        nonce=view.nonce,
        balances=amounts(view.balances),
        locked=amounts(view.locked),
    )


def block(view: BlockView) -> types_pb2.Block:
    return types_pb2.Block(
        height=view.height,
        hash=view.hash,
        parent_hash=view.parent_hash,
        state_root=view.state_root,
        epoch=view.epoch,
        tx_hashes=list(view.tx_hashes),
        receipts=list(view.receipts),
    )


def committee(view: CommitteeView) -> types_pb2.Committee:
    return types_pb2.Committee(
        epoch=view.epoch,
        members=[
            types_pb2.CommitteeMember(
                validator_id=m.validator_id,
                institution=m.institution,
                public_key=m.public_key,
                weight=m.weight,
                address=m.address,
            )
            for m in view.members
        ],
        authority_signature=view.authority_signature,
    )


def node_status(view: NodeStatusView) -> types_pb2.NodeStatus:
    message = types_pb2.NodeStatus(
        role=view.role,
        institution=view.institution,
        node_name=view.node_name,
        height=view.height,
        state_root=view.state_root,
        last_block_hash=view.last_block_hash,
        epoch=view.epoch,
        healthy=view.healthy,
        version=view.version,
    )
    if view.committee is not None:
        message.committee.CopyFrom(committee(view.committee))
    return message


def certificate(view: CertificateView) -> consensus_pb2.Certificate:
    return consensus_pb2.Certificate(digest=view.digest, round=view.round, data=view.data)


def committed_block(view: CommittedBlockView) -> consensus_pb2.CommittedBlock:
    a = view.attestation
    return consensus_pb2.CommittedBlock(
        height=view.height,
        epoch=view.epoch,
        block_hash=view.block_hash,
        parent_hash=view.parent_hash,
        certificates=list(view.certificates),
        transactions=list(view.transactions),
        state_root=view.state_root,
        batches=list(view.batches),
        leader_round=view.leader_round,
        writes=view.writes,
        receipts=list(view.receipts),
        events=list(view.events),
        notes=list(view.notes),
        attestation=None
        if a is None
        else consensus_pb2.Attestation(
            signer=a.signer, outcome_digest=a.outcome_digest, signature=a.signature
        ),
    )


def audit_block(view: AuditBlockView) -> audit_pb2.AuditBlock:
    return audit_pb2.AuditBlock(
        block=block(view.block),
        flags=[
            audit_pb2.RuleFlag(
                tx_hash=f.tx_hash,
                tx_index=f.tx_index,
                rule_id=f.rule_id,
                code=f.code,
                detail=f.detail,
            )
            for f in view.flags
        ],
    )
