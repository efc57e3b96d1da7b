"""(a) transfers through edge and tier2 all commit; every node reaches the same state."""

from __future__ import annotations

import asyncio

import pytest

from drex_node.testnet.layout import Network
from drex_node.testnet.load import LoadGen
from tests.e2e.conftest import converge

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("e2e")]


def test_two_thousand_transfers_commit_everywhere(network: Network) -> None:
    gen = LoadGen(network, seed=1)
    out = asyncio.run(gen.run(rate=250, duration=8, drain_s=60))
    assert out["submitted"] == 2000, out
    assert out["committed"] == 2000, out
    assert out["rejected"] == 0 and out["refused"] == 0 and out["lost"] == 0, out
    st = converge(network)
    assert st[0]["height"] > 0
    roles = {s["role"] for s in st}
    assert roles == {"central-bank", "tier1", "tier2", "edge", "audit"}
