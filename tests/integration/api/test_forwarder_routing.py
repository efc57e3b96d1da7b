"""Forwarding from an entry point to its upstream validators (ADR 0088), over real mTLS
on loopback: everything goes to the home validator by default, ``spread`` shares senders
over the first validators of the list (each sender sticking to one), and an unreachable
validator's share fails over to the next one in the list."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from pathlib import Path

import msgpack
import nacl.bindings
import pytest
from api_harness import ServerThread, StubNode, make_pki, start_server

from drex_node.api.backends import SubmitResult, SubmitStatus
from drex_node.ledger.codes import TxType
from drex_node.ledger.tx import SIG_DOMAIN, Tx, address_of, body_hash, decode, encode_body
from drex_node.runtime.forwarder import Forwarder
from drex_node.security.identity import Identity
from drex_node.security.store import NodeCredentials

CHAIN = "drex-test"


class RecordingNode(StubNode):
    """A validator stand-in that records which transactions reached it."""

    def __init__(self) -> None:
        super().__init__()
        self.received: list[bytes] = []
        self.calls = 0

    async def submit_batch(self, caller: Identity, txs: Sequence[bytes]) -> Sequence[SubmitResult]:
        self.calls += 1
        self.received.extend(txs)
        return [SubmitResult(bytes(32), SubmitStatus.ACCEPTED) for _ in txs]


def _tx(seed: int, nonce: int) -> Tx:
    pk, sk = nacl.bindings.crypto_sign_seed_keypair(seed.to_bytes(32, "big"))
    dst, _ = nacl.bindings.crypto_sign_seed_keypair((seed + 1000).to_bytes(32, "big"))
    body = encode_body(CHAIN, TxType.TRANSFER, [address_of(dst), "DREX", 1, b""], nonce, 10**9)
    sig = nacl.bindings.crypto_sign(SIG_DOMAIN + body_hash(body, [pk]), sk)[:64]
    return decode(msgpack.packb([body, [[pk, sig]]], use_bin_type=True))


# Ten senders with three transactions each, in nonce order.
TXS = [_tx(seed, nonce) for nonce in (1, 2, 3) for seed in range(1, 11)]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, NodeCredentials]:
    return make_pki(Path(tmp_path_factory.mktemp("pki")))


@pytest.fixture
def validators(
    pki: dict[str, NodeCredentials],
) -> Iterator[list[tuple[RecordingNode, ServerThread]]]:
    started = []
    for _ in range(3):
        node = RecordingNode()
        started.append((node, start_server(pki["server"], node)))
    yield started
    for _, thread in started:
        thread.close()


def _forward(creds: NodeCredentials, upstream: list[str], spread: int) -> list[SubmitResult]:
    async def run() -> list[SubmitResult]:
        fwd = Forwarder(upstream, creds, spread)
        try:
            return await fwd.forward(TXS)
        finally:
            await fwd.close()

    return asyncio.run(run())


def _senders(node: RecordingNode) -> set[bytes]:
    return {decode(raw).sender for raw in node.received}


def test_everything_goes_to_the_home_validator_by_default(
    pki: dict[str, NodeCredentials], validators: list[tuple[RecordingNode, ServerThread]]
) -> None:
    upstream = [t.target for _, t in validators]
    results = _forward(pki["tier2"], upstream, 1)
    assert [r.status for r in results] == [SubmitStatus.FORWARDED] * len(TXS)
    home, *others = (n for n, _ in validators)
    assert home.received == [tx.raw for tx in TXS]  # one lane, in submission order
    assert all(not n.received for n in others)
    assert home.calls == 1  # what was queued together travels together, not split per validator


def test_spread_shares_senders_and_keeps_each_on_one_validator(
    pki: dict[str, NodeCredentials], validators: list[tuple[RecordingNode, ServerThread]]
) -> None:
    upstream = [t.target for _, t in validators]
    _forward(pki["tier2"], upstream, 2)
    first, second, third = (n for n, _ in validators)
    assert first.received and second.received and not third.received
    assert not _senders(first) & _senders(second)
    assert sorted(first.received + second.received) == sorted(tx.raw for tx in TXS)
    for node in (first, second):  # each sender's nonces arrive in order
        nonces: dict[bytes, list[int]] = {}
        for raw in node.received:
            tx = decode(raw)
            nonces.setdefault(tx.sender, []).append(tx.nonce)
        assert all(n == sorted(n) for n in nonces.values())


def test_unreachable_home_fails_over_to_the_next_validator(
    pki: dict[str, NodeCredentials], validators: list[tuple[RecordingNode, ServerThread]]
) -> None:
    upstream = [t.target for _, t in validators]
    validators[0][1].close()
    results = _forward(pki["tier2"], upstream, 1)
    assert [r.status for r in results] == [SubmitStatus.FORWARDED] * len(TXS)
    assert validators[1][0].received == [tx.raw for tx in TXS]
    assert not validators[2][0].received
    # restart it so that the fixture's teardown closes three running servers
    validators[0] = (validators[0][0], start_server(pki["server"], validators[0][0]))


def test_forwarder_needs_an_upstream(pki: dict[str, NodeCredentials]) -> None:
    with pytest.raises(ValueError, match="upstream"):
        Forwarder([], pki["tier2"])
