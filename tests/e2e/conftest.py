"""One real 7-process network on loopback, shared by every e2e test of the session."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drex_node.config.model import ConsensusSection
from drex_node.testnet.layout import Network, create_network
from drex_node.testnet.procs import start_node, statuses, stop_node, wait_healthy


def _free_base(count: int) -> int:
    """A base port with ``count`` consecutive free ports (probed by binding)."""
    start = 20000 + (os.getpid() * 37) % 20000
    for base in range(start, start + 4000, count):
        try:
            socks = []
            for p in range(base, base + count):
                s = socket.socket()
                s.bind(("127.0.0.1", p))
                socks.append(s)
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
        return base
    raise RuntimeError("no free port range")


@pytest.fixture(scope="session")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    root = tmp_path_factory.mktemp("testnet")
    base = _free_base(14)
    net = create_network(
        root,
        base_port=base,
        metrics_base=base + 7,
        users_per_partition=100,
        verify_workers=1,
        consensus=ConsensusSection(),
    )
    for e in net.nodes:
        start_node(e)
    try:
        assert wait_healthy(net, timeout=120), "network did not become healthy"
        yield net
    finally:
        for e in net.nodes:
            stop_node(e)


def converge(net: Network, timeout: float = 60.0) -> list[dict[str, object]]:
    """Wait until every node reports the same height and state root; return the statuses."""
    end = time.monotonic() + timeout
    st = statuses(net)
    while time.monotonic() < end:
        st = statuses(net)
        if all(s["healthy"] for s in st) and len({(s["height"], s["state_root"]) for s in st}) == 1:
            return st
        time.sleep(0.5)
    raise AssertionError(f"nodes did not converge: {st}")


def node(net: Network, name: str):  # type: ignore[no-untyped-def]
    return next(e for e in net.nodes if e.name == name)


def logs(net: Network, name: str) -> str:
    return Path(node(net, name).dir, "node.log").read_text()[-3000:]
