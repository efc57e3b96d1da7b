"""The driver hands a peer's batch to the node once the engine stored it (ADR 0079): the
node starts checking its signatures before the batch is ordered. Peer batches arrive with
their header and are never acknowledged, so the engine's BatchStored output is the signal."""

from __future__ import annotations

from typing import Any

from consensus.codec import encode
from consensus.engine import SubmitTx
from consensus.types import BatchMsg
from drex_node.config.model import ConsensusSection
from drex_node.metrics import NodeMetrics
from drex_node.runtime.driver import ConsensusDriver
from tests.unit.consensus.consensus_dagkit import Network


async def _no_block(_cand: Any) -> bool:
    return True


def test_peer_batch_reaches_the_node_once_and_nothing_is_acknowledged() -> None:
    net = Network()
    a, b = net.engines["a"], net.engines["b"]
    for k in range(10):
        step = a.handle_input(SubmitTx(0, f"tx-{k}".encode()))
    (batch_msg,) = [o.message for o in step.messages if isinstance(o.message, BatchMsg)]

    driver = ConsensusDriver(
        b,
        storage=None,  # type: ignore[arg-type]
        transport=None,  # type: ignore[arg-type]
        on_block=_no_block,
        config=ConsensusSection(),
        metrics=NodeMetrics(),
    )
    seen: list[list[bytes]] = []
    driver.on_peer_batch = seen.append
    b.handle_tick(0)
    driver._perform(b.handle_message("a", encode(batch_msg)))
    driver._perform(b.handle_message("a", encode(batch_msg)))  # a duplicate
    assert seen == [list(batch_msg.batch.txs)]
    assert driver._outbox == []  # no acknowledgement goes out
    driver._io.shutdown(wait=False)
