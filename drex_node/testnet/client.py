"""Blocking client helpers for operator tools (status over mTLS)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import grpc

from drex_node.api.stubs import ledger_pb2, ledger_pb2_grpc
from drex_node.net.channel import secure_channel_sync
from drex_node.security.store import load_credentials


def node_status(address: str, credentials_dir: Path, timeout: float = 3.0) -> dict[str, Any]:
    """GetStatus of one node as a JSON-ready dict (healthy False when unreachable)."""
    creds = load_credentials(credentials_dir)
    with secure_channel_sync(address, creds) as ch:
        try:
            stub = ledger_pb2_grpc.LedgerStub(ch)  # type: ignore[no-untyped-call]
            st = stub.GetStatus(ledger_pb2.GetStatusRequest(), timeout=timeout)
        except grpc.RpcError as exc:
            return {"address": address, "healthy": False, "error": str(exc.code())}
    return {
        "address": address,
        "name": st.node_name,
        "role": st.role,
        "height": st.height,
        "state_root": st.state_root.hex(),
        "epoch": st.epoch,
        "committee": [m.validator_id for m in st.committee.members],
        "healthy": st.healthy,
    }
