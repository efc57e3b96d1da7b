"""`drex-wallet` against the real network: a bank opens an account for a new key, a user
pays it, and `--wait` moves past an entry point that is down."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from drex_node.cli.wallet import main as wallet
from drex_node.testnet.layout import Network
from tests.e2e.conftest import node

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("e2e")]


def _dead_address() -> str:
    with socket.socket() as s:  # a port nobody listens on once closed
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


def test_wallet_create_account_transfer_and_balance(
    network: Network, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = Path(network.dir, "keys")
    edge = node(network, "pay-e").address
    common = ["--credentials", str(network.operator_dir), "--chain-id", network.chain_id]
    key = tmp_path / "new.key"
    assert wallet(["--node", edge, *common, "keys", "--out", str(key)]) == 0
    capsys.readouterr()
    args = ["--bank-key", str(keys / "bank-N.key"), "--key", str(key), "--wait"]
    assert wallet(["--node", edge, *common, "create-account", *args]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "COMMITTED"
    nodes = f"{_dead_address()},{edge}"  # the first entry point is down
    pay = ["--key", str(keys / "user-N-0.key"), "--to", str(key), "--amount", "123", "--wait"]
    assert wallet(["--node", nodes, *common, "transfer", *pay]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "COMMITTED" and out["attempts"] == 2
    assert wallet(["--node", edge, *common, "balance", str(key)]) == 0
    assert "123" in capsys.readouterr().out
