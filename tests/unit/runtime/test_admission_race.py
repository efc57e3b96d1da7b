"""Concurrent submissions to one node while signatures are being verified: the pending
table's bound and the duplicate check hold across calls (admission reserves room and hashes
before it awaits the signatures), and whatever a call gives up (bad signatures, a cancelled
call, a failing verifier) is no longer held.

The node is a real entry point (edge) built from a generated local network; only the
verifier is gated (it verifies for real once released) and the forwarder records what it
is handed instead of calling validators."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import grpc
import msgpack
import pytest

from drex_node.api.backends import SubmitResult, SubmitStatus
from drex_node.api.errors import ApiError
from drex_node.config import load_config
from drex_node.genesis.dev import key
from drex_node.ledger.codes import TxType
from drex_node.ledger.tx import Tx, build, decode
from drex_node.node.node import Node
from drex_node.runtime.admission import MEMPOOL_FULL
from drex_node.runtime.sigpool import verify_txs
from drex_node.testnet.layout import CHAIN_ID, create_network

MAX_PENDING = 10


class GatedVerifier:
    """The verifier's interface; verifies for real once ``release`` is set (or raises
    ``error``)."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.waiting = 0
        self.error: Exception | None = None

    async def verify(self, txs: Sequence[Tx]) -> list[bool]:
        self.waiting += 1
        try:
            await self.release.wait()
        finally:
            self.waiting -= 1
        if self.error is not None:
            raise self.error
        return verify_txs(txs)


