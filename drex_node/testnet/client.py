"""Blocking client helpers for operator tools (status over mTLS)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import grpc

from drex_node.api.stubs import ledger_pb2, ledger_pb2_grpc, types_pb2
from drex_node.net.channel import secure_channel_sync
from drex_node.security.store import load_credentials


def local_address(listen: str) -> str:
    """Where to reach a node from its own host: a wildcard listen address (``0.0.0.0``,
    ``::``) becomes ``localhost``, a name its certificate carries."""
    host, _, port = listen.rpartition(":")
    return f"localhost:{port}" if host in ("0.0.0.0", "::", "[::]", "") else listen


def node_status(address: str, credentials_dir: Path, timeout: float = 3.0) -> dict[str, Any]:
    """GetStatus of one node as a JSON-ready dict (healthy False when unreachable)."""
    creds = load_credentials(credentials_dir)
    address = local_address(address)
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


def submit_until_committed(
    addresses: list[str],
    credentials_dir: Path,
    tx: bytes,
    attempt_timeout_s: float = 10.0,
    attempts: int = 6,
) -> dict[str, Any]:
    """Submit ``tx`` and wait for its commit, moving to the next entry point when one is
    unreachable or has not committed it within ``attempt_timeout_s`` (it may have crashed
    after acknowledging). Resubmitting is safe: the ledger applies a transaction at most
    once by hash and nonce. Returns the last status seen, as a JSON-ready dict."""
    creds = load_credentials(credentials_dir)
    last: dict[str, Any] = {"status": "UNKNOWN", "attempts": 0}
    for k in range(attempts):
        address = addresses[k % len(addresses)]
        last["attempts"] = k + 1
        last["address"] = address
        with secure_channel_sync(address, creds) as ch:
            stub = ledger_pb2_grpc.LedgerStub(ch)  # type: ignore[no-untyped-call]
            try:
                r = stub.SubmitTransaction(
                    ledger_pb2.SubmitTransactionRequest(tx=tx), timeout=attempt_timeout_s
                ).result
                last["tx_hash"] = r.tx_hash.hex()
                last["submit"] = types_pb2.SubmitStatus.Name(r.status)
                if r.status == types_pb2.SUBMIT_STATUS_REJECTED:
                    last.update(status="REJECTED", reason=r.reason)
                    return last
                w = stub.WaitForCommit(
                    ledger_pb2.WaitForCommitRequest(
                        tx_hash=r.tx_hash, timeout_ms=int(attempt_timeout_s * 1000)
                    ),
                    timeout=attempt_timeout_s + 5,
                ).transaction
            except grpc.RpcError:
                continue
            status = types_pb2.TxStatus.Name(w.status).removeprefix("TX_STATUS_")
            last["status"] = status
            if status in ("COMMITTED", "REJECTED"):
                last["reason"] = w.reason
                return last
    return last
