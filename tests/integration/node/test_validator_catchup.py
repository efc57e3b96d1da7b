"""A validator's catch-up from peers (restart, lost disk, lag check) ends once its own
engine applies blocks before the peers' stream delivers them: a validator at the head
does not verify every block a second time. One that is behind still catches up."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from drex_node.node.node import Node
from drex_node.runtime.blocksync import BlockSync
from tests.e2e.conftest import _free_base
from tests.integration.node.netkit import (
    VALIDATORS,
    make_network,
    node_config,
    operator_channel,
    start_nodes,
    submit,
    transfer,
    wait_until,
)


async def scenario(tmp: Path) -> None:
    net = make_network(tmp, VALIDATORS, _free_base(4))
    nodes = await start_nodes(net)
    ch = operator_channel(net, nodes["bcb"].config.network.listen)

    async def load() -> None:  # a steady trickle: blocks keep coming well under 1 s apart
        nonce = 0
        while True:
            nonce += 1
            await submit(ch, [transfer("user-N-0", "user-S-0", 1, nonce)])
            await asyncio.sleep(0.05)

    loader = asyncio.create_task(load())
    try:
        bank_a = nodes["bank-a"]
        assert await wait_until(lambda: bank_a.core.height >= 5, timeout=30)
        sync = bank_a.sync
        assert isinstance(sync, BlockSync)
        await wait_until(lambda: sync._catchup is None or sync._catchup.done(), timeout=10)

        sync.trigger()  # as the lag check does; the node is not behind
        task = sync._catchup
        assert task is not None
        start = bank_a.core.height
        assert await wait_until(task.done, timeout=8), "catch-up kept streaming at the head"
        assert await wait_until(lambda: bank_a.core.height >= start + 3, timeout=10)
        # The transport counts engine messages and the envelopes that carried them.
        m = bank_a.metrics
        for peer in ("bcb", "bank-b", "bank-c"):
            envelopes = m.peer_envelopes.labels(peer)._value.get()
            assert 0 < envelopes <= m.peer_sent.labels(peer)._value.get()

        # A validator that really is behind catches up through the same path.
        await bank_a.stop()
        behind = bank_a.core.height
        assert await wait_until(lambda: nodes["bcb"].core.height >= behind + 5, timeout=30)
        again = Node(node_config(net, "bank-a"))
        await again.start()
        nodes["bank-a"] = again
        assert await wait_until(lambda: again.core.height >= nodes["bcb"].core.height, timeout=30)
        loader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await loader
        h = min(n.core.height for n in nodes.values())
        assert await wait_until(
            lambda: len({n.core.record(h).block_hash for n in nodes.values()}) == 1, timeout=10
        )
    finally:
        loader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await loader
        await ch.close()
        for n in nodes.values():
            if n.healthy:
                await n.stop()


def test_catch_up_ends_at_the_head_and_still_catches_up(tmp_path: Path) -> None:
    asyncio.run(asyncio.wait_for(scenario(tmp_path), 150))
