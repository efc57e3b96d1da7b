"""In-process networks for integration tests: several Nodes on one event loop."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import grpc.aio

from drex_node.api.stubs import ledger_pb2, ledger_pb2_grpc
from drex_node.config import load_config
from drex_node.config.model import ConsensusSection
from drex_node.genesis.dev import key
from drex_node.ledger.codes import TxType
from drex_node.ledger.tx import build
from drex_node.net.channel import secure_channel
from drex_node.node.node import Node
from drex_node.security.store import load_credentials
from drex_node.testnet.layout import CHAIN_ID, Network, create_network

logging.getLogger("drex_node.rpc").setLevel(logging.CRITICAL)  # see ADR 0062
# The four validators of the local network (one central bank, three tier1 banks).
VALIDATORS = (
    ("bcb", "central-bank"),
    ("bank-a", "tier1"),
    ("bank-b", "tier1"),
    ("bank-c", "tier1"),
)
FAST = ConsensusSection(
    tick_ms=20, header_delay_ms=20, idle_header_delay_ms=100, batch_timeout_ms=20, retry_ms=200
)


def make_network(
    tmp: Path,
    nodes: tuple[tuple[str, str], ...],
    port: int,
    commit_rule: str = "bullshark",
    gc_depth: int | None = None,
) -> Network:
    return create_network(
        tmp,
        nodes=nodes,
        base_port=port,
        metrics_base=0,
        users_per_partition=4,
        verify_workers=0,
        consensus=FAST,
        commit_rule=commit_rule,
        gc_depth=gc_depth,
    )


def node_config(net: Network, name: str):  # type: ignore[no-untyped-def]
    entry = next(n for n in net.nodes if n.name == name)
    cfg = load_config(Path(entry.dir) / "config.toml")
    from dataclasses import replace

    return replace(cfg, metrics=replace(cfg.metrics, listen=""))


async def start_nodes(net: Network, names: list[str] | None = None) -> dict[str, Node]:
    out = {}
    for entry in net.nodes:
        if names is None or entry.name in names:
            node = Node(node_config(net, entry.name))
            await node.start()
            out[entry.name] = node
    return out


def operator_channel(net: Network, address: str) -> grpc.aio.Channel:
    return secure_channel(address, load_credentials(net.operator_dir))


def user(name: str):  # type: ignore[no-untyped-def]
    return key(f"{CHAIN_ID}/{name}")


def transfer(src: str, dst: str, amount: int, nonce: int, expiry: int = 10_000) -> bytes:
    s, d = user(src), user(dst)
    return build(
        CHAIN_ID, TxType.TRANSFER, [d.address, "DREX", amount, b""], nonce, expiry, [s.seed]
    )


async def submit(channel: grpc.aio.Channel, txs: list[bytes]) -> ledger_pb2.SubmitBatchResponse:
    return await ledger_pb2_grpc.LedgerStub(channel).SubmitBatch(
        ledger_pb2.SubmitBatchRequest(txs=txs), timeout=10
    )


async def wait_until(pred, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        if pred():
            return True
        await asyncio.sleep(0.05)
    return pred()
