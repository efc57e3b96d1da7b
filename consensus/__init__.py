"""Deterministic, sans-IO DAG-BFT consensus engine (Narwhal lanes + Bullshark commit rule).

The node drives ``Engine`` through ``handle_message``, ``handle_tick`` and ``handle_input``
and performs the returned ``Step``; see docs/protocol/consensus.md.
"""

from consensus.committee import Committee, CommitteeChange, Validator
from consensus.config import ConfigError, EngineConfig
from consensus.crypto import Ed25519Signer, Ed25519Verifier, Signer, Verifier
from consensus.engine import Engine
from consensus.inputs import ChangeCommittee, SubmitTx
from consensus.step import CommittedSubDag, EpochScheduled, Fault, FaultKind, Outbound, Step
from consensus.storage import MemoryStorage, Storage, check_storage_conformance

__all__ = [
    "ChangeCommittee",
    "Committee",
    "CommitteeChange",
    "CommittedSubDag",
    "ConfigError",
    "Ed25519Signer",
    "Ed25519Verifier",
    "Engine",
    "EngineConfig",
    "EpochScheduled",
    "Fault",
    "FaultKind",
    "MemoryStorage",
    "Outbound",
    "Signer",
    "Step",
    "Storage",
    "SubmitTx",
    "Validator",
    "Verifier",
    "check_storage_conformance",
]
