"""Policy host and the two built-in rules, through real blocks."""

from __future__ import annotations

from drex_node.ledger.codes import Reason, TxType
from drex_node.policy.api import MonetaryPolicy, RegulatoryRule
from drex_node.policy.builtin.tier_limits import TierLimits
from drex_node.policy.builtin.velocity import Velocity
from drex_node.policy.host import GROUP_REGULATORY, load_registry
from drex_node.storage import MemoryStore
from tests.ledgerkit import Chain


def test_builtins_load_through_entry_points() -> None:
    reg = load_registry()
    assert isinstance(reg.regulatory["tier-limits"], TierLimits)
    assert isinstance(reg.regulatory["velocity"], Velocity)
    for rule in reg.regulatory.values():
        assert isinstance(rule, RegulatoryRule)
    assert GROUP_REGULATORY == "drex_node.regulatory_rules"


def limits_chain() -> Chain:
    return Chain(
        MemoryStore(),
        policies={
            "regulatory_rules": [
                {"name": "tier-limits", "params": {"tx.1": 1000, "hold.1": 1_000_500}},
                {"name": "velocity", "params": {"max_transfers": 2, "window_blocks": 3}},
            ]
        },
    )


def test_tier_limits_reject_per_transaction_and_holding() -> None:
    c = limits_chain()
    r = c.commit(
        [
            c.transfer("user-N-0", "user-N-1", 1001),  # over per-tx limit
            c.transfer("user-N-0", "user-N-1", 400),
            c.transfer("user-N-2", "user-N-1", 200),  # would hold 1_000_600 > 1_000_500
            c.transfer(
                "user-N-2", "user-SE-1", 600
            ),  # cross-partition: refused at credit, refunded
        ]
    )
    assert [x.reason for x in r.receipts] == [
        Reason.POLICY_REJECTED,
        Reason.OK,
        Reason.POLICY_REJECTED,
        Reason.CREDIT_REFUSED,
    ]
    assert c.balance("user-N-1") == 1_000_400
    assert c.balance("user-N-2") == 1_000_000


def test_institutions_are_exempt_from_tier_limits() -> None:
    c = limits_chain()
    r = c.commit([c.tx("bank-N", TxType.TRANSFER, [c.addr("bank-SE"), "BRL", 10**9, b""])])
    assert r.receipts[0].reason is Reason.OK


def test_velocity_flags_but_applies() -> None:
    c = limits_chain()
    r1 = c.commit([c.transfer("user-N-0", "user-N-1", 1), c.transfer("user-N-0", "user-N-1", 1)])
    assert all(not x.flags for x in r1.receipts)
    r2 = c.commit([c.transfer("user-N-0", "user-SE-1", 1)])
    assert r2.receipts[0].reason is Reason.OK
    assert r2.receipts[0].flags and r2.receipts[0].flags[0].startswith("velocity:")
    for _ in range(3):
        c.commit([])
    r3 = c.commit([c.transfer("user-N-0", "user-N-1", 1)])  # window has passed
    assert not r3.receipts[0].flags
    # rejected transfers do not count
    r4 = c.commit([c.transfer("user-N-3", "user-N-1", 5000)] * 1)
    assert r4.receipts[0].reason is Reason.POLICY_REJECTED


def test_policy_update_can_disable_a_module_from_a_height() -> None:
    c = limits_chain()
    c.commit([c.tx("authority", TxType.POLICY_UPDATE, ["tier-limits", [["enabled", 0]], 2])])
    r = c.commit([c.transfer("user-N-0", "user-N-1", 5000)])
    assert r.receipts[0].reason is Reason.OK


class Counter:
    """A monetary module used to prove the block/epoch hooks are called."""

    name = "counter"

    def validate_params(self, params: dict[str, int]) -> str | None:
        return None

    def on_block_end(self, view: object, height: int, params: dict[str, int]) -> list[str]:
        return [f"block {height}"]

    def on_epoch_end(self, view: object, epoch: int, params: dict[str, int]) -> list[str]:
        return [f"epoch {epoch}"]


def test_monetary_hooks_run_at_block_and_epoch_end() -> None:
    assert isinstance(Counter(), MonetaryPolicy)
    c = Chain(MemoryStore(), epoch_blocks=2)
    c.registry.monetary["counter"] = Counter()
    c.commit([c.tx("authority", TxType.POLICY_UPDATE, ["counter", [], 2])])
    r = c.commit([])
    assert r.notes == ("block 2", "epoch 1")
    assert c.commit([]).notes == ("block 3",)
