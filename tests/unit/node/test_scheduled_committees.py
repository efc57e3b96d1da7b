"""A follower's scheduled committee changes survive a restart (ADR 0065): what it saved is
reloaded in epoch order, each checked against the authority key as when first scheduled."""

from __future__ import annotations

from pathlib import Path

from consensus.committee import Committee, CommitteeSchedule, Validator
from consensus.crypto import Ed25519Signer, Ed25519Verifier
from drex_node.node.reconfig import SCHEDULED, load_scheduled, save_scheduled
from drex_node.runtime.blocks import RECORDS_NS
from drex_node.storage.kv import WriteBatch
from drex_node.storage.rocks import RocksStore

AUTHORITY = Ed25519Signer(b"\x07" * 32)
KEY = Ed25519Signer(b"\x08" * 32).public_key


def committee(epoch: int, weight: int, signer: Ed25519Signer = AUTHORITY) -> Committee:
    return Committee.create(epoch, [Validator("bcb", KEY, weight, "a:1")]).signed(signer)


def test_saved_changes_reload_in_order_and_forgeries_are_skipped(tmp_path: Path) -> None:
    store = RocksStore(tmp_path / "db")
    store.create_namespace(RECORDS_NS)
    try:
        save_scheduled(store, 40, committee(2, 3))  # saved out of order on purpose
        save_scheduled(store, 20, committee(1, 2))
        fresh = CommitteeSchedule(committee(0, 1))
        assert load_scheduled(store, fresh, AUTHORITY.public_key, Ed25519Verifier()) == []
        assert [(f, c.epoch) for f, c in fresh.entries] == [(1, 0), (20, 1), (40, 2)]
        assert fresh.for_round(41).weight("bcb") == 3

        save_scheduled(store, 60, committee(3, 4, signer=Ed25519Signer(b"\x09" * 32)))
        wb = WriteBatch()
        wb.put(RECORDS_NS, SCHEDULED + (4).to_bytes(8, "big"), b"\xc1")
        store.write(wb)
        again = CommitteeSchedule(committee(0, 1))
        problems = load_scheduled(store, again, AUTHORITY.public_key, Ed25519Verifier())
        assert [(f, c.epoch) for f, c in again.entries] == [(1, 0), (20, 1), (40, 2)]
        assert len(problems) == 2
        assert "epoch 3: not signed by the authority key" in problems[0]
        assert "epoch 4" in problems[1]
    finally:
        store.close()
