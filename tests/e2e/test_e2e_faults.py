"""(b) kill -9 of a validator under load, (c) a wiped data directory: commits continue,
restarted nodes catch up to the same state root, no acknowledged transaction is lost."""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from drex_node.testnet.layout import Network
from drex_node.testnet.load import LoadGen
from drex_node.testnet.procs import start_node, statuses, stop_node, wait_healthy
from tests.e2e.conftest import converge, node

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("e2e")]


def _height(net: Network, name: str) -> int:
    return int(next(s for s in statuses(net) if s["name"] == name)["height"])


def test_kill_validator_under_load(network: Network) -> None:
    victim = node(network, "bank-c")
    result: dict[str, Any] = {}

    def load() -> None:
        result.update(asyncio.run(LoadGen(network, seed=2).run(rate=100, duration=14, drain_s=60)))

    t = threading.Thread(target=load)
    t.start()
    time.sleep(4)
    stop_node(victim, kill=True)
    h0 = _height(network, "bcb")
    time.sleep(5)
    assert _height(network, "bcb") > h0, "commits stopped with one validator down"
    start_node(victim)
    assert wait_healthy(network, ["bank-c"], timeout=60)
    t.join(timeout=120)
    assert result, "load did not finish"
    assert result["lost"] == 0 and result["rejected"] == 0, result
    assert result["committed"] == result["submitted"] > 0, result
    converge(network, timeout=90)


def test_wiped_validator_resyncs(network: Network) -> None:
    victim = node(network, "bank-b")
    stop_node(victim, kill=True)
    shutil.rmtree(Path(victim.dir, "data"))
    asyncio.run(LoadGen(network, seed=3).run(rate=50, duration=3, drain_s=30))
    start_node(victim)
    assert wait_healthy(network, ["bank-b"], timeout=60)
    st = converge(network, timeout=120)
    assert st[0]["height"] > 0


def test_wiped_follower_resyncs(network: Network) -> None:
    victim = node(network, "regulator")
    stop_node(victim)
    shutil.rmtree(Path(victim.dir, "data"))
    start_node(victim)
    assert wait_healthy(network, ["regulator"], timeout=60)
    converge(network, timeout=120)


def test_wiped_scoped_follower_resyncs(network: Network) -> None:
    """The partition-scoped tier2 (ADR 0077) rebuilds its partitions from genesis through
    attested outcomes alone and reaches the validators' root again."""
    victim = node(network, "coop-d")
    stop_node(victim)
    shutil.rmtree(Path(victim.dir, "data"))
    start_node(victim)
    assert wait_healthy(network, ["coop-d"], timeout=60)
    st = converge(network, timeout=120)
    assert st[0]["height"] > 0
    assert "dropping the source" not in Path(victim.dir, "node.log").read_text()