class RecordingForwarder:
    """The forwarder's interface: records what it is handed; the validator accepts it."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def enqueue(self, txs: Sequence[Tx]) -> list[asyncio.Future[SubmitResult]]:
        loop = asyncio.get_running_loop()
        out = []
        for tx in txs:
            self.sent.append(tx.hash)
            fut: asyncio.Future[SubmitResult] = loop.create_future()
            fut.set_result(SubmitResult(tx.hash, SubmitStatus.FORWARDED))
            out.append(fut)
        return out

    async def close(self) -> None:
        pass


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    net = create_network(
        tmp_path,
        nodes=(("bcb", "central-bank"), ("pay-e", "edge")),
        base_port=47100,  # nothing listens: the node is not started
        metrics_base=0,
        users_per_partition=4,
        verify_workers=0,
    )
    entry = next(n for n in net.nodes if n.name == "pay-e")
    cfg = load_config(Path(entry.dir) / "config.toml")
    cfg = replace(
        cfg,
        metrics=replace(cfg.metrics, listen=""),
        admission=replace(cfg.admission, max_pending=MAX_PENDING),
    )
    n = Node(cfg)
    n.core.verifier = GatedVerifier()  # type: ignore[assignment]
    n.forwarder = RecordingForwarder()  # type: ignore[assignment]
    try:
        yield n
    finally:
        n.core.close()
        n.verifier.close()
        n.store.close()


def _gate(node: Node) -> GatedVerifier:
    assert isinstance(node.core.verifier, GatedVerifier)
    return node.core.verifier


def _sent(node: Node) -> list[bytes]:
    assert isinstance(node.forwarder, RecordingForwarder)
    return node.forwarder.sent


def transfer(user: str, nonce: int) -> bytes:
    src, dst = key(f"{CHAIN_ID}/{user}"), key(f"{CHAIN_ID}/user-S-0")
    return build(
        CHAIN_ID, TxType.TRANSFER, [dst.address, "DREX", 1, b""], nonce, 10_000, [src.seed]
    )


def bad_signature(raw: bytes) -> bytes:
    body, sigs = msgpack.unpackb(raw)
    pk, sig = sigs[0]
    return bytes(msgpack.packb([body, [[pk, bytes([sig[0] ^ 1]) + sig[1:]]]], use_bin_type=True))


def calls(user: str, n: int) -> list[bytes]:
    return [transfer(user, nonce) for nonce in range(1, n + 1)]


async def _settle(node: Node, tasks: Sequence[asyncio.Future[object]]) -> None:
    """Let every call reach the verifier or finish, then let the verifier answer."""
    for _ in range(1000):
        if _gate(node).waiting + sum(t.done() for t in tasks) == len(tasks):
            break
        await asyncio.sleep(0)
    _gate(node).release.set()
    await asyncio.wait(tasks, timeout=5)


def _statuses(results: list[SubmitResult]) -> list[tuple[SubmitStatus, str]]:
    return [(r.status, r.reason) for r in results]


def test_concurrent_calls_do_not_overfill_the_pending_table(node: Node) -> None:
    async def run() -> None:
        batches = [calls(f"user-N-{i}", 6) for i in range(4)]  # 24 for room 10
        tasks = [asyncio.ensure_future(node.submit(b)) for b in batches]
        await _settle(node, tasks)
        admitted = [t for t in tasks if t.exception() is None]
        refused = [t.exception() for t in tasks if t.exception() is not None]
        assert len(admitted) == 1
        assert _statuses(admitted[0].result()) == [(SubmitStatus.FORWARDED, "")] * 6
        assert len(refused) == 3
        for exc in refused:
            assert isinstance(exc, ApiError)
            assert (exc.code, exc.reason) == (grpc.StatusCode.RESOURCE_EXHAUSTED, MEMPOOL_FULL)
        assert len(node.pending) == 6 and len(_sent(node)) == 6
        assert all(h in node.pending for h in _sent(node))
        # The finished call's reservation became its pending entries: room is 4 again.
        more = await node.submit(calls("user-NE-0", 4))
        assert _statuses(more) == [(SubmitStatus.FORWARDED, "")] * 4
        with pytest.raises(ApiError) as full:
            await node.submit(calls("user-NE-1", 1))
        assert full.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert len(node.pending) == MAX_PENDING == len(_sent(node))

    asyncio.run(run())


def test_one_transaction_submitted_concurrently_is_admitted_once(node: Node) -> None:
    async def run() -> None:
        raw = transfer("user-N-0", 1)
        tasks = [asyncio.ensure_future(node.submit([raw])) for _ in range(3)]
        await _settle(node, tasks)
        answers = sorted((t.result()[0].status.value, t.result()[0].reason) for t in tasks)
        # The same answer a submission of an already pending transaction gets:
        again = (await node.submit([raw]))[0]
        assert (again.status, again.reason) == (SubmitStatus.DUPLICATE, "pending")
        assert answers == sorted(
            [(SubmitStatus.FORWARDED.value, "")] + [(SubmitStatus.DUPLICATE.value, "pending")] * 2
        )
        assert len(_sent(node)) == 1 and len(node.pending) == 1

    asyncio.run(run())


def test_a_bad_signature_gives_its_reservation_back(node: Node) -> None:
    async def run() -> None:
        good = transfer("user-N-0", 1)
        bad = bad_signature(good)
        first = asyncio.ensure_future(node.submit([bad]))
        while _gate(node).waiting == 0:
            await asyncio.sleep(0)
        # While its signature is checked, the same transaction is a pending duplicate.
        second = asyncio.ensure_future(node.submit([good]))
        await _settle(node, [first, second])
        assert _statuses(first.result()) == [(SubmitStatus.REJECTED, "bad_signature")]
        assert _statuses(second.result()) == [(SubmitStatus.DUPLICATE, "pending")]
        assert _sent(node) == [] and len(node.pending) == 0
        # Refused, it holds nothing: the correctly signed one is admitted, the table fills.
        rest = await node.submit([good, *calls("user-N-1", MAX_PENDING - 1)])
        assert _statuses(rest) == [(SubmitStatus.FORWARDED, "")] * MAX_PENDING

    asyncio.run(run())


def test_a_cancelled_call_gives_its_reservation_back(node: Node) -> None:
    async def run() -> None:
        batch = calls("user-N-0", 6)
        first = asyncio.ensure_future(node.submit(batch))
        while _gate(node).waiting == 0:
            await asyncio.sleep(0)
        with pytest.raises(ApiError):  # 6 reserved, 5 do not fit
            await asyncio.wait_for(node.submit(calls("user-N-1", 5)), 5)
        first.cancel()  # e.g. the client's deadline passed while signatures were checked
        with pytest.raises(asyncio.CancelledError):
            await first
        assert _sent(node) == [] and len(node.pending) == 0
        _gate(node).release.set()
        rest = await node.submit([*batch, *calls("user-N-1", MAX_PENDING - 6)])
        assert _statuses(rest) == [(SubmitStatus.FORWARDED, "")] * MAX_PENDING

    asyncio.run(run())


def test_a_failing_verifier_gives_the_reservation_back(node: Node) -> None:
    async def run() -> None:
        batch = calls("user-N-0", MAX_PENDING)
        _gate(node).error = RuntimeError("verifier processes gone")
        _gate(node).release.set()
        with pytest.raises(RuntimeError):
            await node.submit(batch)
        _gate(node).error = None
        assert _statuses(await node.submit(batch)) == [(SubmitStatus.FORWARDED, "")] * MAX_PENDING

    asyncio.run(run())


class PerCallVerifier(GatedVerifier):
    """Each call waits for its own gate, in the order the calls reach the verifier."""

    def __init__(self) -> None:
        super().__init__()
        self.gates: list[asyncio.Event] = []

    async def verify(self, txs: Sequence[Tx]) -> list[bool]:
        gate = asyncio.Event()
        self.gates.append(gate)
        await gate.wait()
        return verify_txs(txs)


def test_a_call_cancelled_while_waiting_its_turn_lets_no_one_overtake(node: Node) -> None:
    async def run() -> None:
        gates = PerCallVerifier()
        node.core.verifier = gates  # type: ignore[assignment]

        async def reach_verifier(n: int) -> None:
            while len(gates.gates) < n:
                await asyncio.sleep(0)

        a_tx, b_tx, c_tx = (transfer(f"user-N-{i}", 1) for i in range(3))
        a = asyncio.ensure_future(node.submit([a_tx]))
        await reach_verifier(1)
        b = asyncio.ensure_future(node.submit([b_tx]))
        await reach_verifier(2)
        gates.gates[1].set()  # b is verified first and waits for a's turn
        for _ in range(20):
            await asyncio.sleep(0)
        b.cancel()  # e.g. its client's deadline passed
        with pytest.raises(asyncio.CancelledError):
            await b
        c = asyncio.ensure_future(node.submit([c_tx]))
        await reach_verifier(3)
        gates.gates[2].set()
        for _ in range(20):
            await asyncio.sleep(0)
        assert _sent(node) == []  # c waits behind a, which b's cancellation did not end
        gates.gates[0].set()
        results = await asyncio.wait_for(asyncio.gather(a, c), 5)
        assert [_statuses(r) for r in results] == [[(SubmitStatus.FORWARDED, "")]] * 2
        assert _sent(node) == [decode(a_tx).hash, decode(c_tx).hash]  # in arrival order
        assert node._turn is None  # the chain of turns is empty again

    asyncio.run(run())
